"""Files written and read (issue 11, section 2): nothing written outside the output folder, atomic writes,
planned documents confined to the manifest's folder, skipped input reported, clear errors for files that
cannot be read or written. Every case goes through the real CLI or the function the CLI calls."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from schemalens.assess.compare import analyse
from schemalens.cli import main
from schemalens.core import files
from schemalens.core.errors import InputError, ManifestError, SchemalensError
from schemalens.read.manifest import load_manifest
from schemalens.read.migrations import discover

TABLES = "CREATE TABLE agencies (id uuid PRIMARY KEY);\nCREATE TABLE users (id uuid PRIMARY KEY, agency_id uuid);\n"
DOCUMENT = "# Plan\n\n```sql\nCREATE TABLE notes (id uuid PRIMARY KEY, agency_id uuid REFERENCES agencies(id));\n```\n"


def project(tmp_path: Path, documents: str | None = None) -> tuple[Path, Path]:
    """``tmp_path/plan/{migrations/001_init.sql, manifest.yaml}``; the manifest's documents as given."""
    plan = tmp_path / "plan"
    (plan / "migrations").mkdir(parents=True)
    (plan / "migrations" / "001_init.sql").write_text(TABLES)
    text = "root: tenants\n" + (f"documents:\n  - {documents}\n" if documents else "")
    (plan / "manifest.yaml").write_text(text)
    return plan / "migrations", plan / "manifest.yaml"


# Atomic writes ---------------------------------------------------------------------------------------------


class Midway(Exception):
    pass


def test_a_write_that_fails_midway_leaves_the_previous_file_and_no_other(tmp_path, monkeypatch) -> None:
    target = tmp_path / "findings.md"
    files.write_text(target, "previous report\n")
    real_fdopen = os.fdopen

    def failing_fdopen(*args, **kwargs):
        f = real_fdopen(*args, **kwargs)
        real_write = f.write

        def write(text):
            real_write(text[: len(text) // 2])
            f.flush()
            raise Midway("disk full")

        f.write = write
        return f

    monkeypatch.setattr(os, "fdopen", failing_fdopen)
    with pytest.raises(Midway):
        files.write_text(target, "the new report, much longer than the previous one\n")
    assert target.read_text() == "previous report\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["findings.md"]  # no temporary file left


def test_the_cli_report_survives_a_full_disk(tmp_path, monkeypatch, capsys) -> None:
    migrations, manifest = project(tmp_path)
    out = tmp_path / "out" / "findings.md"
    assert main(["report", str(migrations), "--manifest", str(manifest), "-o", str(out), "--fail-on", "never"]) == 0
    before = out.read_text()
    assert "missing-table" in before or "tenants" in before
    real_fsync = os.fsync

    def no_space(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", no_space)
    code = main(["report", str(migrations), "--manifest", str(manifest), "-o", str(out), "--date", "2000-01-01"])
    monkeypatch.setattr(os, "fsync", real_fsync)
    assert code == 2
    assert "No space left on device" in capsys.readouterr().err
    assert out.read_text() == before
    assert [p.name for p in out.parent.iterdir()] == ["findings.md"]


def test_a_rename_that_fails_leaves_the_previous_file_and_no_temporary_one(tmp_path, monkeypatch) -> None:
    target = tmp_path / "graph.json"
    files.write_text(target, "{}\n")

    def refused(src, dst):
        raise PermissionError(13, "Permission denied", str(dst))

    monkeypatch.setattr(os, "replace", refused)
    with pytest.raises(PermissionError):
        files.write_text(target, '{"new": 1}\n')
    assert target.read_text() == "{}\n"
    assert [p.name for p in tmp_path.iterdir()] == ["graph.json"]


def test_an_atomic_write_keeps_the_replaced_files_permissions(tmp_path) -> None:
    target = tmp_path / "up.sql"
    target.write_text("old")
    target.chmod(0o640)
    files.write_text(target, "new")
    assert (target.read_text(), target.stat().st_mode & 0o777) == ("new", 0o640)


def test_a_named_pipe_is_written_into_not_replaced(tmp_path) -> None:
    """``-o /dev/null`` or ``-o /dev/stdout``: renaming a temporary file over such a path replaced
    ``/dev/null`` with a regular file (as root). A named pipe takes the same path and is safe to test."""
    import stat
    import threading

    pipe = tmp_path / "out"
    os.mkfifo(pipe)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(pipe.read_bytes()), daemon=True)
    reader.start()
    files.write_text(pipe, "# report\n")
    reader.join(10)
    assert got == [b"# report\n"]
    assert stat.S_ISFIFO(pipe.lstat().st_mode)
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_the_cli_writes_a_report_into_a_named_pipe(tmp_path, capsys) -> None:
    import threading

    migrations, manifest = project(tmp_path)
    pipe = tmp_path / "report.md"
    os.mkfifo(pipe)
    got: list[str] = []
    reader = threading.Thread(target=lambda: got.append(pipe.read_text()), daemon=True)
    reader.start()
    code = main(["report", str(migrations), "--manifest", str(manifest), "-o", str(pipe)])
    reader.join(10)
    assert code in (0, 1) and got and got[0].startswith("#")
    assert not pipe.is_file()


def test_a_symlink_is_written_through(tmp_path) -> None:
    real = tmp_path / "real.md"
    real.write_text("old")
    link = tmp_path / "link.md"
    link.symlink_to(real)
    files.write_text(link, "new")
    assert link.is_symlink() and real.read_text() == "new"


# Nothing written outside the output folder ----------------------------------------------------------------


@pytest.mark.parametrize("relative", ["../x.sql", "a/../../x.sql", "/tmp/x.sql"])
def test_inside_refuses_a_path_that_leaves_the_folder(tmp_path, relative) -> None:
    with pytest.raises(SchemalensError, match="outside"):
        files.inside(tmp_path / "out", relative)


def test_inside_refuses_a_symlink_that_leads_out(tmp_path) -> None:
    (tmp_path / "out").mkdir()
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "out" / "docs").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(SchemalensError, match="outside"):
        files.write_tree(tmp_path / "out", {"a.md": "a", "docs/plan.md": "overwritten"})
    assert not (tmp_path / "out" / "a.md").exists()  # checked before the first write
    assert list((tmp_path / "elsewhere").iterdir()) == []


def test_decisions_write_never_writes_outside_its_folder(tmp_path, capsys) -> None:
    """A documents glob with ``..`` names a document ``../../plan.md``: ``out/rewrite-documents/../../plan.md``
    would overwrite the user's own plan. Read (explicitly allowed) but not written."""
    migrations, manifest = project(tmp_path / "a", "../../plan.md")
    own = tmp_path / "plan.md"
    own.write_text(DOCUMENT)
    out = tmp_path / "out"
    code = main(["decisions", str(migrations), "--manifest", str(manifest), "--write", str(out),
                 "--allow-outside-documents"])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "outside" in err and "plan.md" in err
    assert own.read_text() == DOCUMENT
    assert not out.exists() or not any(out.rglob("*.sql"))


# Planned documents must stay inside the manifest's folder --------------------------------------------------


@pytest.mark.parametrize("pattern, rule", [
    ("/etc/hostname", "absolute path"),
    ("../../secret.md", "through '..'"),
    ("docs/*.md", "through a symlink"),
])
def test_documents_outside_the_manifest_folder_are_refused(tmp_path, pattern, rule, capsys) -> None:
    (tmp_path / "secret.md").write_text(DOCUMENT)
    migrations, manifest = project(tmp_path / "a", pattern)
    (manifest.parent / "docs").mkdir()
    (manifest.parent / "docs" / "linked.md").symlink_to(tmp_path / "secret.md")
    with pytest.raises(ManifestError, match=rule) as e:
        load_manifest(manifest).document_paths()
    assert e.value.line == 3 and "--allow-outside-documents" in str(e.value)
    assert main(["report", str(migrations), "--manifest", str(manifest)]) == 2
    assert "manifest.yaml:3: documents:" in capsys.readouterr().err


def test_documents_outside_are_read_when_allowed(tmp_path, capsys) -> None:
    migrations, manifest = project(tmp_path / "a", "../../secret.md")
    (tmp_path / "secret.md").write_text(DOCUMENT.replace("```\n", "SELECT * FROM nothere;\n```\n"))
    args = ["report", str(migrations), "--manifest", str(manifest), "--fail-on", "never"]
    assert main(args + ["--allow-outside-documents"]) == 0
    assert "`secret.md` uses missing table `nothere`" in capsys.readouterr().out


def test_documents_inside_through_dot_dot_are_fine(tmp_path) -> None:
    _, manifest = project(tmp_path, "migrations/../docs/*.md")
    (manifest.parent / "docs").mkdir()
    (manifest.parent / "docs" / "p.md").write_text(DOCUMENT)
    assert [p.name for p in load_manifest(manifest).document_paths()] == ["p.md"]


# Input that is skipped is reported; a file that cannot be read is an error -----------------------------------


def test_discovery_reports_what_it_skips(tmp_path) -> None:
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "001_init.sql").write_text(TABLES)
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "002_more.sql").write_text("CREATE TABLE more (id int);")
    (tmp_path / "m" / "linked").symlink_to(tmp_path / "outside")
    (tmp_path / "m" / "003_gone.sql").symlink_to(tmp_path / "nothing.sql")
    (tmp_path / "m" / "004_out.sql").symlink_to(tmp_path / "outside" / "002_more.sql")
    (tmp_path / "m" / "005_null.sql").symlink_to("/dev/null")
    (tmp_path / "m" / "006_same.sql").symlink_to(tmp_path / "m" / "001_init.sql")  # inside: read
    found, warnings = discover(tmp_path / "m")
    assert [f.name for f in found] == ["001_init.sql", "006_same.sql"]
    reasons = {w.source.file: w.reason for w in warnings if w.reason.startswith("skipped")}
    assert sorted(reasons) == ["003_gone.sql", "004_out.sql", "005_null.sql", "linked"]
    assert "symlink to a folder" in reasons["linked"]
    assert "dangling symlink" in reasons["003_gone.sql"]
    assert "outside the folder" in reasons["004_out.sql"]
    assert "not a regular file" in reasons["005_null.sql"]


def test_discovery_reports_a_folder_it_cannot_list(tmp_path, monkeypatch) -> None:
    (tmp_path / "m" / "sub").mkdir(parents=True)
    (tmp_path / "m" / "001_init.sql").write_text(TABLES)
    (tmp_path / "m" / "sub" / "002_x.sql").write_text("CREATE TABLE x (id int);")
    (tmp_path / "m" / "sub").chmod(0)
    real_scandir = os.scandir
    if os.access(tmp_path / "m" / "sub", os.R_OK):  # root reads it anyway: refuse as the kernel would

        def scandir(path="."):
            if Path(path).name == "sub":
                raise PermissionError(13, "Permission denied", str(path))
            return real_scandir(path)

        monkeypatch.setattr(os, "scandir", scandir)
    try:
        found, warnings = discover(tmp_path / "m")
    finally:
        (tmp_path / "m" / "sub").chmod(0o755)
    assert [f.name for f in found] == ["001_init.sql"]
    assert [(w.source.file, "cannot be listed" in w.reason) for w in warnings] == [("sub", True)]


def test_the_cli_shows_skipped_input(tmp_path, capsys) -> None:
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "001_init.sql").write_text(TABLES)
    (tmp_path / "m" / "002_gone.sql").symlink_to(tmp_path / "nothing.sql")
    assert main(["graph", str(tmp_path / "m")]) == 0
    assert "002_gone.sql" in capsys.readouterr().out


def test_an_unreadable_migration_file_is_an_error_naming_it(tmp_path, monkeypatch, capsys) -> None:
    (tmp_path / "m").mkdir()
    bad = tmp_path / "m" / "002_secret.sql"
    bad.write_text("CREATE TABLE s (id int);")
    (tmp_path / "m" / "001_init.sql").write_text(TABLES)
    bad.chmod(0)
    if os.access(bad, os.R_OK):  # root reads it anyway: refuse as the kernel would
        real = Path.read_bytes

        def read_bytes(self):
            if self.name == bad.name:
                raise PermissionError(13, "Permission denied", str(self))
            return real(self)

        monkeypatch.setattr(Path, "read_bytes", read_bytes)
    with pytest.raises(InputError, match="002_secret.sql: cannot read this migration file: Permission denied"):
        discover(tmp_path / "m")
    assert main(["graph", str(tmp_path / "m")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "002_secret.sql" in err


def test_notebooks_output_onto_an_existing_file_is_a_clear_error(tmp_path, capsys) -> None:
    migrations, manifest = project(tmp_path)
    taken = tmp_path / "report.html"
    taken.write_text("mine")
    notebook = Path(__file__).parents[1] / "notebooks" / "1.0-explore-schema.ipynb"
    code = main(["notebooks", str(migrations), str(notebook), "--manifest", str(manifest), "--output", str(taken)])
    err = capsys.readouterr().err
    assert code == 2 and "report.html: --output: a file is there" in err
    assert taken.read_text() == "mine"


def test_a_seed_file_that_is_not_utf8_is_bad_input_naming_it(tmp_path, pg_server) -> None:
    from schemalens.core.errors import ApplyError
    from schemalens.db.rehearse import rehearse
    from schemalens.decide.options import decide

    migrations, manifest = project(tmp_path)
    seed = tmp_path / "seed.sql"
    seed.write_bytes(b"INSERT INTO agencies VALUES ('\xff');\n")
    decisions = decide(analyse(migrations, manifest))
    with pytest.raises(ApplyError, match=r"seed.sql:1: not UTF-8: byte 0xff"):
        rehearse(decisions, migrations, seed=seed, server=pg_server)
