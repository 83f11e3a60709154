"""The locks of a statement that ends its own transactions, sampled from a second session while it runs.

A statement run in autocommit that commits inside itself (a batched backfill's ``DO`` block) or runs as
several transactions (``CREATE INDEX CONCURRENTLY``) cannot be observed from its own session the way
:func:`schemalens.db.locks.observe` observes the others: when it returns, its locks are gone.
:func:`sample` runs it on its session in a thread while a second session (:func:`watcher`) reads
``pg_locks`` for that backend's pid over and over until it returns, ``INTERVAL`` seconds apart: the
relation locks it holds on tables and views outside the system schemas (granted) and the ones it waits for (not granted), with the
time each mode was first and last seen on each table.

Sampling can miss a lock: one taken and released between two samples (a statement shorter than the
interval, or a lock held for a moment inside it) is never seen. So a lock seen is certain (it was held,
at least from its first to its last sample), while a lock not seen is only "not seen in N samples"
(:attr:`Samples.count`, the samples taken while the statement was active), never "not taken". A table
created inside the statement and not yet committed is invisible to the second session, and is left out.

It only reads ``pg_locks``, ``pg_stat_activity`` and ``pg_class`` on the second session; the statement
itself runs on the caller's connection as the caller would run it, and its error propagates.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import psycopg

# seconds between two samples; measured on the embedded server (2 shared cores, 1M rows): 350-400 samples/s,
# a 100-batch DO block 3.06 s alone, 3.44 s sampled; CREATE INDEX CONCURRENTLY 0.92 s and 0.90 s
INTERVAL = 0.002

_SAMPLE = """
SELECT a.state, n.nspname || '.' || c.relname, l.mode, l.granted
FROM pg_catalog.pg_stat_activity a
LEFT JOIN pg_catalog.pg_locks l ON l.pid = a.pid AND l.locktype = 'relation'
LEFT JOIN pg_catalog.pg_class c ON c.oid = l.relation AND c.relkind IN ('r', 'p', 'm', 'v')
LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND n.nspname NOT LIKE 'pg_temp%%'
WHERE a.pid = %s"""


@dataclass(frozen=True)
class Seen:
    """One lock mode (``pg_locks.mode``, e.g. ``RowExclusiveLock``) on one table, granted or waited for."""

    table: str  # schema.table
    mode: str
    granted: bool
    first: float  # seconds since the statement started, at the first and last sample it was seen in
    last: float
    samples: int  # samples it was seen in

    @property
    def seconds(self) -> float:
        """How long it was seen (from its first to its last sample): a lower bound of how long it was held."""
        return self.last - self.first


@dataclass(frozen=True)
class Samples:
    """What the second session saw while the statement ran."""

    count: int  # samples taken while the statement was active
    seen: tuple[Seen, ...] = ()
    seconds: float = 0.0  # the statement's time


def watcher(conn: psycopg.Connection) -> psycopg.Connection:
    """A second session to ``conn``'s database, as the same user (autocommit: each sample a fresh look)."""
    params = conn.info.get_parameters()
    password = getattr(conn.info, "password", None)
    return psycopg.connect(**params, **({"password": password} if password else {}), autocommit=True)


def _run(conn: psycopg.Connection, sql: str, out: list) -> None:
    try:
        conn.execute(sql)
    except Exception as e:  # noqa: BLE001 - raised again in the caller's thread
        out.append(e)


def sample(conn: psycopg.Connection, monitor: psycopg.Connection, sql: str, interval: float = INTERVAL) -> Samples:
    """Run ``sql`` on ``conn`` (in autocommit, idle) while ``monitor`` (another session, autocommit) samples its
    relation locks every ``interval`` seconds until it returns (see the module docstring). PostgreSQL's error
    propagates, after the samples are taken."""
    pid = conn.info.backend_pid
    failed: list = []
    seen: dict[tuple[str, str, bool], list] = {}  # (table, mode, granted) -> [first, last, samples]
    count = 0
    worker = threading.Thread(target=_run, args=(conn, sql, failed), daemon=True)
    t0 = time.perf_counter()
    worker.start()
    while worker.is_alive():
        rows = monitor.execute(_SAMPLE, (pid,)).fetchall()
        at = time.perf_counter() - t0
        if rows and rows[0][0] == "active":
            count += 1
            for _, name, mode, granted in rows:
                if name is None:
                    continue
                found = seen.setdefault((name, mode, granted), [at, at, 0])
                found[1], found[2] = at, found[2] + 1
        worker.join(interval)
    took = time.perf_counter() - t0
    if failed:
        raise failed[0]
    return Samples(count, tuple(Seen(t, m, g, a, b, n) for (t, m, g), (a, b, n) in sorted(seen.items())), took)


__all__ = ["INTERVAL", "Samples", "Seen", "sample", "watcher"]
