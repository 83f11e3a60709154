"""Scripts that are not one transaction (issue 20, big tables): the batched backfill and CREATE INDEX CONCURRENTLY.

On the sample (scope-of-cartridges B, index-foreign-keys A) with generated rows and other sessions:

* B's backfill commits batch by batch: while it waits on the last batch, the earlier batches' keys are
  visible to every session, and the application updates and inserts rows of that table without waiting;
  its writes keep their triggers' effect (``updated_at`` moves, ``agency_id`` is derived), while the rows
  the backfill writes keep every old value (no trigger fires for them). Before (main): one transaction
  with the triggers disabled, so nothing was visible and every write waited on SHARE ROW EXCLUSIVE.
* index-foreign-keys A's up.sql builds CONCURRENTLY outside a transaction: SHARE UPDATE EXCLUSIVE, never
  SHARE, and an insert goes through while the build waits; an INVALID index left by a failed build is listed
  by the preflight, makes up.sql fail with file and line, and after DROP INDEX CONCURRENTLY the retry works.
"""

from __future__ import annotations

import threading
import time

import psycopg
import pytest
from conftest import REVOS

from schemalens.assess.compare import analyse
from schemalens.db.autocommit import run_script
from schemalens.db.locks import mode_name, run_observed
from schemalens.db.rehearse import run_check
from schemalens.decide.options import decide
from schemalens.decide.phased import BATCH

ROWS = 3 * BATCH + 10  # four batches in style_cartridges
GENERATE = ("INSERT INTO public.style_cartridges (user_id, name) SELECT u.id, 'generated ' || g "
            "FROM generate_series(1, %s) AS g JOIN public.users u ON u.id = ("
            "'d0000000-0000-0000-0000-00000000000' || (1 + g %% 2))::uuid")


@pytest.fixture(scope="module")
def index_option():
    decisions = decide(analyse(REVOS / "migrations", REVOS / "manifest.yaml"))
    return decisions["index-foreign-keys"].option("A")


def _wait_for(app: psycopg.Connection, pid: int, what: str) -> None:
    for _ in range(400):
        if app.execute("SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = %s", (pid,)).fetchone()[0]:
            return
        time.sleep(0.025)
    raise AssertionError(f"{what} never waited")


def _in_thread(fn) -> tuple[threading.Thread, list]:
    out: list = []
    t = threading.Thread(target=lambda: out.append(fn()))
    t.start()
    return t, out


def test_the_backfill_commits_per_batch_and_the_application_writes_through_it(scope_options, revos_db, pg_server):
    conn, _ = revos_db
    conn.execute(GENERATE, (ROWS,))
    b = scope_options["B"]
    assert "NOT one transaction" in b.script("backfill-style_cartridges") and "BEGIN;" not in b.script(
        "backfill-style_cartridges")
    assert not any("DISABLE TRIGGER" in s.sql for st in b.stages for s in st.steps)
    assert run_observed(conn, b, "up", {})[0] == ""
    before = dict(conn.execute("SELECT id::text, md5((t.*)::text) FROM (SELECT id, user_id, name, updated_at "
                               "FROM public.style_cartridges) AS t").fetchall())
    last = conn.execute("SELECT id FROM public.style_cartridges ORDER BY id DESC LIMIT 1").fetchone()[0]
    with pg_server.connect(conn.info.dbname, autocommit=True) as holder, \
            pg_server.connect(conn.info.dbname, autocommit=True) as app:
        holder.execute("BEGIN")
        holder.execute("SELECT 1 FROM public.style_cartridges WHERE id = %s FOR UPDATE", (last,))
        pid = conn.info.backend_pid
        t, result = _in_thread(lambda: run_script(conn, b, "backfill-style_cartridges"))
        try:
            _wait_for(app, pid, "the backfill")  # on the last batch's row
            filled = app.execute("SELECT count(*) FROM public.style_cartridges WHERE agency_id IS NOT NULL"
                                 ).fetchone()[0]
            assert filled >= 3 * BATCH - 10, filled  # the first batches are committed
            app.execute("SET lock_timeout = '100ms'")
            row, stamp = app.execute("SELECT id, updated_at FROM public.style_cartridges WHERE agency_id IS NOT NULL "
                                     "ORDER BY id LIMIT 1").fetchone()
            app.execute("UPDATE public.style_cartridges SET name = 'renamed by the app' WHERE id = %s", (row,))
            new = app.execute("INSERT INTO public.style_cartridges (user_id, name) VALUES "
                              "('d0000000-0000-0000-0000-000000000001', 'inserted by the app') RETURNING id, agency_id"
                              ).fetchone()
        finally:
            holder.execute("COMMIT")
            t.join(30)
    assert result == [("", "", 1)], result
    moved = app_row = conn.execute("SELECT updated_at, agency_id FROM public.style_cartridges WHERE id = %s",
                                   (row,)).fetchone()
    assert moved[0] > stamp and app_row[1] is not None  # the app's update fired updated_at's trigger
    assert new[1] is not None  # the app's insert got its agency from the derive trigger
    after = dict(conn.execute("SELECT id::text, md5((t.*)::text) FROM (SELECT id, user_id, name, updated_at "
                              "FROM public.style_cartridges) AS t").fetchall())
    assert {k for k in before if before[k] != after.get(k)} == {str(row)}  # the backfill changed no old value
    assert conn.execute("SELECT count(*) FROM public.style_cartridges WHERE agency_id IS NULL").fetchone()[0] == 1
    xacts = conn.execute("SELECT count(DISTINCT xmin::text) FROM public.style_cartridges WHERE name LIKE 'generated %'"
                         ).fetchone()[0]
    assert xacts >= 4, xacts  # one transaction per batch


def test_the_index_is_built_concurrently_outside_a_transaction(index_option, revos_db, pg_server):
    conn, _ = revos_db
    text = index_option.script("up")
    assert "CREATE INDEX CONCURRENTLY" in text and "BEGIN;" not in text and "NOT one transaction" in text
    pid = conn.info.backend_pid
    with pg_server.connect(conn.info.dbname, autocommit=True) as holder, \
            pg_server.connect(conn.info.dbname, autocommit=True) as app:
        holder.execute("BEGIN")  # a running write: the build waits for it, and takes no lock that blocks writes
        holder.execute("UPDATE public.instruction_cartridges SET name = name")
        t, result = _in_thread(lambda: run_observed(conn, index_option, "up", {}))
        try:
            _wait_for(app, pid, "the build")
            modes = {mode_name(m) for (m,) in app.execute(
                "SELECT mode FROM pg_locks WHERE pid = %s AND relation = 'public.instruction_cartridges'::regclass",
                (pid,)).fetchall()}
            app.execute("SET lock_timeout = '100ms'")
            app.execute("INSERT INTO public.instruction_cartridges (user_id, name, instructions) SELECT user_id, "
                        "'app', 'x' FROM public.instruction_cartridges LIMIT 1")
        finally:
            holder.execute("COMMIT")
            t.join(30)
    assert modes == {"SHARE UPDATE EXCLUSIVE"}, modes
    error, _, seen = result[0]
    assert error == "" and all(s.outside for s in seen)
    assert conn.execute("SELECT bool_and(indisvalid) FROM pg_index WHERE indrelid = "
                        "'public.instruction_cartridges'::regclass").fetchone()[0]


def test_an_invalid_index_is_listed_and_the_retry_is_said(index_option, revos_db):
    conn, _ = revos_db
    check = next(c for c in index_option.checks if c.name == "invalid-index")
    assert run_check(conn, check).rows == 0
    name = index_option.up[0].sql.split()[3]
    conn.execute("INSERT INTO public.instruction_cartridges (user_id, name, instructions) SELECT user_id, name, "
                 "instructions FROM public.instruction_cartridges")  # every user_id twice: a unique build fails
    with pytest.raises(psycopg.Error):
        conn.execute(f"CREATE UNIQUE INDEX CONCURRENTLY {name} ON public.instruction_cartridges (user_id)")
    found = run_check(conn, check)
    assert found.rows == 1 and found.check.blocking and "DROP INDEX CONCURRENTLY" in check.meaning
    error, _, _ = run_observed(conn, index_option, "up", {})
    assert error.startswith(f"{index_option.slug}/up.sql:") and "already exists" in error, error
    line = int(error.split(":")[1])
    assert "CREATE INDEX CONCURRENTLY" in index_option.script("up").splitlines()[line - 1]
    conn.execute(f"DROP INDEX CONCURRENTLY public.{name}")
    assert run_observed(conn, index_option, "up", {})[0] == ""
    assert run_check(conn, check).rows == 0
    assert run_observed(conn, index_option, "down", {})[0] == ""  # down: DROP INDEX CONCURRENTLY
    assert conn.execute("SELECT to_regclass(%s)", (f"public.{name}",)).fetchone()[0] is None


def test_b_rollback_never_queues_in_front_of_the_readers_of_agencies(scope_options, revos_db, pg_server):
    """down.sql needs ACCESS EXCLUSIVE on agencies (the column's foreign key goes): while a reader holds it, the
    rollback retries 200 ms at a time, and other readers of agencies wait at most that long (a request queued
    for the 5 s lock_timeout would stop them all that long); it runs once the reader is gone."""
    conn, _ = revos_db
    b = scope_options["B"]
    assert b.down[0].note.startswith("take every lock up front")
    for name in b.scripts[:-1]:
        assert run_observed(conn, b, name, {})[0] == ""
    pid = conn.info.backend_pid
    with pg_server.connect(conn.info.dbname, autocommit=True) as holder, \
            pg_server.connect(conn.info.dbname, autocommit=True) as app:
        holder.execute("BEGIN")
        holder.execute("SELECT count(*) FROM public.agencies")
        t, result = _in_thread(lambda: run_observed(conn, b, "down", {}))
        try:
            app.execute("SET lock_timeout = '1s'")  # an attempt queues in front of readers for 200 ms at most
            reads = 0
            while t.is_alive() and reads < 20:
                if app.execute("SELECT state FROM pg_stat_activity WHERE pid = %s", (pid,)).fetchone()[0] == "active":
                    app.execute("SELECT count(*) FROM public.agencies")  # not stuck behind the rollback
                    reads += 1
                time.sleep(0.05)
        finally:
            holder.execute("COMMIT")
            t.join(30)
    assert reads > 0  # the reads went on while the rollback was trying
    assert result[0][0] == "", result  # and it ran once the reader was gone
    assert conn.execute("SELECT count(*) FROM pg_attribute WHERE attname = 'agency_id' AND NOT attisdropped "
                        "AND attrelid = 'public.style_cartridges'::regclass").fetchone()[0] == 0


def test_rollbacks_that_take_access_exclusive_lock_up_front(scope_options):
    decisions = decide(analyse(REVOS / "migrations", REVOS / "manifest.yaml"))
    c = scope_options["C"].down[0]
    assert c.note.startswith("take every lock up front") and "auth.users" in c.note
    assert "lock_timeout', '200ms'" in c.sql and "lock_not_available" in c.sql
    user_mapping = decisions["user-mapping"].option("A").down[0]
    assert user_mapping.note.startswith("take every lock up front") and "auth.users" in user_mapping.note
    # a rollback that renames or moves tables back locks them under the names they have when it starts
    # (tests/test_rollback_locks.py), once
    assert scope_options["D"].down[0].note.startswith("take every lock up front")
    assert sum(s.note.startswith("take every lock up front") for s in decisions["root-entity"].option("A").down) == 1
