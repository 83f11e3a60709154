"""Reports: Markdown in the seed's shape, JSON with every field, SARIF 2.1.0 located at file:line."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from schemalens.assess.compare import analyse
from schemalens.present import report
from schemalens.present.display import shown

ROOT = Path(__file__).parents[1]
SEED_SECTIONS = [
    "# Runtime Verification Findings",
    "## Executive Summary",
    "## Revised Understanding",
    "### Actual Data Model",
    "### Proposed Addition",
    "## Required Manifest Updates",
    "## Blocker Status",
    "## Next Steps",
]


@pytest.fixture(scope="module")
def revos():
    return (
        analyse("data/revos/migrations", "data/revos/manifest.yaml")
        if Path("data").exists()
        else analyse(ROOT / "data/revos/migrations", ROOT / "data/revos/manifest.yaml")
    )


@pytest.fixture(scope="module")
def md(revos) -> str:
    return report.markdown(revos, date="2026-01-03")


def test_markdown_has_the_seeds_shape(md):
    positions = [md.index(s) for s in SEED_SECTIONS]
    assert positions == sorted(positions)
    assert "> **Date:** 2026-01-03" in md and "> **Status:** MAJOR SCHEMA CONFLICTS DISCOVERED" in md
    for field in (
        "**Manifest Assumed:**",
        "**Actual:**",
        "**Impact:**",
        "**Decision Required**",
        "- [ ] Option A",
    ):
        assert field in md


def _section(md: str, n: int) -> str:
    return md.split(f"## Finding {n}: ")[1].split("\n---\n")[0]


def test_markdown_findings_1_to_5_in_the_seeds_order(md):
    one, two, three, four, five = (_section(md, n) for n in range(1, 6))
    assert "`tenants` does not exist" in one and "-- ACTUAL (001_initial_schema.sql:19)" in one
    assert "CREATE TABLE agencies" in one and "Rename `agencies` → `tenants`" in one
    assert "users.id" in two and "-- NOT a FK!" in two and 'CREATE POLICY "Users can view own record"' in two
    assert "009_add_rls_policies_all_tables.sql:27" in two and "No auto-sync trigger exists" in two
    assert "Option C: Add trigger on `auth.users`" in two
    assert (
        "`users` → `clients` → `agencies`" in three and "└── users (FK: client_id, NOT agency_id!)" in three
    )
    assert "cartridges" in four and "auth.uid() = user_id" in four and "037_client_cartridges.sql:14" in four
    assert "Unify the 4 tables" in four
    assert "-- Supabase Project: kvjcidxbyimoswntpjcp" in five and "**Verification Needed:**" in five
    assert "table_name IN ('brand_cartridges'" in five


def test_markdown_revised_understanding(md):
    model = md.split("### Actual Data Model")[1].split("### Proposed Addition")[0]
    assert "agencies (root)\n└── clients (agency_id)" in model
    assert re.search(r"├── users \(client_id; ┄ id must equal auth.uid\(\)", model)
    assert (
        "auth.users → brand_cartridges, instruction_cartridges, style_cartridges, voice_cartridges" in model
    )
    proposed = md.split("### Proposed Addition")[1].split("## Required")[0]
    assert "├── clients (existing, agency_id FK)" in proposed
    assert "communications (NEW, client_id FK" in proposed
    assert (
        "cartridges (NEW in CC2-unified-cartridges.md:21, agency_id FK; written as tenant_id → tenants)"
        in proposed
    )


def test_markdown_manifest_updates_blockers_and_next_steps(md):
    updates = md.split("## Required Manifest Updates")[1].split("## Blocker Status")[0]
    assert "**CHANGE:** Use `agencies` (not `tenants`)" in updates
    assert "root: agencies   # was: tenants" in updates and "  - users -> clients -> agencies" in updates
    assert "  style_cartridges: auth.users   # was: tenants" in updates
    assert "  communications: clients   # was: tenants" in updates
    blockers = md.split("## Blocker Status")[1].split("## Next Steps")[0]
    assert "| root `tenants` | ❌ Does not exist | Uses `agencies` instead (Finding 1) |" in blockers
    assert "❌ No FK | Standalone key, manual sync (Finding 2)" in blockers
    assert "⚠️ Suspicious" in blockers and "✅ Verified" in blockers
    steps = md.split("## Next Steps")[1]
    assert "Decide on root tenant entity (`root-entity`)" in steps
    assert "Verify that 037_client_cartridges.sql's tables exist" in steps


def test_every_finding_renders_in_jupyter(revos):
    for f in revos:
        text = shown(f)
        assert text.startswith("### ") and f.title in text and "**Decision Required**" in text
    assert shown(revos).startswith("# Runtime Verification Findings")


def test_json_has_everything(revos):
    data = json.loads(report.findings_json(revos))
    assert data["summary"] == revos.counts() and data["root"] == "public.agencies"
    first = data["findings"][0]
    assert set(first) >= {
        "code",
        "severity",
        "title",
        "assumed",
        "actual",
        "evidence",
        "impact",
        "decision",
        "options",
        "subject",
        "data",
    }
    assert first["evidence"][0]["location"] == "001_initial_schema.sql:19"
    assert data["decisions"]["user-mapping"] == [1, 2]


def test_sarif_locations_are_relative_to_the_base(revos, tmp_path):
    doc = report.sarif_dict(revos, base=ROOT)
    assert doc["version"] == "2.1.0" and doc["$schema"].endswith("sarif-2.1.0.json")
    run = doc["runs"][0]
    rules = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert rules[0] == "missing-table" and len(rules) == len(set(rules))
    results = run["results"]
    assert len(results) == len(revos)
    levels = {r["ruleId"]: r["level"] for r in results}
    assert levels["missing-table"] == "error" and levels["scope-mismatch"] == "warning"
    assert levels["unindexed-foreign-key"] == "note"
    loc = results[0]["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"]["uri"] == "data/revos/migrations/001_initial_schema.sql"
    assert loc["region"]["startLine"] == 19
    assert all(rules[r["ruleIndex"]] == r["ruleId"] for r in results)
    docs = [r for r in results if r["ruleId"] == "document-reference"]
    assert docs[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].startswith(
        "data/revos/plans/"
    )
    related = results[0]["relatedLocations"]
    assert related[0]["physicalLocation"]["artifactLocation"]["uri"] == "data/revos/manifest.yaml"


def test_acme_report_says_the_parent_exists(tmp_path):
    found = analyse(ROOT / "data/acme/migrations", ROOT / "data/acme/manifest.yaml")
    md = report.markdown(found, date="2026-01-03")
    assert "invoices (NEW, organisation_id FK; as planned)" in md
    assert "| root `organisations` | ✅ Holds | |" in md
    assert "tenants" not in md and "agencies" not in md


def test_graph_writers_still_work(revos):
    assert report.graph_dict(revos.schema)["tables"][0]["name"] == "public.agencies"
    assert report.mermaid(revos.schema).startswith("flowchart BT")


@pytest.mark.parametrize("sample", ["revos", "acme"])
def test_the_suggested_manifest_clears_the_manifest_findings(sample, tmp_path):
    import shutil

    data = ROOT / "data" / sample
    before = analyse(data / "migrations", data / "manifest.yaml")
    shutil.copytree(data / "plans", tmp_path / "plans")
    (tmp_path / "manifest.yaml").write_text(report.suggested_manifest(before))
    after = analyse(data / "migrations", tmp_path / "manifest.yaml")
    left = {f.code for f in after}
    assert not left & {
        "missing-table",
        "root-mismatch",
        "missing-foreign-key",
        "hierarchy-mismatch",
        "scope-mismatch",
    }
    assert {f.code for f in before} - left  # something was cleared
    assert len(after.by_code("document-reference")) == len(before.by_code("document-reference"))
