"""How long each option holds the locks that block writes, on generated volume.

    .venv/bin/python benchmarks/bench_option_locks.py                 # 1,000,000 rows per cartridges table
    .venv/bin/python benchmarks/bench_option_locks.py --rows 100000   # quicker
    .venv/bin/python benchmarks/bench_option_locks.py --options scope-of-cartridges:B

For each option of the sample's scope-of-cartridges decision (and root-entity A), a fresh database of
the embedded server gets the migrations, the seed rows (without the two unmappable cartridges, so D
runs) and ``--rows`` generated rows in each cartridges table (owned by the seed's mapped users); then
the option's forward scripts run statement by statement (``schemalens.db.concurrent.run``, no second
session) and every lock that blocks writes (SHARE and stronger) is listed with how long it was held,
from the statement that took it to the commit, and how many statements ran under it. Scripts in
autocommit (a batched backfill, CREATE INDEX CONCURRENTLY) hold such a lock only per statement; a script
that holds none is listed with its duration. ``--down``: then the rollback, timed as a whole.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "lib"))

from schemalens.assess.compare import analyse
from schemalens.db import postgres
from schemalens.db.autocommit import apply_script
from schemalens.db.concurrent import STRONG, run
from schemalens.db.rehearse import prepared, seed_file
from schemalens.decide.options import decide
from schemalens.decide.sqlgen import short
from schemalens.read.migrations import discover

REVOS = ROOT / "data" / "revos"
TABLES = ("style_cartridges", "voice_cartridges", "brand_cartridges", "instruction_cartridges")
MAPPED = [f"d0000000-0000-0000-0000-00000000000{n}" for n in (1, 2, 4, 5, 7, 8)]


def generate(conn, rows: int) -> None:
    conn.execute("DELETE FROM public.style_cartridges WHERE user_id = 'da000000-0000-0000-0000-000000000001'")
    conn.execute("DELETE FROM public.voice_cartridges WHERE user_id = 'da000000-0000-0000-0000-000000000002'")
    users = "ARRAY[" + ", ".join(f"'{u}'::uuid" for u in MAPPED) + "]"
    extra = {"instruction_cartridges": ", instructions", "brand_cartridges": ""}
    for t in TABLES:
        cols = "user_id, name" + extra.get(t, "")
        vals = f"({users})[1 + g % {len(MAPPED)}], 'generated ' || g" + (", 'text'" if extra.get(t) else "")
        conn.execute(f"INSERT INTO public.{t} ({cols}) SELECT {vals} FROM generate_series(1, {rows}) AS g")
        conn.execute(f"ANALYZE public.{t}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000, help="generated rows per cartridges table")
    ap.add_argument("--options", default="root-entity:A,scope-of-cartridges:B,scope-of-cartridges:C,"
                    "scope-of-cartridges:D", help="decision:key, comma-separated")
    ap.add_argument("--down", action="store_true", help="then run down.sql and time it (every lock it takes is "
                    "held for the whole script)")
    args = ap.parse_args()
    wanted = {tuple(x.split(":")) for x in args.options.split(",")}
    decisions = decide(analyse(REVOS / "migrations", REVOS / "manifest.yaml"))
    chosen = [o for o in decisions.options() if (o.decision, o.key) in wanted]
    folder = REVOS / "migrations"
    files, _ = discover(folder)
    print(f"{args.rows:,} generated rows in each of the 4 cartridges tables\n")
    print("| option | script | table | lock | held (s) | statements under it | script (s) |")
    print("|---|---|---|---|---|---|---|")
    with postgres.server() as srv:
        for option in chosen:
            with prepared(srv, files, folder, seed_file(folder)) as (conn, _):
                t0 = time.perf_counter()
                generate(conn, args.rows)
                gen = time.perf_counter() - t0
                r = run(conn, None, option)
                for h in sorted(r.held, key=lambda h: (option.scripts.index(h.script), -h.seconds)):
                    print(f"| {option.decision} {option.key} | {h.script} | {short(h.table)} | {h.mode} | "
                          f"{h.seconds:.3f} | {h.statements} | {r.seconds.get(h.script, 0):.2f} |")
                for name in option.scripts:  # scripts that hold no lock that blocks writes (autocommit, phased)
                    if name in r.seconds and not any(h.script == name for h in r.held):
                        print(f"| {option.decision} {option.key} | {name} | | none that blocks writes | | | "
                              f"{r.seconds[name]:.2f} |")
                if not r.error and args.down:  # one transaction: its locks are held from the first to the commit
                    t1 = time.perf_counter()
                    apply_script(conn, option, "down")
                    strongest = sorted({f"{lk.mode} on {short(lk.table)}" for st in option.down for lk in st.locks
                                        if lk.mode in STRONG})
                    print(f"| {option.decision} {option.key} | down | {'; '.join(strongest)} | (whole script) | "
                          f"{time.perf_counter() - t1:.3f} | {len(option.down)} | |")
                if r.error:
                    print(f"| {option.decision} {option.key} | failed: {r.error} |||||")
                print(f"<!-- {option.slug}: rows generated in {gen:.1f} s -->", file=sys.stderr)


if __name__ == "__main__":
    main()
