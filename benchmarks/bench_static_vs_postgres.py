"""Static analysis against PostgreSQL itself: speed, memory, growth and re-analysis, in one run.

    .venv/bin/python benchmarks/bench_static_vs_postgres.py            # 1,000 / 10,000 / 50,000 statements
    .venv/bin/python benchmarks/bench_static_vs_postgres.py --quick    # 1,000 / 5,000, about a minute

For each size it generates a migration folder (tables, foreign keys, alters, renames, indexes, RLS and
policies, functions and triggers, enums, comments, grants; 10 statements a file) and measures:

- static: discover + parse + replay + FK graph, cold, in a fresh subprocess (statements/s, peak RSS);
  once with sqlglot's compiled extensions (sqlglotc) and once with sqlglot's pure-Python modules;
- PostgreSQL: applying the same files to a fresh database of the embedded server (each file in its
  own transaction) and introspecting the result, and the ratio to the static time;
- agreement: the static Schema against the catalog's (a check that the generated SQL is valid and
  the comparison holds at scale);
- re-analysis: in one process, a cold run of the 1,000-file folder, then a run after one file changed
  (``load_schema`` no longer keeps parse results in process: see bench_cache.py for runs with the
  persistent cache). Every run here has the persistent cache off.

``--profile`` prints where a cold static run spends its time (cProfile, top functions).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "lib"))

PER_FILE = 10
TARGETS = {"statements_per_second": 5_000, "ratio_vs_postgres": 3.0, "reanalysis_share": 0.05, "peak_mib_50k": 1024}


# ----------------------------------------------------------------------------- generator

class Generator:
    """Deterministic migration history with a small model of what exists, so PostgreSQL accepts it."""

    def __init__(self, seed: int = 7):
        self.rng = random.Random(seed)
        self.tables: dict[str, dict] = {}  # name -> {"plain": [int columns free to drop/rename], "uuid": [...]}
        self.pending: list[tuple[str, str]] = []  # NOT VALID foreign keys to validate later
        self.enums: list[str] = []
        self.n = 0
        self.out: list[str] = []

    def next(self) -> int:
        self.n += 1
        return self.n

    def table(self) -> str:
        return self.rng.choice(list(self.tables))

    def create_table(self) -> None:
        name = f"t{self.next()}"
        parent = f" REFERENCES {self.table()}(id) ON DELETE CASCADE" if self.tables else ""
        self.out.append(
            f"CREATE TABLE {name} (\n  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),\n  owner_id uuid NOT NULL,\n"
            f"  name text NOT NULL,\n  amount numeric(10, 2) DEFAULT 0,\n  created_at timestamptz NOT NULL DEFAULT now(),"
            f"\n  parent_id uuid{parent}\n);")
        self.tables[name] = {"plain": []}

    def add_column(self) -> None:
        t, c = self.table(), f"c{self.next()}"
        self.out.append(f"ALTER TABLE {t} ADD COLUMN {c} integer DEFAULT 0;")
        self.tables[t]["plain"].append(c)

    def add_foreign_key(self) -> None:
        t, u, k = self.table(), self.table(), self.next()
        self.out.append(f"ALTER TABLE {t} ADD COLUMN r{k} uuid;")
        self.out.append(f"ALTER TABLE {t} ADD CONSTRAINT fk{k} FOREIGN KEY (r{k}) REFERENCES {u}(id) "
                        f"ON DELETE SET NULL NOT VALID;")
        self.pending.append((t, f"fk{k}"))

    def validate(self) -> None:
        if self.pending:
            t, fk = self.pending.pop(0)
            if t in self.tables:
                self.out.append(f"ALTER TABLE {t} VALIDATE CONSTRAINT {fk};")

    def index(self) -> None:
        t = self.table()
        self.out.append(f"CREATE INDEX idx{self.next()} ON {t} (owner_id, created_at);")

    def rename_column(self) -> None:
        t = self.table()
        if self.tables[t]["plain"]:
            old = self.tables[t]["plain"].pop()
            new = f"c{self.next()}"
            self.out.append(f"ALTER TABLE {t} RENAME COLUMN {old} TO {new};")
            self.tables[t]["plain"].append(new)

    def drop_column(self) -> None:
        t = self.table()
        if self.tables[t]["plain"]:
            self.out.append(f"ALTER TABLE {t} DROP COLUMN {self.tables[t]['plain'].pop(0)};")

    def rename_table(self) -> None:
        old, new = self.table(), f"t{self.next()}"
        self.out.append(f"ALTER TABLE {old} RENAME TO {new};")
        self.tables[new] = self.tables.pop(old)
        self.pending = [(new if t == old else t, fk) for t, fk in self.pending]

    def policy(self) -> None:
        t, u, k = self.table(), self.table(), self.next()
        self.out.append(f"ALTER TABLE {t} ENABLE ROW LEVEL SECURITY;")
        if self.rng.random() < 0.5:
            self.out.append(f'CREATE POLICY "own rows {k}" ON {t} FOR SELECT TO authenticated '
                            f"USING (owner_id = auth.uid());")
        else:
            self.out.append(f'CREATE POLICY "members {k}" ON {t} FOR ALL USING (parent_id IN '
                            f"(SELECT id FROM {u} WHERE owner_id = auth.uid())) WITH CHECK (owner_id = auth.uid());")

    def trigger(self) -> None:
        t, k = self.table(), self.next()
        self.out.append(f"CREATE OR REPLACE FUNCTION touch{k}() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n"
                        f"  NEW.created_at := now();\n  RETURN NEW;\nEND;\n$$;")
        self.out.append(f"CREATE TRIGGER tr{k} BEFORE UPDATE ON {t} FOR EACH ROW EXECUTE FUNCTION touch{k}();")

    def function(self) -> None:
        k = self.next()
        self.out.append(f"CREATE FUNCTION count{k}(p_owner uuid) RETURNS bigint LANGUAGE sql STABLE SECURITY DEFINER "
                        f"AS $$ SELECT count(*) FROM {self.table()} WHERE owner_id = p_owner $$;")

    def enum(self) -> None:
        if self.enums and self.rng.random() < 0.5:
            self.out.append(f"ALTER TYPE {self.rng.choice(self.enums)} ADD VALUE IF NOT EXISTS 'v{self.next()}';")
        else:
            name = f"e{self.next()}"
            self.out.append(f"CREATE TYPE {name} AS ENUM ('a', 'b', 'c');")
            self.enums.append(name)

    def comment(self) -> None:
        self.out.append(f"COMMENT ON TABLE {self.table()} IS 'generated table {self.next()}';")

    def grant(self) -> None:
        self.out.append(f"GRANT SELECT ON {self.table()} TO authenticated;")

    STEPS = (("create_table", 14), ("add_column", 12), ("add_foreign_key", 8), ("validate", 4), ("index", 8),
             ("rename_column", 5), ("drop_column", 3), ("rename_table", 2), ("policy", 10), ("trigger", 4),
             ("function", 3), ("enum", 3), ("comment", 4), ("grant", 3))

    def statements(self, count: int) -> list[str]:
        names, weights = zip(*self.STEPS)
        while len(self.out) < count:
            step = "create_table" if len(self.tables) < 3 else self.rng.choices(names, weights)[0]
            getattr(self, step)()
        return self.out[:count]


def generate(folder: Path, count: int, per_file: int = PER_FILE) -> int:
    """Write ``count`` statements as ``count / per_file`` files; the number of files."""
    folder.mkdir(parents=True, exist_ok=True)
    statements = Generator().statements(count)
    files = 0
    for i in range(0, len(statements), per_file):
        files += 1
        body = "\n\n".join(statements[i:i + per_file])
        (folder / f"{files:05d}_generated.sql").write_text(f"-- generated migration {files}\n\n{body}\n")
    return files


# ------------------------------------------------------------------------- child processes

_PURE_PYTHON = '''
import importlib.util, os, sys
class _PureSqlglot:
    """Load sqlglot from its .py files, not from sqlglotc's compiled extensions beside them."""
    def find_spec(self, name, path=None, target=None):
        if name != "sqlglot" and not name.startswith("sqlglot."):
            return None
        for entry in (path or sys.path):
            base = os.path.join(entry, name.rsplit(".", 1)[-1])
            if os.path.exists(os.path.join(base, "__init__.py")):
                return importlib.util.spec_from_file_location(name, os.path.join(base, "__init__.py"),
                                                              submodule_search_locations=[base])
            if os.path.exists(base + ".py"):
                return importlib.util.spec_from_file_location(name, base + ".py")
        return None
sys.meta_path.insert(0, _PureSqlglot())
'''


def _child_static(folder: str) -> dict:
    import resource

    import sqlglot.parser

    from schemalens import parse_files, paused_gc, tune_gc
    from schemalens.read.graph import build_graph
    from schemalens.read.migrations import discover
    from schemalens.read.replay import replay

    tune_gc()  # as the command line runs
    rss_start = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    files, _ = discover(folder)
    t1 = time.perf_counter()
    statements = parse_files(files)
    t2 = time.perf_counter()
    with paused_gc():  # the statements parsed above, all kept (load_schema streams them: bench_cache.py)
        schema = replay(statements, warnings=[p for f in files for p in f.problems])
    t3 = time.perf_counter()
    build_graph(schema)
    t4 = time.perf_counter()
    replay_only = t3 - t2
    total = (t1 - t0) + (t2 - t1) + replay_only + (t4 - t3)
    return {"statements": len(statements), "files": len(files), "seconds": total,
            "discover": t1 - t0, "parse": t2 - t1, "replay": replay_only, "graph": t4 - t3,
            "tables": len(schema.tables), "unparsed": len(schema.unparsed), "warnings": len(schema.warnings),
            "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "start_mib": rss_start / 1024, "compiled": not sqlglot.parser.__file__.endswith(".py")}


def _child_reanalysis(folder: str) -> dict:
    from schemalens import load_schema, tune_gc
    from schemalens.read.graph import build_graph

    tune_gc()  # as the command line runs
    t0 = time.perf_counter()
    build_graph(load_schema(folder))
    cold = time.perf_counter() - t0
    changed = sorted(Path(folder).glob("*.sql"))[len(list(Path(folder).glob("*.sql"))) // 2]
    changed.write_text(changed.read_text() + "\nALTER TABLE t1 ADD COLUMN reanalysis_probe integer;\n")
    t1 = time.perf_counter()
    build_graph(load_schema(folder))
    warm = time.perf_counter() - t1
    return {"cold": cold, "warm": warm, "share": warm / cold, "changed": changed.name}


def _child_profile(folder: str) -> dict:
    import cProfile
    import io
    import pstats

    from schemalens import load_schema
    from schemalens.read.graph import build_graph

    profiler = cProfile.Profile()
    profiler.enable()
    build_graph(load_schema(folder))
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(25)
    cumulative = io.StringIO()
    pstats.Stats(profiler, stream=cumulative).sort_stats("cumulative").print_stats("schemalens", 25)
    return {"tottime": out.getvalue(), "cumulative": cumulative.getvalue()}


def run_child(kind: str, folder: Path, pure: bool = False) -> dict:
    """Run a measurement in a fresh interpreter (cold caches, its own peak memory)."""
    code = (_PURE_PYTHON if pure else "") + (
        f"import sys, json; sys.path.insert(0, {str(ROOT / 'benchmarks')!r}); sys.path.insert(0, {str(ROOT / 'lib')!r})\n"
        f"import bench_static_vs_postgres as b; print(json.dumps(b._child_{kind}({str(folder)!r})))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------------------- PostgreSQL

def postgres_run(server, folder: Path) -> dict:
    """Apply the folder to a fresh database and introspect it; seconds for each, and the agreement."""
    from schemalens import load_schema
    from schemalens.db import live
    from schemalens.db.postgres import apply_files
    from schemalens.read.diff import diff_schemas
    from schemalens.read.migrations import discover

    files, _ = discover(folder)
    with server.database() as conn:
        before = live.baseline(conn)
        t0 = time.perf_counter()
        apply_files(conn, files, folder)
        t1 = time.perf_counter()
        catalog = live.introspect(conn, before)
        t2 = time.perf_counter()
    static = load_schema(folder)
    diff = diff_schemas(static, catalog)
    return {"apply": t1 - t0, "introspect": t2 - t1, "seconds": t2 - t0, "differences": len(diff),
            "first_differences": str(diff).splitlines()[:5]}


# ---------------------------------------------------------------------------------- report

def machine() -> dict:
    import sqlglot

    cpu = ""
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                   if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return {"nproc": os.cpu_count(), "cpu": cpu, "python": platform.python_version(), "sqlglot": sqlglot.__version__,
            "platform": platform.platform()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="1,000 and 5,000 statements only")
    parser.add_argument("--sizes", help="comma-separated statement counts (default 1000,10000,50000)")
    parser.add_argument("--no-postgres", action="store_true", help="skip PostgreSQL (static numbers only)")
    parser.add_argument("--profile", action="store_true", help="cProfile a cold static run of the largest size")
    parser.add_argument("--json", type=Path, help="also write the results as JSON to this file")
    args = parser.parse_args(argv)
    os.environ["SCHEMALENS_CACHE"] = "off"  # every run cold, and nothing written to ~/.cache
    sizes = [int(s) for s in args.sizes.split(",")] if args.sizes else [1_000, 5_000] if args.quick \
        else [1_000, 10_000, 50_000]

    info = machine()
    print(f"machine: {info['nproc']} cpu ({info['cpu']}), Python {info['python']}, sqlglot {info['sqlglot']}")
    results: dict = {"machine": info, "sizes": {}}
    work = Path(tempfile.mkdtemp(prefix="schemalens-bench-"))
    try:
        server_cm = None
        if not args.no_postgres:
            from schemalens.db.postgres import server as pg_server
            server_cm = pg_server()
            server = server_cm.__enter__()
        for size in sizes:
            folder = work / f"m{size}"
            files = generate(folder, size)
            row = {"files": files, "static": run_child("static", folder),
                   "static_pure": run_child("static", folder, pure=True)}
            if server_cm is not None:
                row["postgres"] = postgres_run(server, folder)
                row["ratio"] = row["postgres"]["seconds"] / row["static"]["seconds"]
            results["sizes"][size] = row
            print_row(size, row)
        reanalysis_size = 10_000 if 10_000 in sizes else sizes[-1]
        folder = work / "reanalysis"
        shutil.copytree(work / f"m{reanalysis_size}", folder)
        results["reanalysis"] = run_child("reanalysis", folder)
        r = results["reanalysis"]
        print(f"re-analysis, {reanalysis_size // PER_FILE} files, one changed ({r['changed']}): cold {r['cold']:.2f} s, "
              f"after the change {r['warm']:.3f} s = {100 * r['share']:.1f}% of cold "
              f"(target <= {100 * TARGETS['reanalysis_share']:.0f}%)")
        if args.profile:
            profile = run_child("profile", work / f"m{sizes[-1]}")
            print(profile["tottime"])
            print(profile["cumulative"])
        if server_cm is not None:
            server_cm.__exit__(None, None, None)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    print_targets(results)
    return 0


def print_row(size: int, row: dict) -> None:
    s, p = row["static"], row["static_pure"]
    line = (f"{s['statements']:>6} statements, {row['files']:>5} files | static {s['seconds']:6.2f} s = "
            f"{s['statements'] / s['seconds']:>6,.0f} st/s (discover {s['discover']:.2f}, parse {s['parse']:.2f}, "
            f"replay {s['replay']:.2f}, graph {s['graph']:.2f}), peak {s['peak_mib']:.0f} MiB | pure-Python sqlglot "
            f"{p['statements'] / p['seconds']:>6,.0f} st/s, peak {p['peak_mib']:.0f} MiB")
    if "postgres" in row:
        pg = row["postgres"]
        line += (f" | PostgreSQL apply {pg['apply']:.2f} s + introspect {pg['introspect']:.2f} s = "
                 f"{pg['seconds']:.2f} s, {row['ratio']:.1f}x the static time; differences {pg['differences']}")
        for d in pg["first_differences"]:
            line += f"\n    {d}"
    if s["unparsed"] or s["warnings"]:
        line += f" | unparsed {s['unparsed']}, warnings {s['warnings']}"
    print(line, flush=True)


def print_targets(results: dict) -> None:
    sizes = results["sizes"]
    rates = {n: r["static"]["statements"] / r["static"]["seconds"] for n, r in sizes.items()}
    checks = [(f"static >= {TARGETS['statements_per_second']:,} statements/s at every size",
               min(rates.values()) >= TARGETS["statements_per_second"])]
    if all("ratio" in r for r in sizes.values()):
        checks.append((f"static >= {TARGETS['ratio_vs_postgres']:.0f}x faster than apply + introspect",
                       min(r["ratio"] for r in sizes.values()) >= TARGETS["ratio_vs_postgres"]))
        checks.append(("static and catalog agree at every size", all(r["postgres"]["differences"] == 0
                                                                     for r in sizes.values())))
    small, large = min(sizes), max(sizes)
    growth = (sizes[large]["static"]["seconds"] / sizes[small]["static"]["seconds"]) / (large / small)
    checks.append((f"linear growth (time per statement at {large:,} / at {small:,} = {growth:.2f}, <= 1.5)",
                   growth <= 1.5))
    if 50_000 in sizes:
        checks.append((f"50,000 statements in under {TARGETS['peak_mib_50k']} MiB",
                       sizes[50_000]["static"]["peak_mib"] < TARGETS["peak_mib_50k"]))
    checks.append((f"re-analysis after one changed file <= {100 * TARGETS['reanalysis_share']:.0f}% of cold",
                   results["reanalysis"]["share"] <= TARGETS["reanalysis_share"]))
    print("\ntargets:")
    for text, ok in checks:
        print(f"  [{'met' if ok else 'MISSED'}] {text}")


if __name__ == "__main__":
    sys.exit(main())
