"""Locks of statements run in autocommit, sampled from a second session while they run (issue 20).

A batched ``DO`` block that commits per batch and ``CREATE INDEX CONCURRENTLY`` end their own transactions:
their session cannot read their locks, a second session samples them (schemalens.db.sampled). On a real
server with generated rows (long enough to be sampled): a right prediction shows no mismatch and the lock seen;
a planted wrong one (a CONCURRENTLY build said to take ROW EXCLUSIVE, a batch said to take ROW EXCLUSIVE that
locks its table in SHARE mode) shows as a mismatch; a lock the statement waits for is seen as a wait; a predicted
lock no sample saw is said "not seen in N samples", never "not taken"; the claims check reads the samples.
"""

from __future__ import annotations

import threading

import psycopg
import pytest

from schemalens.db.locks import run_observed
from schemalens.db.rehearse import Rehearsal, ScriptResult
from schemalens.db.sampled import sample, watcher
from schemalens.decide.claims import wrong_claims
from schemalens.decide.decisions import Option, Risk
from schemalens.decide.phased import BATCH, outside
from schemalens.decide.sqlgen import ROW_EXCLUSIVE, SHARE, SHARE_UPDATE_EXCLUSIVE, step
from schemalens.present.display import shown

ROWS = 200_000


def _option(*up) -> Option:
    return Option("locks", "S", "s-sampled", "Sampled on purpose", "", up=tuple(up), down=())


@pytest.fixture
def big(pg_db: psycopg.Connection) -> psycopg.Connection:
    pg_db.execute("CREATE TABLE public.events (id bigint PRIMARY KEY, kind text NOT NULL, n int)")
    pg_db.execute(f"INSERT INTO public.events SELECT g, 'k' || (g % 7), NULL FROM generate_series(1, {ROWS}) AS g")
    pg_db.execute("ANALYZE public.events")
    return pg_db


def _batches(lock: str = "") -> str:
    """A DO block over public.events that commits every BATCH rows; ``lock``: a statement each batch runs first."""
    return (f"DO $b$ DECLARE lo bigint := 0; BEGIN WHILE lo < {ROWS} LOOP {lock} "
            f"UPDATE public.events SET n = id % 3 WHERE id > lo AND id <= lo + {BATCH}; "
            f"COMMIT; lo := lo + {BATCH}; END LOOP; END $b$")


def test_a_batched_do_block_is_seen_taking_row_exclusive_only(big) -> None:
    right = outside(step(_batches(), ("public.events", ROW_EXCLUSIVE), note="backfill events"))
    error, _, seen = run_observed(big, _option(right), "up", {"public.events": ROWS})
    assert error == ""
    s = seen[0]
    assert s.outside and s.sampled and s.samples > 5, s
    assert [(lk.table, lk.mode) for lk in s.observed] == [("public.events", ROW_EXCLUSIVE)]
    assert s.mismatches == () and s.unseen == ()
    table, mode, seconds = s.held[0]
    assert (table, mode) == ("public.events", ROW_EXCLUSIVE) and seconds > 0
    assert big.execute("SELECT count(*) FROM public.events WHERE n IS NULL").fetchone()[0] == 0  # it ran


def test_a_batch_that_locks_its_table_in_share_mode_is_a_mismatch(big) -> None:
    """The planted wrong prediction: each batch blocks writes (SHARE) while the step says ROW EXCLUSIVE."""
    wrong = outside(step(_batches("LOCK TABLE public.events IN SHARE MODE; PERFORM pg_sleep(0.01);"),
                         ("public.events", ROW_EXCLUSIVE), note="backfill events"))
    r = _rehearsal(big, _option(wrong))
    s = r.locks[0]
    assert s.mismatches == ("predicted ROW EXCLUSIVE on events, seen SHARE",)
    assert r.lock_mismatches == ("up.sql, backfill events: predicted ROW EXCLUSIVE on events, seen SHARE",)
    assert "❌ predicted ROW EXCLUSIVE on events, seen SHARE" in shown(r)


def test_concurrently_is_seen_taking_share_update_exclusive_never_share(big) -> None:
    cic = "CREATE INDEX CONCURRENTLY events_kind_idx ON public.events (kind, n)"
    right = outside(step(cic, ("public.events", SHARE_UPDATE_EXCLUSIVE), note="index events"))
    error, _, (s,) = run_observed(big, _option(right), "up", {})
    assert error == "" and s.sampled and s.samples > 0
    assert [(lk.table, lk.mode) for lk in s.observed] == [("public.events", SHARE_UPDATE_EXCLUSIVE)]
    assert s.mismatches == ()
    big.execute("DROP INDEX public.events_kind_idx")
    planted = outside(step(cic, ("public.events", ROW_EXCLUSIVE), note="index events"))
    error, _, (s,) = run_observed(big, _option(planted), "up", {})
    assert error == "" and s.mismatches == ("predicted ROW EXCLUSIVE on events, seen SHARE UPDATE EXCLUSIVE",)
    big.execute("DROP INDEX public.events_kind_idx")
    said_share = outside(step(cic, ("public.events", SHARE), note="index events"))  # stronger than taken
    error, _, (s,) = run_observed(big, _option(said_share), "up", {})
    assert s.mismatches == () and s.unseen == (f"SHARE on events not seen in {s.samples} samples",)


def test_a_wait_is_seen_and_a_short_statement_is_not_seen_in_its_samples(big, pg_server) -> None:
    with pg_server.connect(big.info.dbname, autocommit=True) as holder, watcher(big) as monitor:
        holder.execute("BEGIN")
        holder.execute("LOCK TABLE public.events IN ACCESS EXCLUSIVE MODE")
        release = threading.Timer(0.3, lambda: holder.execute("COMMIT"))
        release.start()
        found = sample(big, monitor, "UPDATE public.events SET n = 1 WHERE id = 1")
        release.join()
    waits = [(s.table, s.mode) for s in found.seen if not s.granted]
    assert waits == [("public.events", "RowExclusiveLock")] and found.count > 10
    error, _, (s,) = run_observed(big, _option(outside(step("SELECT 1", ("public.events", ROW_EXCLUSIVE),
                                                            note="quick"))), "up", {})
    assert error == "" and s.observed == () and s.mismatches == ()
    assert s.unseen == (f"ROW EXCLUSIVE on events not seen in {s.samples} samples",)


def test_an_error_of_a_sampled_statement_names_the_script_and_line(big) -> None:
    bad = outside(step("CREATE INDEX CONCURRENTLY events_x_idx ON public.events (no_such_column)",
                       ("public.events", SHARE_UPDATE_EXCLUSIVE)))
    error, state, seen = run_observed(big, _option(bad), "up", {})
    assert error.startswith("s-sampled/up.sql:") and "no_such_column" in error and state == "42703"
    assert seen == ()


def _rehearsal(conn, option: Option, risk: str = "") -> Rehearsal:
    error, state, seen = run_observed(conn, option, "up", {})
    risks = (Risk("lock", risk),) if risk else ()
    option = Option(option.decision, option.key, option.slug, option.title, "", up=option.up, down=(), risks=risks)
    return Rehearsal(option, (), (ScriptResult("up", len(option.up), not error, error, 0, state),), locks=seen)


def test_the_lock_claims_of_a_script_in_autocommit_are_checked_against_the_samples(big) -> None:
    backfill = outside(step(_batches(), ("public.events", ROW_EXCLUSIVE), note="backfill events"))
    r = _rehearsal(big, _option(backfill), "up.sql, in autocommit: ROW EXCLUSIVE on events per batch.")
    assert wrong_claims(r) == ()
    r = _rehearsal(big, _option(backfill), "up.sql, in autocommit: ROW SHARE on events.")  # weaker than seen
    assert wrong_claims(r) == ("up.sql: says ROW SHARE on events; observed ROW EXCLUSIVE",)
    r = _rehearsal(big, _option(backfill), "up.sql, in autocommit: SHARE UPDATE EXCLUSIVE on events.")
    samples = r.locks[0].samples
    assert wrong_claims(r) == (f"up.sql: says SHARE UPDATE EXCLUSIVE on events; not seen in {samples} samples (sampled)",)
    # a claim no sample saw, with nothing stronger seen: said as not seen in N samples, not as no lock taken
    quick = outside(step("SELECT 1", ("public.events", ROW_EXCLUSIVE), note="quick"))
    r = _rehearsal(big, _option(quick), "up.sql: ROW EXCLUSIVE on events.")
    samples = r.locks[0].samples
    assert wrong_claims(r) == (f"up.sql: says ROW EXCLUSIVE on events; not seen in {samples} samples (sampled)",)


def test_the_samples_backfill_and_index_scripts_are_seen_as_predicted(scope_options, revos_db) -> None:
    """scope-of-cartridges B on the sample with 30,010 generated rows in style_cartridges: its backfill (a DO
    block, 4 batches) is seen holding ROW EXCLUSIVE on the table and nothing that blocks writes; its index.sql
    (CONCURRENTLY) SHARE UPDATE EXCLUSIVE; no mismatch with the predictions."""
    from test_phased import GENERATE
    from test_phased import ROWS as GENERATED

    conn, _ = revos_db
    conn.execute(GENERATE, (GENERATED,))
    b = scope_options["B"]
    seen = []
    for name in b.scripts[:-1]:
        error, _, found = run_observed(conn, b, name, {})
        assert error == "", error
        seen += found
    backfill = next(s for s in seen if s.script == "backfill-style_cartridges")
    assert backfill.sampled and backfill.samples > 0
    modes = {lk.table: lk.mode for lk in backfill.observed}
    assert modes["public.style_cartridges"] == ROW_EXCLUSIVE, backfill
    assert all(m in ("ACCESS SHARE", "ROW SHARE", ROW_EXCLUSIVE) for m in modes.values()), backfill
    index = [s for s in seen if s.script == "index"]
    assert index and all(s.sampled for s in index)
    assert all(lk.mode == SHARE_UPDATE_EXCLUSIVE for s in index for lk in s.observed)
    style = next(s for s in index if "style_cartridges" in s.statement)  # 30,010 rows: long enough to be seen
    assert [(lk.table, lk.mode) for lk in style.observed] == [("public.style_cartridges", SHARE_UPDATE_EXCLUSIVE)]
    assert [m for s in seen for m in s.mismatches] == []
