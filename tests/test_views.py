"""Findings -> the assumed-vs-actual picture's inputs (edges, statuses), its title, and the Markdown views."""

from __future__ import annotations

from pathlib import Path

import pytest
from matplotlib.colors import to_hex

from schemalens.assess.compare import analyse, compare
from schemalens.core.model import ForeignKey, Schema, Table
from schemalens.present import views
from schemalens.present.plot import STATUS_COLOURS
from schemalens.read.manifest import parse_manifest

DATA = Path(__file__).parents[1] / "data"
CARTRIDGES = ["style_cartridges", "voice_cartridges", "brand_cartridges", "instruction_cartridges"]
PROPOSED = ["communications", "alerts", "tickets", "documents"]


@pytest.fixture(scope="module")
def revos():
    return analyse(DATA / "revos" / "migrations", DATA / "revos" / "manifest.yaml")


@pytest.fixture(scope="module")
def acme():
    return analyse(DATA / "acme" / "migrations", DATA / "acme" / "manifest.yaml")


def public(*names: str) -> list[str]:
    return [f"public.{n}" for n in names]


def test_revos_edges_are_the_manifest_as_written(revos) -> None:
    edges, _ = views.assumed_vs_actual(revos)
    assert edges == [(t, "public.tenants") for t in public("users", *CARTRIDGES, *PROPOSED)]


def test_revos_statuses(revos) -> None:
    _, statuses = views.assumed_vs_actual(revos)
    assert statuses == {
        "public.tenants": "missing",
        "public.users": "different parent",
        **{t: "different scope" for t in public(*CARTRIDGES)},
        **{t: "proposed" for t in public(*PROPOSED)},
        "public.agencies": "unexpected",  # the counterpart of tenants
        "public.clients": "unexpected",  # between users and agencies
        "auth.users": "unexpected",  # what the cartridges are actually scoped by
    }


def test_acme_statuses(acme) -> None:
    edges, statuses = views.assumed_vs_actual(acme)
    assert edges == [("public.members", "public.organisations"), ("public.api_keys", "public.workspaces"),
                     ("public.invoices", "public.organisations")]
    assert statuses == {"public.organisations": "matches", "public.members": "different parent",
                        "public.api_keys": "different scope", "public.workspaces": "matches",
                        "public.invoices": "proposed"}
    assert "missing" not in statuses.values() and "unexpected" not in statuses.values()


ORGS = Schema(tables=(Table("public.orgs"), Table("public.teams"), Table("public.people")),
              foreign_keys=(ForeignKey("t", "public.teams", ("org_id",), "public.orgs", ("id",)),
                            ForeignKey("p", "public.people", ("team_id",), "public.teams", ("id",))))


def test_a_missing_table_and_its_counterpart() -> None:
    found = compare(ORGS, parse_manifest("root: orgs\nhierarchy:\n  - persons -> orgs\n"))
    assert found.mapping == {"public.persons": "public.teams"}  # it references orgs, as persons should
    _, statuses = views.assumed_vs_actual(found)
    assert statuses == {"public.orgs": "matches", "public.persons": "missing", "public.teams": "unexpected"}


def test_a_table_with_two_differences_gets_the_first() -> None:
    manifest = "root: orgs\nhierarchy:\n  - people -> orgs\nscoping:\n  people: orgs\n"
    found = compare(ORGS, parse_manifest(manifest))
    assert {"hierarchy-mismatch", "scope-mismatch"} <= {f.code for f in found if f.subject == "public.people"}
    _, statuses = views.assumed_vs_actual(found)
    assert statuses == {"public.orgs": "matches", "public.people": "different parent",
                        "public.teams": "unexpected"}


def test_root_mismatch_is_a_different_parent() -> None:
    _, statuses = views.assumed_vs_actual(compare(ORGS, parse_manifest("root: teams\n")))
    assert statuses == {"public.teams": "different parent", "public.orgs": "unexpected"}


def test_a_manifest_without_tables_gives_nothing_to_draw(revos) -> None:
    found = compare(revos.schema, parse_manifest("project_ref: x\n"))
    assert views.assumed_vs_actual(found) == ([], {})


def test_title_says_what_differs_and_what_is_read_as_what(revos, acme) -> None:
    assert views.title(revos).splitlines() == [
        "Assumed vs actual hierarchy: 6 of 10 tables the plan names differ "
        "(1 missing, 1 different parent, 4 different scope); 4 proposed",
        "missing tables read as their counterparts: tenants \u2192 agencies",
        "arrows point from child to parent, roots on top"]
    assert views.title(acme).splitlines()[0] == (
        "Assumed vs actual hierarchy: 2 of 5 tables the plan names differ "
        "(1 different parent, 1 different scope); 1 proposed")
    assert "counterparts" not in views.title(acme)


@pytest.mark.parametrize("name", ["revos", "acme"])
def test_picture_has_both_panels_the_colours_and_a_legend(name, request, tmp_path) -> None:
    found = request.getfixturevalue(name)
    fig = views.draw(found)
    _, statuses = views.assumed_vs_actual(found)
    boxes = {p.get_gid()[4:]: p for ax in fig.axes for p in ax.patches
             if (p.get_gid() or "").startswith("box:")}
    for table, status in statuses.items():
        if table in boxes:
            assert to_hex(boxes[table].get_facecolor()) == STATUS_COLOURS[status], table
    legend = [t.get_text() for leg in fig.legends for t in leg.get_texts()]
    assert set(statuses.values()) <= set(legend)
    assert fig.get_suptitle().split() == views.title(found).split()  # wrapped to the figure's width
    assert [ax.get_title() for ax in fig.axes] == ["What the plan assumes", "What the migrations build"]
    fig.savefig(tmp_path / "picture.png", dpi=fig.dpi)
    width, height = (fig.get_size_inches() * fig.dpi).round()
    assert 600 <= width <= 2500 and 300 <= height <= 1200, (width, height)


def test_revos_picture_shows_the_counterpart_and_the_actual_path(revos) -> None:
    fig = views.draw(revos)
    left, right = ({t.get_gid()[5:] for t in ax.texts if (t.get_gid() or "").startswith("node:")}
                   for ax in fig.axes)
    assert "public.tenants" in left and "public.tenants" not in right
    assert {"public.agencies", "public.clients", "public.users", "auth.users"} <= right
    assert "tenants \u2192 agencies" in fig.get_suptitle()


def test_markdown_views(revos, acme) -> None:
    s = views.summary(revos)._repr_markdown_()
    assert s.startswith("**8 critical**, **4 warning** and 5 informational findings from 27 migration files")
    assert "`tenants` → `agencies`" in s and s.count("\n| ") == len(revos) + 1
    assert "(1 different parent" not in views.summary(acme)._repr_markdown_()  # that is the picture's title
    tree = views.revised_understanding(revos)._repr_markdown_()
    assert "agencies (root)\n└── clients (agency_id)" in tree and "### Proposed Addition" in tree
    yaml = views.manifest_update(acme)._repr_markdown_()
    assert yaml.startswith("```yaml\n") and "api_keys: members   # was: workspaces" in yaml
    assert repr(views.manifest_update(acme)) == yaml
