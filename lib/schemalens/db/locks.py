"""Locks observed: each statement of an option's script run alone, its table locks read from ``pg_locks``.

:func:`run_observed` runs one script of an option as the script would (one transaction, the same
``lock_timeout``), statement by statement; after each statement and before the transaction ends it
reads, for its own session only:

* ``pg_locks``: the relation locks the statement added (a mode the transaction already held on a table
  is not taken again and cannot be seen; a predicted lock already held counts as taken);
* ``pg_class.relfilenode`` of every table: a table whose file changed was rewritten (``ALTER COLUMN …
  TYPE``, a volatile default, ``TRUNCATE``, ``CLUSTER``, ``VACUUM FULL``);
* ``pg_stat_xact_user_tables``: rows read by sequential scans (a foreign key validated, a ``NOT NULL``
  checked, an ``UPDATE`` of every row): on a big table the lock is held that long.

Each :class:`StatementLocks` holds the locks the step predicted (:mod:`schemalens.decide.sqlgen`) beside the
ones observed and names every mismatch: the prediction is wrong, or PostgreSQL behaves differently than
the option says. :func:`observed_unsafe` turns what was observed into the unsafe mark: a rewrite, or an
``ACCESS EXCLUSIVE`` lock, on a table that holds rows is unsafe whatever the generator thought.

A script that is not one transaction (:mod:`schemalens.decide.phased`: a batched backfill, ``CREATE INDEX
CONCURRENTLY``) ends its own transactions, so its own session cannot read its locks: :func:`run_observed`
samples them from a second session to the same throwaway database while each statement runs
(:mod:`schemalens.db.sampled`). A lock seen there is certain and is compared with the prediction (a mode
stronger than predicted, or a table not predicted, is a mismatch); a predicted lock not seen is only "not
seen in N samples" (:attr:`StatementLocks.unseen`): sampling misses a lock shorter than its interval.

It reads the catalog and its own session's locks, and, for a statement run in autocommit, that session's locks
from a second session; it never looks at any other session's locks.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import psycopg

from schemalens.core.errors import ApplyError
from schemalens.db import postgres, sampled
from schemalens.decide.decisions import LOCK_TIMEOUT, Option
from schemalens.decide.sqlgen import ACCESS_EXCLUSIVE, LOCK_MODES, Lock, Step, short

_TABLES = """
SELECT c.oid, n.nspname || '.' || c.relname, c.relkind, c.relfilenode
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'm', 'v') AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
  AND n.nspname NOT LIKE 'pg_temp%'"""
_LOCKS = """
SELECT l.relation, l.mode FROM pg_catalog.pg_locks l
WHERE l.pid = pg_catalog.pg_backend_pid() AND l.locktype = 'relation' AND l.granted"""
_SCANS = "SELECT relid, seq_tup_read FROM pg_catalog.pg_stat_xact_user_tables"


def mode_name(lock: str) -> str:
    """PostgreSQL's ``pg_locks.mode`` as the option's mode name.

    >>> mode_name("ShareRowExclusiveLock"), mode_name("AccessExclusiveLock")
    ('SHARE ROW EXCLUSIVE', 'ACCESS EXCLUSIVE')
    """
    return " ".join(w.upper() for w in re.findall("[A-Z][a-z]+", lock.removesuffix("Lock")))


def _stronger(a: str | None, b: str) -> str:
    return b if a is None or LOCK_MODES.index(b) > LOCK_MODES.index(a) else a


@dataclass(frozen=True)
class StatementLocks:
    """One statement of a script: the locks it predicted and the locks, rewrites and scans observed."""

    script: str
    statement: str  # the step's note, or its first line
    predicted: tuple[Lock, ...]
    observed: tuple[Lock, ...]  # the strongest mode per table
    rewritten: tuple[str, ...] = ()  # tables whose file changed
    scanned: tuple[tuple[str, int], ...] = ()  # (table, rows read by sequential scans)
    rows: tuple[tuple[str, int], ...] = ()  # rows each locked or rewritten table held before the script
    outside: bool = False  # ran in autocommit: its transactions end inside it, its own session cannot see its locks
    sampled: bool = False  # outside: a second session sampled its locks while it ran
    samples: int = 0  # sampled: the samples taken while it was active (0: it ended before the first)
    held: tuple[tuple[str, str, float], ...] = ()  # sampled: (table, strongest mode, seconds seen held)
    waited: tuple[Lock, ...] = ()  # sampled: the strongest mode it waited for on each table

    @property
    def mismatches(self) -> tuple[str, ...]:
        """One line per table where prediction and observation differ (empty: they agree). For a statement run
        in autocommit only what was seen counts (a mode stronger than predicted, a table not predicted): a
        predicted lock not seen is in :attr:`unseen`; always empty when it was not sampled."""
        if self.outside:
            return self._beyond() if self.sampled else ()
        want = {lk.table: lk.mode for lk in self.predicted}
        got = {lk.table: lk.mode for lk in self.observed}
        out = []
        for t in sorted(want.keys() | got.keys()):
            if want.get(t) == got.get(t):
                continue
            if t not in got:
                out.append(f"predicted {want[t]} on {short(t)}, none taken")
            elif t not in want:
                out.append(f"{got[t]} on {short(t)} taken, not predicted")
            else:
                out.append(f"predicted {want[t]} on {short(t)}, took {got[t]}")
        return tuple(out)

    def _requested(self) -> dict[str, str]:
        got: dict[str, str] = {}
        for lk in self.observed + self.waited:
            got[lk.table] = _stronger(got.get(lk.table), lk.mode)
        return got

    def _beyond(self) -> tuple[str, ...]:
        want = {lk.table: lk.mode for lk in self.predicted}
        out = []
        for t, mode in sorted(self._requested().items()):
            if t not in want:
                out.append(f"{mode} on {short(t)} seen, not predicted")
            elif LOCK_MODES.index(mode) > LOCK_MODES.index(want[t]):
                out.append(f"predicted {want[t]} on {short(t)}, seen {mode}")
        return tuple(out)

    @property
    def unseen(self) -> tuple[str, ...]:
        """A sampled statement's predicted locks that no sample saw (it may have held them between two samples)."""
        if not self.sampled:
            return ()
        got = self._requested()
        return tuple(f"{lk} not seen in {self.samples} samples" for lk in self.predicted
                     if LOCK_MODES.index(got.get(lk.table, lk.mode)) < LOCK_MODES.index(lk.mode) or lk.table not in got)

    @property
    def unsafe(self) -> tuple[str, ...]:
        """What makes this statement unsafe on the rows it met (see :func:`observed_unsafe`)."""
        rows = dict(self.rows)
        out = [f"rewrites {short(t)} ({rows[t]} rows) under ACCESS EXCLUSIVE" for t in self.rewritten
               if rows.get(t)]
        out += [f"ACCESS EXCLUSIVE on {short(lk.table)} ({rows[lk.table]} rows): blocks its reads and writes, "
                "and waits behind every running query" for lk in self.observed
                if lk.mode == ACCESS_EXCLUSIVE and rows.get(lk.table) and lk.table not in self.rewritten]
        return tuple(out)


def _tables(conn: psycopg.Connection) -> dict[int, tuple[str, str, int]]:
    return {oid: (name, kind, node) for oid, name, kind, node in conn.execute(_TABLES).fetchall()}


def _held(conn: psycopg.Connection) -> set[tuple[int, str]]:
    return {(oid, mode_name(mode)) for oid, mode in conn.execute(_LOCKS).fetchall()}


def _scans(conn: psycopg.Connection) -> dict[int, int]:
    return {oid: n or 0 for oid, n in conn.execute(_SCANS).fetchall()}


def observe(conn: psycopg.Connection, sql: str, predicted: tuple[Lock, ...], script: str, statement: str,
            rows: Mapping[str, int]) -> StatementLocks:
    """Run ``sql`` inside the open transaction of ``conn`` and observe it (see the module docstring);
    ``rows``: the rows each table held before the script. PostgreSQL's error propagates."""
    before, held, scans = _tables(conn), _held(conn), _scans(conn)
    conn.execute(sql)
    after, now, scans_after = _tables(conn), _held(conn), _scans(conn)
    names = {oid: v[0] for oid, v in {**after, **before}.items()}
    observed: dict[str, str] = {}
    for oid, mode in now - held:
        if oid in names:
            observed[names[oid]] = _stronger(observed.get(names[oid]), mode)
    ids = {v[0]: oid for tables in (before, after) for oid, v in tables.items()}
    for lk in predicted:  # a mode already held (e.g. locked up front) is not taken again: it still counts
        if (ids.get(lk.table), lk.mode) in held:
            observed[lk.table] = _stronger(observed.get(lk.table), lk.mode)
    rewritten = tuple(sorted(before[o][0] for o in before.keys() & after.keys() if before[o][2] != after[o][2]))
    scanned = tuple(sorted((names[o], n - scans.get(o, 0)) for o, n in scans_after.items()
                           if o in names and n > scans.get(o, 0)))
    touched = set(observed) | set(rewritten)
    return StatementLocks(script, statement, predicted, tuple(Lock(t, m) for t, m in sorted(observed.items())),
                          rewritten, scanned, tuple(sorted((t, rows[t]) for t in touched if t in rows)))


def observe_sampled(conn: psycopg.Connection, monitor: psycopg.Connection, step: Step, script: str,
                    rows: Mapping[str, int]) -> StatementLocks:
    """Run ``step`` on ``conn`` (autocommit) while ``monitor`` samples its locks (:func:`schemalens.db.sampled.sample`):
    per table the strongest mode seen granted, how long it was seen, and the strongest waited for.
    PostgreSQL's error propagates."""
    found = sampled.sample(conn, monitor, step.sql)
    granted: dict[str, tuple[str, float]] = {}
    waited: dict[str, str] = {}
    for s in found.seen:
        mode = mode_name(s.mode)
        if not s.granted:
            waited[s.table] = _stronger(waited.get(s.table), mode)
        elif s.table not in granted or LOCK_MODES.index(mode) > LOCK_MODES.index(granted[s.table][0]):
            granted[s.table] = (mode, s.seconds)
    touched = granted.keys() | waited.keys()
    return StatementLocks(script, step.note or step.sql.split("\n")[0], step.locks,
                          tuple(Lock(t, m) for t, (m, _) in sorted(granted.items())),
                          rows=tuple(sorted((t, rows[t]) for t in touched if t in rows)), outside=True,
                          sampled=True, samples=found.count,
                          held=tuple((t, m, sec) for t, (m, sec) in sorted(granted.items())),
                          waited=tuple(Lock(t, m) for t, m in sorted(waited.items())))


def run_observed(conn: psycopg.Connection, option: Option, name: str,
                 rows: Mapping[str, int]) -> tuple[str, str, tuple[StatementLocks, ...]]:
    """Run script ``name`` of ``option`` on ``conn`` (autocommit, idle) as its file would run: one
    transaction, ``lock_timeout`` as in the file, committed at the end (a script that is not one
    transaction runs in autocommit, its statements ``outside``, their locks sampled from a second session:
    :func:`observe_sampled`). Returns ``(error, sqlstate,
    statements)``: the error as :func:`schemalens.db.postgres.apply_sql` words it and PostgreSQL's error
    code (both empty when the script ran), and the statements observed (those before a failure; a
    failed script is rolled back)."""
    steps = option.steps(name)
    label = f"{option.slug}/{name}.sql"
    seen: list[StatementLocks] = []
    if not steps:
        return "", "", ()
    if option.autocommit(name):  # not one transaction: as its file runs (schemalens.db.autocommit), sampled
        from schemalens.db.autocommit import run_script

        with sampled.watcher(conn) as monitor:
            error, state, _ = run_script(conn, option, name, lambda i, s: seen.append(
                observe_sampled(conn, monitor, s, name, rows)))
        return error, state, tuple(seen)
    conn.execute("BEGIN")
    try:
        conn.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
        for s in steps:
            seen.append(observe(conn, s.sql, s.locks, name, s.note or s.sql.split("\n")[0], rows))
    except psycopg.Error as failed:
        conn.execute("ROLLBACK")
        try:  # the file itself, for the error as a user running it sees it (file and line)
            postgres.apply_sql(conn, option.script(name), label)
        except ApplyError as e:
            return str(e), failed.sqlstate or "", tuple(seen)
        raise  # the script ran as a file although its statements failed one by one
    conn.execute("COMMIT")
    return "", "", tuple(seen)


def table_rows(conn: psycopg.Connection, sums: Mapping[int, Mapping[str, int]]) -> dict[str, int]:
    """``{schema.table: rows}`` from :func:`schemalens.db.rehearse.row_checksums`' counters, by table name."""
    names = dict(conn.execute("SELECT c.oid, n.nspname || '.' || c.relname FROM pg_catalog.pg_class c "
                              "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
                              "WHERE c.oid = ANY(%s)", (list(sums),)).fetchall())
    return {names[o]: sum(c.values()) for o, c in sums.items() if o in names}


def observed_unsafe(statements: tuple[StatementLocks, ...]) -> tuple[str, ...]:
    """Why the forward scripts are unsafe by what the rehearsal saw (empty: nothing seen): a rewrite, or an
    ``ACCESS EXCLUSIVE`` lock, on a table that held rows."""
    out = [f"{s.script}.sql, {s.statement}: {why}" for s in statements if s.script != "down" for why in s.unsafe]
    return tuple(dict.fromkeys(out))


__all__ = ["StatementLocks", "mode_name", "observe", "observe_sampled", "observed_unsafe", "run_observed", "table_rows"]
