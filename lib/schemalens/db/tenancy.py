"""What each signed-in user can do to other people's rows, before and after an option.

A rehearsal runs an option as the owner; the application runs as Supabase's ``authenticated`` role with
the user's JWT claims in ``request.jwt.claims``. :func:`measure` signs in as every user of
``auth.users`` in turn (in a transaction that is rolled back: nothing it tries is kept) and, for each
table the option touches, lists the rows the user can

``read``    ``SELECT`` returns it;
``update``  ``UPDATE … SET key = key`` reaches it and its ``WITH CHECK`` lets the row through;
``delete``  ``DELETE`` reaches it;
``move``    an ``UPDATE`` of one of its foreign-key columns to a value taken from a row the user cannot
            read (another tenant's) succeeds and the value stays (a trigger that derives the column
            puts it back: not moved);
``insert``  a copy of a row the user reads, with one foreign-key column set that way, is inserted and
            keeps the value (named ``<table>:insert:<column>``, not by a row).

A row is named by its key, or by ``legacy_id`` in a table that carries one (a copy made by an option),
so a row copied to a new table is the same row before and after. :func:`widening` compares two
measurements: the rows a user can read, update, delete or move after that they could not before. An
option declares the actions it widens (``Option.widens``, explained in its risks); any other widening
fails its rehearsal, explained with what :mod:`schemalens.read.rls` says the table's policies mean.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field

import psycopg

from schemalens.decide.sqlgen import ident

ACTIONS = ("read", "update", "delete", "move", "insert")
COMMANDS = {"read": ("SELECT", "ALL"), "update": ("UPDATE", "ALL"), "delete": ("DELETE", "ALL"),
            "move": ("UPDATE", "ALL"), "insert": ("INSERT", "ALL")}  # the policies that decide each action
MAX_USERS = 25  # users signed in as (the first, by id)

Rows = dict[str, dict[str, frozenset[str]]]  # action -> user -> row names


@dataclass(frozen=True)
class Access:
    """One measurement: for each action, the rows each user can act on (``table:key`` names)."""

    rows: Rows = field(default_factory=dict)
    tables: tuple[str, ...] = ()
    users: int = 0
    legacy: frozenset[str] = frozenset()  # tables whose rows are named by legacy_id (copies of other rows)
    names: dict[str, str] = field(default_factory=dict)  # table label (oid) -> its name now

    def row(self, name: str) -> str:
        """``notes:1`` for the row named ``<oid>:1``."""
        label, key = name.split(":", 1)
        return f"{self.names.get(label, label)}:{key}"

    def count(self, action: str) -> int:
        """Rows summed over the users (a row two users can read counts twice)."""
        return sum(len(v) for v in self.rows.get(action, {}).values())


@dataclass(frozen=True)
class Widening:
    """Rows some user can act on after the option that they could not before, for one action."""

    action: str
    pairs: tuple[tuple[str, str], ...]  # (user, row), sorted
    declared: bool
    explanation: str = ""

    def describe(self) -> str:
        users = len({u for u, _ in self.pairs})
        head = (f"{self.action}: {len(self.pairs)} row{'s' if len(self.pairs) != 1 else ''} for {users} "
                f"user{'s' if users != 1 else ''}")
        return head + (f"; {self.explanation}" if self.explanation else "")


@dataclass(frozen=True)
class TenantCheck:
    """An option's access before and after, and what widened."""

    before: Access
    after: Access
    widenings: tuple[Widening, ...] = ()

    @property
    def undeclared(self) -> tuple[Widening, ...]:
        return tuple(w for w in self.widenings if not w.declared)

    @property
    def ok(self) -> bool:
        return not self.undeclared

    def summary(self) -> str:
        """``read 12→20, update 6→6, …``; then what widened."""
        counts = ", ".join(f"{a} {self.before.count(a)}→{self.after.count(a)}" for a in ACTIONS)
        widened = "; ".join(f"{'' if w.declared else 'NOT DECLARED '}{w.describe()}" for w in self.widenings)
        return f"{counts} (as {self.after.users} users)" + (f"; widened: {widened}" if widened else "")


def touched(option) -> list[str]:
    """The tables an option's forward scripts lock, then the tables it creates."""
    names = [lk.table for name in option.scripts if name != "down" for st in option.steps(name) for lk in st.locks]
    return list(dict.fromkeys([*names, *option.creates]))


def table_oids(conn: psycopg.Connection, names: Iterable[str]) -> list[int]:
    """The oids of the tables (``schema.table``) that exist, in order, without duplicates."""
    out: list[int] = []
    for name in names:
        oid = conn.execute("SELECT to_regclass(%s)::oid", (name,)).fetchone()[0]
        if oid is not None and oid not in out:
            out.append(oid)
    return out


@dataclass(frozen=True)
class _Table:
    name: str  # as regclass prints it
    label: str  # what rows are known by: the table's oid (it stays through a rename or a move)
    relname: str
    key: str
    name_by: str  # the column that names a row: legacy_id or the key
    fks: tuple[str, ...]  # single-column foreign-key columns (a move sets one of them)
    copy: tuple[str, ...] = ()  # the columns an insert copies (not the key, legacy_id or generated ones);
    # empty when the key has no default (no copy can be made)


def _tables(conn: psycopg.Connection, oids: Iterable[int]) -> list[_Table]:
    out = []
    for oid in oids:
        row = conn.execute(
            """
            SELECT c.oid::regclass::text, c.relname,
                   (SELECT a.attname FROM pg_constraint k
                    JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = k.conkey[1]
                    WHERE k.conrelid = c.oid AND k.contype = 'p' AND cardinality(k.conkey) = 1),
                   EXISTS (SELECT FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'legacy_id'
                           AND NOT a.attisdropped),
                   ARRAY(SELECT a.attname FROM pg_constraint k
                         JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = k.conkey[1]
                         WHERE k.conrelid = c.oid AND k.contype = 'f' AND cardinality(k.conkey) = 1
                         ORDER BY a.attname),
                   ARRAY(SELECT a.attname FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0
                         AND NOT a.attisdropped AND a.attgenerated = '' AND a.attidentity = ''
                         AND a.attname <> 'legacy_id'
                         AND NOT EXISTS (SELECT FROM pg_constraint k WHERE k.conrelid = c.oid AND k.contype = 'p'
                                         AND a.attnum = ANY (k.conkey))
                         ORDER BY a.attnum),
                   (SELECT a.atthasdef OR a.attidentity <> '' FROM pg_constraint k
                    JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = k.conkey[1]
                    WHERE k.conrelid = c.oid AND k.contype = 'p' AND cardinality(k.conkey) = 1)
            FROM pg_class c WHERE c.oid = %s AND c.relkind IN ('r', 'p')""",
            (oid,),
        ).fetchone()
        if row is None or row[2] is None:
            continue  # no single-column key: its rows cannot be named
        name, rel, key, legacy, fks, copy, key_default = row
        out.append(_Table(name, str(oid), rel, key, "legacy_id" if legacy else key, tuple(dict.fromkeys(fks)),
                          tuple(copy) if key_default else ()))
    return out


def _names(conn: psycopg.Connection, sql: str, label: str) -> set[str]:
    """Run ``sql`` (it returns one text column) in a savepoint that is rolled back; its values as names."""
    try:
        with conn.transaction(force_rollback=True):
            return {f"{label}:{r[0]}" for r in conn.execute(sql) if r[0] is not None}
    except psycopg.Error:
        return set()


def _users(conn: psycopg.Connection) -> list[str]:
    if conn.execute("SELECT to_regclass('auth.users')").fetchone()[0] is None:
        return []
    return [str(r[0]) for r in conn.execute("SELECT id FROM auth.users ORDER BY id LIMIT %s", (MAX_USERS,))]


def measure(conn: psycopg.Connection, oids: Iterable[int]) -> Access:
    """What every user of ``auth.users`` can do to the rows of the tables ``oids`` (see the module
    docstring). Runs in a transaction that is rolled back; ``conn`` must be idle and in autocommit."""
    rows: Rows = {a: {} for a in ACTIONS}
    with conn.transaction(force_rollback=True):
        tables = _tables(conn, oids)
        users = _users(conn)
        # every row's name, key and foreign-key values, read as the owner
        values: dict[str, list[tuple]] = {}
        for t in tables:
            cols = ", ".join(f"t.{ident(c)}::text" for c in (t.name_by, t.key, *t.fks))
            values[t.name] = conn.execute(f"SELECT {cols} FROM {t.name} AS t").fetchall()
        authenticated = conn.execute("SELECT to_regrole('authenticated')").fetchone()[0] is not None
        if not authenticated:
            return Access(rows, tuple(t.name for t in tables), 0)
        for user in users:
            claims = json.dumps({"sub": user, "role": "authenticated"})
            with conn.transaction(force_rollback=True):
                conn.execute("SET LOCAL ROLE authenticated")
                conn.execute("SELECT set_config('request.jwt.claims', %s, true)", (claims,))
                for t in tables:
                    _one(conn, t, user, values[t.name], rows)
    return Access({a: {u: frozenset(v) for u, v in us.items()} for a, us in rows.items()},
                  tuple(t.name for t in tables), len(users),
                  frozenset(t.label for t in tables if t.name_by != t.key), {t.label: t.relname for t in tables})


def _one(conn: psycopg.Connection, t: _Table, user: str, values: list[tuple], rows: Rows) -> None:
    name_by, key = ident(t.name_by), ident(t.key)
    read = _names(conn, f"SELECT t.{name_by}::text FROM {t.name} AS t", t.label)
    update = _names(conn, f"UPDATE {t.name} AS t SET {key} = t.{key} RETURNING t.{name_by}::text", t.label)
    delete = _names(conn, f"DELETE FROM {t.name} AS t RETURNING t.{name_by}::text", t.label)
    if not delete and values:  # one row's references may block the whole statement: try each row
        delete = set().union(*(
            _names(conn, f"DELETE FROM {t.name} AS t WHERE t.{key}::text = {_lit(v[1])} "
                         f"RETURNING t.{name_by}::text", t.label) for v in values))
    moved: set[str] = set()
    unread = [v for v in values if f"{t.label}:{v[0]}" not in read]
    for v in values:
        if f"{t.label}:{v[0]}" not in update:
            continue
        for i, col in enumerate(t.fks):
            target = next((u[2 + i] for u in unread if u[2 + i] is not None and u[2 + i] != v[2 + i]), None)
            if target is None:
                continue
            sql = (f"UPDATE {t.name} AS t SET {ident(col)} = {_lit(target)} WHERE t.{key}::text = {_lit(v[1])} "
                   f"RETURNING CASE WHEN t.{ident(col)}::text = {_lit(target)} THEN t.{name_by}::text END")
            if _names(conn, sql, t.label):
                moved.add(f"{t.label}:{v[0]}")
                break
    # insert: a copy of a row the user reads, with a foreign-key column set to another tenant's value
    inserted: set[str] = set()
    own = next((v for v in values if f"{t.label}:{v[0]}" in read), None)
    if own is not None and t.copy:
        for i, col in enumerate(t.fks):
            target = next((u[2 + i] for u in unread if u[2 + i] is not None and u[2 + i] != own[2 + i]), None)
            if target is None:
                continue
            listed = ", ".join(ident(c) for c in t.copy)
            chosen = ", ".join(_lit(target) if c == col else f"t.{ident(c)}" for c in t.copy)
            sql = (f"INSERT INTO {t.name} ({listed}) SELECT {chosen} FROM {t.name} AS t WHERE t.{key}::text = "
                   f"{_lit(own[1])} RETURNING CASE WHEN {ident(col)}::text = {_lit(target)} THEN {_lit(col)} END")
            inserted |= _names(conn, sql, f"{t.label}:insert")
    for action, found in zip(ACTIONS, (read, update, delete, moved, inserted)):
        rows[action].setdefault(user, set()).update(found)


def _lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def widening(before: Access, after: Access, declared: Iterable[str] = (),
             explain: dict[str, list[tuple[str, str]]] | None = None) -> TenantCheck:
    """Compare two measurements; ``declared``: the actions the option says it widens; ``explain``:
    ``{table name: what its policies mean}`` (:func:`explain_tables`) for the tables that widened."""
    declared = set(declared)
    out = []
    for action in ACTIONS:
        b, a = before.rows.get(action, {}), after.rows.get(action, {})
        pairs = tuple(sorted((u, after.row(r)) for u, found in a.items() for r in found
                             if not _had(r, b.get(u, frozenset()), after.legacy)))
        if pairs:
            labels = sorted({r.split(":", 1)[0] for _, r in pairs})
            why = "; ".join(
                f"{lbl}: " + "; ".join(text for command, text in explain[lbl] if command in COMMANDS[action])
                for lbl in labels if explain and any(c in COMMANDS[action] for c, _ in explain.get(lbl, ())))
            out.append(Widening(action, pairs, action in declared, why))
    return TenantCheck(before, after, tuple(out))


def _had(row: str, before: frozenset[str], legacy: frozenset[str]) -> bool:
    """``row`` was among ``before``; a copy (named by ``legacy_id``) is its original, in any table."""
    label, key = row.split(":", 1)
    return row in before or (label in legacy and any(r.split(":", 1)[1] == key for r in before))


def _policy_text(schema, p, explain) -> str:
    kind = "restrictive " if not p.permissive else ""
    return f"{kind}policy {p.name!r} ({p.command}): {explain(schema, p).describe() or 'no owner or membership term'}"


def explain_tables(schema, labels: Iterable[str]) -> dict[str, list[tuple[str, str]]]:
    """``{table: [(command, the policy as rls reads it)]}`` for the tables named ``labels``."""
    from schemalens.read.rls import explain

    out = {}
    for label in labels:
        policies = [p for p in schema.policies if p.table.split(".")[-1] == label]
        if policies:
            out[label] = [(p.command, _policy_text(schema, p, explain)) for p in policies]
    return out


__all__ = ["ACTIONS", "Access", "TenantCheck", "Widening", "explain_tables", "measure", "table_oids", "touched", "widening"]
