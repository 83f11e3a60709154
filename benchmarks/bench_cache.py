"""Runs of ``schemalens graph`` as a user sees them: cold, warm, after one changed file, memory, start-up.

    .venv/bin/python benchmarks/bench_cache.py /work/realworld                  # the set in LIST.tsv + 1,000 / 10,000 / 50,000
    .venv/bin/python benchmarks/bench_cache.py /work/realworld --sizes 1000     # quicker
    .venv/bin/python benchmarks/bench_cache.py --sizes 10000 --postgres         # synthetic only, with PostgreSQL

For each folder (each row of ``LIST.tsv`` in the real-world folder given, read-only, then the synthetic
folders of ``bench_static_vs_postgres.generate``), every run is a new process of the command line
(``schemalens graph DIR --format json -o FILE``), timed from outside, with a persistent cache of the
benchmark's own (``XDG_CACHE_HOME`` in a temporary folder; nothing goes to ``~/.cache``):

- cold: empty cache; statements/s, and peak memory (``ru_maxrss``) in KiB per statement, in all and
  above the start (the interpreter with sqlglot and what a cold run of schemalens imports, measured alone);
- warm: the same command again (a cache hit), and its share of cold;
- cache off: the same command with ``SCHEMALENS_CACHE=off`` (no entry, no replay snapshot written);
- changed ("comment added"): a copy of the folder, its cache warm, then a comment added to the file in
  the middle of the order; the next run, and its share of cold (replay resumes from the snapshot before
  that file and stops at the next one: the state is the same there);
- edited ("table added"): then a ``CREATE TABLE`` appended to the same file: replay resumes from the
  snapshot before it and runs to the end;
- start-up: ``schemalens --help`` (best of 5);
- with ``--postgres``, synthetic folders only: apply + introspect on the embedded server, over cold;
- in process (``--in-process``, default lemmy, lago and synthetic 10,000): ``load_schema`` in a fresh process
  of its own, CPU seconds (``time.process_time``): cache off, cold, warm, comment added, table added.

The children compile schemalens's modules once and keep the bytecode (``PYTHONPYCACHEPREFIX`` in the
temporary folder), as an installed package does, even where the environment says
``PYTHONDONTWRITEBYTECODE`` (compiling the modules a run imports took 0.04-0.06 s of every run).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "lib"))
sys.path.insert(0, str(ROOT / "benchmarks"))

_CHILD = """
import json, resource, sys, time
{preload}
from schemalens.cli import main
code = main(sys.argv[1:])
print(json.dumps({{"code": code, "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""
# what a cold `graph --format json` imports (no networkx, findings or manifest since the graph command imports
# present.graph_output only)
_PRELOAD = ("import sqlglot, schemalens.read.parse, schemalens.read.replay, schemalens.read.snapshots, "
            "schemalens.present.graph_output, schemalens.cli")


def run_graph(folder: Path, out: Path, env: dict) -> dict:
    """One new process of ``schemalens graph``: wall seconds, peak MiB, exit code."""
    t0 = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", _CHILD.format(preload=""), "graph", str(folder), "--format", "json",
                           "-o", str(out)], capture_output=True, text=True, env=env, check=False)
    seconds = time.perf_counter() - t0
    if done.returncode != 0:
        raise RuntimeError(f"{folder}: {done.stderr.strip()[-500:]}")
    return {"seconds": seconds, **json.loads(done.stdout.strip().splitlines()[-1])}


_IN_PROCESS = """
import json, os, sys, time
from pathlib import Path
from schemalens.core.memory import tune_gc
tune_gc()
from schemalens import load_schema
from schemalens.read.migrations import discover

folder = Path(sys.argv[1])

def cpu():
    t = time.process_time()
    load_schema(folder)
    return time.process_time() - t

os.environ["SCHEMALENS_CACHE"] = "off"
off = cpu()
del os.environ["SCHEMALENS_CACHE"]
cold, warm = cpu(), cpu()
files, _ = discover(folder)
target = folder / files[len(files) // 2].path
target.write_text(target.read_text(encoding="utf-8", errors="replace") + "\\n-- changed by bench_cache.py\\n",
                  encoding="utf-8")
comment = cpu()
target.write_text(target.read_text(encoding="utf-8") + "\\nCREATE TABLE bench_cache_added (id int PRIMARY KEY);\\n",
                  encoding="utf-8")
table = cpu()
print(json.dumps({"off": off, "cold": cold, "warm": warm, "comment": comment, "table": table}))
"""


def in_process(name: str, folder: Path, work: Path, base_env: dict) -> dict:
    """CPU seconds of ``load_schema`` in a process of its own, on a copy with a cache of its own."""
    copy = work / f"in-process-{name}"
    shutil.copytree(folder, copy, symlinks=True)
    env = {**base_env, "XDG_CACHE_HOME": str(work / f"cache-in-process-{name}")}
    try:
        done = subprocess.run([sys.executable, "-c", _IN_PROCESS, str(copy)], capture_output=True, text=True,
                              env=env, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"{folder}: {done.stderr.strip()[-500:]}")
        return json.loads(done.stdout.strip().splitlines()[-1])
    finally:
        shutil.rmtree(copy, ignore_errors=True)


def start_mib(env: dict) -> float:
    """Peak memory of a process that only imports what a cold run imports."""
    code = _PRELOAD + "\nimport resource; print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)"
    return float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                                check=True).stdout.split()[-1])


def startup(env: dict) -> float:
    best = float("inf")
    for _ in range(5):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", "from schemalens.cli import main; main(['--help'])"],
                       capture_output=True, env=env, check=False)
        best = min(best, time.perf_counter() - t0)
    return best


def count_statements(folder: Path) -> tuple[int, int]:
    """(files, statements) of a folder, as schemalens splits them."""
    from schemalens.read.migrations import discover
    from schemalens.read.parse import split
    from schemalens.read.platform import render_templates

    files, _ = discover(folder)
    return len(files), sum(len(split(render_templates(f.text), f.name)) for f in files)


def middle_file(folder: Path) -> Path:
    from schemalens.read.migrations import discover

    files, _ = discover(folder)
    return folder / files[len(files) // 2].path


def measure(name: str, folder: Path, work: Path, base_env: dict) -> dict:
    nfiles, statements = count_statements(folder)
    env = {**base_env, "XDG_CACHE_HOME": str(work / f"cache-{name}")}
    out = work / f"{name}.json"
    off = run_graph(folder, out, {**env, "SCHEMALENS_CACHE": "off"})
    cold = run_graph(folder, out, env)
    warm = run_graph(folder, out, env)
    copy = work / f"copy-{name}"
    shutil.copytree(folder, copy, symlinks=True)
    changed_env = {**base_env, "XDG_CACHE_HOME": str(work / f"cache-copy-{name}")}
    run_graph(copy, out, changed_env)  # the copy's cache warm
    target = middle_file(copy)
    target.write_text(target.read_text(encoding="utf-8", errors="replace") + "\n-- changed by bench_cache.py\n",
                      encoding="utf-8")
    changed = run_graph(copy, out, changed_env)
    target.write_text(target.read_text(encoding="utf-8") + "\nCREATE TABLE bench_cache_added (id int PRIMARY KEY);\n",
                      encoding="utf-8")
    edited = run_graph(copy, out, changed_env)
    shutil.rmtree(copy, ignore_errors=True)
    return {"name": name, "files": nfiles, "statements": statements, "off": off, "cold": cold, "warm": warm,
            "changed": changed, "edited": edited, "changed_file": target.name}


def postgres(folder: Path) -> dict:
    from bench_static_vs_postgres import postgres_run

    from schemalens.db.postgres import server

    with server() as srv:
        return postgres_run(srv, folder)


def realworld(root: Path) -> list[tuple[str, Path]]:
    rows = []
    for line in (root / "LIST.tsv").read_text().splitlines():
        if not line.strip():
            continue
        name, _repo, _commit, path, _kind = line.split("\t")[:5]
        folder = root / name / path
        rows.append((name, folder.parent if folder.is_file() else folder))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("realworld", nargs="?", type=Path, help="a folder with LIST.tsv (e.g. /work/realworld)")
    parser.add_argument("--sizes", default="1000,10000,50000", help="synthetic statement counts ('' for none)")
    parser.add_argument("--postgres", action="store_true", help="also apply the synthetic folders to PostgreSQL")
    parser.add_argument("--json", type=Path, help="also write the results as JSON to this file")
    parser.add_argument("--in-process", default="lemmy,lago,synthetic-10000",
                        help="folders (names of the rows) also measured in process, CPU seconds ('' for none)")
    args = parser.parse_args(argv)
    from bench_static_vs_postgres import generate, machine

    work = Path(tempfile.mkdtemp(prefix="schemalens-bench-cache-"))
    env = {**os.environ, "XDG_CACHE_HOME": str(work / "cache"), "PYTHONPATH": str(ROOT / "lib"),
           "PYTHONPYCACHEPREFIX": str(work / "bytecode")}
    env.pop("SCHEMALENS_CACHE", None)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # as installed: bytecode compiled once (startup() runs first)
    os.environ["XDG_CACHE_HOME"] = str(work / "cache")  # this process too (postgres_run loads the schema)
    info = machine()
    results: dict = {"machine": info, "startup": startup(env), "start_mib": start_mib(env), "rows": []}
    print(f"machine: {info['nproc']} cpu ({info['cpu']}), load average {os.getloadavg()[0]:.1f}, "
          f"Python {info['python']}, sqlglot {info['sqlglot']}")
    print(f"start-up, schemalens --help: {results['startup']:.3f} s; a process with the parser imported: "
          f"{results['start_mib']:.0f} MiB")
    print("| folder | files | statements | cache off | cold | cold/off | st/s | warm | warm/cold | comment added | /cold "
          "| table added | /cold | peak | KiB/st | KiB/st above start | PG apply + introspect | PG / cold |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    inside = {n.strip() for n in args.in_process.split(",") if n.strip()}
    try:
        folders = realworld(args.realworld) if args.realworld else []
        for size in [int(s) for s in args.sizes.split(",") if s.strip()]:
            folder = work / f"synthetic-{size}"
            generate(folder, size)
            folders.append((f"synthetic {size:,}", folder))
        for name, folder in folders:
            slug = name.replace(" ", "-").replace(",", "")
            try:
                row = measure(slug, folder, work, env)
                if slug in inside:
                    row["in_process"] = in_process(slug, folder, work, env)
            except RuntimeError as e:
                print(f"| {name} | failed: {e} |")
                continue
            row["name"] = name
            if args.postgres and name.startswith("synthetic"):
                row["postgres"] = postgres(folder)
            results["rows"].append(row)
            print_row(row, results["start_mib"])
        print_in_process(results["rows"])
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    return 0


def print_row(row: dict, start: float) -> None:
    cold, warm, changed, edited, n = row["cold"], row["warm"], row["changed"], row["edited"], max(row["statements"], 1)
    pg = row.get("postgres")
    pg_cells = (f"{pg['apply']:.2f} + {pg['introspect']:.2f} s | {pg['seconds'] / cold['seconds']:.1f}×" if pg
                else " | ")
    print(f"| {row['name']} | {row['files']:,} | {row['statements']:,} | {row['off']['seconds']:.2f} s | "
          f"{cold['seconds']:.2f} s | {cold['seconds'] / row['off']['seconds']:.2f} | "
          f"{row['statements'] / cold['seconds']:,.0f} | {warm['seconds']:.2f} s | "
          f"{100 * warm['seconds'] / cold['seconds']:.0f}% | {changed['seconds']:.2f} s | "
          f"{100 * changed['seconds'] / cold['seconds']:.0f}% | {edited['seconds']:.2f} s | "
          f"{100 * edited['seconds'] / cold['seconds']:.0f}% | {cold['peak_mib']:.0f} MiB | "
          f"{cold['peak_mib'] * 1024 / n:.1f} | {max(cold['peak_mib'] - start, 0) * 1024 / n:.1f} | {pg_cells} |",
          flush=True)


def print_in_process(rows: list[dict]) -> None:
    rows = [r for r in rows if "in_process" in r]
    if not rows:
        return
    print("\nIn process (`load_schema`, CPU seconds, a process of its own; one file in the middle changed):\n")
    print("| folder | statements | cache off | st/s | cold (checkpoints written) | warm | comment added | /off "
          "| table added | /off |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        t = row["in_process"]
        print(f"| {row['name']} | {row['statements']:,} | {t['off']:.2f} | {row['statements'] / t['off']:,.0f} | "
              f"{t['cold']:.2f} | {t['warm']:.3f} | {t['comment']:.3f} | {100 * t['comment'] / t['off']:.0f}% | "
              f"{t['table']:.2f} | {100 * t['table'] / t['off']:.0f}% |", flush=True)


if __name__ == "__main__":
    sys.exit(main())
