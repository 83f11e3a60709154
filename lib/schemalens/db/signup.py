"""An invited user signs up: does the option's trigger on ``auth.users`` give them their row?

Applications invite people by writing their profile row (email, the client they join) before they sign
up, under a key of their own. When an option adds a trigger to ``auth.users``, :func:`invited_signup`
rehearses that sign-up on the throwaway database, in transactions that are rolled back. A plain sign-up
first finds the tables the trigger fills (with an ``email`` column and a single ``uuid`` key that no
foreign key ties to ``auth.users``: a row under the new user's id appears there); for each, it inserts an invited row (as the owner; the other columns copied from an
existing row, so its foreign keys hold), signs up an auth user with the same email, and reads the row
again. The sign-up must succeed and the invited row must then carry the new user's id (**linked**);
an invited row left with its old key (**not linked**: the user sees nothing of what they were invited
to) or a sign-up that fails fails the rehearsal. A table where no invited row can be made is reported
with PostgreSQL's reason, not counted.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import psycopg

from schemalens.decide.sqlgen import ident, short

EMAIL = "invited-signup@example.test"

_PROFILES = """
SELECT c.oid::regclass::text, a.attname
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_constraint k ON k.conrelid = c.oid AND k.contype = 'p' AND cardinality(k.conkey) = 1
JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.conkey[1] AND a.atttypid = 'uuid'::regtype
WHERE c.relkind IN ('r', 'p') AND c.relnamespace <> 'auth'::regnamespace
  AND EXISTS (SELECT FROM pg_catalog.pg_attribute e WHERE e.attrelid = c.oid AND e.attname = 'email'
              AND NOT e.attisdropped)
  AND NOT EXISTS (SELECT FROM pg_catalog.pg_constraint f WHERE f.conrelid = c.oid AND f.contype = 'f'
                  AND f.confrelid = 'auth.users'::regclass AND f.conkey = k.conkey)
ORDER BY 1"""
_TRIGGERS = """
SELECT t.tgname FROM pg_catalog.pg_trigger t
WHERE t.tgrelid = to_regclass('auth.users') AND NOT t.tgisinternal ORDER BY 1"""


@dataclass(frozen=True)
class Invited:
    """One profile table: what an invited user's sign-up did to their row."""

    table: str
    outcome: str  # linked | not linked | sign-up failed | no invited row
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.outcome in ("linked", "no invited row")


@dataclass(frozen=True)
class Signup:
    """The invited sign-up on every profile table, after the option's forward scripts."""

    tables: tuple[Invited, ...] = ()

    @property
    def ok(self) -> bool:
        return all(t.ok for t in self.tables)

    def summary(self) -> str:
        return "; ".join(f"{short(t.table)}: {t.outcome}" + (f" ({t.detail})" if t.detail else "")
                         for t in self.tables) or "the trigger fills no table with an email column"


def triggers(conn: psycopg.Connection) -> set[str]:
    """The names of the user triggers on ``auth.users`` (empty when there is no such table)."""
    if conn.execute("SELECT to_regclass('auth.users')").fetchone()[0] is None:
        return set()
    return {r[0] for r in conn.execute(_TRIGGERS)}


def _message(e: psycopg.Error) -> str:
    return " ".join(str(e.diag.message_primary or e).split())[:200]


def _one(conn: psycopg.Connection, tbl: str, key: str) -> Invited:
    invited, user = str(uuid.uuid4()), str(uuid.uuid4())
    cols = [r[0] for r in conn.execute(
        "SELECT attname FROM pg_catalog.pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 "
        "AND NOT attisdropped AND attgenerated = '' AND attidentity = '' AND attname NOT IN (%s, 'email') "
        "ORDER BY attnum", (tbl, key))]
    listed = ", ".join([ident(key), "email", *map(ident, cols)])
    copied = ", ".join(["%s", "%s", *(f"t.{ident(c)}" for c in cols)])
    try:
        with conn.transaction():
            made = conn.execute(f"INSERT INTO {tbl} ({listed}) SELECT {copied} FROM {tbl} AS t LIMIT 1 RETURNING 1",
                                (invited, EMAIL)).fetchone()
            if made is None:  # an empty table: the columns' own defaults
                conn.execute(f"INSERT INTO {tbl} ({ident(key)}, email) VALUES (%s, %s)", (invited, EMAIL))
    except psycopg.Error as e:
        return Invited(tbl, "no invited row", _message(e))
    try:
        with conn.transaction():
            conn.execute("INSERT INTO auth.users (id, email) VALUES (%s, %s)", (user, EMAIL))
    except psycopg.Error as e:
        return Invited(tbl, "sign-up failed", _message(e))
    keys = [str(r[0]) for r in conn.execute(f"SELECT {ident(key)} FROM {tbl} WHERE email = %s", (EMAIL,))]
    if keys == [user]:
        return Invited(tbl, "linked")
    kept = "the invited row keeps its own key" if invited in keys else f"{len(keys)} rows have the email"
    return Invited(tbl, "not linked", kept + (", and a new row was inserted" if user in keys else ""))


def invited_signup(conn: psycopg.Connection) -> Signup:
    """Rehearse an invited user's sign-up on every profile table (see the module docstring); nothing is kept.
    ``conn`` must be idle and in autocommit."""
    out = []
    with conn.transaction(force_rollback=True):
        candidates = conn.execute(_PROFILES).fetchall()
        # the tables the trigger fills: a plain sign-up gives them a row under the new user's id
        user = str(uuid.uuid4())
        try:
            with conn.transaction():
                conn.execute("INSERT INTO auth.users (id, email) VALUES (%s, %s)", (user, "plain-" + EMAIL))
        except psycopg.Error as e:
            return Signup((Invited("auth.users", "sign-up failed", _message(e)),))
        tables = [(tbl, key) for tbl, key in candidates
                  if conn.execute(f"SELECT FROM {tbl} WHERE {ident(key)} = %s", (user,)).fetchone() is not None]
    for tbl, key in tables:
        with conn.transaction(force_rollback=True):
            out.append(_one(conn, tbl, key))
    return Signup(tuple(out))


__all__ = ["EMAIL", "Invited", "Signup", "invited_signup", "triggers"]
