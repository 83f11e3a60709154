"""Locks observed during a rehearsal: per statement, read from pg_locks, compared with the prediction.

Options written for a small table with rows (and one without): a prediction that is right shows no
mismatch; one that names the wrong mode, or forgets a table, is flagged; a type change that rewrites the
table is seen through its ``relfilenode``; a foreign key's validation is seen as a scan; and the unsafe
mark follows what was observed (a rewrite or ACCESS EXCLUSIVE on a table with rows), not the generator.
"""

from __future__ import annotations

import psycopg
import pytest

from schemalens.db import live
from schemalens.db.locks import mode_name, run_observed
from schemalens.db.rehearse import rehearse_option
from schemalens.decide.decisions import Option
from schemalens.decide.sqlgen import (
    ACCESS_EXCLUSIVE,
    ROW_EXCLUSIVE,
    SHARE_ROW_EXCLUSIVE,
    SHARE_UPDATE_EXCLUSIVE,
    step,
)
from schemalens.present.display import shown


def _option(up, down=()) -> Option:
    return Option("locks", "Z", "z-locks", "Locks on purpose", "", up=tuple(up), down=tuple(down))


@pytest.fixture
def shop(pg_db: psycopg.Connection):
    base = live.baseline(pg_db)
    pg_db.execute("CREATE TABLE public.items (id int PRIMARY KEY, name text NOT NULL, price int)")
    pg_db.execute("CREATE TABLE public.orders (id int PRIMARY KEY, item_id int)")
    pg_db.execute("CREATE TABLE public.empty (id int PRIMARY KEY, n int)")
    pg_db.execute("INSERT INTO public.items VALUES (1, 'a', 10), (2, 'b', 20)")
    pg_db.execute("INSERT INTO public.orders VALUES (1, 1), (2, 2), (3, 1)")
    return pg_db, base


def test_a_right_prediction_shows_no_mismatch_and_a_scan_is_seen(shop) -> None:
    conn, base = shop
    fk = step("ALTER TABLE public.orders ADD CONSTRAINT orders_item_fkey FOREIGN KEY (item_id) "
              "REFERENCES public.items (id)", ("public.orders", SHARE_ROW_EXCLUSIVE),
              ("public.items", SHARE_ROW_EXCLUSIVE), note="add the key")
    drop = step("ALTER TABLE public.orders DROP CONSTRAINT orders_item_fkey", ("public.orders", ACCESS_EXCLUSIVE),
                ("public.items", ACCESS_EXCLUSIVE), note="drop the key")
    r = rehearse_option(conn, _option([fk], [drop]), base)
    assert r.verdict == "proven" and r.lock_mismatches == ()
    up = r.locks[0]
    assert up.script == "up" and up.statement == "add the key" and up.rewritten == ()
    assert {(lk.table, lk.mode) for lk in up.observed} == {("public.orders", SHARE_ROW_EXCLUSIVE),
                                                           ("public.items", SHARE_ROW_EXCLUSIVE)}
    assert dict(up.scanned)["public.orders"] == 3  # the key is validated by reading every order
    # forward takes no ACCESS EXCLUSIVE and rewrites nothing: safe (the rollback's locks are not counted)
    assert r.locks[1].script == "down" and r.locks[1].observed[0].mode == ACCESS_EXCLUSIVE and r.unsafe == ()


def test_a_wrong_or_missing_prediction_is_flagged(shop) -> None:
    conn, base = shop
    wrong = step("ALTER TABLE public.items ADD COLUMN note text", ("public.items", SHARE_UPDATE_EXCLUSIVE),
                 note="add items.note")
    forgot = step("INSERT INTO public.orders VALUES (4, 2)", note="add an order")
    back = [step("DELETE FROM public.orders WHERE id = 4", ("public.orders", ROW_EXCLUSIVE)),
            step("ALTER TABLE public.items DROP COLUMN note", ("public.items", ACCESS_EXCLUSIVE))]
    r = rehearse_option(conn, _option([wrong, forgot], back), base)
    assert r.lock_mismatches == (
        "up.sql, add items.note: predicted SHARE UPDATE EXCLUSIVE on items, took ACCESS EXCLUSIVE",
        "up.sql, add an order: ROW EXCLUSIVE on orders taken, not predicted",
    )
    assert "❌ 2 differ from the prediction" in shown(r)
    assert r.row()["locks"] == "2 differ"


def test_a_rewrite_is_seen_and_makes_the_option_unsafe(shop) -> None:
    conn, base = shop
    retype = step("ALTER TABLE public.items ALTER COLUMN price TYPE bigint", ("public.items", ACCESS_EXCLUSIVE),
                  note="price as bigint")
    back = step("ALTER TABLE public.items ALTER COLUMN price TYPE int", ("public.items", ACCESS_EXCLUSIVE))
    r = rehearse_option(conn, _option([retype], [back]), base)
    assert r.verdict == "proven" and r.lock_mismatches == ()
    assert r.locks[0].rewritten == ("public.items",) and r.locks[1].rewritten == ("public.items",)
    assert r.unsafe == ("up.sql, price as bigint: rewrites items (2 rows) under ACCESS EXCLUSIVE",)
    assert r.row()["unsafe"] == "yes" and "Unsafe by what the rehearsal saw" in shown(r)


def test_the_same_change_on_an_empty_table_is_not_marked(shop) -> None:
    conn, base = shop
    retype = step("ALTER TABLE public.empty ALTER COLUMN n TYPE bigint", ("public.empty", ACCESS_EXCLUSIVE))
    back = step("ALTER TABLE public.empty ALTER COLUMN n TYPE int", ("public.empty", ACCESS_EXCLUSIVE))
    r = rehearse_option(conn, _option([retype], [back]), base)
    assert r.locks[0].rewritten == ("public.empty",) and r.unsafe == () and r.row()["unsafe"] == "no"


def test_a_lock_already_held_in_the_transaction_counts_as_taken(shop) -> None:
    conn, _ = shop
    first = step("ALTER TABLE public.items RENAME COLUMN name TO title", ("public.items", ACCESS_EXCLUSIVE))
    second = step("ALTER TABLE public.items RENAME TO goods", ("public.items", ACCESS_EXCLUSIVE))
    err, state, seen = run_observed(conn, _option([first, second]), "up", {})
    assert err == state == "" and [s.mismatches for s in seen] == [(), ()]
    assert conn.execute("SELECT to_regclass('public.goods') IS NOT NULL").fetchone()[0]


def test_a_failing_statement_is_reported_as_the_file_would_be(shop) -> None:
    conn, _ = shop
    ok = step("ALTER TABLE public.items ADD COLUMN note text", ("public.items", ACCESS_EXCLUSIVE))
    bad = step("ALTER TABLE public.orders ADD CONSTRAINT o_fk FOREIGN KEY (item_id) REFERENCES public.items (name)",
               ("public.orders", SHARE_ROW_EXCLUSIVE), ("public.items", SHARE_ROW_EXCLUSIVE))
    err, state, seen = run_observed(conn, _option([ok, bad]), "up", {})
    assert state == "42830" and err.startswith("z-locks/up.sql:") and "no unique constraint matching given keys" in err
    assert len(seen) == 1  # the statements before the failure were observed; all of it was rolled back
    assert conn.execute("SELECT count(*) FROM information_schema.columns WHERE column_name = 'note'").fetchone()[0] == 0


def test_mode_names() -> None:
    assert [mode_name(m) for m in ("AccessShareLock", "RowExclusiveLock", "AccessExclusiveLock")] == [
        "ACCESS SHARE", ROW_EXCLUSIVE, ACCESS_EXCLUSIVE]
