"""Real migration histories on the throwaway server: one row per history.

    .venv/bin/python benchmarks/realworld.py /path/to/realworld            # every history in LIST.tsv
    .venv/bin/python benchmarks/realworld.py /path/to/realworld lemmy ente # some of them

The folder holds one folder per history and a ``LIST.tsv`` (name, repository, commit, path, kind; no
header), where ``path`` is the migration folder (or a single file, e.g. a Rails ``db/structure.sql``)
inside ``<folder>/<name>/``. Without LIST.tsv every sub-folder is a history. The histories are other
people's code: they stay outside this repository.

For each history it prints: the runner and platform detected, files, statements, the static analysis
time, coverage (understood / not analysed / unparsed), the build on one embedded PostgreSQL (statements
PostgreSQL refused, by reason), the drift findings of ``verify --built`` (critical / warning / info) and
the time of the whole verification. ``--markdown`` prints the table as Markdown (for realworld.md),
``--refused`` lists every refused statement with file:line and PostgreSQL's error.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "lib"))

from schemalens import load_schema, tune_gc
from schemalens.core.errors import SchemalensError
from schemalens.db import postgres
from schemalens.db.verify import verify_built
from schemalens.read.graph import coverage_totals


def histories(folder: Path, only: list[str]) -> list[tuple[str, Path, str]]:
    """(name, migration folder, repository@commit) for each history."""
    listing = folder / "LIST.tsv"
    out = []
    if listing.exists():
        for row in listing.read_text(encoding="utf-8").splitlines():
            if not row.strip():
                continue
            name, repo, commit, path, *_ = row.split("\t")
            target = folder / name / path
            out.append((name, target.parent if target.is_file() else target, f"{repo}@{commit[:10]}"))
    else:
        out = [(p.name, p, "") for p in sorted(folder.iterdir()) if p.is_dir()]
    return [h for h in out if not only or h[0] in only]


def _kind(cause: str) -> str:
    """A refusal's cause, by kind (the report itself has each one in full)."""
    if "which no file of the folder creates" in cause:
        return "needs an object no file of the folder creates"
    if ", refused at " in cause:
        return "needs what an earlier refused statement creates"
    if "(an empty stand-in here)" in cause:
        return cause.replace("needs what extension ", "needs extension ").replace(" would create", "")
    return cause


def _reasons(refused) -> str:
    counts = Counter(_kind(r.cause) for r in refused)
    return "; ".join(f"{n}× {why}" for why, n in counts.most_common())


def measure(name: str, folder: Path, srv: postgres.Server) -> dict:
    row: dict = {"name": name}
    t0 = time.perf_counter()
    schema = load_schema(folder)
    row["static"] = time.perf_counter() - t0
    cov = coverage_totals(schema)
    row["coverage"] = f"{cov['understood']} / {cov['not analysed']} / {cov['unparsed']}"
    row["statements"] = sum(cov.values())
    t0 = time.perf_counter()
    try:
        result = verify_built(folder, server=srv)
    except SchemalensError as e:
        row.update(files="?", runner="?", platform="?", build=f"FAILED: {' '.join(str(e).split())[:160]}",
                   drift="no report", time=time.perf_counter() - t0, refused=[])
        return row
    row["time"] = time.perf_counter() - t0
    row["files"] = len(result.findings.files)
    build = getattr(result, "build", None)
    if build is None:  # before schemalens.db.build existed: the build either completed or raised
        row.update(runner="?", platform="?", build="completed", refused=[])
    else:
        row.update(runner=build.runner.name, platform=build.platform.name, refused=list(build.refused))
        applied = f"{build.applied}/{build.statements} applied"
        row["build"] = (f"{applied}, {len(build.refused)} refused: {_reasons(build.refused)}" if build.refused
                        else f"{applied}, complete")
    drift = Counter(f.severity for f in result.findings.findings if f.code.startswith("drift"))
    row["drift"] = f"{drift['critical']} / {drift['warning']} / {drift['info']}"
    return row


COLUMNS = ("name", "runner", "platform", "files", "statements", "static", "coverage", "build", "drift", "time")
HEADINGS = ("history", "runner", "platform", "files", "statements", "static",
            "understood / not analysed / unparsed", "build on PostgreSQL", "drift critical / warning / info",
            "verify --built")


def _cell(row: dict, key: str) -> str:
    value = row.get(key, "")
    if key in ("static", "time") and isinstance(value, float):
        return f"{value:.2f} s"
    return str(value).replace("|", "\\|")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path, help="folder of histories (with LIST.tsv)")
    parser.add_argument("only", nargs="*", help="only these histories (names in LIST.tsv)")
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    parser.add_argument("--refused", action="store_true", help="list every refused statement")
    args = parser.parse_args(argv)
    tune_gc()
    rows = []
    with postgres.server() as srv:
        for name, folder, _ in histories(args.folder, args.only):
            row = measure(name, folder, srv)
            rows.append(row)
            if not args.markdown:
                print("  ".join(f"{k}={_cell(row, k)}" for k in COLUMNS), flush=True)
            if args.refused:
                for r in row["refused"]:
                    print(f"    {name}: {r.file}:{r.line}: {r.error} [{r.cause}]", flush=True)
    if args.markdown:
        print("| " + " | ".join(HEADINGS) + " |")
        print("|" + "---|" * len(HEADINGS))
        for row in rows:
            print("| " + " | ".join(_cell(row, k) for k in COLUMNS) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
