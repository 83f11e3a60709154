"""``schemalens.db.demo``: a throwaway database drifted on purpose, and its verification, on the embedded PostgreSQL.

The RevOS sample with 037 (and 038, which adds triggers to 037's tables) left out and a column added by
hand must verify to exactly the findings notebook 4.0 shows; the database is gone afterwards, also when
the build fails; no socket path, port or database name reaches the result.
"""

from __future__ import annotations

import json
from pathlib import Path

import psycopg
import pytest

from schemalens.core.errors import ApplyError, InputError
from schemalens.core.names import quote_table
from schemalens.db import demo, postgres
from schemalens.present.verify_report import verification_markdown
from schemalens.read.manifest import load_manifest

ROOT = Path(__file__).parents[1]
REVOS = ROOT / "data" / "revos" / "migrations"
MANIFEST = ROOT / "data" / "revos" / "manifest.yaml"
ACME = ROOT / "data" / "acme" / "migrations"
SKIP = ("037_client_cartridges.sql", "038_cartridge_updated_at_triggers.sql")
NICKNAME = "ALTER TABLE users ADD COLUMN nickname text"
CARTRIDGES = [f"public.{k}_cartridges" for k in ("brand", "instruction", "style", "voice")]


def databases(server: postgres.Server) -> set[str]:
    with server.connect("postgres", autocommit=True) as conn:
        return {r[0] for r in conn.execute("SELECT datname FROM pg_database WHERE datname LIKE 'schemalens%'")}


def test_drifted_database_leaves_files_out_runs_sql_by_hand_and_is_dropped(pg_server) -> None:
    before = databases(pg_server)
    with demo.drifted_database(REVOS, skip=SKIP, extra_sql=[NICKNAME], server=pg_server) as dsn:
        with psycopg.connect(dsn) as conn:
            tables = {r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
            versions = [r[0] for r in conn.execute(
                "SELECT version FROM supabase_migrations.schema_migrations ORDER BY version")]
            nickname = conn.execute("SELECT 1 FROM information_schema.columns "
                                    "WHERE table_name = 'users' AND column_name = 'nickname'").fetchone()
        assert databases(pg_server) - before == {psycopg.conninfo.conninfo_to_dict(dsn)["dbname"]}
    assert not {t.split(".")[1] for t in CARTRIDGES} & tables and {"users", "agencies"} <= tables
    assert len(versions) == 25 and "037" not in versions and "038" not in versions and "034" in versions
    assert nickname == (1,)
    assert databases(pg_server) == before


def test_verify_drifted_reports_the_left_out_file_and_the_hand_made_column(pg_server) -> None:
    result = demo.verify_drifted(REVOS, skip=SKIP, extra_sql=NICKNAME, server=pg_server, manifest=MANIFEST,
                                 groups=["%cartridge%"])
    assert [(f.code, f.severity, f.subject) for f in result.findings] == [
        ("migration-not-applied", "warning", "037_client_cartridges.sql"),
        ("migration-not-applied", "warning", "038_cartridge_updated_at_triggers.sql"),
        *(("drift-missing", "critical", f"table {t}") for t in CARTRIDGES),
        ("drift-extra", "warning", "column public.users.nickname"),
    ]
    [group] = result.groups
    assert (group.name, group.present, list(group.missing)) == ("cartridge", (), CARTRIDGES)
    assert result.history.table == "supabase_migrations.schema_migrations" and len(result.history.rows) == 25
    assert result.target.masked == demo.label(SKIP, NICKNAME) and not result.built
    assert list(result.timings) == ["server", "apply", "files", "introspect", "history", "compare", "total"]
    shown = verification_markdown(result, date="2026-01-03") + json.dumps(result.to_dict()) + repr(result)
    server = psycopg.conninfo.conninfo_to_dict(pg_server.dsn("postgres"))
    for volatile in ("schemalens_", "postgresql://", server["host"], f":{server.get('port', 5432)}"):
        assert volatile not in shown, volatile


def test_the_demo_database_can_stand_in_for_the_manifests_project(pg_server) -> None:
    """Finding 5's worry, staged: 037 names another project and none of its tables reached this one."""
    ref = load_manifest(MANIFEST).project_ref
    result = demo.verify_drifted(REVOS, skip=SKIP, project_ref=ref, server=pg_server, manifest=MANIFEST)
    [project] = result.findings.by_code("project-ref-mismatch")
    assert (project.severity, project.subject, project.data["found"], project.data["expected"]) == (
        "warning", "037_client_cartridges.sql", "kvjcidxbyimoswntpjcp", ref)
    assert project.data["present"] == [] and "0 of its 4 tables exist" in project.actual
    assert result.target.project_ref == ref


def test_nothing_left_out_verifies_clean_like_a_built_database(pg_server) -> None:
    result = demo.verify_drifted(REVOS, server=pg_server, manifest=MANIFEST)
    assert list(result.findings) == [] and len(result.history.rows) == 27
    assert result.target.masked == "throwaway database built from the migrations"


def test_a_file_name_the_folder_lacks_is_refused_before_anything_is_built(pg_server) -> None:
    before = databases(pg_server)
    refused = pytest.raises(InputError, match=r"no migration file named '037_cartridges\.sql'")
    with refused, demo.drifted_database(REVOS, skip=["037_cartridges.sql"], server=pg_server):
        pytest.fail("nothing should have been built")
    assert databases(pg_server) == before


@pytest.mark.parametrize("skip, extra, where", [
    (SKIP[:1], (), r"038_cartridge_updated_at_triggers\.sql:5: "),  # 038 needs 037's tables
    ((), ["SELECT 1", "ALTER TABLE nope ADD COLUMN x int"], r"extra_sql\[2\]:1: "),
])
def test_a_failing_build_names_the_file_and_line_and_drops_the_database(pg_server, skip, extra, where) -> None:
    before = databases(pg_server)
    failed = pytest.raises(ApplyError, match=where + "relation .* does not exist")
    with failed, demo.drifted_database(REVOS, skip=skip, extra_sql=extra, server=pg_server):
        pytest.fail("the build should have failed")
    assert databases(pg_server) == before


@pytest.mark.parametrize("folder, skip, extra, suggested", [
    (REVOS, None, None, (SKIP, "ALTER TABLE public.agencies ADD COLUMN added_by_hand text")),
    (ACME, None, None, (("V6__labels.sql",), "ALTER TABLE public.organisations ADD COLUMN added_by_hand text")),
    (REVOS, list(SKIP), NICKNAME, (SKIP, NICKNAME)),  # what is given is kept
    (REVOS, ["001_initial_schema.sql"], None, (("001_initial_schema.sql",),  # the next file's first table
                                               "ALTER TABLE public.campaigns ADD COLUMN added_by_hand text")),
    (REVOS, [], [], ((), [])),
])
def test_suggest_drift(folder, skip, extra, suggested) -> None:
    assert demo.suggest_drift(folder, skip, extra) == suggested


def test_suggested_drift_is_caught_in_another_project(pg_server) -> None:
    skip, extra = demo.suggest_drift(ACME)
    result = demo.verify_drifted(ACME, skip=skip, extra_sql=extra, server=pg_server,
                                 project_ref=load_manifest(ACME.parent / "manifest.yaml").project_ref)
    assert {(f.code, f.subject) for f in result.findings} == {
        ("migration-not-applied", "V6__labels.sql"),
        ("drift-missing", "table public.labels"),
        ("drift-missing", "table public.task_labels"),
        ("drift-extra", "column public.organisations.added_by_hand"),
    }  # V4's project header is the manifest's: no project finding


def test_quoted() -> None:
    """The drift demo's extra SQL names its table through schemalens.core.names (its own quoting helper is gone)."""
    assert quote_table("public.users") == "public.users"
    assert quote_table('Sales.Order "Lines"') == '"Sales"."Order ""Lines"""'


@pytest.mark.parametrize("skip, extra, text", [
    ((), (), "throwaway database built from the migrations"),
    (("V6__labels.sql",), (), "throwaway database: V6__labels.sql left out"),
    ((), "ALTER TABLE a ADD x int; DROP TABLE b;", "throwaway database: 2 statements run by hand"),
    ((), ["  "], "throwaway database built from the migrations"),
])
def test_label(skip, extra, text) -> None:
    assert demo.label(skip, extra) == text
