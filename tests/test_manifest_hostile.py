"""Hostile manifests (issue 11, section 3): alias bombs, tags, duplicate keys, item lines, long names.
Each is refused in well under a second with the manifest's line, or read as PostgreSQL would."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from schemalens.assess.compare import analyse
from schemalens.cli import main
from schemalens.core.errors import ManifestError
from schemalens.read.manifest import parse_manifest

# 7 levels of nine aliases each: 9**7 = 4.8 million strings once expanded (22 s and 1.3 GB on main)
ALIAS_BOMB = 'a: &a ["x","x","x","x","x","x","x","x","x"]\n' + "".join(
    f"{b}: &{b} [{','.join([f'*{a}'] * 9)}]\n" for a, b in zip("abcdef", "bcdefg")
)


def refused(text: str) -> ManifestError:
    with pytest.raises(ManifestError) as e:
        parse_manifest(text)
    return e.value


def test_an_alias_bomb_is_refused_in_well_under_a_second() -> None:
    assert len(ALIAS_BOMB) < 300 and ALIAS_BOMB.count("\n") == 7
    start = time.perf_counter()
    e = refused(ALIAS_BOMB)
    assert time.perf_counter() - start < 0.2
    assert (e.line, "anchors and aliases" in e.reason) == (1, True)


@pytest.mark.parametrize("text, line", [
    ("root: tenants\nhierarchy: &h\n  - users -> tenants\n", 2),
    ("root: tenants\nscoping:\n  users: *nothing\n", 3),
])
def test_a_single_anchor_or_alias_is_refused_at_its_line(text: str, line: int) -> None:
    e = refused(text)
    assert (e.line, "anchors and aliases" in e.reason) == (line, True)


@pytest.mark.parametrize("text, line", [
    ("root: !!python/object/apply:os.system ['touch /tmp/schemalens-pwned']\n", 1),
    ("root: tenants\nhierarchy: !!python/object/new:list [[a -> b]]\n", 2),
    ("root: !custom tenants\n", 1),
    ("root: tenants\nproject_ref: !!str abc\n", 2),
])
def test_tags_are_not_allowed(text: str, line: int) -> None:
    e = refused(text)
    assert (e.line, e.reason.startswith("YAML tags are not allowed")) == (line, True)
    assert not Path("/tmp/schemalens-pwned").exists()


def test_a_tag_through_the_cli_is_exit_2_with_one_line(tmp_path, capsys) -> None:
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "001.sql").write_text("CREATE TABLE tenants (id int PRIMARY KEY);\n")
    (tmp_path / "manifest.yaml").write_text("root: !!python/object/apply:os.system ['true']\n")
    assert main(["report", str(tmp_path / "m"), "--manifest", str(tmp_path / "manifest.yaml")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "manifest.yaml:1: YAML tags are not allowed" in err


@pytest.mark.parametrize("text, first, again", [
    ("root: tenants\nhierarchy: []\nroot: agencies\n", 1, 3),
    ("scoping:\n  users: tenants\n  posts: tenants\n  users: agencies\n", 2, 4),
])
def test_a_duplicate_key_names_both_lines(text: str, first: int, again: int) -> None:
    e = refused(text)
    assert e.line == again and f"lines {first} and {again}" in e.reason and "duplicate key" in e.reason


def test_a_key_that_is_not_a_name_is_refused() -> None:
    assert refused("? [a, b]\n: c\n").line == 1


@pytest.mark.parametrize("text, line", [
    ("root: tenants\nhierarchy:\n  - users -> tenants\n  - posts -> 1users\n", 4),
    ("hierarchy:\n  - users -> tenants\n\n  - posts => users\n", 4),
    ("hierarchy:\n  - users -> tenants\n  - {posts: users}\n", 3),
])
def test_a_bad_hierarchy_item_is_reported_at_its_own_line(text: str, line: int) -> None:
    assert refused(text).line == line


def test_a_name_longer_than_63_bytes_is_cut_as_postgresql_does(tmp_path) -> None:
    """PostgreSQL cuts ``CREATE TABLE <70 chars>`` to 63 bytes (never inside a UTF-8 character); the
    manifest's name means the same table, so it is not missing."""
    long = "organisation_membership_invitations_pending_review_by_an_admin_" + "ünïcode"
    assert len(long.encode()) > 63
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "001.sql").write_text(f"CREATE TABLE {long} (id int PRIMARY KEY);\n"
                                           f"CREATE TABLE users (id int PRIMARY KEY, org int REFERENCES {long});\n")
    (tmp_path / "manifest.yaml").write_text(f"root: {long}\n")
    m = parse_manifest(f"root: {long}\n")
    assert len(m.root.table.removeprefix("public.").encode()) <= 63 and m.root.written == long
    findings = analyse(tmp_path / "m", tmp_path / "manifest.yaml")
    assert [f.code for f in findings if f.code in ("missing-table", "root-mismatch")] == []


@pytest.mark.parametrize("text", ["root: " + "[" * 3000 + "]" * 3000 + "\n",
                                  "hierarchy:\n" + "".join("  " * i + "- \n" for i in range(1, 3000))])
def test_deep_nesting_is_bad_input_not_a_crash(text: str) -> None:
    assert "nested deeper than" in refused(text).reason
