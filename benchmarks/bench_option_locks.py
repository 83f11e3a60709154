"""How long each option holds the locks that block writes, on generated volume, for any project.

    .venv/bin/python benchmarks/bench_option_locks.py                                  # revos, 100,000 rows per table
    .venv/bin/python benchmarks/bench_option_locks.py revos --options scope-of-cartridges:B --rows 1000000
    .venv/bin/python benchmarks/bench_option_locks.py revos acme basejump chatbot-ui nextjs-subscription-payments \\
        chatgpt-your-files --down
    .venv/bin/python benchmarks/bench_option_locks.py --migrations DIR --manifest FILE   # any other project

For each option of each project: a fresh database of the embedded server with the migrations, the project's
seed (or rows of ``schemalens.decide.rowgen`` without edge rows), every table the option touches copied to
``--rows`` rows and analysed (``schemalens.db.volume``); then the option's forward scripts run statement by
statement (no second session) and every lock that blocks writes (SHARE and stronger) is listed with how
long it was held, from the statement that took it to the commit, and how many statements ran under it.
Scripts in autocommit (a batched backfill, CREATE INDEX CONCURRENTLY) hold such a lock only per statement; a
script that holds none is listed with its duration. ``--down``: then the rollback, timed as a whole.

revos: its seed's two unmappable cartridges are deleted first (so scope-of-cartridges D runs, as before).
The apps are read from the real-world checkouts (``/work/realworld/<name>``, or ``--realworld``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "lib"))

from bench_tenants import APPS, SAMPLES, project

from schemalens.assess.compare import analyse
from schemalens.db import postgres
from schemalens.db.rehearse import seed_file
from schemalens.db.volume import ROWS, measure
from schemalens.decide.options import decide
from schemalens.decide.sqlgen import short
from schemalens.read.project import load_project

BEFORE = {  # rows of a project's seed that an option's preflight refuses (the benchmark measures the scripts)
    "revos": "DELETE FROM public.style_cartridges WHERE user_id = 'da000000-0000-0000-0000-000000000001';"
             "DELETE FROM public.voice_cartridges WHERE user_id = 'da000000-0000-0000-0000-000000000002';",
    "revos user-mapping:A": "INSERT INTO auth.users (id, email) SELECT u.id, u.email FROM public.users AS u "
                            "WHERE NOT EXISTS (SELECT 1 FROM auth.users AS a WHERE a.id = u.id);",
}


def summary(name: str, m) -> str:
    """One row per option: the longest write-blocking hold, every script's duration, the rollback, the rows."""
    option, r = m.option, m.run
    longest = m.longest()
    hold = f"{longest.seconds:.3f} ({longest.script}: {longest.mode} on {short(longest.table)})" if longest else "none"
    scripts = ", ".join(f"{s} {r.seconds[s]:.2f}" for s in option.scripts if s in r.seconds)
    down = "" if m.down_seconds is None else f"{m.down_seconds:.3f}"
    rows = max((n for _, n in m.filled.rows), default=0)
    note = m.error or ("not filled: " + "; ".join(m.filled.refused) if m.filled.refused else "")
    return (f"| {name} | {option.decision} {option.key} | {hold} | {scripts} | {down} | {rows:,} | "
            f"{note.replace('|', '/')} |")


def rows_of(name: str, migrations: str, manifest: str, args: argparse.Namespace, summaries: list[str]) -> list[str]:
    findings = analyse(migrations, manifest)
    wanted = {tuple(x.split(":")) for x in args.options.split(",")} if args.options else None
    chosen = [o for o in decide(findings).options() if wanted is None or (o.decision, o.key) in wanted]
    files = load_project(migrations).files
    seed = seed_file(migrations)
    out = []
    with postgres.server() as srv:
        for option in chosen:
            m = measure(srv, files, migrations, seed, option, args.rows, args.down,
                        BEFORE.get(name, "") + BEFORE.get(f"{name} {option.decision}:{option.key}", ""),
                        platform=findings.manifest.platform if findings.manifest else None)
            label = f"{name} | {option.decision} {option.key}"
            print(f"<!-- {label}: {m.filled.describe()} (filled in {m.filled.seconds:.1f} s) -->", file=sys.stderr)
            r = m.run
            for h in sorted(r.held, key=lambda h: (option.scripts.index(h.script), -h.seconds)):
                out.append(f"| {label} | {h.script} | {short(h.table)} | {h.mode} | {h.seconds:.3f} | {h.statements} "
                           f"| {r.seconds.get(h.script, 0):.2f} |")
            for script in option.scripts:  # scripts that hold no lock that blocks writes (autocommit, phased)
                if script in r.seconds and not any(h.script == script for h in r.held):
                    out.append(f"| {label} | {script} | | none that blocks writes | | | {r.seconds[script]:.2f} |")
            if m.down_seconds is not None:
                out.append(f"| {label} | down | {'; '.join(m.down_locks)} | (whole script) | {m.down_seconds:.3f} | "
                           f"{len(option.down)} | |")
            if m.error:
                out.append(f"| {label} | failed: {m.error.replace('|', '/')} ||||||")
            if m.filled.refused:
                out.append(f"| {label} | not filled: {'; '.join(m.filled.refused).replace('|', '/')} ||||||")
            summaries.append(summary(name, m))
            longest = m.longest()
            print(f"<!-- {label}: longest {longest.mode + ' on ' + short(longest.table) if longest else 'none'} "
                  f"{longest.seconds if longest else 0:.3f} s {m.error} -->", file=sys.stderr, flush=True)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("projects", nargs="*", default=["revos"], help=f"of {', '.join((*SAMPLES, *APPS))}")
    ap.add_argument("--rows", type=int, default=ROWS, help="rows in each table an option touches")
    ap.add_argument("--options", default="", help="decision:key, comma-separated (default: every option)")
    ap.add_argument("--down", action="store_true", help="then run down.sql and time it (every lock it takes is "
                    "held for the whole script)")
    ap.add_argument("--realworld", type=Path, default=Path("/work/realworld"))
    ap.add_argument("--migrations", help="another project's migrations folder (with --manifest)")
    ap.add_argument("--manifest")
    args = ap.parse_args()
    targets = [(n, *project(n, args.realworld)) for n in args.projects] if not args.migrations else \
        [(Path(args.migrations).parent.name, args.migrations, args.manifest)]
    print(f"{args.rows:,} rows in each table an option touches\n")
    print("| project | option | script | table | lock | held (s) | statements under it | script (s) |")
    print("|---|---|---|---|---|---|---|---|")
    summaries: list[str] = []
    for name, migrations, manifest in targets:
        for line in rows_of(name, migrations, manifest, args, summaries):
            print(line, flush=True)
    print("\n| project | option | longest write-blocking hold (s) | scripts (s) | down (s) | rows per table (max) | "
          "failed / not filled |\n|---|---|---|---|---|---|---|")
    print("\n".join(summaries))


if __name__ == "__main__":
    main()
