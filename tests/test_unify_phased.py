"""scope-of-cartridges D in phases (issue 20, big tables): the old tables are held for catalog changes only.

On generated volume (:func:`schemalens.db.volume.measure`) no lock that blocks writes to the old tables is held
longer than a catalog change, while copy.sql copies every row; and an application writing the old tables from
another thread *while* copy.sql runs (inserts, updates, deletes) finds each of its writes in ``cartridges``
after the switch. Before the phases, D copied inside up.sql under SHARE on the old tables (16–23 s at 100,000
rows per table): every one of these writes would have waited, and it had no copy.sql.

down.sql, too, changes the catalog only: switch.sql installs a trigger on ``cartridges`` that deletes the archived
row of each row deleted there, so the rollback has no row to delete. Before, down.sql deleted those rows itself
while it held ACCESS EXCLUSIVE on the archived tables, ``cartridges``, ``agencies`` and ``auth.users`` (0.95 s at
100,000 rows per table, growing with the rows: sign-ins waited).
"""

from __future__ import annotations

import threading
import time

from conftest import REVOS

from schemalens.db.autocommit import apply_script
from schemalens.db.rehearse import run_check, seed_file
from schemalens.db.volume import measure
from schemalens.read.migrations import discover

UNMAPPABLE = ("DELETE FROM public.style_cartridges WHERE user_id = 'da000000-0000-0000-0000-000000000001';"
              "DELETE FROM public.voice_cartridges WHERE user_id = 'da000000-0000-0000-0000-000000000002';")


def test_d_on_volume_holds_the_old_tables_only_for_catalog_changes(pg_server, scope_options) -> None:
    d = scope_options["D"]
    folder = REVOS / "migrations"
    files, _ = discover(folder)
    m = measure(pg_server, files, folder, seed_file(folder), d, 20_000, down=True, before=UNMAPPABLE)
    assert not m.error, m.error
    assert all(n >= 20_000 for t, n in m.filled.rows if t.endswith("_cartridges"))
    old = set(d.moves)
    holds = [h for h in m.run.held if h.table in old]
    assert {h.script for h in holds} == {"up", "switch"}  # the triggers, then the move; never the copy
    assert not [h for h in m.run.held if h.script == "copy"]
    # the rows are copied in copy.sql; a hold on an old table is a small fraction of that work
    assert m.run.seconds["copy"] > 0.5
    assert max(h.seconds for h in holds) < min(0.5, m.run.seconds["copy"] / 3), holds
    # down.sql (one transaction: every lock held from its first statement to the commit) reads no row
    assert not m.error, m.error
    assert {"ACCESS EXCLUSIVE on auth.users", "ACCESS EXCLUSIVE on agencies"} <= set(m.down_locks)
    assert not [s for s in d.down if s.sql.lstrip().upper().startswith(("DELETE", "UPDATE", "INSERT"))]
    assert m.down_seconds is not None and m.down_seconds < min(0.3, m.run.seconds["copy"] / 3), m.down_seconds


def test_rows_deleted_after_the_switch_stay_deleted_without_a_cleanup(scope_options, revos_db, pg_server) -> None:
    """An application deleting cartridges from another session while the rollback waits for its locks: none of
    those rows comes back, and the check that would see one bypassed by ``session_replication_role`` lists it."""
    conn, _ = revos_db
    conn.execute(UNMAPPABLE)
    conn.execute(
        "INSERT INTO public.style_cartridges (user_id, name) SELECT u.id, 'generated ' || g "
        "FROM generate_series(1, 5000) AS g JOIN public.users u ON u.id = ("
        "'d0000000-0000-0000-0000-00000000000' || (1 + g % 2))::uuid")
    d = scope_options["D"]
    for name in d.scripts[:-1]:
        apply_script(conn, d, name)
    deleted = [r[0] for r in conn.execute(
        "SELECT legacy_id::text FROM public.cartridges WHERE type = 'style' ORDER BY random() LIMIT 50")]
    forgotten = next(c for c in d.checks if c.name == "deleted-rows")
    with pg_server.connect(conn.info.dbname, autocommit=True) as app:
        for k in deleted[:-1]:
            app.execute("DELETE FROM public.cartridges WHERE type = 'style' AND legacy_id = %s", (k,))
        assert run_check(conn, forgotten).rows == 0  # the trigger deleted each archived row as it went
        # a delete that bypasses the trigger is the check's to see (down.sql would bring it back)
        with app.transaction():
            app.execute("SET LOCAL session_replication_role = replica")
            app.execute("DELETE FROM public.cartridges WHERE type = 'style' AND legacy_id = %s", (deleted[-1],))
        result = run_check(conn, forgotten)
        assert result.rows == 1 and str(result.sample[0][1]) == deleted[-1]
        conn.execute("DELETE FROM cartridges_archive.style_cartridges WHERE id = %s", (deleted[-1],))
        # the rollback runs while the application keeps deleting
        later = conn.execute("SELECT legacy_id::text FROM public.cartridges WHERE type = 'style' AND NOT "
                             "legacy_id::text = ANY(%s) LIMIT 20", (deleted,)).fetchall()
        rollback = threading.Thread(target=apply_script, args=(conn, d, "down"))
        rollback.start()
        for (k,) in later:
            try:
                app.execute("DELETE FROM public.cartridges WHERE type = 'style' AND legacy_id = %s", (k,))
                deleted.append(k)
            except Exception:  # noqa: BLE001 - cartridges is gone: the rollback committed
                break
        rollback.join()
    left = {str(r[0]) for r in conn.execute("SELECT id FROM public.style_cartridges")}
    assert not [k for k in deleted if k in left]  # not resurrected
    assert len(left) == 5000 + 3 - len(deleted)


def test_writes_during_the_batched_copy_all_land_in_cartridges(scope_options, revos_db, pg_server) -> None:
    conn, _ = revos_db
    conn.execute(UNMAPPABLE)
    conn.execute(
        "INSERT INTO public.style_cartridges (user_id, name) SELECT u.id, 'generated ' || g "
        "FROM generate_series(1, 25000) AS g JOIN public.users u ON u.id = ("
        "'d0000000-0000-0000-0000-00000000000' || (1 + g % 2))::uuid")
    d = scope_options["D"]
    apply_script(conn, d, "up")
    keys = [str(r[0]) for r in conn.execute("SELECT id FROM public.style_cartridges ORDER BY id")]
    inserted, updated, deleted, failed = [], [], [], []
    copying = threading.Thread(target=apply_script, args=(conn, d, "copy"))
    with pg_server.connect(conn.info.dbname, autocommit=True) as app:
        app.execute("SET lock_timeout = '2s'")
        copying.start()
        n = 0
        while copying.is_alive():
            n += 1
            try:
                row = app.execute("INSERT INTO public.style_cartridges (user_id, name) VALUES "
                                  "('d0000000-0000-0000-0000-000000000001', %s) RETURNING id::text",
                                  (f"written during the copy {n}",)).fetchone()
                inserted.append(row[0])
                # from both ends of the key order: rows copied already and rows the copy has not reached
                key = keys.pop(0 if n % 2 else -1)
                app.execute("UPDATE public.style_cartridges SET name = name || %s WHERE id = %s",
                            (f" [edited {n}]", key))
                updated.append((key, f"[edited {n}]"))
                gone = keys.pop(0 if n % 2 else -1)
                app.execute("DELETE FROM public.style_cartridges WHERE id = %s", (gone,))
                deleted.append(gone)
            except Exception as e:  # noqa: BLE001 - counted: no write may fail
                failed.append(str(e))
            time.sleep(0.01)
        copying.join()
    assert failed == []
    assert len(inserted) >= 3 and len(updated) >= 3 and len(deleted) >= 3  # written while the copy ran
    apply_script(conn, d, "switch")
    apply_script(conn, d, "validate")
    rows = {str(k): name for k, name in conn.execute(
        "SELECT legacy_id, name FROM public.cartridges WHERE type = 'style'")}
    assert all(k in rows for k in inserted)  # not lost
    assert all(k in rows and rows[k].endswith(mark) for k, mark in updated)  # not stale
    assert not [k for k in deleted if k in rows]  # not resurrected
    archived = conn.execute("SELECT count(*) FROM cartridges_archive.style_cartridges").fetchone()[0]
    assert len(rows) == archived == 25_000 + 3 + len(inserted) - len(deleted)
    assert conn.execute("SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'mirror_%'").fetchone()[0] == 0
