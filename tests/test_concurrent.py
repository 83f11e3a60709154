"""Options run while the application writes, and on more rows than the seed has.

The sample's scope options on the seed rows (D once its two unmappable rows are gone), with a second
session writing between every two statements (:mod:`schemalens.db.concurrent`): D as it was written
before issue 20 (no lock before the guard and the copies) loses and resurrects the application's
writes; D now holds them back. C no longer blocks sign-ups while it copies. C's rollback check ignores
the application's ordinary updates of the old tables; D's rollback leaves deleted rows deleted. B on
generated rows holds ACCESS EXCLUSIVE only while the catalog changes.
"""

from __future__ import annotations

from dataclasses import replace

import psycopg
import pytest

from schemalens.db import postgres
from schemalens.db.autocommit import apply_script
from schemalens.db.concurrent import run
from schemalens.db.rehearse import run_check
from schemalens.decide.sqlgen import ACCESS_EXCLUSIVE

UNMAPPABLE = ("DELETE FROM public.style_cartridges WHERE user_id = 'da000000-0000-0000-0000-000000000001';"
              "DELETE FROM public.voice_cartridges WHERE user_id = 'da000000-0000-0000-0000-000000000002';")


@pytest.fixture
def revos(revos_db, pg_server):
    """The sample with its seed rows: a connection for the scripts and one for the application."""
    conn, _ = revos_db
    with pg_server.connect(conn.info.dbname, autocommit=True) as app:
        yield conn, app


def test_d_without_its_mirror_triggers_loses_and_resurrects_writes(scope_options, revos) -> None:
    conn, app = revos
    conn.execute(UNMAPPABLE)
    d = scope_options["D"]
    up = tuple(st for st in d.up if "mirror" not in st.note and "writing each change" not in st.note
               and "only the trigger runs public.mirror" not in st.note)
    assert len(up) < len(d.up)
    stages = tuple(replace(s, steps=tuple(st for st in s.steps if not st.sql.startswith(("DROP TRIGGER mirror",
                   "DROP FUNCTION public.mirror")))) for s in d.stages)
    r = run(conn, app, replace(d, up=up, stages=stages))
    # the switch's check sees that the copy is not the old tables any more, and refuses (nothing moved)
    assert r.error and "have no equal copy in cartridges" in r.error


def test_d_keeps_every_write_while_it_copies(scope_options, revos) -> None:
    conn, app = revos
    conn.execute(UNMAPPABLE)
    d = scope_options["D"]
    assert [s.name for s in d.stages] == ["copy", "switch", "validate"] and d.autocommit("copy")
    r = run(conn, app, d)
    assert not r.error and r.ok, (r.error, r.lost)
    old = set(d.moves)
    during = [w for w in r.writes if w.table in old and w.script == "copy"]
    assert {"insert", "update"} <= {w.kind for w in during} and all(w.outcome == "done" for w in during)
    assert any(w.kind == "delete" and w.outcome == "done" for w in r.writes if w.table in old)
    # the old tables are held only for catalog changes: up.sql after its guard, switch.sql after its check
    assert any(w.outcome == "done" for w in r.writes if w.table in old and w.script == "switch")
    assert "every done write holds" in r.summary()
    assert not [h for h in r.held if h.script == "copy"]


def test_c_does_not_block_sign_ups_while_it_copies(scope_options, revos) -> None:
    conn, app = revos
    c = scope_options["C"]
    r = run(conn, app, c)
    assert not r.error and r.ok
    takes_auth = [i for i, st in enumerate(c.up) if any(lk.table == "auth.users" for lk in st.locks)]
    copies = [i for i, st in enumerate(c.up) if st.sql.startswith("INSERT INTO public.cartridges")]
    assert copies and takes_auth and max(copies) < min(takes_auth)  # the foreign keys come after the copies
    signups = {w.after: w.outcome for w in r.writes if w.kind == "sign-up" and w.script == "up"}
    assert all(signups[i] == "done" for i in copies)
    assert all(signups[i] == "blocked" for i in range(min(takes_auth), len(c.up)))
    # the application's writes to the old tables go on during the copies (C keeps them)
    assert any(w.outcome == "done" and w.table in c.moves and w.after in copies for w in r.writes)


def test_c_rollback_check_ignores_ordinary_updates_of_the_old_tables(scope_options, revos) -> None:
    conn, app = revos
    c = scope_options["C"]
    postgres.apply_sql(conn, c.script("up"), "up.sql")
    changed = next(x for x in c.checks if x.name == "changed-rows")
    app.execute("UPDATE public.style_cartridges SET name = name || ' (renamed)'")
    assert run_check(conn, changed).rows == 0
    app.execute("UPDATE public.cartridges SET name = name || ' (edited)' "
                "WHERE legacy_id = 'f1000000-0000-0000-0000-000000000001'")
    result = run_check(conn, changed)
    assert result.rows == 1 and result.sample[0][1] == "f1000000-0000-0000-0000-000000000001"


def test_d_rollback_does_not_bring_back_a_deleted_row(scope_options, revos) -> None:
    conn, app = revos
    conn.execute(UNMAPPABLE)
    d = scope_options["D"]
    for name in d.scripts[:-1]:
        apply_script(conn, d, name)
    gone = "f4000000-0000-0000-0000-000000000001"  # an instruction, deleted by its owner (e.g. GDPR)
    app.execute("DELETE FROM public.cartridges WHERE legacy_id = %s", (gone,))
    postgres.apply_sql(conn, d.script("down"), "down.sql")
    left = {str(r[0]) for r in conn.execute("SELECT id FROM public.instruction_cartridges")}
    assert gone not in left and left == {"f4000000-0000-0000-0000-000000000002"}
    assert conn.execute("SELECT count(*) FROM public.style_cartridges").fetchone()[0] == 3


def test_b_on_generated_rows_holds_access_exclusive_only_while_the_catalog_changes(scope_options, revos) -> None:
    conn, _ = revos
    rows = 30_000
    conn.execute(
        "INSERT INTO public.style_cartridges (user_id, name) SELECT u.id, 'generated ' || g "
        "FROM generate_series(1, %s) AS g JOIN public.users u ON u.id = ("
        "'d0000000-0000-0000-0000-00000000000' || (1 + g %% 2))::uuid", (rows,))
    b = scope_options["B"]
    r = run(conn, None, b)
    assert not r.error, r.error
    assert all(not st.sql.startswith("UPDATE") for st in b.up)  # up.sql writes no row
    assert any(h.script == "up" and h.mode == ACCESS_EXCLUSIVE for h in r.held)
    # the backfills (batched, autocommit, no trigger disabled) and the concurrent index builds hold no lock
    # that blocks writes (tests/test_phased.py)
    assert [h for h in r.held if h.script.startswith("backfill-") or h.script == "index"] == []
    filled = conn.execute("SELECT count(*) FROM public.style_cartridges WHERE agency_id IS NOT NULL").fetchone()[0]
    assert filled == rows + 3  # every mappable row (the seed's Ava has no users row)


def test_a_second_session_is_not_needed_to_time_the_locks(scope_options, pg_db: psycopg.Connection) -> None:
    pg_db.execute("CREATE TABLE public.t (id int PRIMARY KEY)")
    r = run(pg_db, None, replace(scope_options["A"], up=()))
    assert r.writes == () and r.ok and r.held == ()
