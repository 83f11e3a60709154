"""Findings: one positive and one negative fixture per code (tests/fixtures/findings), and both samples."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from fixture_view import fixture_migrations

from schemalens import load_schema
from schemalens.assess.compare import CODES, Findings, analyse, compare, group_name, hierarchy_roots
from schemalens.read import rls
from schemalens.read.graph import build_graph
from schemalens.read.manifest import parse_manifest

ROOT = Path(__file__).parents[1]
FIXTURES = Path(__file__).parent / "fixtures" / "findings"
CASES = sorted(p for p in FIXTURES.iterdir() if p.is_dir() and p.name not in ("_base", "manifests"))


def run_case(case: Path) -> Findings:
    return analyse(fixture_migrations(case), case / "manifest.yaml")


def _matches(finding, want: dict) -> bool:
    for key, value in want.items():
        if key == "data":
            if any(finding.data.get(k) != v for k, v in value.items()):
                return False
        elif key == "evidence":
            if not set(value) <= {str(e) for e in finding.evidence}:
                return False
        elif getattr(finding, key) != value:
            return False
    return True


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.name)
def test_fixture(case: Path):
    expect = yaml.safe_load((case / "expect.yaml").read_text())
    found = run_case(case)
    for want in expect.get("present") or []:
        assert any(_matches(f, want) for f in found), (
            f"no finding matches {want}; got {[f.to_dict() for f in found]}"
        )
    codes = {f.code for f in found}
    for code in expect.get("absent") or []:
        assert code not in codes
    if expect.get("only"):
        assert codes <= {w["code"] for w in expect.get("present") or []}, codes


def test_every_code_has_a_positive_and_a_negative_fixture():
    names = {p.name for p in CASES}
    for code in CODES:
        stem = code.replace("-", "_")
        assert {f"{stem}_positive", f"{stem}_negative"} <= names, code


def test_every_finding_carries_what_its_decision_needs():
    for case in CASES:
        for f in run_case(case):
            assert f.code in CODES and f.severity in ("critical", "warning", "info")
            assert f.title and f.assumed and f.actual and f.impact and f.decision and f.options and f.evidence
            assert all(e.line >= 1 and e.file for e in f.evidence)
            f.to_dict()  # JSON-ready


# The RevOS sample: the seed's five findings --------------------------------------------------------------


@pytest.fixture(scope="module")
def revos() -> Findings:
    return analyse(ROOT / "data/revos/migrations", ROOT / "data/revos/manifest.yaml")


def _evidence(f) -> set[str]:
    return {str(e) for e in f.evidence}


def test_revos_finding_1_tenants_missing_agencies_proposed(revos):
    [f] = revos.by_code("missing-table")
    assert (f.severity, f.decision, f.data["assumed"], f.data["counterpart"]) == (
        "critical",
        "root-entity",
        "public.tenants",
        "public.agencies",
    )
    assert any("only root" in r for r in f.data["reasons"])
    assert "001_initial_schema.sql:19" in _evidence(f) and "manifest.yaml:7" in _evidence(f)
    assert "CREATE TABLE agencies" in f.evidence[0].text
    assert revos.mapping == {"public.tenants": "public.agencies"} and revos.root == "public.agencies"
    assert not revos.by_code("root-mismatch")  # a missing root is reported once, as missing-table


def test_revos_finding_2_no_fk_and_the_policy_that_needs_it(revos):
    [fk] = revos.by_code("missing-foreign-key")
    assert (fk.subject, fk.decision, fk.severity) == ("public.users.id", "user-mapping", "critical")
    assert fk.data["column_exists"] and not fk.data["actual_foreign_keys"]
    assert "001_initial_schema.sql:43" in _evidence(fk)
    [sync] = revos.by_code("manual-sync-required")
    assert (sync.data["table"], sync.data["column"], sync.decision) == ("public.users", "id", "user-mapping")
    first = sync.evidence[0]
    assert (str(first), "Users can view own record" in first.text) == (
        "009_add_rls_policies_all_tables.sql:27",
        True,
    )
    assert "no trigger" in sync.actual
    assert "public.get_user_client_id" in sync.data["helpers"]
    assert {"public.users", "public.campaigns", "public.notifications"} <= set(sync.data["tables"])


def test_revos_finding_3_users_under_clients_under_agencies(revos):
    [f] = revos.by_code("hierarchy-mismatch")
    assert f.data["path"] == ["public.users", "public.clients", "public.agencies"]
    assert f.data["parent"] == "public.tenants" and f.data["parent_actual"] == "public.agencies"
    assert f.data["recommended_parent"] == "public.clients" and f.decision == "proposed-hierarchy"
    assert {"001_initial_schema.sql:44", "001_initial_schema.sql:31", "manifest.yaml:10"} <= _evidence(f)
    assert "read as `agencies`" in f.assumed


def test_revos_finding_4_cartridges_scoped_by_auth_users(revos):
    [f] = revos.by_code("scope-mismatch")
    assert sorted(f.data["tables"]) == [
        "public.brand_cartridges",
        "public.instruction_cartridges",
        "public.style_cartridges",
        "public.voice_cartridges",
    ]
    assert (f.data["actual"], f.data["assumed_actual"], f.data["agree"]) == (
        "auth.users",
        "public.agencies",
        True,
    )
    assert f.decision == "scope-of-cartridges"
    assert {"037_client_cartridges.sql:14", "037_client_cartridges.sql:90"} <= _evidence(f)
    assert "auth.uid() = user_id" in f.actual
    [outside] = [g for g in revos.by_code("unreachable-from-root") if g.decision == f.decision]
    assert outside.data["tops"] == ["auth.users"]


def test_revos_finding_5_project_ref(revos):
    [f] = revos.by_code("project-ref-mismatch")
    assert (f.data["file"], f.data["found"], f.data["expected"]) == (
        "037_client_cartridges.sql",
        "kvjcidxbyimoswntpjcp",
        "trdoainmejxanrownbuz",
    )
    assert "037_client_cartridges.sql:1" in _evidence(f) and "manifest.yaml:5" in _evidence(f)
    assert "style_cartridges" in f.data["verification_sql"]


def test_revos_documents_using_tenants(revos):
    refs = revos.by_code("document-reference")
    docs = {Path(f.data["document"]).name for f in refs}
    assert docs == {
        "CC1-audienceos-core-tables.md",
        "CC2-unified-cartridges.md",
        "CC3-rls-policies.md",
        "CC4-user-mapping.md",
    }
    by = {(Path(f.data["document"]).name, f.data["kind"], f.data["column"]): f for f in refs}
    assert by[("CC1-audienceos-core-tables.md", "table", None)].data["lines"] == [27, 38, 48, 60]
    assert by[("CC3-rls-policies.md", "table", None)].data["lines"] == [47]
    assert by[("CC4-user-mapping.md", "column", "tenant_id")].data["lines"] == [23, 40]
    assert by[("CC2-unified-cartridges.md", "column", "tenant_id")].data["path"] == [
        "public.users",
        "public.clients",
        "public.agencies",
    ]
    # tables the documents create are not missing, nor are their columns
    assert not [f for f in refs if f.data["table"] in ("public.communications", "public.cartridges")]


def test_revos_general_checks(revos):
    assert [f.subject for f in revos.by_code("rls-disabled")] == ["public.webhook_events"]
    assert [f.subject for f in revos.by_code("table-without-policy")] == ["public.campaign_daily_stats"]
    assert [f.subject for f in revos.by_code("unindexed-foreign-key")] == [
        "public.instruction_cartridges.user_id"
    ]


# The second example: its expected findings and none of the others -----------------------------------------


def test_acme_gets_its_expected_findings_only():
    found = analyse(ROOT / "data/acme/migrations", ROOT / "data/acme/manifest.yaml")
    assert sorted({f.code for f in found}) == sorted(
        {"hierarchy-mismatch", "missing-foreign-key", "scope-mismatch", "document-reference", "rls-disabled"}
    )
    [h] = found.by_code("hierarchy-mismatch")
    assert h.data["path"] == ["public.members", "public.workspaces", "public.organisations"]
    [fk] = found.by_code("missing-foreign-key")
    assert fk.subject == "public.tasks.assignee_id" and "V2__projects_and_tasks.sql:19" in _evidence(fk)
    [s] = found.by_code("scope-mismatch")
    assert (s.data["tables"], s.data["actual"], s.data["assumed"]) == (
        ["public.api_keys"],
        "public.members",
        "public.workspaces",
    )
    refs = {
        (f.data["document"], f.data["table"], f.data["column"]) for f in found.by_code("document-reference")
    }
    assert refs == {
        ("plans/01-invoices.md", "public.teams", None),
        ("plans/02-invoice-access.md", "public.workspaces", "owner_id"),
    }
    assert [f.subject for f in found.by_code("rls-disabled")] == ["public.audit_log"]
    assert found.root == "public.organisations" and found.mapping == {}


# Units ------------------------------------------------------------------------------------------------------


def test_general_checks_run_without_a_manifest():
    schema = load_schema(FIXTURES / "rls_disabled_positive" / "migrations")
    assert [f.code for f in compare(schema)] == ["rls-disabled"]


def test_counterpart_by_name_when_the_hierarchy_says_nothing():
    schema = load_schema(FIXTURES / "_base" / "migrations")
    found = compare(schema, parse_manifest("scoping:\n  note: teams\n"))
    [f] = found.by_code("missing-table")
    assert f.data["counterpart"] == "public.notes" and any("similar name" in r for r in f.data["reasons"])
    assert f.decision == "mapping-of-note"


def test_group_names():
    assert group_name(["public.a_x", "public.b_x"]) == "x"
    assert group_name(["public.lead_tags", "public.lead_notes"]) == "lead"
    assert group_name(["public.a", "public.b"], "standalone") == "standalone"


def test_hierarchy_roots_ignore_foreign_keys_to_auth_users():
    schema = load_schema(FIXTURES / "manual_sync_required_negative" / "migrations")
    assert hierarchy_roots(build_graph(schema)) == ["public.accounts"]


def test_policy_meanings_on_the_sample():
    schema = load_schema(ROOT / "data/revos/migrations")
    by_name = {p.name: rls.explain(schema, p) for p in schema.policies}
    leads = by_name["Users can manage client leads"].terms[0]
    assert (leads.kind, leads.scope, leads.chain) == (
        "membership",
        "public.clients",
        ("public.leads", "public.campaigns", "public.clients"),
    )
    own = by_name["Users can view own record"].terms[0]
    assert (own.kind, own.column, own.scope) == ("self", "id", "public.users")
    helper = by_name["Users can view teammates"].terms[0]
    assert (helper.kind, helper.helpers, helper.scope) == (
        "helper",
        ("public.get_user_client_id",),
        "public.clients",
    )
    gate = by_name["Admins can view all notifications"].terms[0]
    assert (gate.kind, gate.scope) == ("gate", None)
    assert rls.auth_link(schema, "public.style_cartridges", "user_id").kind == "foreign key"
    assert rls.auth_link(schema, "public.notifications", "user_id").terminal == ("public.users", "id")


def test_scope_says_when_the_fk_path_and_the_policies_disagree(tmp_path):
    (tmp_path / "001.sql").write_text(
        "CREATE TABLE orgs (id uuid PRIMARY KEY);\n"
        "CREATE TABLE teams (id uuid PRIMARY KEY, org_id uuid NOT NULL REFERENCES orgs (id));\n"
        "CREATE TABLE docs (id uuid PRIMARY KEY, team_id uuid NOT NULL REFERENCES teams (id), owner uuid);\n"
        "CREATE INDEX docs_team_id_idx ON docs (team_id);\nCREATE INDEX teams_org_id_idx ON teams (org_id);\n"
        "ALTER TABLE orgs ENABLE ROW LEVEL SECURITY;\nALTER TABLE docs ENABLE ROW LEVEL SECURITY;\n"
        "ALTER TABLE teams ENABLE ROW LEVEL SECURITY;\nCREATE POLICY t ON teams USING (true);\n"
        "CREATE POLICY o ON orgs USING (true);\n"
        "CREATE POLICY d ON docs FOR SELECT USING (owner = auth.uid());\n"
    )
    found = compare(load_schema(tmp_path), parse_manifest("root: orgs\nscoping:\n  docs: orgs\n"))
    [f] = found.by_code("scope-mismatch")
    assert (f.data["actual"], f.data["fk_scope"], f.data["agree"]) == (
        "auth.users",
        {"public.docs": "public.teams"},
        False,
    )
    assert "the FK path says `teams`, the policies say `auth.users`" in f.actual
    assert f.title == "`docs` is scoped by `teams` (FK) and `auth.users` (RLS), not `orgs`"
    [sync] = found.by_code("manual-sync-required")  # owner is compared with auth.uid() and tied to nothing
    assert (sync.data["table"], sync.data["column"]) == ("public.docs", "owner")


def test_a_table_owned_by_its_fk_and_restricted_per_user_is_not_a_scope_mismatch(tmp_path):
    """``docs.org_id`` is a NOT NULL FK to orgs and RLS shows each user their own rows: the rows belong to
    orgs (the plan is right), the policy only narrows what a user sees."""
    (tmp_path / "001.sql").write_text(
        "CREATE TABLE orgs (id uuid PRIMARY KEY);\n"
        "CREATE TABLE docs (id uuid PRIMARY KEY, org_id uuid NOT NULL REFERENCES orgs (id), owner uuid);\n"
        "CREATE INDEX docs_org_id_idx ON docs (org_id);\n"
        "ALTER TABLE orgs ENABLE ROW LEVEL SECURITY;\nALTER TABLE docs ENABLE ROW LEVEL SECURITY;\n"
        "CREATE POLICY o ON orgs USING (true);\n"
        "CREATE POLICY d ON docs FOR SELECT USING (owner = auth.uid());\n"
    )
    found = compare(load_schema(tmp_path), parse_manifest("root: orgs\nscoping:\n  docs: orgs\n"))
    assert found.by_code("scope-mismatch") == []
    [sync] = found.by_code("manual-sync-required")  # owner is compared with auth.uid() and tied to nothing
    assert (sync.data["table"], sync.data["column"]) == ("public.docs", "owner")


def test_correlated_exists_is_a_membership(tmp_path):
    schema = load_schema(FIXTURES / "_base" / "migrations")
    from schemalens.core.model import Policy

    p = Policy(
        "n",
        "public.notes",
        using="EXISTS (SELECT 1 FROM people p WHERE p.id = notes.person_id "
        "AND p.team_id IN (SELECT team_id FROM people WHERE id = auth.uid()))",
    )
    term = rls.explain(schema, p).terms[0]
    assert (term.kind, term.column, term.scope) == ("membership", "person_id", "public.people")
    gate = Policy("g", "public.notes", using="EXISTS (SELECT 1 FROM people WHERE id = auth.uid())")
    assert rls.explain(schema, gate).terms[0].kind == "gate"
    assert rls.explain(schema, Policy("t", "public.notes", using="true")).terms[0].kind == "public"
