"""Plans as people write them for real projects: names read against the schema, chained proposals,
platform-aware general checks (the real-world shapes are fixtures in tests/fixtures/findings)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from fixture_view import fixture_migrations

from schemalens import load_schema
from schemalens.assess.compare import analyse, compare
from schemalens.core.errors import ManifestError
from schemalens.present.report import markdown
from schemalens.read.manifest import parse_manifest
from schemalens.read.resolve import resolve_names

FIXTURES = Path(__file__).parent / "fixtures" / "findings"
CASES = sorted(p for p in FIXTURES.iterdir() if p.is_dir() and p.name not in ("_base", "manifests"))


def _schema(tmp_path: Path, sql: str):
    (tmp_path / "001.sql").write_text(sql)
    return load_schema(tmp_path)


TWO_SCHEMAS = (
    "CREATE SCHEMA crm; CREATE SCHEMA billing;\n"
    "CREATE TABLE crm.accounts (id uuid PRIMARY KEY);\n"
    "CREATE TABLE billing.accounts (id uuid PRIMARY KEY);\n"
    "CREATE TABLE public.notes (id uuid PRIMARY KEY, account_id uuid REFERENCES crm.accounts (id));\n"
)


def test_a_plain_name_in_two_schemas_is_an_error_listing_both(tmp_path):
    schema = _schema(tmp_path, TWO_SCHEMAS)
    with pytest.raises(ManifestError) as e:
        compare(schema, parse_manifest("root: notes\nhierarchy:\n  - notes -> accounts\n", "plan.yaml"))
    assert (e.value.file, e.value.line) == ("plan.yaml", 3)
    assert "`billing.accounts`, `crm.accounts`" in str(e.value)
    # written qualified, it is what it says
    m = resolve_names(parse_manifest("hierarchy:\n  - notes -> crm.accounts\n"), schema)
    assert m.hierarchy[0].parent == "crm.accounts"


def test_public_wins_and_exact_case_wins(tmp_path):
    schema = _schema(
        tmp_path,
        TWO_SCHEMAS + 'CREATE TABLE public.accounts (id uuid PRIMARY KEY);\n'
        'CREATE TABLE "Team" (id int PRIMARY KEY, "ownerId" int);\nCREATE TABLE team (id int PRIMARY KEY);\n',
    )
    m = resolve_names(parse_manifest("root: accounts\nscoping:\n  '\"Team\"': Team\n"), schema)
    assert m.root.table == "public.accounts"
    assert (m.scoping[0].table, m.scoping[0].entity) == ("public.Team", "public.team")


def test_case_insensitive_only_when_one_fits(tmp_path):
    schema = _schema(tmp_path, 'CREATE TABLE "Team" (id int PRIMARY KEY);\nCREATE TABLE "TEAM" (id int PRIMARY KEY);\n')
    with pytest.raises(ManifestError, match=r"`public\.TEAM`, `public\.Team`"):
        compare(schema, parse_manifest("root: team\n"))


def test_columns_resolve_case_insensitively(tmp_path):
    schema = _schema(
        tmp_path,
        'CREATE TABLE "Team" ("id" int PRIMARY KEY);\n'
        'CREATE TABLE "Envelope" ("id" int PRIMARY KEY, "teamId" int NOT NULL REFERENCES "Team" ("id"));\n'
        'CREATE INDEX ON "Envelope" ("teamId");\n',
    )
    found = compare(schema, parse_manifest("foreign_keys:\n  - Envelope.teamid -> Team.ID\n"))
    assert [f.code for f in found if f.code in ("missing-table", "missing-foreign-key")] == []
    m = resolve_names(parse_manifest("foreign_keys:\n  - Envelope.teamid -> Team.ID\n"), schema)
    assert (m.foreign_keys[0].columns, m.foreign_keys[0].ref_columns) == (("teamId",), ("id",))


def test_an_ambiguous_name_exits_2_naming_the_manifest_line(tmp_path):
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "001.sql").write_text(TWO_SCHEMAS)
    (tmp_path / "manifest.yaml").write_text("root: notes\nscoping:\n  notes: accounts\n")
    run = subprocess.run(
        [sys.executable, "-m", "schemalens.cli", "report", str(tmp_path / "m"), "--manifest",
         str(tmp_path / "manifest.yaml")],
        check=False, capture_output=True, text=True,
    )
    assert run.returncode == 2, run.stderr
    assert "manifest.yaml:3" in run.stderr and "ambiguous" in run.stderr


def test_a_chain_of_proposals_nests_under_the_new_parent():
    found = analyse(FIXTURES / "_base" / "migrations", FIXTURES / "missing_table_chain_negative" / "manifest.yaml")
    text = markdown(found, date="2026-01-01")
    tree = text.split("### Proposed Addition")[1].split("```")[1]
    assert "orgs (existing)" in tree
    assert "projects (existing)" not in tree and "project_tasks (existing)" not in tree
    assert "    └── project_tasks (NEW, project_id FK" in tree


def test_platform_decides_rls_disabled(tmp_path):
    sql = "CREATE TABLE orgs (id uuid PRIMARY KEY);\n"
    (tmp_path / "001.sql").write_text(sql)
    assert analyse(tmp_path, None).by_code("rls-disabled") == []  # plain PostgreSQL: no Supabase API roles
    (tmp_path / "manifest.yaml").write_text("platform: supabase\n")
    [f] = analyse(tmp_path, tmp_path / "manifest.yaml").by_code("rls-disabled")
    assert f.subject == "public.orgs"
    (tmp_path / "002.sql").write_text("CREATE POLICY p ON orgs USING (auth.uid() IS NOT NULL);\n")
    assert [f.subject for f in analyse(tmp_path, None).by_code("rls-disabled")] == ["public.orgs"]  # detected


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.name)
def test_no_finding_renders_an_empty_name(case: Path):
    for f in analyse(fixture_migrations(case), case / "manifest.yaml"):
        for text in (f.title, f.assumed, f.actual, f.impact, *f.options):
            assert "``" not in text and "(-scoped)" not in text and "`None`" not in text, (f.code, text)


def test_no_root_is_fine_until_a_check_needs_one(tmp_path):
    sql = (
        "CREATE TABLE orgs (id uuid PRIMARY KEY);\nCREATE TABLE shops (id uuid PRIMARY KEY);\n"
        "CREATE TABLE staff (id uuid PRIMARY KEY, org_id uuid REFERENCES orgs (id));\n"
        "CREATE TABLE items (id uuid PRIMARY KEY, shop_id uuid REFERENCES shops (id));\n"
    )
    two_roots = compare(_schema(tmp_path, sql), parse_manifest("hierarchy:\n  - staff -> orgs\n"))
    [note] = two_roots.notes
    assert "no `root`" in note and "`orgs`, `shops`" in note and "unreachable-from-root" in note
    assert note in markdown(two_roots, date="2026-01-01")
    named = compare(_schema(tmp_path, sql), parse_manifest("root: orgs\n"))
    assert named.notes == () and named.by_code("unreachable-from-root")
    one_root = compare(load_schema(FIXTURES / "_base" / "migrations"), parse_manifest("scoping:\n  notes: teams\n"))
    assert one_root.notes == ()  # the only root is the root: nothing is missing


PLAN_CODES = {"missing-table", "root-mismatch", "missing-foreign-key", "hierarchy-mismatch", "scope-mismatch"}


@pytest.mark.parametrize("folder", sorted({c / "migrations" for c in CASES if (c / "migrations").is_dir()}
                                          | {FIXTURES / "_base" / "migrations"}), ids=lambda p: p.parent.name)
def test_init_writes_a_manifest_the_schema_satisfies(folder: Path, tmp_path: Path):
    out = tmp_path / "manifest.yaml"
    run = subprocess.run(
        [sys.executable, "-m", "schemalens.cli", "init", str(folder), "--output", str(out)],
        check=False, capture_output=True, text=True,
    )
    assert run.returncode == 0, run.stderr
    found = analyse(folder, out)
    assert [f.title for f in found if f.code in PLAN_CODES] == []
    assert out.read_text().startswith("# The schema as the migrations build it")


def test_init_names_the_hierarchy_and_what_policies_rely_on():
    from schemalens.assess.manifest_init import init_manifest

    text = init_manifest(load_schema(FIXTURES / "_base" / "migrations"))
    m = parse_manifest(text)
    assert m.root.table == "public.orgs"
    assert {(e.child, e.parent) for e in m.hierarchy} == {
        ("public.notes", "public.people"), ("public.people", "public.teams"), ("public.teams", "public.orgs")
    }
    assert [(f.table, f.columns, f.ref_table) for f in m.foreign_keys] == [("public.people", ("id",), "auth.users")]
    assert ("public.people", "auth.users") in {(s.table, s.entity) for s in m.scoping}
    prisma = init_manifest(load_schema(FIXTURES / "missing_table_case_negative" / "migrations"))
    assert "root: Team" in prisma and "- Recipient -> Envelope" in prisma  # plain, as people write them
    assert "DocumentMeta" not in prisma.split("hierarchy:")[1]  # a one-to-one detail row owns nothing


def test_a_global_table_renders_as_global_everywhere():
    case = FIXTURES / "scope_mismatch_chat_positive"
    text = markdown(analyse(fixture_migrations(case), case / "manifest.yaml"), date="2026-01-01")
    assert "-scoped)" not in text.replace("auth.users-scoped)", "") and "`` " not in text
    assert "Keep 1 table (global: no owner)" in text
    assert "  # model_catalog: workspaces   # global: nothing owns its rows" in text
    assert "  profiles: auth.users   # was: workspaces" in text


def test_the_plans_benchmark_names_what_it_needs(tmp_path):
    """benchmarks/plans.py needs the projects' checkouts (not in the repository): without them it exits 2
    naming the repository and commit; every expected.yaml names its source and lists findings."""
    import yaml

    root = Path(__file__).parents[1] / "benchmarks"
    plans = sorted(p for p in (root / "plans").iterdir() if (p / "expected.yaml").is_file())
    assert len(plans) >= 4
    for plan in plans:
        want = yaml.safe_load((plan / "expected.yaml").read_text())
        assert re.fullmatch(r"[0-9a-f]{40}", want["commit"]) and want["repository"] and want["path"]
        assert want["findings"] and all({"code", "severity", "subject"} <= set(f) for f in want["findings"])
        parse_manifest((plan / "manifest.yaml").read_text(), str(plan / "manifest.yaml")).document_paths()
    run = subprocess.run([sys.executable, str(root / "plans.py"), str(tmp_path)], check=False,
                         capture_output=True, text=True)
    assert run.returncode == 2 and "not a folder" in run.stderr and "usebasejump/basejump" in run.stderr
