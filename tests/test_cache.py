"""The persistent cache between runs (schemalens.read.cache): hit, miss on change, version change, corrupt
entries, concurrent writers, disabled, size bound."""

from __future__ import annotations

import gc
import subprocess
import sys
import threading
from pathlib import Path

import pytest

import schemalens
from schemalens import load_schema
from schemalens.present import report
from schemalens.read import cache, parse
from schemalens.read.migrations import discover


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty cache folder of the test's own."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("SCHEMALENS_CACHE", raising=False)
    monkeypatch.delenv("SCHEMALENS_CACHE_MAX_MB", raising=False)
    return tmp_path / "xdg" / "schemalens"


@pytest.fixture
def migrations(tmp_path: Path) -> Path:
    d = tmp_path / "migrations"
    d.mkdir()
    (d / "001_init.sql").write_text("CREATE TABLE a (id int PRIMARY KEY);\n")
    (d / "002_b.sql").write_text("CREATE TABLE b (id int PRIMARY KEY, a_id int REFERENCES a (id));\n")
    (d / "003_c.sql").write_text("ALTER TABLE b ADD COLUMN note text;\n")
    return d


def _entries(home: Path) -> list[Path]:
    return sorted(home.glob("schema-*.pickle"))


def _count_parses(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The number of files parsed by each load_schema (a cache hit parses none)."""
    calls = []
    real_load, real_parse = schemalens.load_schema, parse.split_and_parse

    def loading(folder):
        calls.append(0)
        return real_load(folder)

    def counting(text, file, keep=True):
        calls[-1] += 1
        return real_parse(text, file, keep)

    monkeypatch.setattr(parse, "split_and_parse", counting)
    monkeypatch.setattr(sys.modules[__name__], "load_schema", loading)
    return calls


def test_hit_reads_the_entry_and_parses_nothing(home, migrations, monkeypatch):
    calls = _count_parses(monkeypatch)
    first = load_schema(migrations)
    assert calls == [3] and len(_entries(home)) == 1
    second = load_schema(migrations)
    assert calls == [3, 0]  # not parsed again
    assert second == first and report.graph_json(second) == report.graph_json(first)
    assert [t.name for t in second.tables] == ["public.a", "public.b"]


def test_a_changed_file_misses(home, migrations, monkeypatch):
    calls = _count_parses(monkeypatch)
    load_schema(migrations)
    (migrations / "002_b.sql").write_text("CREATE TABLE b2 (id int PRIMARY KEY);\n")
    (migrations / "003_c.sql").write_text("ALTER TABLE b2 ADD COLUMN note text;\n")
    schema = load_schema(migrations)
    assert calls == [3, 2]  # 001 unchanged: replay resumes after it (schemalens.read.snapshots)
    assert [t.name for t in schema.tables] == ["public.a", "public.b2"]
    assert len(_entries(home)) == 2


def test_a_renamed_file_misses(home, migrations, monkeypatch):
    calls = _count_parses(monkeypatch)
    before = load_schema(migrations)
    (migrations / "003_c.sql").rename(migrations / "004_c.sql")
    after = load_schema(migrations)
    assert calls == [3, 1]  # the renamed file only: its statements' sources name it
    assert after.tables[1].columns[-1].source.file == "004_c.sql"
    assert before.tables[1].columns[-1].source.file == "003_c.sql"


def test_another_version_misses(home, migrations, monkeypatch):
    calls = _count_parses(monkeypatch)
    load_schema(migrations)
    real = cache.versions()
    monkeypatch.setattr(cache, "versions", lambda: real.replace("sqlglot", "sqlglot 0.0.0 was"))
    load_schema(migrations)
    assert calls == [3, 3] and len(_entries(home)) == 2


def test_a_hit_follows_the_paths_that_decide_the_search_path(home, tmp_path, monkeypatch):
    """The entry is keyed by the files and every path under the folder (what detects the runner and platform),
    not by the search_path computed from them: the same files under supabase/migrations are another schema."""
    files = {"0001-auth.sql": "-- postgres-migrations disable-transaction\nCREATE SCHEMA auth;\n"
                              "CREATE TABLE auth.sessions (id int PRIMARY KEY);\n",
             "0002-users.sql": "CREATE TABLE users (id int PRIMARY KEY);\n"}
    service, project = tmp_path / "service" / "migrations", tmp_path / "app" / "supabase" / "migrations"
    for d in (service, project):
        d.mkdir(parents=True)
        for name, text in files.items():
            (d / name).write_text(text)
    calls = _count_parses(monkeypatch)
    assert "auth.users" in [t.name for t in load_schema(service).tables]  # the runner puts auth first
    assert "public.users" in [t.name for t in load_schema(project).tables]  # a Supabase project: public
    assert len(_entries(home)) == 2
    (service / "notes.toml").write_text("x = 1\n")  # any other file under the folder: detected again
    assert "auth.users" in [t.name for t in load_schema(service).tables]
    assert calls == [2, 2, 0] and len(_entries(home)) == 3  # the third from the replay states: nothing parsed
    for d in (service, project):
        monkeypatch.setenv("SCHEMALENS_CACHE", "off")
        cold = load_schema(d)
        monkeypatch.delenv("SCHEMALENS_CACHE")
        assert load_schema(d) == cold


def test_a_changed_file_reads_the_marks_of_that_file_only(home, tmp_path, monkeypatch):
    """On a miss, the platform detection's expressions run over the changed file only (schemalens.read.marks):
    the other files' marks come from the cache; the schema is the one a cold run gives."""
    from schemalens.read import marks

    d = tmp_path / "m"
    d.mkdir()
    for i in range(6):
        (d / f"{i:03}_t{i}.sql").write_text(f"CREATE TABLE t{i} (id int PRIMARY KEY);\nGRANT SELECT ON t{i} TO anon;\n")
    read = []
    real = marks.text_marks
    monkeypatch.setattr(marks, "text_marks", lambda text: read.append(text) or real(text))
    load_schema(d)
    assert len(read) == 6
    read.clear()
    (d / "003_t3.sql").write_text("CREATE TABLE t3 (id int PRIMARY KEY, note text);\n")
    resumed = load_schema(d)
    assert read == ["CREATE TABLE t3 (id int PRIMARY KEY, note text);\n"]
    monkeypatch.setenv("SCHEMALENS_CACHE", "off")
    assert resumed == load_schema(d)


def test_folder_paths_are_rglobs_files(tmp_path):
    """The paths that key an entry (schemalens.read.runners.folder_paths, os.walk) are what rglob gave:
    symlinked folders not entered, a symlink to a file kept, a dangling one left out, sorted by parts."""
    from schemalens.read.runners import folder_paths

    m = tmp_path / "m"
    for sub in ("x", "x-y", "x/deep"):
        (m / sub).mkdir(parents=True)
    for name in ("x/1.sql", "x-y/2.sql", "x.sql", "X.sql", "x/deep/3.sql", "é.sql", "meta.json"):
        (m / name).write_text("")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "o.sql").write_text("")
    (m / "linkdir").symlink_to(tmp_path / "out")
    (m / "dangling.sql").symlink_to(tmp_path / "nothing")
    (m / "linkfile.sql").symlink_to(tmp_path / "out" / "o.sql")
    (m / "null").symlink_to("/dev/null")
    expected = [p.as_posix() for p in sorted(m.resolve().rglob("*")) if p.is_file()]
    assert folder_paths(m) == expected
    names = [path[len(m.resolve().as_posix()) + 1:] for path in expected]
    assert {"linkfile.sql", "x/deep/3.sql", "é.sql", "meta.json"} <= set(names)
    assert not {"dangling.sql", "linkdir/o.sql", "linkdir"} & set(names)
    assert expected.index(f"{m.resolve().as_posix()}/x/1.sql") < expected.index(f"{m.resolve().as_posix()}/x-y/2.sql")


def test_the_key_follows_schemalens_code_and_versions():
    assert cache.key(["x"], version="1") != cache.key(["x"], version="2")
    assert cache.key(["ab", "c"], version="1") != cache.key(["a", "bc"], version="1")
    import sqlglot

    assert f"sqlglot {sqlglot.__version__}" in cache.versions()
    assert cache.versions() == cache.versions()


@pytest.mark.parametrize("damage", ["truncate", "flip", "empty", "not a pickle"])
def test_a_corrupt_entry_is_ignored_and_rewritten(home, migrations, monkeypatch, damage):
    good = load_schema(migrations)
    [entry] = _entries(home)
    data = entry.read_bytes()
    if damage == "truncate":
        entry.write_bytes(data[: len(data) // 2])
    elif damage == "flip":
        entry.write_bytes(data[:-10] + bytes([data[-10] ^ 0xFF]) + data[-9:])
    elif damage == "empty":
        entry.write_bytes(b"")
    else:  # a valid checksum over bytes that are no pickle
        import hashlib

        junk = b"\x80\x05junk"
        entry.write_bytes(hashlib.sha256(junk).digest() + junk)
    calls = _count_parses(monkeypatch)
    again = load_schema(migrations)
    assert calls == [0] and again == good  # from the replay state after the last file (schemalens.read.snapshots)
    assert entry.read_bytes() == data  # written again, whole
    load_schema(migrations)
    assert calls == [0, 0]


def test_disabled(home, migrations, monkeypatch):
    monkeypatch.setenv("SCHEMALENS_CACHE", "off")
    calls = _count_parses(monkeypatch)
    load_schema(migrations)
    load_schema(migrations)
    assert calls == [3, 3]
    assert not home.exists()
    assert cache.folder() is None


def test_an_unwritable_cache_is_skipped(tmp_path, migrations, monkeypatch):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    assert [t.name for t in load_schema(migrations).tables] == ["public.a", "public.b"]


def test_an_entry_is_written_whole_without_waiting_for_the_disk(home, tmp_path, monkeypatch):
    """Cache entries skip fsync (0.3 s of a cold 1,000-file run: a checkpoint is several entries); an entry cut
    short by a crash fails its checksum and is a miss. Reports and scripts are still flushed."""
    import os

    synced = []
    real = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (synced.append(fd), real(fd)))
    cache.put("t", "k", list(range(1000)))
    assert cache.get("t", "k") == list(range(1000)) and synced == []
    assert not list(home.glob(".*.tmp"))
    from schemalens.core.files import write_text

    write_text(tmp_path / "report.md", "# r\n")
    assert len(synced) == 1


def test_size_bound_removes_the_least_recently_used(home, monkeypatch):
    monkeypatch.setenv("SCHEMALENS_CACHE_MAX_MB", str(250_000 / 1024 / 1024))
    import os

    for i in range(4):
        cache.put("blob", f"k{i}", b"x" * 100_000)
        path = home / f"blob-k{i}.pickle"
        os.utime(path, ns=(i * 10**9, i * 10**9))  # k0 oldest
    assert cache.get("blob", "k0") is None and cache.get("blob", "k1") is None
    assert cache.get("blob", "k3") == b"x" * 100_000
    assert sum(p.stat().st_size for p in home.glob("*.pickle")) <= 250_000


def test_concurrent_writers_in_threads(home):
    errors = []

    def writer(n: int) -> None:
        try:
            for i in range(30):
                cache.put("t", f"k{i % 3}", list(range(n * 1000 + i)))
                value = cache.get("t", f"k{i % 3}")
                assert value is None or value == list(range(len(value)))
        except Exception as e:  # noqa: BLE001 - reported by the assertion below
            errors.append(e)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(1, 6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert not list(home.glob(".*.tmp"))  # no temporary file left behind
    for i in range(3):
        value = cache.get("t", f"k{i}")
        assert value == list(range(len(value)))


def test_concurrent_processes_write_one_whole_entry(home, migrations):
    code = ("import sys; from schemalens import load_schema; from schemalens.present import report; "
            "sys.stdout.write(report.graph_json(load_schema(sys.argv[1])))")
    procs = [subprocess.Popen([sys.executable, "-c", code, str(migrations)], stdout=subprocess.PIPE, text=True)
             for _ in range(4)]
    outputs = [p.communicate(timeout=120)[0] for p in procs]
    assert all(p.returncode == 0 for p in procs)
    assert len(set(outputs)) == 1 and '"public.b"' in outputs[0]
    assert len(_entries(home)) == 1 and not list(home.glob(".*.tmp"))
    assert report.graph_json(load_schema(migrations)) == outputs[0]


def _modules_after(code: str, *argv: str) -> set[str]:
    run = subprocess.run([sys.executable, "-c", code + "\nimport sys; print(' '.join(sorted(sys.modules)))", *argv],
                         capture_output=True, text=True, timeout=120, check=True)
    return set(run.stdout.splitlines()[-1].split())  # the last line: the modules loaded


def test_help_imports_no_parser():
    """``schemalens --help`` starts in well under 0.3 s: it loads neither sqlglot nor networkx."""
    code = "from schemalens.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass"
    loaded = _modules_after(code)
    assert "schemalens.cli" in loaded
    assert not {"sqlglot", "networkx", "schemalens.read.parse", "schemalens.read.replay"} & loaded


def test_a_hit_needs_no_parser(home, migrations):
    code = "import sys\nfrom schemalens import load_schema\nload_schema(sys.argv[1])"
    assert "sqlglot" in _modules_after(code, str(migrations))  # the first run parses
    assert "sqlglot" not in _modules_after(code, str(migrations))  # the second reads the entry


# What a warm command imports: none of what only parsing, findings or a manifest need (0.66 s of 0.7 s)
_NOT_FOR_A_HIT = {"sqlglot", "sqlglot.parser", "pydantic", "yaml", "schemalens.read.parse", "schemalens.read.replay",
                  "schemalens.read.manifest", "schemalens.read.documents", "schemalens.assess.findings",
                  "schemalens.present.report", "schemalens.decide.decisions"}


@pytest.mark.parametrize("form", ["json", "mermaid"])
def test_a_warm_graph_command_imports_no_parser(home, migrations, tmp_path, form):
    """``schemalens graph`` on a cache hit: the schema from the entry, printed; the graph JSON without networkx."""
    code = "import sys\nfrom schemalens.cli import main\nassert main(sys.argv[1:]) == 0"
    argv = ("graph", str(migrations), "--format", form, "-o", str(tmp_path / "out"))
    first = _modules_after(code, *argv)
    assert {"sqlglot", "schemalens.read.parse"} <= first  # the first run parses
    written = (tmp_path / "out").read_text()
    loaded = _modules_after(code, *argv)
    assert "schemalens.present.graph_output" in loaded and not _NOT_FOR_A_HIT & loaded
    assert ("networkx" in loaded) == (form == "mermaid")  # Mermaid and DOT walk the graph
    assert (tmp_path / "out").read_text() == written and "public.b" in written


def _live_trees() -> int:
    from sqlglot.expressions import core

    gc.collect()
    return sum(1 for o in gc.get_objects() if isinstance(o, core.Expr))


def test_replayed_trees_are_not_kept(tmp_path, monkeypatch):
    """load_schema parses file by file and frees each file's sqlglot trees once replayed (memory per statement)."""
    monkeypatch.setenv("SCHEMALENS_CACHE", "off")
    d = tmp_path / "many"
    d.mkdir()
    for i in range(40):
        (d / f"{i + 1:03}_t{i}.sql").write_text(
            f"CREATE TABLE t{i} (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), name text NOT NULL DEFAULT 'x');\n"
            f"CREATE INDEX t{i}_name ON t{i} (lower(name));\n"
            f"ALTER TABLE t{i} ADD COLUMN created timestamptz DEFAULT now();\n")
    before, cached = _live_trees(), len(parse._CACHE)
    schema = load_schema(d)
    assert len(schema.tables) == 40
    assert len(parse._CACHE) == cached
    assert _live_trees() - before < 40  # 120 statements, hundreds of nodes each had
    statements = schemalens.parse_files(discover(d)[0])  # parse_files still keeps its own (in-process cache)
    assert len(statements) == 120 and _live_trees() - before > 1000


def test_an_edited_schemalens_source_changes_the_versions(tmp_path, monkeypatch):
    """A checkout whose code changed (same __version__) never reads the entries of the old code."""
    package = tmp_path / "schemalens"
    package.mkdir()
    (package / "cache.py").write_text("# stand-in\n")
    (package / "replay.py").write_text("X = 1\n")
    monkeypatch.setattr(cache, "__file__", str(package / "cache.py"))
    before = cache.versions()
    assert cache.versions() == before
    (package / "replay.py").write_text("X = 22\n")
    assert cache.versions() != before


def test_a_warm_report_parses_nothing_and_reads_no_marks_again(home, tmp_path):
    """``schemalens report`` on a cache hit: the schema, each file's platform marks and the statements its evidence
    cites come from the cache; no file is parsed, split or searched by the detection's expressions, and the
    report is the same."""
    d = tmp_path / "revos"
    (d / "migrations").mkdir(parents=True)
    sample = Path(__file__).parents[1] / "data" / "revos"
    for f in (sample / "migrations").iterdir():
        (d / "migrations" / f.name).write_bytes(f.read_bytes())
    manifest = tmp_path / "manifest.yaml"
    manifest.write_text("root: agencies\nhierarchy:\n  - clients -> agencies\n")
    code = ("import sys\nfrom schemalens.read import parse, platform, split\nfrom schemalens.cli import main\n"
            "calls = []\n"
            "def counted(module, name):\n"
            "    real = getattr(module, name)\n"
            "    setattr(module, name, lambda *a, **k: calls.append(name) or real(*a, **k))\n"
            "counted(parse, 'split_and_parse'); counted(platform, 'text_marks'); counted(split, 'split')\n"
            "main(sys.argv[1:])\nprint(sorted(set(calls)))")
    argv = ("report", str(d / "migrations"), "--manifest", str(manifest), "--date", "2026-12-02", "-o")

    def run(out: Path) -> str:
        done = subprocess.run([sys.executable, "-c", code, *argv, str(out)], capture_output=True, text=True,
                              timeout=120, check=False)
        assert done.returncode in (0, 1), done.stderr
        return done.stdout.splitlines()[-1]

    assert run(tmp_path / "cold.md") == "['split', 'split_and_parse', 'text_marks']"  # the first run reads all
    assert run(tmp_path / "warm.md") == "[]"
    cold, warm = (tmp_path / "cold.md").read_text(), (tmp_path / "warm.md").read_text()
    assert warm == cold and "```sql" in warm  # statements cited as evidence, from the cache


def test_a_library_caller_replays_with_the_command_lines_collector(tmp_path, monkeypatch, migrations):
    """load_schema raises the collector's thresholds to tune_gc's while it parses and replays (a notebook never
    calls tune_gc: lemmy took 0.81-0.96 s at Python's defaults, 0.68-0.72 s tuned), then restores the caller's."""
    from schemalens.read import project

    monkeypatch.setenv("SCHEMALENS_CACHE", "off")
    seen, streamed = [], project._streamed

    def recording(*args, **kwargs):
        seen.append(gc.get_threshold())
        yield from streamed(*args, **kwargs)

    monkeypatch.setattr(project, "_streamed", recording)
    before = gc.get_threshold()
    try:
        gc.set_threshold(700, 10, 10)
        assert [t.name for t in load_schema(migrations).tables] == ["public.a", "public.b"]
        assert seen == [(200_000, 30, 30)] and gc.get_threshold() == (700, 10, 10)
        gc.set_threshold(500_000, 10, 50)  # a caller's own higher thresholds are kept
        load_schema(migrations)
        assert seen[-1] == (500_000, 30, 50) and gc.get_threshold() == (500_000, 10, 50)
    finally:
        gc.set_threshold(*before)
