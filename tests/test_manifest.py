"""Manifest loading: names, arrows, lines, and every refusal with its manifest line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from schemalens.core.errors import ManifestError
from schemalens.read.manifest import load_manifest, parse_manifest

FIXTURES = Path(__file__).parent / "fixtures" / "findings"
REVOS = Path(__file__).parents[1] / "data" / "revos" / "manifest.yaml"


def test_revos_manifest_reads_every_assumption_with_its_line():
    m = load_manifest(REVOS)
    assert m.project_ref == "trdoainmejxanrownbuz" and m.project_ref_line == 5
    assert (m.root.table, m.root.written, m.root.line) == ("public.tenants", "tenants", 7)
    assert [(e.child, e.parent, e.line) for e in m.hierarchy] == [("public.users", "public.tenants", 10)]
    fk = m.foreign_keys[0]
    assert (fk.table, fk.columns, fk.ref_table, fk.ref_columns, fk.line) == (
        "public.users",
        ("id",),
        "auth.users",
        ("id",),
        13,
    )
    assert [(s.table, s.entity, s.line) for s in m.scoping][0] == (
        "public.style_cartridges",
        "public.tenants",
        16,
    )
    assert len(m.scoping) == 4 and len(m.proposed) == 4
    assert [p.name for p in m.document_paths()] == [
        "CC1-audienceos-core-tables.md",
        "CC2-unified-cartridges.md",
        "CC3-rls-policies.md",
        "CC4-user-mapping.md",
    ]


def test_names_fold_and_qualify():
    m = parse_manifest(
        'root: \'"Tenants"\'\nhierarchy:\n  - App.Users -> Clients -> "Agencies"\n'
        "foreign_keys:\n  - public.users.ID -> auth.users.id\nscoping:\n  Notes: auth.users\n"
    )
    assert m.root.table == "public.Tenants"
    assert [(e.child, e.parent) for e in m.hierarchy] == [
        ("app.users", "public.clients"),
        ("public.clients", "public.Agencies"),
    ]
    assert (m.foreign_keys[0].table, m.foreign_keys[0].columns) == ("public.users", ("id",))
    assert (m.scoping[0].table, m.scoping[0].entity) == ("public.notes", "auth.users")


def test_empty_keys_and_comments_are_no_assumption():
    m = parse_manifest("# only a comment\nroot:\nhierarchy:\nscoping: {}\n")
    assert m.root is None and m.hierarchy == () and m.scoping == ()


def test_tables_mentioned_lists_roles_and_lines():
    m = load_manifest(REVOS)
    uses = m.tables_mentioned()["public.tenants"]
    assert ("root", 7) in uses and sum(1 for role, _ in uses if role.startswith("proposed")) == 4
    assert "public.communications" not in m.tables_mentioned()  # proposed tables are not assumed to exist


@pytest.mark.parametrize("path", sorted((FIXTURES / "manifests").glob("*.yaml")), ids=lambda p: p.stem)
def test_malformed_manifest_names_its_line(path: Path):
    expect = re.match(r"# expect: (\d+): (.*)", path.read_text().splitlines()[0])
    line, message = int(expect.group(1)), expect.group(2)
    with pytest.raises(ManifestError) as err:
        load_manifest(path).document_paths()
    assert err.value.line == line
    assert message in err.value.reason
    assert str(err.value).startswith(f"{path}:{line}: ")


def test_missing_manifest_is_an_error(tmp_path: Path):
    with pytest.raises(ManifestError, match="manifest file does not exist"):
        load_manifest(tmp_path / "nope.yaml")
    with pytest.raises(ManifestError, match="empty"):
        parse_manifest("")


def test_literal_document_that_does_not_exist(tmp_path: Path):
    (tmp_path / "manifest.yaml").write_text("root: orgs\ndocuments:\n  - plans/a.md\n  - plans/b.md\n")
    (tmp_path / "plans").mkdir()
    (tmp_path / "plans" / "a.md").write_text("# a\n")
    with pytest.raises(ManifestError) as err:
        load_manifest(tmp_path / "manifest.yaml").document_paths()
    assert err.value.line == 4 and "plans/b.md" in err.value.reason


def test_markdown_repr_lists_assumptions():
    text = load_manifest(REVOS)._repr_markdown_()
    assert "| root | `tenants` | 7 |" in text and "`users.id -> auth.users.id`" in text


def test_platform_is_read_with_its_line_and_must_be_known():
    m = parse_manifest("root: agencies\nplatform: postgres\n")
    assert (m.platform, m.platform_line) == ("postgres", 2)
    with pytest.raises(ManifestError, match=r"manifest.yaml:2: platform: 'mysql' is not one of supabase, postgres"):
        parse_manifest("root: agencies\nplatform: mysql\n")
