"""An option's forward scripts run while the application keeps writing, and how long each lock was held.

:func:`run` executes each forward script statement by statement in its own transaction (as the script
does: ``BEGIN``, ``lock_timeout``, the statements, ``COMMIT``), and between two statements a second
session writes as the application would: it inserts a row into each table the option copies or
moves (a copy of an existing row under a new key), updates one (a marker appended to a text column),
deletes one, and signs a user up (a row in ``auth.users``). The second session waits for no lock
(``lock_timeout`` 10 ms): a write the script's locks hold back is *blocked* (the application would
wait or retry), one that fails otherwise is *rejected*; one that commits is *done*.

After the scripts, every done write must still hold where the application reads: a table the option
moved out of the API (``SET SCHEMA``) is read through the table it created in its place (rows named by
``legacy_id``), so there the inserted row must exist (else it is **lost**), the updated row must
carry its marker (else it is **stale**) and the deleted row must be gone (else it is
**resurrected**). Tables that stay where they are hold their own writes.

Every statement's time is kept, so :attr:`Run.held` says how long each table was held in each mode
that blocks writes (SHARE and stronger), from the statement that took it to the commit: the numbers
a volume rehearsal (many generated rows) reports.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import psycopg

from schemalens.db.autocommit import run_script
from schemalens.decide.decisions import LOCK_TIMEOUT, Option
from schemalens.decide.sqlgen import LOCK_MODES, SHARE, Step, ident, short

WAIT = "10ms"  # the second session's lock_timeout: a write that would queue behind the script is blocked
STRONG = LOCK_MODES[LOCK_MODES.index(SHARE):]  # modes that block writes


@dataclass(frozen=True)
class Write:
    """One write of the second session, after statement ``after`` of ``script``."""

    script: str
    after: int
    kind: str  # insert | update | delete | sign-up
    table: str
    key: str = ""
    outcome: str = "done"  # done | blocked | rejected
    error: str = ""
    marker: str = ""


@dataclass(frozen=True)
class Held:
    script: str
    table: str
    mode: str
    seconds: float
    statements: int  # statements that ran while it was held


@dataclass(frozen=True)
class Run:
    """The forward scripts run with a second session writing between their statements."""

    option: Option = field(repr=False)
    writes: tuple[Write, ...] = ()
    lost: tuple[str, ...] = ()  # "table key: what went wrong", one per write that did not hold
    held: tuple[Held, ...] = ()
    error: str = ""  # a script that failed (its transaction rolled back; later scripts not run)
    seconds: dict[str, float] = field(default_factory=dict)  # per script

    @property
    def ok(self) -> bool:
        return not self.lost

    def blocked(self, kind: str | None = None) -> tuple[Write, ...]:
        return tuple(w for w in self.writes if w.outcome == "blocked" and kind in (None, w.kind))

    def longest(self, mode: str | None = None) -> Held | None:
        found = [h for h in self.held if mode in (None, h.mode)]
        return max(found, key=lambda h: h.seconds) if found else None

    def summary(self, timings: bool = False) -> str:
        """Counts and what did not hold; with ``timings`` the longest lock (not reproducible: not for reports
        that are compared)."""
        done = sum(w.outcome == "done" for w in self.writes)
        head = (f"{len(self.writes)} concurrent writes: {done} done, {len(self.blocked())} blocked by the "
                f"script's locks, {sum(w.outcome == 'rejected' for w in self.writes)} rejected")
        lost = (f"; ❌ {len(self.lost)} did not hold: " + "; ".join(self.lost)) if self.lost else \
            "; every done write holds"
        longest = self.longest() if timings else None
        lock = (f"; longest lock that blocks writes: {longest.mode} on {short(longest.table)} for "
                f"{longest.seconds:.3f} s ({longest.script}.sql)") if longest else ""
        return head + lost + lock + (f"; script failed: {self.error}" if self.error else "")


# The second session -------------------------------------------------------------------------------------


@dataclass
class _Target:
    name: str  # schema.table
    key: str
    text: str | None  # a text column to update
    has_default: bool
    rows: list[str]  # keys, in order; updated and deleted from the front


def _targets(conn: psycopg.Connection, tables: list[str]) -> list[_Target]:
    out = []
    for name in tables:
        row = conn.execute(
            """
            SELECT a.attname, a.atthasdef OR a.attidentity <> '',
                   (SELECT b.attname FROM pg_attribute b WHERE b.attrelid = c.oid AND b.attnum > 0
                    AND NOT b.attisdropped AND b.atttypid = 'text'::regtype ORDER BY b.attnum LIMIT 1)
            FROM pg_class c JOIN pg_constraint k ON k.conrelid = c.oid AND k.contype = 'p'
            JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.conkey[1]
            WHERE c.oid = to_regclass(%s) AND cardinality(k.conkey) = 1""",
            (name,),
        ).fetchone()
        if row is None:
            continue
        key, default, text = row
        keys = [str(r[0]) for r in conn.execute(f"SELECT {ident(key)} FROM {name} ORDER BY 1")]
        out.append(_Target(name, key, text, default, keys))
    return out


def _attempt(conn: psycopg.Connection, sql: str, params: tuple = ()) -> tuple[str, str, list]:
    try:
        with conn.transaction():
            conn.execute(f"SET LOCAL lock_timeout = '{WAIT}'")
            rows = conn.execute(sql, params).fetchall()
        return "done", "", rows
    except psycopg.errors.LockNotAvailable:
        return "blocked", "", []
    except psycopg.Error as e:
        return "rejected", " ".join(str(e).split())[:200], []


def _writes(conn: psycopg.Connection, targets: list[_Target], script: str, after: int, signup: bool) -> list[Write]:
    out = []
    n = f"{script}-{after}"
    for t in targets:
        if t.has_default and t.rows:
            cols = [r[0] for r in conn.execute(
                "SELECT attname FROM pg_attribute WHERE attrelid = to_regclass(%s) AND attnum > 0 "
                "AND NOT attisdropped AND attname <> %s AND attgenerated = '' ORDER BY attnum", (t.name, t.key))]
            listed = ", ".join(ident(c) for c in cols)
            outcome, error, rows = _attempt(
                conn, f"INSERT INTO {t.name} ({listed}) SELECT {listed} FROM {t.name} WHERE {ident(t.key)}::text = %s "
                f"RETURNING {ident(t.key)}::text", (t.rows[-1],))
            out.append(Write(script, after, "insert", t.name, rows[0][0] if rows else "", outcome, error))
        if t.text and t.rows:
            key, marker = t.rows[0], f"[edited {n}]"
            outcome, error, _ = _attempt(
                conn, f"UPDATE {t.name} SET {ident(t.text)} = coalesce({ident(t.text)}, '') || %s "
                f"WHERE {ident(t.key)}::text = %s RETURNING 1", (" " + marker, key))
            out.append(Write(script, after, "update", t.name, key, outcome, error, marker))
        if len(t.rows) > 2:  # keep two rows for the updates and the inserts
            key = t.rows[1]
            outcome, error, rows = _attempt(
                conn, f"DELETE FROM {t.name} WHERE {ident(t.key)}::text = %s RETURNING 1", (key,))
            if outcome == "done":
                t.rows.remove(key)
            out.append(Write(script, after, "delete", t.name, key, outcome, error))
    if signup:
        outcome, error, rows = _attempt(
            conn, "INSERT INTO auth.users (id, email) VALUES (gen_random_uuid(), %s) RETURNING id::text",
            (f"signup-{n}@example.invalid",))
        out.append(Write(script, after, "sign-up", "auth.users", rows[0][0] if rows else "", outcome, error))
    return out


def _signup(conn: psycopg.Connection) -> bool:
    return conn.execute("SELECT to_regclass('auth.users')").fetchone()[0] is not None


# Running ------------------------------------------------------------------------------------------------


def _script(conn: psycopg.Connection, other: psycopg.Connection | None, option: Option, name: str,
            targets: list[_Target], signup: bool) -> tuple[list[Write], list[Held], str, float]:
    steps = option.steps(name)
    writes: list[Write] = []
    started: dict[tuple[str, str], tuple[float, int]] = {}
    t0, paused = time.perf_counter(), 0.0  # paused: the second session's time, left out of every duration
    error = ""
    if option.autocommit(name):  # not one transaction: each statement timed alone (schemalens.db.autocommit)
        return timed_script(conn, option, name, lambda i: _writes(other, targets, name, i, signup) if other else [])
    conn.execute("BEGIN")
    try:
        conn.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
        for i, st in enumerate(steps):
            now = time.perf_counter() - paused
            for lk in st.locks:
                if lk.mode in STRONG:
                    started.setdefault((lk.table, lk.mode), (now, i))
            conn.execute(st.sql)
            if other is not None:
                w0 = time.perf_counter()
                writes += _writes(other, targets, name, i, signup)
                paused += time.perf_counter() - w0
        end = time.perf_counter() - paused
        conn.execute("COMMIT")
    except psycopg.Error as e:
        conn.execute("ROLLBACK")
        end, error = time.perf_counter() - paused, f"{name}.sql: " + " ".join(str(e).split())
    held = [Held(name, tbl, mode, end - at, len(steps) - i) for (tbl, mode), (at, i) in started.items()]
    return writes, held, error, end - t0


def timed_script(conn: psycopg.Connection, option: Option, name: str, between: Callable[[int], list]
                 ) -> tuple[list, list, str, float]:
    """Run script ``name`` in autocommit as :func:`run` runs a script: ``between(i)`` after
    statement ``i`` (the second session's writes, left out of every duration). Returns ``(writes, held, error,
    seconds)``: each lock that blocks writes is held for its statement only (its transactions end inside it)."""
    writes: list = []
    held: list = []
    paused, t0 = 0.0, time.perf_counter()

    def each(i: int, s: Step) -> None:
        nonlocal paused
        s0 = time.perf_counter()
        conn.execute(s.sql)
        took = time.perf_counter() - s0
        held.extend(Held(name, lk.table, lk.mode, took, 1) for lk in s.locks if lk.mode in STRONG)
        w0 = time.perf_counter()
        writes.extend(between(i))
        paused += time.perf_counter() - w0

    error, _, _ = run_script(conn, option, name, each)
    return writes, held, error and f"{name}.sql: {error}", time.perf_counter() - paused - t0


def run(conn: psycopg.Connection, other: psycopg.Connection | None, option: Option) -> Run:
    """Run ``option``'s forward scripts on ``conn`` while ``other`` (an autocommit connection to the same
    database; None: nobody) writes between their statements; then check that every done write holds.
    The durations leave the second session's time out."""
    # the tables it copies or moves, else the ones it alters (ACCESS EXCLUSIVE)
    moved = list(dict.fromkeys(option.moves or [lk.table for st in option.up for lk in st.locks
                                                 if lk.mode == LOCK_MODES[-1]]))
    targets = [] if other is None else _targets(other, moved)
    signup = other is not None and _signup(other)
    where = {t.name: conn.execute("SELECT oid, relnamespace::oid FROM pg_class WHERE oid = to_regclass(%s)",
                                  (t.name,)).fetchone() for t in targets}
    writes: list[Write] = []
    held: list[Held] = []
    seconds: dict[str, float] = {}
    error = ""
    for name in option.scripts:
        if name == "down":
            continue
        w, h, error, s = _script(conn, other, option, name, targets, signup)
        writes, held, seconds[name] = writes + w, held + h, s
        if error:
            break
    lost = [] if error or other is None else _check(other, option, writes, where)
    return Run(option, tuple(writes), tuple(lost), tuple(held), error, seconds)


def _check(conn: psycopg.Connection, option: Option, writes: list[Write], where: dict[str, tuple[int, int]]
           ) -> list[str]:
    out = []
    created = [t for t in option.creates
               if conn.execute("SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass(%s) AND attname = "
                               "'legacy_id' AND NOT attisdropped", (t,)).fetchone()]
    for table_, (oid, schema) in where.items():
        now = conn.execute("SELECT relnamespace::oid FROM pg_class WHERE oid = %s", (oid,)).fetchone()
        if not created or (now is not None and now[0] == schema):
            continue  # still where the application reads it: its own rows are the truth
        new = created[0]
        for w in writes:
            if w.table != table_ or w.outcome != "done":
                continue
            row = conn.execute(f"SELECT to_jsonb(u)::text FROM {new} AS u WHERE u.legacy_id::text = %s",
                               (w.key,)).fetchone()
            when = f"{w.kind} after statement {w.after + 1} of {w.script}.sql"
            if w.kind in ("insert", "update") and row is None:
                out.append(f"{short(table_)} {w.key} ({when}): not in {short(new)} (lost)")
            elif w.kind == "update" and w.marker not in row[0]:
                out.append(f"{short(table_)} {w.key} ({when}): {short(new)} has the old value (stale)")
            elif w.kind == "delete" and row is not None:
                out.append(f"{short(table_)} {w.key} ({when}): still in {short(new)} (resurrected)")
    return out


__all__ = ["Held", "Run", "Write", "run"]
