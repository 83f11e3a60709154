"""Exact mode wherever a build happens: ``verify --built``, ``report --exact``, ``decisions --rehearse``.

The DDL of DO blocks joins the model through the build's own per-statement apply (one apply path), read
back from the catalog and attributed to the block's file:line; without a build it stays "not analysed".
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from schemalens import load_schema
from schemalens.cli import main
from schemalens.db import postgres
from schemalens.db.exact import FROM_DATABASE, Watcher, exact_schema, watched
from schemalens.db.verify import verify_built
from schemalens.read.migrations import discover

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
    from schemalens.db.build import throwaway

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


def test_static_model_resolves_through_the_service_runners_search_path(tmp_path: Path,
                                                                       pg_server: postgres.Server) -> None:
    """supabase/auth's runner (pop) puts its schema first: an unqualified DROP INDEX drops auth's index, an
    unqualified function lands in auth (found on supabase/auth: users_instance_id_email_idx kept its old
    columns; supabase/storage: update_updated_at_column "missing" from public)."""
    folder = tmp_path / "migrations"
    folder.mkdir()
    ns = '{{ index .Options "Namespace" }}'
    (folder / "00_init.up.sql").write_text(
        f"CREATE TABLE IF NOT EXISTS {ns}.users (id uuid PRIMARY KEY, instance_id uuid, email text);\n"
        f"CREATE INDEX IF NOT EXISTS users_email_idx ON {ns}.users USING btree (instance_id, email);\n",
        encoding="utf-8")
    (folder / "01_lower.up.sql").write_text(
        "DROP INDEX IF EXISTS users_email_idx;\n"
        f'CREATE INDEX IF NOT EXISTS users_email_idx ON "{ns}".users USING btree (instance_id, lower(email));\n'
        "CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;\n",
        encoding="utf-8")
    static = load_schema(folder)
    assert [i.columns for i in static.indexes] == [("instance_id", "LOWER(email)")]
    assert [f.name for f in static.functions] == ["auth.touch"]
    result = verify_built(folder, server=pg_server)
    assert result.build.runner.name == "pop"
    assert not [f for f in result.findings.findings if f.code.startswith("drift")]


def test_a_trigger_on_the_runners_bookkeeping_table_is_not_drift(tmp_path: Path, pg_server: postgres.Server) -> None:
    """lemmy guards diesel's own table with a trigger: the table is the runner's, so is what is on it."""
    folder = tmp_path / "migrations"
    (folder / "2025-01-01-000001_guard").mkdir(parents=True)
    (folder / "2025-01-01-000001_guard" / "up.sql").write_text(
        "CREATE TABLE t (id int PRIMARY KEY);\n"
        "CREATE FUNCTION forbid() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$;\n"
        "CREATE TRIGGER forbid BEFORE INSERT ON __diesel_schema_migrations EXECUTE FUNCTION forbid();\n",
        encoding="utf-8")
    result = verify_built(folder, server=pg_server)
    assert result.build.runner.name == "diesel" and "__diesel_schema_migrations" in result.build.bookkeeping
    assert not [f.title for f in result.findings.findings if f.code.startswith("drift")]
