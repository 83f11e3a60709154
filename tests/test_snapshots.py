"""Replay snapshots between runs (schemalens.read.snapshots): a run after one changed file resumes from the
checkpoint before it, and its Schema equals a cold run's."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import test_cache
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schemalens import load_schema
from schemalens.present import report
from schemalens.read import parse, snapshots

ROOT = Path(__file__).resolve().parent.parent
home = test_cache.home  # the fixture: an empty cache folder of the test's own
REVOS = ROOT / "data" / "revos" / "migrations"


def _parsed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the files parsed from now on."""
    names: list[str] = []
    real = parse.split_and_parse

    def counting(text, file, keep=True):
        names.append(file)
        return real(text, file, keep)

    monkeypatch.setattr(parse, "split_and_parse", counting)
    return names


def _cold(folder: Path, monkeypatch: pytest.MonkeyPatch):
    """The schema of ``folder`` replayed from the first file, without the cache."""
    with monkeypatch.context() as m:
        m.setenv("SCHEMALENS_CACHE", "off")
        return load_schema(folder)


def _same(resumed, cold) -> None:
    assert resumed == cold
    assert report.graph_json(resumed) == report.graph_json(cold)
    assert resumed.warnings == cold.warnings and resumed.coverage == cold.coverage


def lemmy_like(folder: Path, files: int = 40) -> Path:
    """A diesel-like history: one folder per migration with ``up.sql``; tables with foreign keys and
    default-named constraints, renames of tables and columns, dropped columns, RLS and policies, grants,
    a trigger function, and a ``SET search_path`` in the middle that later unqualified names follow."""
    folder.mkdir(parents=True)
    for i in range(files):
        d = folder / f"2024-01-{i // 28 + 1:02d}-{i:06d}_step_{i}"
        d.mkdir()
        sql = [f"CREATE TABLE t{i} (id serial PRIMARY KEY, name text UNIQUE, n int);"]
        if i:
            sql.append(f"ALTER TABLE t{i} ADD COLUMN parent_id int REFERENCES t{i - 1};")
            sql.append(f"CREATE INDEX ON t{i} (parent_id);")
        if i % 5 == 2:
            sql.append(f"ALTER TABLE t{i - 1} RENAME COLUMN n TO n_{i};")
        if i % 7 == 3:
            sql.append(f"ALTER TABLE t{i - 2} RENAME TO t{i - 2}_old;")
        if i % 6 == 4:
            sql.append(f"ALTER TABLE t{i} DROP COLUMN name;")
        if i % 4 == 1:
            sql += [f"ALTER TABLE t{i} ENABLE ROW LEVEL SECURITY;",
                    f"CREATE POLICY own ON t{i} USING (parent_id IN (SELECT id FROM t{i - 1}));",
                    f"GRANT SELECT ON t{i} TO anon;"]
        if i == files // 2:
            sql += ["CREATE SCHEMA app;", "SET search_path TO app, public;"]
        if i == 3:
            sql.append("CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;")
        if i > 3 and i % 9 == 0:
            sql.append(f"CREATE TRIGGER touch_{i} BEFORE UPDATE ON t{i} FOR EACH ROW EXECUTE FUNCTION touch();")
        sql.append(f"COMMENT ON TABLE t{i} IS 'step {i}';")
        (d / "up.sql").write_text("\n".join(sql) + "\n")
        (d / "down.sql").write_text(f"DROP TABLE t{i};\n")
    return folder


# A change to one file: what it adds (each changes the state, except the comment).
CHANGES = {
    "comment": "\n-- reviewed\n",
    "column": "\nALTER TABLE t1 ADD COLUMN extra text;\n",
    "table": "\nCREATE TABLE added (id int PRIMARY KEY, t1_id int REFERENCES t1);\n",
    "search_path": "\nSET search_path TO public;\n",
    "unparsed": "\nCREATE TABLE broken (id int,, );\n",
}


def _up_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*/up.sql"))


@pytest.mark.parametrize("change", sorted(CHANGES))
@pytest.mark.parametrize("where", [0.1, 0.5, 0.9])
def test_a_resumed_run_equals_a_cold_one_lemmy_like(home, tmp_path, monkeypatch, change, where):
    folder = lemmy_like(tmp_path / "m")
    assert load_schema(folder) == _cold(folder, monkeypatch)  # writes the checkpoints
    ups = _up_files(folder)
    target = ups[int(len(ups) * where)]
    target.write_text(target.read_text() + CHANGES[change])
    parsed = _parsed(monkeypatch)
    resumed = load_schema(folder)
    parsed = list(parsed)  # not the cold run's below
    _same(resumed, _cold(folder, monkeypatch))
    names = [f"{u.parent.name}/up.sql" for u in ups]
    position, step = names.index(f"{target.parent.name}/up.sql"), snapshots.checkpoint_step(len(ups))
    assert parsed[0] == names[position // step * step]  # from the checkpoint before the changed file
    if change == "comment":  # the same state at the next checkpoint: the rest is not replayed
        assert parsed == names[position // step * step:(position // step + 1) * step]
    else:
        assert parsed == names[position // step * step:]


def test_a_resumed_run_equals_a_cold_one_revos(home, tmp_path, monkeypatch):
    folder = tmp_path / "migrations"
    shutil.copytree(REVOS, folder)
    load_schema(folder)
    files = sorted(folder.glob("*.sql"))
    middle = files[len(files) // 2]
    middle.write_text(middle.read_text() + "\nALTER TABLE campaigns ADD COLUMN note text;\n")
    parsed = _parsed(monkeypatch)
    resumed = load_schema(folder)
    parsed = list(parsed)  # not the cold run's below
    _same(resumed, _cold(folder, monkeypatch))
    assert any(c.name == "note" for c in resumed.table("public.campaigns").columns)
    assert 0 < len(parsed) < len(files)
    assert middle.name in parsed and files[0].name not in parsed


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(index=st.integers(0, 19), change=st.sampled_from(sorted(CHANGES)), again=st.booleans())
def test_any_one_changed_file_resumes_exactly(home, tmp_path_factory, monkeypatch, index, change, again):
    folder = lemmy_like(tmp_path_factory.mktemp("h") / "m", files=20)
    load_schema(folder)
    target = _up_files(folder)[index]
    target.write_text(target.read_text() + CHANGES[change])
    _same(load_schema(folder), _cold(folder, monkeypatch))
    if again:  # and back: the old checkpoints serve again
        target.write_text(target.read_text().replace(CHANGES[change], ""))
        parsed = _parsed(monkeypatch)
        resumed = load_schema(folder)
        assert parsed == []
        _same(resumed, _cold(folder, monkeypatch))  # the whole-folder entry of the first run


def test_an_added_file_parses_only_itself(home, tmp_path, monkeypatch):
    folder = lemmy_like(tmp_path / "m", files=37)  # 37 files: the last is no multiple of the step
    load_schema(folder)
    new = folder / "2024-02-28-999999_added"
    new.mkdir()
    (new / "up.sql").write_text("ALTER TABLE t36 ADD COLUMN added int;\n")
    parsed = _parsed(monkeypatch)
    resumed = load_schema(folder)
    assert parsed == ["2024-02-28-999999_added/up.sql"]
    _same(resumed, _cold(folder, monkeypatch))


def test_a_corrupt_state_is_a_miss_not_a_wrong_schema(home, tmp_path, monkeypatch):
    folder = lemmy_like(tmp_path / "m", files=20)
    load_schema(folder)
    states = sorted(home.glob("replay-state-*.pickle"))
    assert len(states) >= snapshots.CHECKPOINTS // 2
    for path in states:  # every state unreadable
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2])
    target = _up_files(folder)[10]
    target.write_text(target.read_text() + CHANGES["column"])
    _same(load_schema(folder), _cold(folder, monkeypatch))


def test_off_writes_no_snapshot(home, tmp_path, monkeypatch):
    monkeypatch.setenv("SCHEMALENS_CACHE", "off")
    load_schema(lemmy_like(tmp_path / "m", files=5))
    assert not home.exists()


def test_the_digest_does_not_depend_on_the_hash_seed(tmp_path):
    """Sets (grants, view columns) pickle in hash order; the digest sorts them, so a checkpoint found
    in one process is found in the next."""
    folder = lemmy_like(tmp_path / "m", files=12)
    code = ("import sys; from schemalens.read.migrations import discover; from schemalens.read.parse import split_and_parse;"
            "from schemalens.read.replay import new_state; from schemalens.read.snapshots import state_digest;"
            "files, _ = discover(sys.argv[1]); s = new_state()\n"
            "for f in files:\n    [s.apply(x) for x in split_and_parse(f.text, f.name)]\n"
            "print(state_digest(s))")
    digests = {subprocess.run([sys.executable, "-c", code, str(folder)], capture_output=True, text=True, check=True,
                              env={"PYTHONHASHSEED": seed, "PATH": ""}).stdout for seed in ("1", "2", "3")}
    assert len(digests) == 1 and len(digests.pop().strip()) == 64


def test_state_digest_tells_states_apart():
    from schemalens.read.parse import split_and_parse
    from schemalens.read.replay import new_state

    def state(sql: str):
        s = new_state()
        for x in split_and_parse(sql, "1.sql", keep=False):
            s.apply(x)
        return s

    base = "CREATE TABLE a (id int PRIMARY KEY); GRANT SELECT ON a TO anon, authenticated;"
    assert snapshots.state_digest(state(base)) == snapshots.state_digest(state(base + " -- more"))
    assert snapshots.state_digest(state(base)) != snapshots.state_digest(state(base + " GRANT INSERT ON a TO anon;"))
    assert snapshots.state_digest(state(base)) != snapshots.state_digest(state(base + " SET search_path TO x;"))


def test_digests_only_where_a_change_may_have_left_the_state_as_it_was(home, tmp_path, monkeypatch):
    """A cold run and a file added at the end write checkpoints without digesting a state (a pickle each);
    after a change, the first checkpoint is compared with the state last seen there, whose digest is kept."""
    digested = []
    real = snapshots.state_digest
    monkeypatch.setattr(snapshots, "state_digest", lambda state: digested.append(1) or real(state))
    folder = lemmy_like(tmp_path / "m", files=20)
    load_schema(folder)
    assert digested == []
    target = _up_files(folder)[7]
    for n, expected in enumerate((2, 1), 1):  # the new state and the old one; then the old one's is kept
        target.write_text(target.read_text() + f"\n-- reviewed {n}\n")
        digested.clear()
        _same(load_schema(folder), _cold(folder, monkeypatch))
        assert len(digested) == expected
    new = folder / "2024-02-28-999999_added"
    new.mkdir()
    (new / "up.sql").write_text("ALTER TABLE t19 ADD COLUMN added int;\n")
    digested.clear()
    _same(load_schema(folder), _cold(folder, monkeypatch))
    assert digested == []
    single = tmp_path / "one"  # one file (a Rails structure.sql): a changed file is the last, nothing to compare
    single.mkdir()
    (single / "structure.sql").write_text("CREATE TABLE a (id int PRIMARY KEY);\n")
    load_schema(single)
    (single / "structure.sql").write_text("CREATE TABLE a (id int PRIMARY KEY);\n-- reviewed\n")
    _same(load_schema(single), _cold(single, monkeypatch))
    assert digested == []
