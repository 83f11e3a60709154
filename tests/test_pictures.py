"""Pictures at real scale: a schema shaped like a Rails billing app (hubs with dozens of children, 140 tables).

The properties a reader needs, measured on the drawn figures: every picture fits a notebook column
with text of at least 8 pt there; no two boxes overlap; no edge runs through a box that is not its
end; the most referenced tables are never folded away; the overview's clusters hold every table
once; the focus view starts at the manifest's root, else the most referenced table.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import networkx as nx
import pytest
from test_plot import assert_readable, centres, write_migrations

from schemalens import load_schema
from schemalens.present.clusters import MAX_SIZE, cluster_graph, clusters, default_focus, most_referenced
from schemalens.present.plot import (
    KEEP_TOP,
    NOTEBOOK_WIDTH,
    draw_cluster,
    draw_hierarchy,
    draw_overview,
    draw_schema,
    smallest_text,
)
from schemalens.read.graph import build_graph

SAMPLE = Path(__file__).parents[1] / "data" / "revos" / "migrations"
# hub -> (its parent, how many plain children it gets); every table also references organizations
HUBS = {"organizations": (None, 12), "customers": ("organizations", 14), "plans": ("organizations", 10),
        "subscriptions": ("customers", 16), "invoices": ("customers", 18), "fees": ("invoices", 12),
        "wallets": ("customers", 8), "billable_metrics": ("plans", 6), "taxes": ("organizations", 4),
        "quotes": ("customers", 5)}


def write_billing(folder: Path) -> Path:
    """~140 tables: hubs as in a billing app, children named after their hub, everyone under organizations."""
    lines = []
    for hub, (parent, k) in HUBS.items():
        refs = [] if parent is None else [f"{parent}_id bigint REFERENCES {parent} (id)"]
        if parent not in (None, "organizations"):
            refs.append("organization_id bigint REFERENCES organizations (id)")
        lines.append(f"CREATE TABLE {hub} (id bigint PRIMARY KEY" + "".join(", " + r for r in refs) + ");")
    for hub, (_, k) in HUBS.items():
        for i in range(k):
            refs = [f"{hub}_id bigint REFERENCES {hub} (id)"]
            if hub != "organizations":
                refs.append("organization_id bigint REFERENCES organizations (id)")
            if i % 5 == 1 and hub != "taxes":
                refs.append("tax_id bigint REFERENCES taxes (id)")
            lines.append(f"CREATE TABLE {hub}_detail_{i} (id bigint PRIMARY KEY, " + ", ".join(refs) + ");")
    lines += ["CREATE TABLE schema_migrations (version text PRIMARY KEY);", "CREATE TABLE versions (id bigint);"]
    (folder / "structure.sql").write_text("\n".join(lines) + "\n")
    return folder


@pytest.fixture(scope="module")
def billing(tmp_path_factory):
    schema = load_schema(write_billing(tmp_path_factory.mktemp("billing")))
    assert len(schema.tables) == len(HUBS) + sum(k for _, k in HUBS.values()) + 2
    return schema


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    return load_schema(write_migrations(tmp_path_factory.mktemp("big")))


def edges_through_boxes(fig) -> list[tuple[str, str]]:
    """(edge, box) pairs where a drawn edge crosses a box other than its two ends (display coordinates)."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    hits = []
    for ax in fig.axes:
        boxes = {p.get_gid()[4:]: p.get_window_extent(renderer).padded(-2) for p in ax.patches
                 if (p.get_gid() or "").startswith("box:")}
        for arrow in ax.patches:
            gid = arrow.get_gid() or ""
            if not gid.startswith("edge:") or arrow._posA_posB is not None:  # an arc within a layer (FK cycle)
                continue
            u, v = gid[5:].split("->")
            points = arrow.get_path().vertices
            for name, box in boxes.items():
                if name in (u, v):
                    continue
                if any(_crosses(a, b, box) for a, b in itertools.pairwise(points)):
                    hits.append((gid, name))
    return hits


def _crosses(a, b, box) -> bool:
    """Does the segment a-b meet the rectangle (Liang-Barsky clipping)?"""
    (x0, y0), (x1, y1) = a, b
    dx, dy = x1 - x0, y1 - y0
    lo, hi = 0.0, 1.0
    for p, q in ((-dx, x0 - box.x0), (dx, box.x1 - x0), (-dy, y0 - box.y0), (dy, box.y1 - y0)):
        if p == 0:
            if q < 0:
                return False
            continue
        t = q / p
        if p < 0:
            lo = max(lo, t)
        else:
            hi = min(hi, t)
        if lo > hi:
            return False
    return True


def test_the_check_finds_an_edge_through_a_box() -> None:
    from matplotlib.transforms import Bbox

    box = Bbox([[0, 0], [10, 10]])
    assert _crosses((-5, 5), (15, 5), box) and not _crosses((-5, 15), (15, 15), box)
    assert _crosses((5, -5), (5, 1), box) and not _crosses((11, -5), (11, 20), box)


def test_clusters_hold_every_table_once_and_stay_small(billing) -> None:
    g = build_graph(billing)
    found = clusters(g)
    tables = [t for c in found for t in c.tables]
    assert sorted(tables) == sorted(g) and len(set(tables)) == len(tables)
    assert all(len(c.tables) <= MAX_SIZE for c in found)
    names = {c.label for c in found}
    assert {"invoices", "subscriptions", "customers", "fees"} <= names  # the heart of it, each a cluster
    d = cluster_graph(g, found)
    assert sum(c for _, _, c in d.edges(data="count")) + sum(d.nodes[n]["fks"] for n in d) == g.number_of_edges()


def test_the_most_referenced_tables_are_never_folded(billing) -> None:
    g = build_graph(billing)
    top = most_referenced(g, KEEP_TOP)
    assert top[0] == "public.organizations" and {"public.customers", "public.invoices", "public.taxes"} <= set(top)
    fig = draw_hierarchy(billing)  # 140 tables into at most 60 boxes
    shown = set(centres(fig))
    assert len(shown) <= 60 + KEEP_TOP and set(top) <= shown
    assert "folded" in fig.get_suptitle()


@pytest.mark.parametrize("fixture", ["billing", "big"])
def test_overview_and_every_cluster_fit_a_notebook_column(fixture, request) -> None:
    schema = request.getfixturevalue(fixture)
    figs = draw_schema(schema)
    g = build_graph(schema)
    assert len(figs) >= 4 and figs[0].get_suptitle().startswith(f"Overview: {len(g) - 1 if fixture == 'big' else len(g)}")
    for fig in figs:
        width = fig.get_size_inches()[0]
        assert width <= NOTEBOOK_WIDTH + 1e-6, (fig.get_suptitle(), width)
        assert smallest_text(fig) >= 8.0, fig.get_suptitle()
        assert_readable(fig)
        assert edges_through_boxes(fig) == [], fig.get_suptitle()


@pytest.mark.parametrize("fixture", ["billing", "big"])
def test_a_whole_hierarchy_folded_fits_a_notebook_column(fixture, request) -> None:
    fig = draw_hierarchy(request.getfixturevalue(fixture))  # at most 60 boxes and the most referenced tables
    assert fig.get_size_inches()[0] <= NOTEBOOK_WIDTH + 1e-6 and smallest_text(fig) >= 8.0
    assert edges_through_boxes(fig) == []


def test_a_whole_hierarchy_unfolded_wraps_wide_layers_and_edges_pass_between_boxes(big) -> None:
    fig = draw_hierarchy(big, max_nodes=None)  # 151 boxes: many rows, a little wider than a column
    assert fig.get_size_inches()[0] < 1.2 * NOTEBOOK_WIDTH
    assert_readable(fig)
    assert edges_through_boxes(fig) == []
    pos = centres(fig)
    for child, parent in build_graph(big).edges():
        if child != parent:
            assert pos[parent][1] > pos[child][1], (child, parent)


def test_a_cluster_at_full_detail_names_what_it_leaves_out(billing) -> None:
    fig = draw_cluster(billing, "invoices")
    names = {t.get_text() for t in fig.axes[0].texts}
    assert "invoices" in names and {f"invoices_detail_{i}" for i in range(18)} <= names
    assert "organizations" not in names  # every table references it: named in the title, not drawn
    assert "not drawn: 19 foreign keys to organizations" in " ".join(fig.get_suptitle().split())
    assert "customers" in names  # its parent in another cluster, dashed
    assert "parent in another cluster" in [t.get_text() for t in fig.legends[0].get_texts()]
    with pytest.raises(Exception, match="no such cluster"):
        draw_cluster(billing, "nothing")


def test_overview_marks_the_clusters_of_the_most_referenced_tables(billing) -> None:
    fig = draw_overview(billing)
    labels = {t.get_gid()[5:]: t.get_text() for t in fig.axes[0].texts if (t.get_gid() or "").startswith("node:")}
    assert labels["public.invoices"].startswith("invoices: ") and " tables" in labels["public.invoices"]
    thick = [p for p in fig.axes[0].patches if (p.get_gid() or "").startswith("box:") and p.get_linewidth() > 2]
    assert {p.get_gid()[4:] for p in thick} >= {"public.organizations", "public.customers"}


def test_the_focus_starts_at_the_manifest_root_else_the_most_referenced_table(billing) -> None:
    g = build_graph(billing)
    assert default_focus(g) == "public.organizations"
    assert default_focus(g, root="invoices") == "public.invoices"
    assert default_focus(g, root="tenants") == "public.organizations"  # a root the schema lacks
    assert default_focus(g, root="invoices", wanted="fees") == "public.fees"
    sample = build_graph(load_schema(SAMPLE))
    assert default_focus(sample, root="tenants") == most_referenced(sample, 1)[0] == "public.clients"
    assert default_focus(nx.DiGraph()) is None
