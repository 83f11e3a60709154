"""Plan confidence (issue 16): every assumption of both samples has a status with evidence, and the
re-assessment after the chosen options (the schema after their forward SQL, the manifest and documents
rewritten) finds what remains, including a deliberately broken option."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest

from schemalens.assess.compare import analyse
from schemalens.cli import main
from schemalens.core.errors import ApplyError, InputError
from schemalens.decide.decisions import Decisions
from schemalens.decide.options import decide
from schemalens.decide.sqlgen import Step
from schemalens.present import confidence

DATA = Path(__file__).resolve().parent.parent / "data"
REVOS = analyse(DATA / "revos" / "migrations", DATA / "revos" / "manifest.yaml")
ACME = analyse(DATA / "acme" / "migrations", DATA / "acme" / "manifest.yaml")


def _by(conf, source: str, kind: str | None = None) -> list:
    return [a for a in conf if a.source == source and (kind is None or a.kind == kind)]


def _assumption_lines(manifest: Path) -> set[int]:
    """Manifest lines that state an assumption (not a comment, a section key or the documents glob)."""
    out, section = set(), ""
    for n, line in enumerate(manifest.read_text().splitlines(), 1):
        text = line.split("#")[0].rstrip()
        if not text.strip():
            continue
        if not line.startswith(" "):
            section, _, value = text.partition(":")
            if value.strip() and section not in ("documents", "platform"):
                out.add(n)
        elif section != "documents":
            out.add(n)
    return out


@pytest.mark.parametrize("findings,sample", [(REVOS, "revos"), (ACME, "acme")])
def test_every_manifest_line_and_document_reference_has_a_status(findings, sample):
    conf = confidence.assess(findings)
    lines = {a.line for a in conf if a.source.startswith("manifest.yaml:")}
    assert lines == _assumption_lines(DATA / sample / "manifest.yaml")
    docs = {d.name for d in findings.documents}
    assert {a.source.split(":")[0] for a in conf if a.kind.startswith("document")} == docs
    for a in conf:
        assert a.status in confidence.STATUSES
        assert a.evidence or a.settle, a
        assert (a.status == "contradicted") == bool(a.finding), a
        if a.status == "verified":  # a file:line that makes it true (or what provides it)
            assert all(re.match(r"^[^:]+(:\d+)?: ", e) for e in a.evidence), a


def test_revos_statuses():
    conf = confidence.assess(REVOS)
    assert conf.counts() == {"verified": 79, "contradicted": 21, "unverifiable": 0}
    (root,) = _by(conf, "manifest.yaml:7")
    assert (root.status, root.finding) == ("contradicted", "missing-table")
    (fk,) = _by(conf, "manifest.yaml:13")
    assert (fk.kind, fk.status, fk.finding) == ("foreign_key", "contradicted", "missing-foreign-key")
    assert fk.evidence[0].startswith("001_initial_schema.sql:43")
    (ref,) = _by(conf, "manifest.yaml:5")
    assert (ref.status, ref.finding) == ("contradicted", "project-ref-mismatch")
    tenant_id = [a for a in conf if a.text == "users.tenant_id"]
    assert len(tenant_id) == 3 and {a.finding for a in tenant_id} == {"document-reference"}
    users_id = next(a for a in conf if a.text == "users.id" and a.kind == "document_column")
    assert users_id.status == "verified" and users_id.evidence[0].startswith("001_initial_schema.sql:43: ")


def test_acme_statuses():
    conf = confidence.assess(ACME)
    assert conf.counts() == {"verified": 12, "contradicted": 7, "unverifiable": 0}
    (ref,) = _by(conf, "manifest.yaml:6")
    assert ref.status == "verified" and ref.evidence[0].startswith("V4__api_keys.sql: ")
    (members,) = _by(conf, "manifest.yaml:14")
    assert members.status == "verified" and members.evidence[0].startswith("V1__init.sql:23: members.id → auth.users")
    (edge,) = _by(conf, "manifest.yaml:11")
    assert (edge.status, edge.finding) == ("contradicted", "hierarchy-mismatch")
    (parent,) = _by(conf, "manifest.yaml:21")
    assert (parent.kind, parent.status, parent.finding) == ("proposed_parent", "contradicted", "hierarchy-mismatch")


def test_unverifiable_project_ref_and_unreadable_statement(tmp_path):
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "001_init.sql").write_text(
        "CREATE TABLE orgs (id uuid PRIMARY KEY);\n"
        "CREATE TABLE teams (id uuid PRIMARY KEY, org_id uuid REFERENCES orgs (id));\n"
    )
    (tmp_path / "plans").mkdir()
    (tmp_path / "plans" / "p.md").write_text("```sql\nSELECT id FROM teams;\nSELEKT nonsense FROM;\n```\n")
    (tmp_path / "manifest.yaml").write_text(
        "project_ref: abcdefabcdefabcdefab\nroot: orgs\nhierarchy:\n  - teams -> orgs\ndocuments:\n  - plans/*.md\n"
    )
    conf = confidence.assess(analyse(tmp_path / "m", tmp_path / "manifest.yaml"))
    (ref,) = _by(conf, "manifest.yaml:1")
    assert ref.status == "unverifiable" and "verify" in ref.settle
    (edge,) = _by(conf, "manifest.yaml:4")
    assert edge.status == "verified" and edge.evidence == ("001_init.sql:2: teams.org_id → orgs.id",)
    bad = [a for a in conf if a.kind == "document_statement"]
    assert len(bad) == 1 and bad[0].status == "unverifiable" and bad[0].source == "plans/p.md:3"


def test_revos_after_the_recommended_options_leaves_no_critical_finding():
    again = confidence.after(REVOS)
    assert again.before.counts() == {"critical": 8, "warning": 4, "info": 5}
    assert again.after.counts() == {"critical": 0, "warning": 2, "info": 4}
    assert again.confidence_after.counts() == {"verified": 105, "contradicted": 1, "unverifiable": 0}
    assert again.problems == ()
    # what remains is what no chosen option changes: the project ref (a decision without SQL)
    left = [(a.kind, a.finding) for a in again.confidence_after.by_status("contradicted")]
    assert left == [("project_ref", "project-ref-mismatch")]
    # option C unifies the four cartridge tables: the plan's scoping is the new table's, built by the option
    (unified,) = [a for a in again.confidence_after if a.kind == "scoping"]
    assert (unified.text, unified.status, unified.source) == ("cartridges: agencies", "verified", "manifest.yaml:16")
    assert unified.evidence[0].startswith("scope-of-cartridges/c-")
    (root,) = _by(again.confidence_after, "manifest.yaml:7")
    assert (root.text, root.status) == ("agencies", "verified")


def test_acme_after_the_recommended_options_leaves_no_critical_finding():
    again = confidence.after(ACME)
    assert again.before.counts() == {"critical": 3, "warning": 3, "info": 0}
    assert again.after.counts() == {"critical": 0, "warning": 0, "info": 0}
    assert confidence.assess(ACME).counts() == {"verified": 12, "contradicted": 7, "unverifiable": 0}
    assert again.confidence_after.counts() == {"verified": 19, "contradicted": 0, "unverifiable": 0}
    # the two names only the documents use (`teams`, `workspaces.owner_id`) get a decision each (issue 16)
    assert {d: k for d, k in again.choices.items() if d.startswith("document-")} == {
        "document-table-teams": "A", "document-column-workspaces-owner_id": "A"}
    teams = [a for a in again.confidence_after if a.text in ("teams", "teams.id")]
    assert [a.status for a in teams] == ["verified", "verified"]
    assert teams[0].evidence[0].startswith("document-table-teams/a-create-teams-under-organisations/up.sql:")
    (owner,) = [a for a in again.confidence_after if a.text == "workspaces.owner_id"]
    assert owner.status == "verified" and owner.evidence[0].startswith("document-column-workspaces-owner_id/a-")


def test_acme_the_documents_rewritten_instead_of_the_schema():
    choices = {"document-table-teams": "B", "document-column-workspaces-owner_id": "B"}
    again = confidence.after(ACME, choices)
    assert not [f for f in again.after if f.code == "document-reference"]
    assert [a for a in again.confidence_after if "teams" in a.text or "owner_id" in a.text] == []
    # what no chosen option touches stays as before: the missing foreign key
    assert again.after.counts() == {"critical": 1, "warning": 3, "info": 0}


def _with_option(decisions: Decisions, decision: str, key: str, **changes) -> Decisions:
    d = decisions[decision]
    options = tuple(dataclasses.replace(o, **changes) if o.key == key else o for o in d.options)
    return dataclasses.replace(decisions, decisions=tuple(
        dataclasses.replace(x, options=options) if x.id == decision else x for x in decisions))


def test_the_reassessment_catches_a_broken_option():
    decisions = decide(REVOS)
    choices = {"root-entity": "B", "user-mapping": "A"}
    good = confidence.after(REVOS, choices, decisions)
    (fk,) = _by(good.confidence_after, "manifest.yaml:13")
    assert fk.status == "verified" and fk.evidence[0].startswith("user-mapping/")
    broken = _with_option(decisions, "user-mapping", "A", up=(Step(
        "ALTER TABLE public.users ADD CONSTRAINT users_id_fkey FOREIGN KEY (id) REFERENCES public.clients (id);"),),
        stages=())
    bad = confidence.after(REVOS, choices, broken)
    (fk,) = _by(bad.confidence_after, "manifest.yaml:13")
    assert (fk.status, fk.finding) == ("contradicted", "missing-foreign-key")
    assert any(f.code == "missing-foreign-key" and f.severity == "critical" for f in bad.after)


def test_an_option_statement_the_parser_does_not_understand_is_reported():
    decisions = _with_option(decide(REVOS), "user-mapping", "A", up=(Step("ALTER TABLE public.users FROBNICATE;"),),
                             stages=())
    again = confidence.after(REVOS, {"user-mapping": "A"}, decisions)
    assert again.problems and again.problems[0].startswith("user-mapping/")
    assert "did not understand" in again.markdown()


def test_parse_choices_refuses_an_unknown_option():
    decisions = decide(ACME)
    assert confidence.parse_choices(["recommended"], decisions) == decisions.recommended() != {}
    assert confidence.parse_choices(["enable-rls=B"], decisions) == {"enable-rls": "B"}
    with pytest.raises(InputError, match="no-such=A"):
        confidence.parse_choices(["no-such=A"], decisions)


def test_cli_report_choose(tmp_path, capsys):
    args = ["report", str(DATA / "revos" / "migrations"), "--manifest", str(DATA / "revos" / "manifest.yaml")]
    assert main(args + ["--choose", "recommended", "--date", "2026-01-01"]) == 0  # no critical remains
    md = capsys.readouterr().out
    assert "## Plan confidence" in md and "## After these choices" in md
    assert md.rstrip().endswith("findings*")  # the footer stays last
    assert main(args) == 1
    out = tmp_path / "r.json"
    assert main(args + ["--format", "json", "--choose", "root-entity=B", "-o", str(out)]) == 1
    data = json.loads(out.read_text())
    assert data["assumption_counts"]["contradicted"] == 21 and data["after"]["choices"] == {"root-entity": "B"}
    assert data["after"]["summary"]["critical"] < data["summary"]["critical"]
    assert main(args + ["--choose", "root-entity=Z"]) == 2
    sarif = tmp_path / "r.sarif"
    main(args + ["--format", "sarif", "-o", str(sarif)])
    results = [r for r in json.loads(sarif.read_text())["runs"][0]["results"]
               if r["ruleId"] == "contradicted-assumption"]
    lines = sorted(r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in results)
    assert lines == [5, 7, 10, 13, 16, 17, 18, 19, 22, 23, 24, 25]
    assert all(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].endswith("manifest.yaml")
               for r in results)


@pytest.mark.parametrize("findings", [REVOS, ACME], ids=["revos", "acme"])
def test_the_world_after_the_recommended_options_agrees_with_postgres(findings, pg_server):
    """The static model after the options (parser + replay of their SQL) equals the catalog PostgreSQL
    builds from the same migrations and scripts."""
    decisions = decide(findings)
    options = [decisions[d].option(k) for d, k in decisions.recommended().items()]
    remaining = confidence.catalog_check(findings, options, pg_server)
    assert not remaining, f"{remaining.legend()}\n{remaining}"


def test_catalog_check_names_the_option_script_postgres_refuses(pg_server):
    decisions = _with_option(decide(ACME), "enable-rls", "A", up=(Step("ALTER TABLE public.no_such ADD x int;"),),
                             stages=())
    with pytest.raises(ApplyError, match=r"^enable-rls/a-[\w-]+/up.sql:\d+: .*no_such"):
        confidence.catalog_check(ACME, [decisions["enable-rls"].option("A")], pg_server)


def test_cli_report_check_catalog(tmp_path, capsys):
    args = ["report", str(DATA / "acme" / "migrations"), "--manifest", str(DATA / "acme" / "manifest.yaml")]
    out = tmp_path / "r.json"
    assert main(args + ["--choose", "recommended", "--check-catalog", "--format", "json", "-o", str(out)]) == 0
    data = json.loads(out.read_text())
    assert data["after"]["catalog_check"] == {"agrees": True, "differences": []}
    assert data["after"]["summary"]["critical"] == 0
    assert main(args + ["--check-catalog"]) == 2  # nothing chosen: nothing to check
    assert "give --choose too" in capsys.readouterr().err


def test_the_catalog_check_catches_what_the_static_model_misreads(pg_server):
    """A forward script whose column only PostgreSQL sees (built by a DO block's dynamic SQL): the static
    re-assessment still finds the column missing, and the catalog check names the column it has."""
    did = "document-column-workspaces-owner_id"
    hidden = _with_option(decide(ACME), did, "A", up=(Step(
        "DO $$ BEGIN EXECUTE 'ALTER TABLE public.work' || 'spaces ADD COLUMN own' || 'er_id uuid'; END $$;"),))
    again = confidence.checked(confidence.after(ACME, "recommended", hidden), pg_server)
    assert again.catalog == ("+ column public.workspaces.owner_id: type='uuid', nullable=True",)
    assert "PostgreSQL disagrees with the static model" in again.markdown()
    assert again.to_dict()["catalog_check"]["agrees"] is False
    refused = _with_option(decide(ACME), did, "A", up=(Step(
        "ALTER TABLE public.workspaces ADD COLUMN owner_id uuid REFERENCES public.no_such (id);"),))
    (line,) = confidence.checked(confidence.after(ACME, "recommended", refused), pg_server).catalog
    assert line.startswith(f"PostgreSQL refused {did}/a-add-workspaces-owner-id/up.sql:") and "no_such" in line
    good = confidence.checked(confidence.after(ACME), pg_server)
    assert good.catalog == () and "give the catalog the static model" in good.markdown()
