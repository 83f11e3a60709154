"""Pictures: layered by depth, labels that never overlap (measured with the renderer), legends, focus."""

from __future__ import annotations

import itertools
import random
from pathlib import Path

import networkx as nx
import pytest
from matplotlib.colors import to_hex
from matplotlib.figure import Figure

from schemalens import load_schema
from schemalens.core.errors import SchemalensError
from schemalens.core.model import ForeignKey, Schema, Table
from schemalens.present.plot import (
    STATUS_COLOURS,
    draw_assumed_vs_actual,
    draw_hierarchy,
    draw_impact,
    hierarchy_layout,
)
from schemalens.read.graph import build_graph

SAMPLE = Path(__file__).parents[1] / "data" / "revos" / "migrations"
WORDS = ("account invoice line item payment customer order shipment product category warehouse stock audit "
         "event session token report metric tag note comment attachment address contact team member role "
         "permission schedule task").split()
ASSUMED = [("users", "tenants"), ("communications", "tenants"), ("style_cartridges", "tenants")]
STATUSES = {"tenants": "missing", "users": "different parent", "style_cartridges": "different scope",
            "communications": "proposed", "clients": "unexpected", "agencies": "unexpected"}


@pytest.fixture(scope="module")
def sample():
    return load_schema(SAMPLE)


def write_migrations(folder: Path, n: int = 150, seed: int = 7) -> Path:
    """A made-up history of ``n`` tables: a few roots, trees below them, join tables, auth.users, loners."""
    rng = random.Random(seed)
    names: list[str] = []
    for i in range(n):
        name = "_".join(rng.sample(WORDS, rng.choice((1, 2, 2, 3)))) + f"_{i}"
        columns = ["id uuid PRIMARY KEY"]
        linked = [m for j, m in enumerate(names) if j < 3 or j % 37 != 5]
        if i >= 3 and i % 37 != 5:
            parents = {rng.choice(linked)} | ({rng.choice(linked)} if rng.random() < 0.2 else set())
            columns += [f"{p}_id uuid REFERENCES {p} (id)" for p in sorted(parents)]
            if rng.random() < 0.05:
                columns.append("user_id uuid REFERENCES auth.users (id)")
        names.append(name)
        rls = f"\nALTER TABLE {name} ENABLE ROW LEVEL SECURITY;" if i % 5 else ""
        (folder / f"{i + 1:03d}_{name}.sql").write_text(f"CREATE TABLE {name} (\n  " + ",\n  ".join(columns)
                                                     + "\n);" + rls + "\n")
    return folder


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    schema = load_schema(write_migrations(tmp_path_factory.mktemp("big")))
    assert len(schema.tables) == 150 and len(schema.foreign_keys) > 150
    return schema


def drawn(fig: Figure, kind: str = "node") -> dict[str, object]:
    """Artists by the table they draw: label texts (``node``) or boxes (``box``), over every panel."""
    out = {}
    for ax in fig.axes:
        for artist in [*ax.texts, *ax.patches]:
            gid = artist.get_gid() or ""
            if gid.startswith(kind + ":"):
                out.setdefault(gid.split(":", 1)[1], []).append(artist)
    return out


def centres(fig: Figure, ax_index: int = 0) -> dict[str, tuple[float, float]]:
    return {t.get_gid()[5:]: t.get_position() for t in fig.axes[ax_index].texts
            if (t.get_gid() or "").startswith("node:")}


def extents(fig: Figure, kind: str):
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    return [(name, a.get_window_extent(renderer))
            for name, artists in drawn(fig, kind).items() for a in artists]


def inside(inner, outer) -> bool:
    return outer.x0 <= inner.x0 and inner.x1 <= outer.x1 and outer.y0 <= inner.y0 and inner.y1 <= outer.y1


def assert_readable(fig: Figure) -> None:
    """No two labels or boxes overlap; each label sits inside its box; title and legend clear of boxes."""
    labels, boxes = extents(fig, "node"), extents(fig, "box")
    assert labels and len(labels) == len(boxes)
    for kind in (labels, boxes):
        for (a, ea), (b, eb) in itertools.combinations(kind, 2):
            assert not ea.overlaps(eb), f"{a} and {b} overlap"
    box_of = {}
    for name, e in boxes:
        box_of.setdefault(name, []).append(e)
    for name, e in labels:
        assert any(inside(e, b) for b in box_of[name]), f"{name}'s label leaves its box"
    renderer = fig.canvas.get_renderer()
    others = [fig.get_suptitle() and fig._suptitle, *fig.legends, *(ax.get_legend() for ax in fig.axes),
              *(ax.title for ax in fig.axes)]
    for artist in others:
        if artist and artist.get_visible() and getattr(artist, "get_text", lambda: "x")():
            e = artist.get_window_extent(renderer)
            for name, b in boxes:
                assert not e.overlaps(b), f"{name} is under the title or legend"
    whole = fig.bbox
    for name, b in boxes:
        assert inside(b, whole), f"{name} is cut off"


def legend_labels(fig: Figure) -> list[str]:
    legends = [*fig.legends, *(ax.get_legend() for ax in fig.axes if ax.get_legend())]
    return [t.get_text() for lg in legends for t in lg.get_texts()]


def test_layers_follow_depth_roots_on_top(sample) -> None:
    g = build_graph(sample)
    g = g.subgraph([n for n in g if g.nodes[n]["kind"] == "table"])  # the hierarchy: its view is a node too
    layout = hierarchy_layout(g)
    tables = ("agencies", "clients", "users", "campaigns", "leads")
    assert [layout.layer[f"public.{t}"] for t in tables] == [0, 1, 2, 3, 5]
    assert layout.layer["auth.users"] == 0 and layout.layer["public.style_cartridges"] == 1
    pos = centres(draw_hierarchy(sample))
    for child, parent in g.edges():
        if child != parent:
            assert pos[parent][1] > pos[child][1], (child, parent)
    by_layer: dict[int, set[float]] = {}
    for n, d in layout.layer.items():
        by_layer.setdefault(d, set()).add(round(pos[n][1], 6))
    assert all(len(ys) == 1 for ys in by_layer.values())  # 24 tables: no layer needs staggering
    assert sorted(by_layer, key=lambda d: -next(iter(by_layer[d]))) == sorted(by_layer)


def test_sample_labels_do_not_overlap_and_everything_is_named(sample) -> None:
    fig = draw_hierarchy(sample)
    assert_readable(fig)
    labels = {t.get_text() for t in fig.axes[0].texts}
    assert {"users", "clients", "agencies", "auth.users", "webhook_events"} <= labels
    assert not any(label.startswith("public.") for label in labels)
    assert len(labels) == 25
    assert fig.get_suptitle().startswith("Foreign-key hierarchy: 24 tables, 30 foreign keys")
    assert {"RLS on, with policies", "RLS on, no policy", "RLS off, API roles revoked",
            "external (referenced, not created)"} <= set(legend_labels(fig))
    assert "RLS off" not in legend_labels(fig)  # webhook_events: RLS off, but 024 revokes the API roles
    [hidden] = drawn(fig, "box")["public.webhook_events"]
    assert to_hex(hidden.get_facecolor()) == "#e4dcef"
    [auth] = drawn(fig, "box")["auth.users"]
    assert auth.get_linestyle() == "--" and to_hex(auth.get_facecolor()) == "#eeeeee"
    bold = {t.get_text() for t in fig.axes[0].texts if t.get_fontweight() == "bold"}
    assert bold == {"agencies", "auth.users"}


def test_figure_width_follows_the_widest_layer(sample, big) -> None:
    small = draw_hierarchy(sample).get_size_inches()[0]
    focus = draw_hierarchy(sample, focus="users").get_size_inches()[0]
    large = draw_hierarchy(big, max_nodes=None).get_size_inches()[0]
    assert focus < small < large


def test_focus_keeps_only_the_neighbourhood_and_its_paths_to_the_root(sample) -> None:
    fig = draw_hierarchy(sample, focus="users")
    near = ("users", "clients", "agencies", "linkedin_accounts", "notifications", "campaigns")
    assert set(centres(fig)) == {f"public.{t}" for t in near}
    assert_readable(fig)
    [box] = drawn(fig, "box")["public.users"]
    assert box.get_linewidth() > 2 and "focus" in legend_labels(fig)
    assert fig.get_suptitle().startswith("Neighbourhood of users (6 of 24 tables)")
    wider = set(centres(draw_hierarchy(sample, focus="public.users", radius=2)))
    assert {"public.leads", "public.posts", "public.tags", "public.pod_members"} <= wider
    assert "public.lead_tags" not in wider and "auth.users" not in wider


def test_focus_on_a_table_that_does_not_exist(sample) -> None:
    with pytest.raises(SchemalensError, match="tenants: no such table"):
        draw_hierarchy(sample, focus="tenants")


def test_150_tables_fold_into_groups_and_stay_readable(big) -> None:
    fig = draw_hierarchy(big)
    assert_readable(fig)
    names = set(centres(fig))
    assert len(names) <= 60
    groups = [t.get_text() for t in fig.axes[0].texts if t.get_text().startswith("+")]
    folded = sum(int(text[1:].split()[0]) for text in groups)
    shown = [n for n in names if not n.startswith("+")]
    assert groups and folded + len(shown) == 151  # 150 tables and auth.users, each once
    g = build_graph(big)
    roots = {n for n in g if not set(g.successors(n)) and set(g.predecessors(n))}
    assert roots <= names
    assert f"{folded} tables folded into {len(groups)}" in fig.get_suptitle()
    assert "several tables collapsed" in legend_labels(fig)


def test_150_tables_unfolded_keep_layers_and_no_overlap(big) -> None:
    fig = draw_hierarchy(big, max_nodes=None)
    assert_readable(fig)
    pos = centres(fig)
    assert len(pos) == 151
    for child, parent in build_graph(big).edges():
        if child != parent:
            assert pos[parent][1] > pos[child][1], (child, parent)


def test_150_tables_focus(big) -> None:
    target = sorted(big.tables, key=lambda t: -len(big.foreign_keys_to(t.name)))[0].name
    fig = draw_hierarchy(big, focus=target, radius=1)
    g = build_graph(big)
    expected = {target} | set(g.successors(target)) | set(g.predecessors(target)) | nx.descendants(g, target)
    assert set(centres(fig)) == expected
    assert_readable(fig)


def test_assumed_vs_actual_colours_each_status(sample) -> None:
    fig = draw_assumed_vs_actual(sample, ASSUMED, STATUSES)
    assert_readable(fig)
    left, right = centres(fig, 0), centres(fig, 1)
    assert set(left) == {"public.users", "public.tenants", "public.communications", "public.style_cartridges"}
    assert set(right) == {"public.users", "public.clients", "public.agencies", "public.style_cartridges",
                          "auth.users"}
    boxes = drawn(fig, "box")
    assert to_hex(boxes["public.tenants"][0].get_facecolor()) == STATUS_COLOURS["missing"]
    assert {to_hex(b.get_facecolor()) for b in boxes["public.users"]} == {STATUS_COLOURS["different parent"]}
    assert left["public.tenants"][1] > left["public.users"][1]
    assert right["public.agencies"][1] > right["public.clients"][1] > right["public.users"][1]
    edges = drawn(fig, "edge")
    [assumed] = edges["public.users->public.tenants"]
    assert assumed.get_linestyle() == "--" and to_hex(assumed.get_edgecolor()) == "#c0392b"
    assert "public.users->public.clients" in edges
    labels = legend_labels(fig)
    assert {"missing", "unexpected", "different parent", "different scope", "proposed",
            "assumed edge with no such foreign key"} <= set(labels)
    assert "matches" not in labels  # only what is shown
    assert [ax.get_title() for ax in fig.axes] == ["What the plan assumes", "What the migrations build"]


def test_assumed_vs_actual_marks_matching_edges_green(sample) -> None:
    statuses = {"users": "matches", "clients": "matches", "agencies": "matches", "leads": "new word"}
    fig = draw_assumed_vs_actual(sample, [("users", "clients"), ("clients", "agencies")], statuses)
    edges = drawn(fig, "edge")
    assert {to_hex(e.get_edgecolor()) for e in edges["public.users->public.clients"]} == {"#2e8b3a"}
    assert "new word" in legend_labels(fig) and "0 of" not in fig.get_suptitle()
    assert "public.leads" in centres(fig, 1) and "public.campaigns" in centres(fig, 1)


def test_impact_shows_what_references_the_tables(sample) -> None:
    fig = draw_impact(sample, ["users"])
    assert_readable(fig)
    assert set(centres(fig)) == {f"public.{t}" for t in (
        "users", "campaigns", "linkedin_accounts", "notifications", "leads", "posts", "messages",
        "pod_members", "post_comments", "lead_tags", "analytics_events", "campaign_daily_stats",
        "campaign_lead_magnets")}
    assert fig.get_suptitle().startswith("Impact of a change to users: 12 tables reference it (3 directly)")
    assert {"table that changes", "references it directly", "references it through other tables"} <= set(
        legend_labels(fig))
    with pytest.raises(SchemalensError):
        draw_impact(sample, ["tenants"])


def test_draws_into_a_given_axes(sample) -> None:
    fig = Figure(figsize=(12, 5))
    left, right = fig.subplots(1, 2)
    assert draw_hierarchy(sample, ax=left) is fig
    assert draw_impact(sample, "clients", ax=right) is fig
    assert len(centres(fig, 0)) == 25 and "public.clients" in centres(fig, 1)
    assert left.get_legend() is not None


def test_cycles_self_references_and_an_empty_schema() -> None:
    edges = [("ab", "a", "b"), ("ba", "b", "a"), ("cc", "c", "c"), ("da", "d", "a"), ("da2", "d", "a")]
    schema = Schema(tables=tuple(Table(f"public.{t}") for t in "abcd"),
                    foreign_keys=tuple(ForeignKey(name, f"public.{c}", ("x",), f"public.{p}", ("id",))
                                       for name, c, p in edges))
    fig = draw_hierarchy(schema)
    assert_readable(fig)
    assert sorted(t.get_text() for t in fig.axes[0].texts) == ["a", "b", "c \u21ba", "d"]
    pos = centres(fig)
    assert pos["public.a"][1] == pos["public.b"][1] > pos["public.d"][1]  # a cycle shares a layer
    assert set(drawn(fig, "edge")) == {"public.a->public.b", "public.b->public.a", "public.d->public.a"}
    empty = draw_hierarchy(Schema())
    assert empty.get_suptitle().startswith("Foreign-key hierarchy: 0 tables") and not centres(empty)


def test_pictures_are_deterministic(sample) -> None:
    from schemalens.present.plot import _png

    assert _png(draw_hierarchy(sample)) == _png(draw_hierarchy(sample))


def test_a_table_exposed_without_rls_is_red() -> None:
    from schemalens import load_schema

    fig = draw_hierarchy(load_schema(Path(__file__).parents[1] / "data" / "acme" / "migrations"))
    assert "RLS off" in legend_labels(fig) and "RLS off, API roles revoked" not in legend_labels(fig)
    [audit] = drawn(fig, "box")["public.audit_log"]  # granted to service_role only: the defaults still expose it
    assert to_hex(audit.get_facecolor()) == "#f4b6b0"
