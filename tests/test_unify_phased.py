"""scope-of-cartridges D in phases (issue 20, big tables): the old tables are held for catalog changes only.

On generated volume (:func:`schemalens.db.volume.measure`) no lock that blocks writes to the old tables is held
longer than a catalog change, while copy.sql copies every row; and an application writing the old tables from
another thread *while* copy.sql runs (inserts, updates, deletes) finds each of its writes in ``cartridges``
after the switch. Before the phases, D copied inside up.sql under SHARE on the old tables (16–23 s at 100,000
rows per table): every one of these writes would have waited, and it had no copy.sql.
"""

from __future__ import annotations

import threading
import time

from conftest import REVOS

from schemalens.db.autocommit import apply_script
from schemalens.db.rehearse import seed_file
from schemalens.db.volume import measure
from schemalens.read.migrations import discover

UNMAPPABLE = ("DELETE FROM public.style_cartridges WHERE user_id = 'da000000-0000-0000-0000-000000000001';"
              "DELETE FROM public.voice_cartridges WHERE user_id = 'da000000-0000-0000-0000-000000000002';")


def test_d_on_volume_holds_the_old_tables_only_for_catalog_changes(pg_server, scope_options) -> None:
    d = scope_options["D"]
    folder = REVOS / "migrations"
    files, _ = discover(folder)
    m = measure(pg_server, files, folder, seed_file(folder), d, 20_000, before=UNMAPPABLE)
    assert not m.error, m.error
    assert all(n >= 20_000 for t, n in m.filled.rows if t.endswith("_cartridges"))
    old = set(d.moves)
    holds = [h for h in m.run.held if h.table in old]
    assert {h.script for h in holds} == {"up", "switch"}  # the triggers, then the move; never the copy
    assert not [h for h in m.run.held if h.script == "copy"]
    # the rows are copied in copy.sql; a hold on an old table is a small fraction of that work
    assert m.run.seconds["copy"] > 0.5
    assert max(h.seconds for h in holds) < min(0.5, m.run.seconds["copy"] / 3), holds


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
