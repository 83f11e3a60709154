"""Rows to rehearse with when a project ships none: a few per table, deterministic, FK-consistent.

A rehearsal on empty tables proves nothing about rows: every "rows survive forward and rollback" check
is true on nothing. :func:`generate_rows` fills, on a throwaway database that holds the migrations,
every table the migrations created (and the tables they reference that existed before, such as
Supabase's ``auth.users``) with :data:`ROWS` rows each, read from the catalog:

* tables in foreign-key order; each foreign key (composite too) takes the key of an existing row of
  the referenced table, a self-reference the first row's key (or NULL on the first row); a referenced
  table gets two spare rows, so the edge rows of a one-to-one child (its key is its parent's) find one;
* rows a trigger wrote before the table's turn (a profile row per auth user) are kept, not duplicated;
* ``NOT NULL`` respected; enum columns, and columns a ``CHECK (col IN (…))`` lists the values of, take
  their labels in turn; ``varchar(n)`` and ``char(n)`` values fit;
  identity and ``serial`` columns keep their sequence, generated columns their expression; a value of a
  type it does not know is left to the column's default, or NULL;
* unique and primary keys get distinct values (each row's values derive from its number);
* a table whose triggers or column defaults read the signed-in user (``auth.uid()``, ``auth.jwt()``,
  ``request.jwt…``) gets each row inserted with a user's JWT claims set for that insert only
  (``set_config('request.jwt.claims', …, true)``, still as the owner): the user its parent belongs to (the
  owner of the account an invitation is for), else the user the row names (its key to ``auth.users``), else
  the first generated user, so a trigger that sets
  ``invited_by = auth.uid()`` writes that user instead of NULL, and a column whose default is ``auth.uid()``
  is left to its default (:func:`signed_in_tables`);
* a row a ``CHECK`` (or a trigger) refuses is tried once more with its optional columns NULL and its
  other plain columns as in the first row (keys kept), then left out with PostgreSQL's reason (:attr:`Generated.skipped`): nothing is dropped silently.

Then the edge rows an option's preflight exists for (:attr:`Generated.edges`): for every nullable
foreign key, one row with the key NULL (a row with no path to its parent: *unmappable*); for every
``…_id`` column without a foreign key, one row whose value no table holds (an *orphan*); each edge row has
its own number (its key is no other row's), and a one-to-one child whose every parent has its row already
(a trigger wrote them) gets the edge on one of its existing rows instead. ``<x>_id`` on the table ``x``
itself is the row's own identifier (``models.model_id``), not a reference. The values are
the same on every run, so two rehearsals of one project meet the same rows.

It writes only to the database it is given; the caller creates that database and drops it.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import psycopg

from schemalens.decide.sqlgen import ident, short, singular, table

ROWS = 3  # rows generated per table
ORPHAN_UUID = "00000000-0000-4000-8000-00000000dead"  # a key no generated row holds
ORPHAN_INT = 987654321

_TABLES = """
SELECT c.oid, n.nspname || '.' || c.relname
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
  AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND n.nspname NOT LIKE 'pg_temp%'"""
_COLUMNS = """
SELECT a.attrelid, a.attnum, a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod), a.attnotnull,
       a.atthasdef, a.attidentity, a.attgenerated, t.typtype, t.typcategory,
       coalesce(pg_catalog.pg_get_expr(d.adbin, d.adrelid), ''),
       CASE WHEN t.typtype = 'e' THEN ARRAY(SELECT e.enumlabel::text FROM pg_catalog.pg_enum e
                                            WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder) END,
       CASE WHEN a.atttypmod > 4 AND t.typcategory = 'S' THEN a.atttypmod - 4 END
FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE a.attrelid = ANY(%s) AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attrelid, a.attnum"""
_KEYS = """
SELECT conrelid, contype, conkey, confrelid, confkey FROM pg_catalog.pg_constraint
WHERE conrelid = ANY(%s) AND contype IN ('f', 'p', 'u') ORDER BY conrelid, conname"""


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    not_null: bool
    default: str
    identity: bool  # identity, serial or generated: the server writes it
    enum: tuple[str, ...] = ()
    length: int | None = None
    category: str = ""


@dataclass(frozen=True)
class Generated:
    """What :func:`generate_rows` inserted: ``{table: rows}``, the edge rows and the rows left out."""

    rows: tuple[tuple[str, int], ...]
    edges: tuple[str, ...] = ()  # one line per edge row: table, column, what it exercises
    skipped: tuple[str, ...] = ()  # one line per row PostgreSQL refused, with its reason
    tables: int = field(default=0)
    present: tuple[str, ...] = ()  # tables that had rows before their turn (a trigger wrote them): kept

    @property
    def total(self) -> int:
        return sum(n for _, n in self.rows)

    def describe(self) -> str:
        """One sentence for a report: how many rows, in which tables, which edges, what was refused."""
        filled = ", ".join(f"{short(t)} {n}" for t, n in self.rows)
        text = f"{self.total} generated rows in {len(self.rows)} tables ({filled or 'none'})"
        if self.edges:
            text += f"; {len(self.edges)} of them are edge rows: " + "; ".join(self.edges)
        if self.present:
            text += "; rows a trigger wrote, kept: " + ", ".join(short(t) for t in self.present)
        if self.skipped:
            text += f"; {len(self.skipped)} rows refused: " + "; ".join(self.skipped)
        return text


def _uuid(*parts: Any) -> str:
    return str(uuid.UUID(hashlib.md5(":".join(map(str, parts)).encode()).hexdigest()))


def value(t: str, col: Column, i: int) -> Any:
    """Row ``i``'s value for ``col`` of table ``t``, or ``...`` when the type is not known here (the
    column's default or NULL is used then).

    >>> value("public.users", Column("email", "character varying(255)", True, "", False, length=255), 0)
    'users-1@example.test'
    >>> value("public.t", Column("code", "character(2)", True, "", False, length=2, category="S"), 4)
    'c5'
    >>> value("public.t", Column("at", "timestamp with time zone", True, "", False), 100)  # past January
    '2026-04-11 12:00:00+00'
    """
    base = col.type.split("(")[0].removesuffix("[]")
    if col.type.endswith("[]"):
        return "{}"
    if col.enum:
        return col.enum[i % len(col.enum)]
    if base == "uuid":
        return _uuid(t, col.name, i)
    if base in ("smallint", "integer", "bigint", "numeric", "real", "double precision"):
        return i + 1
    if base == "boolean":
        return i % 2 == 0
    if base in ("date", "timestamp with time zone", "timestamp without time zone"):
        day = (datetime.date(2026, 1, 1) + datetime.timedelta(days=i)).isoformat()  # valid for any i
        return f"{day} 12:00:00+00" if base != "date" else day
    if base in ("time without time zone", "time with time zone"):
        return f"12:{i % 60:02d}:00"
    if base == "interval":
        return f"{i + 1} days"
    if base in ("json", "jsonb"):
        return "{}"
    if base in ("inet", "cidr"):
        return f"10.0.{(i + 1) // 256 % 256}.{(i + 1) % 256}"
    if base == "bytea":
        return bytes([i])
    if col.category == "S" or base in ("text", "citext", "character varying", "character"):
        if "email" in col.name:
            text = f"{t.split('.')[-1]}-{i + 1}@example.test"
        else:
            text = f"{col.name} {i + 1}"
        if col.length is not None and len(text) > col.length:
            text = (col.name[0] + str(i + 1))[-col.length:]
        return text
    return ...


def _orphan(col: Column) -> Any:
    base = col.type.split("(")[0]
    if base == "uuid":
        return ORPHAN_UUID
    if base in ("integer", "bigint"):
        return ORPHAN_INT
    if col.category == "S":
        return "orphan"
    return ...


def _order(tables: Iterable[int], parents: dict[int, set[int]]) -> list[int]:
    """Tables parents first (a cycle is broken where it is found)."""
    out: list[int] = []
    seen: set[int] = set()

    def visit(t: int, path: set[int]) -> None:
        if t in seen or t in path:
            return
        for p in sorted(parents.get(t, ())):
            if p != t:
                visit(p, path | {t})
        seen.add(t)
        out.append(t)

    for t in sorted(tables):
        visit(t, set())
    return out


_CHECKS = """
SELECT conrelid, pg_catalog.pg_get_constraintdef(oid) FROM pg_catalog.pg_constraint
WHERE conrelid = ANY(%s) AND contype = 'c'"""
_IN = re.compile(r"\(*\"?(\w+)\"?\)?(?:::[\w ]+)?\s*=\s*ANY\s*\(+ARRAY\[(.*?)\]")
_LITERAL = re.compile(r"'((?:[^']|'')*)'")


def allowed(definition: str) -> tuple[str, tuple[str, ...]] | None:
    """``(column, values)`` when a CHECK constraint lists the values a column may take.

    >>> allowed("CHECK ((channel = ANY (ARRAY['email'::text, 'sms'::text])))")
    ('channel', ('email', 'sms'))
    >>> allowed("CHECK (((kind)::text = ANY ((ARRAY['a'::character varying, 'b''c'::character varying])::text[])))")
    ('kind', ('a', "b'c"))
    >>> allowed("CHECK ((length(name) > 2))") is None
    True
    """
    m = _IN.search(definition)
    if m is None:
        return None
    values = tuple(v.replace("''", "'") for v in _LITERAL.findall(m.group(2)))
    return (m.group(1), values) if values else None


def choices(conn: psycopg.Connection, oids: Iterable[int]) -> dict[int, dict[str, tuple[str, ...]]]:
    """``{table oid: {column: values}}`` from the CHECK constraints that list a column's values."""
    out: dict[int, dict[str, tuple[str, ...]]] = {}
    for rel, definition in conn.execute(_CHECKS, (list(oids),)).fetchall():
        found = allowed(definition)
        if found is not None:
            out.setdefault(rel, {})[found[0]] = found[1]
    return out


_SIGNED_IN = """
SELECT t.tgrelid FROM pg_catalog.pg_trigger t JOIN pg_catalog.pg_proc p ON p.oid = t.tgfoid
WHERE NOT t.tgisinternal AND t.tgrelid = ANY(%(oids)s) AND p.prosrc ~ %(jwt)s
UNION
SELECT d.adrelid FROM pg_catalog.pg_attrdef d
WHERE d.adrelid = ANY(%(oids)s) AND pg_catalog.pg_get_expr(d.adbin, d.adrelid) ~ %(jwt)s"""
JWT_READERS = r"auth\.(uid|jwt|email|role)\s*\(|request\.jwt"  # what reads the signed-in user's claims


def signed_in_tables(conn: psycopg.Connection, oids: Iterable[int]) -> set[int]:
    """The tables of ``oids`` whose triggers' functions or column defaults read the signed-in user's claims."""
    return {r for (r,) in conn.execute(_SIGNED_IN, {"oids": list(oids), "jwt": JWT_READERS}).fetchall()}


def columns(conn: psycopg.Connection, oids: Iterable[int]) -> dict[int, dict[int, Column]]:
    """``{table oid: {attnum: Column}}`` for the tables ``oids``, read from the catalog."""
    cols: dict[int, dict[int, Column]] = {}
    for (rel, num, name, typ, nn, hasdef, ident_, gen, _typtype, cat, default, labels, length) in conn.execute(
            _COLUMNS, (list(oids),)).fetchall():
        writes = bool(ident_) or bool(gen) or default.startswith("nextval(")
        cols.setdefault(rel, {})[num] = Column(name, typ, nn, default if hasdef else "", writes,
                                               tuple(labels or ()), length, cat)
    return cols


def generate_rows(conn: psycopg.Connection, created: Iterable[int], rows: int = ROWS,
                  edge_rows: bool = True) -> Generated:
    """Insert the rows (see the module docstring) into the tables ``created`` (oids; the tables they
    reference are filled too) on ``conn`` (autocommit); without ``edge_rows``, no unmappable or orphan row (a
    volume run measures the scripts, not the preflights that refuse those rows)."""
    names = dict(conn.execute(_TABLES).fetchall())
    mine = {o for o in created if o in names}
    keys = conn.execute(_KEYS, (list(names),)).fetchall()
    fks = [(r, list(k), fr, list(fk)) for r, kind, k, fr, fk in keys if kind == "f" and r in names and fr in names]
    wanted = set(mine) | {fr for r, _, fr, _ in fks if r in mine}
    parents: dict[int, set[int]] = {}
    for r, _, fr, _ in fks:
        parents.setdefault(r, set()).add(fr)
    cols = columns(conn, wanted)
    listed = choices(conn, wanted)
    # soft references: `x_id` columns without a key, read as the key of the table named x (when one is)
    by_word = {singular(n): o for o, n in names.items() if o in wanted}
    keyed = {(r, n) for r, k, _, _ in fks for n in k}
    pkeys = {r: list(k) for r, kind, k, _, _ in keys if kind == "p"}
    uniq = {(r, n) for r, kind, k, _, _ in keys if kind in ("p", "u") for n in k}
    # (`model_id` on `models` itself is the row's own identifier, e.g. a provider's model name: no reference)
    soft = {(rel, num): (by_word.get(c.name[:-3]) if by_word.get(c.name[:-3]) != rel else None) for rel, cs in cols.items() if rel in mine for num, c in cs.items()
            if c.name.endswith("_id") and (rel, num) not in keyed and num not in pkeys.get(rel, [])
            and _orphan(c) is not ...}

    signed_in = signed_in_tables(conn, wanted)
    auth = next((o for o, n in names.items() if n == "auth.users"), None)
    made: dict[int, list[dict[int, Any]]] = {}
    counts: dict[str, int] = {}
    edges: list[str] = []
    skipped: list[str] = []

    def insert(rel: int, row: dict[int, Any], label: str, retry: bool = False, edge: int = 0) -> bool | str:
        """Insert ``row``; an ``edge`` row (its number among the table's edge rows) whose key is taken is put
        on an existing row instead (:func:`mark`: ``"marked"``)."""
        cs = cols[rel]
        shown = [(n, v) for n, v in row.items() if v is not ...]
        sql = (f"INSERT INTO {table(names[rel])} ({', '.join(ident(cs[n].name) for n, _ in shown)}) "
               f"VALUES ({', '.join(['%s'] * len(shown))})" if shown else f"INSERT INTO {table(names[rel])} DEFAULT VALUES")
        nums = list(cs)
        sql += " RETURNING " + ", ".join(ident(cs[n].name) for n in nums)
        user = user_of(rel, row) if rel in signed_in else None
        try:
            with conn.transaction():
                if user is not None:  # this insert only, as the owner still: the claims a signed-in request has
                    conn.execute("SELECT pg_catalog.set_config('request.jwt.claims', %s, true)",
                                 (json.dumps({"sub": str(user), "role": "authenticated"}),))
                stored = conn.execute(sql, [v for _, v in shown]).fetchone()
        except psycopg.Error as e:
            if edge and e.sqlstate == "23505" and mark(rel, row, edge):
                return "marked"
            loose = {n: v if (rel, n) in keyed or (rel, n) in uniq or (rel, n) in soft or v is ... else
                     None if not cs[n].not_null else value(names[rel], cs[n], 0) for n, v in row.items()}
            if loose != row and not retry:  # a CHECK or trigger may accept the row with its optional columns NULL
                return insert(rel, loose, label, retry=True)
            skipped.append(f"{short(names[rel])} {label}: {' '.join(str(e.diag.message_primary or e).split())}")
            return False
        made.setdefault(rel, []).append(dict(zip(nums, stored, strict=True)))  # as stored: identities, defaults
        counts[names[rel]] = counts.get(names[rel], 0) + 1
        return True

    def mark(rel: int, row: dict[int, Any], edge: int) -> bool:
        """An edge row's values put on the table's ``edge``-th last row, when the new row's key is taken: a
        one-to-one child whose every parent has its row already (a trigger wrote them: a profile per auth
        user) gets its edges on existing rows."""
        pk, there = pkeys.get(rel, []), made.get(rel, [])
        if not pk or len(there) < edge:
            return False
        target = there[-edge]
        values = {n: v for n, v in row.items() if n not in pk and v is not ... and v != target.get(n)
                  and ((rel, n) in soft or (rel, n) in keyed) and (v is None or (rel, n) in soft)}
        if not values:
            return False
        cs = cols[rel]
        sql = (f"UPDATE {table(names[rel])} SET {', '.join(f'{ident(cs[n].name)} = %s' for n in values)} "
               f"WHERE {' AND '.join(f'{ident(cs[n].name)} = %s' for n in pk)}")
        try:
            with conn.transaction():
                conn.execute(sql, [*values.values(), *(target[n] for n in pk)])
        except psycopg.Error:
            return False
        target.update(values)
        return True

    def user_of(rel: int, row: dict[int, Any], depth: int = 0) -> Any:
        """The auth user a row of ``rel`` is written by: its parent's (the owner of the account an invitation is
        for: the one the policies let write it), else its own key to ``auth.users``, else the first user."""
        users = made.get(auth, []) if auth is not None else []
        key = pkeys.get(auth, [None])[0]
        for r, k, fr, fk in fks:
            if r == rel and fr not in (rel, auth) and depth < 2:
                parent = next((p for p in made.get(fr, []) if all(p.get(b) == row.get(a) for a, b in zip(k, fk))), None)
                if parent is not None and (found := user_of(fr, parent, depth + 1)) is not None:
                    return found
        for r, k, fr, _ in fks:
            if r == rel and fr == auth and len(k) == 1 and row.get(k[0]) not in (None, ...):
                return row[k[0]]
        return users[0].get(key) if users and key is not None and depth == 0 else None

    def base_row(rel: int, i: int, parent: int | None = None) -> dict[int, Any]:
        """Row ``i`` of ``rel``, its keys pointing at row ``parent`` (default ``i``) of each parent."""
        p = i if parent is None else parent
        row: dict[int, Any] = {}
        for num, c in cols[rel].items():
            if c.identity:
                continue
            v = value(names[rel], c, i)
            if c.name in listed.get(rel, {}):  # a CHECK lists the values it may take
                v = listed[rel][c.name][i % len(listed[rel][c.name])]
            if re.search(JWT_READERS, c.default):  # the signed-in user's, as the application's inserts get it
                v = ...
            row[num] = v if v is not ... else (... if c.default or c.not_null else None)
        for r, k, fr, fk in fks:
            if r != rel:
                continue
            there = made.get(fr, [])
            if fr == rel:
                source = there[0] if there else None
            else:
                source = there[p % len(there)] if there else None
            for a, b in zip(k, fk, strict=True):
                row[a] = None if source is None else source.get(b)
        for (r, num), target in soft.items():
            if r == rel:
                there = made.get(target, []) if target is not None else []
                key = pkeys.get(target, [None])[0] if target is not None else None
                v = there[p % len(there)].get(key) if there and key is not None else None
                if v is None and cols[rel][num].not_null:  # required, and no table it names: a value of its type
                    g = value(names[rel], cols[rel][num], i)
                    v = None if g is ... else g
                row[num] = v
        return row

    referenced = {fr for _, _, fr, _ in fks}
    present: list[str] = []
    for rel in _order(wanted, parents):
        if rel not in cols:
            continue
        nums = list(cols[rel])
        there = conn.execute(f"SELECT {', '.join(ident(cols[rel][n].name) for n in nums)} FROM {table(names[rel])} "
                             "ORDER BY 1 LIMIT %s", (rows + 2,)).fetchall()
        if there:  # written by a trigger on a table filled before (e.g. a profile row per auth user): kept
            made[rel] = [dict(zip(nums, r, strict=True)) for r in there]
            present.append(names[rel])
        # a referenced table gets two spare rows, so that edge rows of a one-to-one child find a parent
        for i in range(len(there), rows + 2 if rel in referenced else rows):
            insert(rel, base_row(rel, i), f"row {i + 1}")
        if rel not in mine or not edge_rows:
            continue
        wanted_edges = [(k, None, "unmappable row") for r, k, fr, _ in fks  # unmappable: an optional key NULL
                        if r == rel and fr != rel and not any(cols[rel][n].not_null for n in k)]
        wanted_edges += [([num], _orphan(cols[rel][num]), "orphan row") for r, num in soft if r == rel]  # orphan
        for e, (k, v, label) in enumerate(wanted_edges):
            # each edge row its own number past every base row (two with one number are one key twice);
            # the parent: a spare one (unmappable rows the first, orphans the second)
            row = base_row(rel, rows + 2 + e, rows if v is None else rows + 1)
            row.update({n: v for n in k})
            done = insert(rel, row, label, edge=e + 1)
            if done:
                what = "NULL (unmappable)" if v is None else f"= {v} (orphan: no row has it)"
                on = " (on an existing row: every parent has its row)" if done == "marked" else ""
                edges.append(f"{short(names[rel])}: {', '.join(cols[rel][n].name for n in k)} {what}{on}")
    order = [names[o] for o in _order(wanted, parents)]
    return Generated(tuple((t, counts[t]) for t in order if t in counts), tuple(edges), tuple(skipped), len(wanted),
                     tuple(present))


__all__ = ["JWT_READERS", "ROWS", "Column", "Generated", "allowed", "choices", "columns", "generate_rows",
           "signed_in_tables", "value"]
