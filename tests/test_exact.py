"""Exact mode wherever a build happens: ``verify --built``, ``report --exact``, ``decisions --rehearse``.

The DDL of DO blocks joins the model through the build's own per-statement apply (one apply path), read
back from the catalog and attributed to the block's file:line; without a build it stays "not analysed".
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from schemalens import load_schema, postgres
from schemalens.cli import main
from schemalens.exact import FROM_DATABASE, Watcher, exact_schema, watched
from schemalens.migrations import discover
from schemalens.verify import verify_built

FIXTURE = Path(__file__).parent / "fixtures" / "exact" / "do_blocks.sql"


def _folder(tmp_path: Path) -> Path:
    folder = tmp_path / "migrations"
    folder.mkdir()
    shutil.copy(FIXTURE, folder / "001_do_blocks.sql")
    return folder


def test_verify_built_joins_do_blocks_and_reports_no_drift(tmp_path: Path, pg_server: postgres.Server) -> None:
    """verify --built builds anyway: what the DO blocks made is in the model, nothing left to excuse."""
    folder = _folder(tmp_path)
    result = verify_built(folder, server=pg_server)
    assert not [f for f in result.findings.findings if f.code.startswith("drift")]
    assert result.explained == ()  # nothing excused by "not analysed": it was read back
    assert result.build is not None and not result.build.partial
    assert result.live.table("public.object") is not None


def test_watcher_is_the_builds_hook_and_keeps_the_files_search_path(tmp_path: Path,
                                                                   pg_server: postgres.Server) -> None:
    """Reading the catalog inside the file's transaction must not leave search_path at pg_catalog: the
    policy after the blocks is created on public.bucket, and every statement applies."""
    from schemalens.build import throwaway

    folder = _folder(tmp_path)
    static = load_schema(folder)
    watcher = Watcher(watched(static))
    with throwaway(pg_server, discover(folder)[0], folder, observe=watcher) as db:
        assert db.build.refused == () and db.build.applied == db.build.statements
        assert db.conn.execute("SELECT count(*) FROM pg_policies WHERE tablename = 'bucket'").fetchone()[0] == 1
    assert [str(rb.statement.source) for rb in watcher.read_backs] == ["001_do_blocks.sql:3", "001_do_blocks.sql:10"]
    # the third block (PERFORM 1) changed nothing: no read-back, and it stays "not analysed"
    joined = exact_schema(folder, pg_server, static)
    reasons = {str(u.source): u.reason for u in joined.not_analysed}
    assert FROM_DATABASE in reasons["001_do_blocks.sql:3"] and FROM_DATABASE not in reasons["001_do_blocks.sql:18"]


def test_report_exact_on_the_command_line(tmp_path: Path, capsys) -> None:
    """A plan naming a table only a DO block creates: missing statically, found with --exact."""
    folder = _folder(tmp_path)
    manifest = tmp_path / "manifest.yaml"
    manifest.write_text("root: bucket\nhierarchy:\n  - object -> bucket\n", encoding="utf-8")
    main(["report", str(folder), "--manifest", str(manifest), "--format", "json", "--fail-on", "never"])
    static = json.loads(capsys.readouterr().out)
    main(["report", str(folder), "--manifest", str(manifest), "--format", "json", "--fail-on", "never", "--exact"])
    exact = json.loads(capsys.readouterr().out)

    def mentions_object_missing(report: dict) -> bool:
        return any("object" in json.dumps(f) and f["severity"] == "critical" for f in report["findings"])

    assert mentions_object_missing(static) and not mentions_object_missing(exact)
