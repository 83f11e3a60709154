"""Rollbacks that rename or move tables take every lock up front (issue 20): scope-of-cartridges D, root-entity A.

D's down.sql moves the archived tables back (``SET SCHEMA``) and drops ``cartridges`` (ACCESS EXCLUSIVE on
``agencies`` and ``auth.users`` too); root-entity A's drops the compatibility view ``agencies`` and renames
``tenants`` back. Both now start with one statement that locks every table and view they need, under the names
they have at that moment, 200 ms per attempt. With the sample's rows and a session that holds a lock on one of
those tables (a reader in an open transaction), the rehearsal's down.sql:

* waits at most about 200 ms per attempt, never one long wait (before: a single wait of the holder's length,
  up to the 5 s lock_timeout, holding the tables locked before it);
* holds none of the other tables between two attempts, so their readers get through while it retries;
* runs once the holder is gone, and gives back the catalog and every row as they were before up.
"""

from __future__ import annotations

import threading
import time
from dataclasses import replace

import psycopg
from conftest import REVOS
from test_concurrent import UNMAPPABLE

from schemalens.assess.compare import analyse
from schemalens.db import live
from schemalens.db.locks import mode_name, run_observed
from schemalens.db.rehearse import row_checksums
from schemalens.db.sampled import watcher
from schemalens.decide.options import decide
from schemalens.decide.phased import script_locks
from schemalens.decide.sqlgen import ACCESS_EXCLUSIVE
from schemalens.read.diff import diff_schemas

ATTEMPT = 0.2  # lock_up_front's timeout per attempt
SLACK = 0.3  # a loaded machine: samples 10 ms apart, scheduling
HOLD = 1.2  # seconds the other session holds its lock

_LOCKS = """
SELECT n.nspname || '.' || c.relname, l.mode, l.granted FROM pg_catalog.pg_locks l
JOIN pg_catalog.pg_class c ON c.oid = l.relation JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE l.pid = %s AND l.locktype = 'relation' AND c.relkind IN ('r', 'p', 'v')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')"""


def _down_with_a_holder(conn, app, option, held: str, read: str):
    """down.sql of ``option`` on ``conn`` while ``app`` holds ACCESS SHARE on ``held`` for HOLD seconds; every
    10 ms the down's locks, and from a third session three reads of ``read`` (lock_timeout 1 s) while it retries.
    Returns (result of run_observed, samples [(seconds, {(table, mode, granted)})], reads that went through)."""
    pid = conn.info.backend_pid
    result: list = []
    runner = threading.Thread(target=lambda: result.append(run_observed(conn, option, "down", {})))
    samples: list = []
    reads: list = []

    def reader(session) -> None:
        session.execute("SET lock_timeout = '1s'")
        for _ in range(3):
            time.sleep(0.2)
            try:
                session.execute(f"SELECT count(*) FROM {read}")  # not stuck behind the rollback
                reads.append("read")
            except psycopg.errors.LockNotAvailable:
                reads.append("stuck")
            except psycopg.errors.UndefinedTable:
                reads.append("gone")  # the rollback committed meanwhile

    app.execute("BEGIN")
    app.execute(f"SELECT count(*) FROM {held}")
    with watcher(conn) as watch, watcher(conn) as other:
        t0 = time.perf_counter()
        runner.start()
        reading = threading.Thread(target=reader, args=(other,))
        reading.start()
        while time.perf_counter() - t0 < HOLD:
            at = time.perf_counter() - t0
            samples.append((at, {(t, mode_name(m), g) for t, m, g in watch.execute(_LOCKS, (pid,)).fetchall()}))
            time.sleep(0.01)
        app.execute("COMMIT")
        reading.join(30)
    runner.join(30)
    return result[0], samples, reads


def _waits(samples, table: str) -> list[float]:
    """How long each run of consecutive samples waiting for ``table`` lasted (one per attempt)."""
    out, start, last = [], None, None
    for at, locks in samples:
        waiting = any(t == table and not g for t, _, g in locks)
        if waiting and start is None:
            start = at
        if waiting:
            last = at
        if not waiting and start is not None:
            out.append(last - start)
            start = None
    if start is not None:
        out.append(last - start)
    return out


def test_d_rollback_locks_up_front_and_restores(scope_options, revos_db, pg_server) -> None:
    conn, base = revos_db
    conn.execute(UNMAPPABLE)
    d = scope_options["D"]
    first = d.down[0]
    assert first.note.startswith("take every lock up front")
    # the archived tables under the names they have when down.sql starts, then the tables DROP TABLE needs
    assert [(lk.table, lk.mode) for lk in first.locks] == script_locks(d.down[1:])
    assert {lk.table for lk in first.locks} == {"cartridges_archive.style_cartridges",
                                                "cartridges_archive.voice_cartridges",
                                                "cartridges_archive.brand_cartridges",
                                                "cartridges_archive.instruction_cartridges", "public.cartridges",
                                                "public.agencies", "auth.users"}
    assert {lk.mode for lk in first.locks} == {ACCESS_EXCLUSIVE}
    before_catalog, (before_rows, columns) = live.introspect(conn, base), row_checksums(conn)
    for name in d.scripts[:-1]:
        assert run_observed(conn, d, name, {})[0] == ""
    with pg_server.connect(conn.info.dbname, autocommit=True) as app:
        (error, _, seen), samples, reads = _down_with_a_holder(conn, app, d, "public.agencies", "public.cartridges")
    assert error == "", error
    waits = _waits(samples, "public.agencies")
    assert len(waits) >= 2 and max(waits) <= ATTEMPT + SLACK, waits  # several short attempts, not one long wait
    idle = [locks for at, locks in samples if at > 0.05 and not locks]
    assert idle, "between two attempts it holds no table"
    assert reads == ["read"] * 3  # cartridges (locked before agencies in each attempt) was read while it retried
    assert [(lk.table, lk.mode) for lk in seen[0].observed] == sorted((lk.table, lk.mode) for lk in first.locks)
    assert all(s.mismatches == () for s in seen)
    assert [str(x) for x in diff_schemas(before_catalog, live.introspect(conn, base))] == []
    assert row_checksums(conn, columns)[0] == before_rows


def test_root_entity_a_rollback_locks_the_view_and_the_renamed_table_up_front(revos_db, pg_server) -> None:
    conn, base = revos_db
    a = decide(analyse(REVOS / "migrations", REVOS / "manifest.yaml"))["root-entity"].option("A")
    first = a.down[0]
    # the view agencies (dropped first), then tenants (renamed back to agencies last), then clients
    assert [(lk.table, lk.mode) for lk in first.locks] == [("public.agencies", ACCESS_EXCLUSIVE),
                                                          ("public.tenants", ACCESS_EXCLUSIVE),
                                                          ("public.clients", ACCESS_EXCLUSIVE)]
    assert "down.sql: ACCESS EXCLUSIVE on `agencies`, `tenants`, `clients`" in next(
        r.text for r in a.risks if r.kind == "lock")
    before_catalog, (before_rows, columns) = live.introspect(conn, base), row_checksums(conn)
    assert run_observed(conn, a, "up", {})[0] == ""
    with pg_server.connect(conn.info.dbname, autocommit=True) as app:
        (error, _, seen), samples, reads = _down_with_a_holder(conn, app, a, "public.clients", "public.agencies")
    assert error == "", error
    waits = _waits(samples, "public.clients")
    assert len(waits) >= 2 and max(waits) <= ATTEMPT + SLACK, waits
    assert [locks for at, locks in samples if at > 0.05 and not locks]
    assert reads == ["read"] * 3  # the view agencies and tenants behind it were read while it retried
    view = seen[1]
    assert view.statement.startswith("drop the compatibility view") and view.mismatches == ()
    assert [(lk.table, lk.mode) for lk in view.observed] == [("public.agencies", ACCESS_EXCLUSIVE)]
    assert [str(x) for x in diff_schemas(before_catalog, live.introspect(conn, base))] == []
    assert row_checksums(conn, columns)[0] == before_rows


def test_d_rollback_as_before_waits_once_holding_the_tables_it_locked(scope_options, revos_db, pg_server) -> None:
    """Without its first statement (as before issue 20), D's down.sql waits for agencies in one long wait while it
    holds the archived tables and cartridges: their readers are stuck behind it."""
    conn, _ = revos_db
    conn.execute(UNMAPPABLE)
    d = scope_options["D"]
    before = replace(d, down=d.down[1:])
    for name in d.scripts[:-1]:
        assert run_observed(conn, d, name, {})[0] == ""
    with pg_server.connect(conn.info.dbname, autocommit=True) as app:
        (error, _, _), samples, reads = _down_with_a_holder(conn, app, before, "public.agencies", "public.cartridges")
    assert error == ""
    waits = _waits(samples, "public.agencies")
    assert len(waits) == 1 and waits[0] > ATTEMPT + SLACK, waits
    assert "stuck" in reads  # a reader of cartridges timed out behind the rollback
