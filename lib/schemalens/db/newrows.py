"""Tenant checks on the tables an option creates: rows for each tenant first, then who reaches whose.

:mod:`schemalens.db.tenancy` compares what users can do before and after an option; a table the option
creates is empty after up (or holds copies only), so a policy that lets one tenant read another's rows
shows nothing there. :func:`check` fills each new table, after the forward scripts and in a transaction
that is rolled back, with one generated row per signed-in user (at most :data:`tenancy.MAX_USERS`),
inserted as the owner and *attributed* to that user through its foreign keys:

* a key to ``auth.users`` takes the user's id;
* a key to another existing table takes a row that user can read there (as ``authenticated`` with their
  claims), the one the fewest other users can read: the row's *anchor* (their tenant);
* a key to another new table takes the row generated for the same user; other columns take
  :func:`schemalens.decide.rowgen.value`, or their default. A row PostgreSQL refuses is listed, not counted.

Then, as each user, it reads, updates (``SET key = key``) and deletes every generated row. Reaching
another user's row is *crossing* unless the user can read one of its anchors (a row of the same client
or agency: the sharing the tenant model already has). A crossing the option did not declare
(``Option.widens``) fails the rehearsal.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

import psycopg

from schemalens.db import tenancy
from schemalens.decide.rowgen import choices, columns, value
from schemalens.decide.sqlgen import ident, short

ACTIONS = ("read", "update", "delete")
AUTH_USERS = "auth.users"

_FKS = """
SELECT k.conkey[1], k.confrelid, k.confrelid::regclass::text, a.attname
FROM pg_catalog.pg_constraint k
JOIN pg_catalog.pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = k.confkey[1]
WHERE k.conrelid = %s AND k.contype = 'f' AND cardinality(k.conkey) = 1"""


@dataclass(frozen=True)
class Crossing:
    """Rows of one user that another user can act on, for one action: ``(user, table:key)`` pairs."""

    action: str
    pairs: tuple[tuple[str, str], ...]
    declared: bool

    def describe(self) -> str:
        users = len({u for u, _ in self.pairs})
        return f"{self.action}: {len(self.pairs)} other users' rows for {users} user{'s' if users != 1 else ''}"


@dataclass(frozen=True)
class NewRows:
    """The generated rows of the new tables and who reached whose."""

    tables: tuple[str, ...] = ()
    rows: int = 0
    users: int = 0
    refused: tuple[str, ...] = ()  # "table: PostgreSQL's reason", one per row not inserted
    crossings: tuple[Crossing, ...] = ()

    @property
    def ok(self) -> bool:
        return all(c.declared for c in self.crossings)

    def summary(self) -> str:
        head = (f"{self.rows} generated rows in {', '.join(short(t) for t in self.tables) or 'no table'}, one per "
                f"user of {self.users}")
        if self.refused:
            head += f" ({len(self.refused)} refused: " + "; ".join(self.refused) + ")"
        if not self.crossings:
            return head + ": no user reaches another tenant's row"
        return head + ": " + "; ".join(f"{'' if c.declared else 'NOT DECLARED '}{c.describe()}" for c in self.crossings)


def _as(conn: psycopg.Connection, user: str) -> None:
    conn.execute("SET LOCAL ROLE authenticated")
    conn.execute("SELECT set_config('request.jwt.claims', %s, true)",
                 (json.dumps({"sub": user, "role": "authenticated"}),))


def _keys(conn: psycopg.Connection, table: str) -> list[str]:
    """The single-column key values of ``table`` the current role can read (none when it cannot)."""
    key = conn.execute("SELECT a.attname FROM pg_constraint k JOIN pg_attribute a ON a.attrelid = k.conrelid "
                       "AND a.attnum = k.conkey[1] WHERE k.conrelid = %s::regclass AND k.contype = 'p'",
                       (table,)).fetchone()
    if key is None:
        return []
    try:
        with conn.transaction(force_rollback=True):
            return [str(r[0]) for r in conn.execute(f"SELECT t.{ident(key[0])}::text FROM {table} AS t ORDER BY 1")]
    except psycopg.Error:
        return []


def check(conn: psycopg.Connection, oids: Iterable[int], declared: Iterable[str] = ()) -> NewRows:
    """Fill the new tables ``oids`` and measure crossings (see the module docstring); nothing is kept.
    ``conn`` must be idle and in autocommit."""
    declared = set(declared)
    oids = list(oids)
    with conn.transaction(force_rollback=True):
        tables = tenancy._tables(conn, oids)
        users = tenancy._users(conn)
        if not tables or not users or conn.execute("SELECT to_regrole('authenticated')").fetchone()[0] is None:
            return NewRows(tuple(t.name for t in tables), 0, len(users))
        mine = {int(t.label) for t in tables}
        fks = {int(t.label): conn.execute(_FKS, (int(t.label),)).fetchall() for t in tables}
        parents = sorted({name for rows in fks.values() for _, rel, name, _ in rows
                          if rel not in mine and name != AUTH_USERS})
        readable: dict[str, dict[str, set[str]]] = {p: {} for p in parents}
        for user in users:
            with conn.transaction(force_rollback=True):
                _as(conn, user)
                for p in parents:
                    readable[p][user] = set(_keys(conn, p))
        everything = {p: _keys(conn, p) for p in parents}
        cols = columns(conn, mine)
        values = choices(conn, mine)
        owner: dict[str, tuple[str, tuple[tuple[str, str], ...]]] = {}  # row name -> (user, anchors)
        made: dict[tuple[int, str], str] = {}  # (new table, user) -> key
        refused: list[str] = []
        for t in tables:
            rel = int(t.label)
            by_col = {num: (frel, fname, fcol) for num, frel, fname, fcol in fks[rel]}
            for i, user in enumerate(users):
                row: dict[str, object] = {}
                anchors: list[tuple[str, str]] = []
                for num, c in cols.get(rel, {}).items():
                    if c.identity or c.name == t.key and c.default:
                        continue
                    if num in by_col:
                        frel, fname, _ = by_col[num]
                        if fname == AUTH_USERS:
                            row[c.name] = user
                        elif frel in mine:
                            row[c.name] = made.get((frel, user))
                        else:
                            mine_to_read = readable[fname].get(user, set())
                            ranked = sorted(mine_to_read, key=lambda k, f=fname: (
                                sum(k in s for s in readable[f].values()), k))
                            v = ranked[0] if ranked else (everything[fname][i % len(everything[fname])]
                                                          if everything[fname] else None)
                            row[c.name] = v
                            if v is not None:
                                anchors.append((fname, v))
                        continue
                    v = value(t.name, c, 100 + i)  # past the numbers rowgen gave the existing rows
                    if c.name in values.get(rel, {}):  # a CHECK lists the values it may take
                        v = values[rel][c.name][i % len(values[rel][c.name])]
                    if v is not ...:
                        row[c.name] = v
                listed = ", ".join(ident(c) for c in row)
                sql = (f"INSERT INTO {t.name} ({listed}) VALUES ({', '.join(['%s'] * len(row))})" if row
                       else f"INSERT INTO {t.name} DEFAULT VALUES")
                try:
                    with conn.transaction():
                        key = conn.execute(sql + f" RETURNING {ident(t.key)}::text", list(row.values())).fetchone()[0]
                except psycopg.Error as e:
                    refused.append(f"{short(t.name)}: {' '.join(str(e.diag.message_primary or e).split())[:160]}")
                    continue
                made[(rel, user)] = key
                owner[f"{t.label}:{key}"] = (user, tuple(anchors))
        found: dict[str, list[tuple[str, str]]] = {a: [] for a in ACTIONS}
        for user in users:
            with conn.transaction(force_rollback=True):
                _as(conn, user)
                for t in tables:
                    k = ident(t.key)
                    sqls = (f"SELECT t.{k}::text FROM {t.name} AS t",
                            f"UPDATE {t.name} AS t SET {k} = t.{k} RETURNING t.{k}::text",
                            f"DELETE FROM {t.name} AS t RETURNING t.{k}::text")
                    for action, sql in zip(ACTIONS, sqls, strict=True):
                        for name in tenancy._names(conn, sql, t.label):
                            if name not in owner:
                                continue
                            who, anchors = owner[name]
                            if who != user and not any(v in readable[p].get(user, set()) for p, v in anchors):
                                found[action].append((user, f"{t.relname}:{name.split(':', 1)[1]}"))
    crossings = tuple(Crossing(a, tuple(sorted(found[a])), a in declared) for a in ACTIONS if found[a])
    return NewRows(tuple(t.name for t in tables), len(owner), len(users), tuple(refused), crossings)


__all__ = ["ACTIONS", "Crossing", "NewRows", "check"]
