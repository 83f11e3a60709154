"""Pictures of the foreign-key hierarchy; the only module that imports matplotlib.

Three pictures, each returned as a matplotlib ``Figure``:

* :func:`draw_hierarchy`: the FK graph, roots on top, arrows from child to parent; a whole schema,
  or one table's neighbourhood (``focus``).
* :func:`draw_assumed_vs_actual`: what a plan assumes (child -> parent edges) beside what the
  migrations build, each table coloured by its status (missing, unexpected, different parent,
  different scope, matches).
* :func:`draw_impact`: every table that references the given tables, directly or through others.

Layout: :mod:`schemalens.present.layout` (layered, roots on top, boxes sized from their rendered labels).

Large schemas. Every picture fits a notebook column (:data:`NOTEBOOK_WIDTH`): a layer wider than
that wraps into rows, so text stays at 9 pt (legend 8 pt) where the notebook shows it
(:func:`smallest_text`). :func:`draw_overview` draws a schema of any size as one box per cluster
(:mod:`schemalens.present.clusters`: a root's subtree, split where large) with its counts and the foreign
keys between clusters; :func:`draw_cluster` draws one cluster at full detail, with the parents it has
in other clusters; :func:`draw_schema` gives the whole hierarchy when it fits in ``max_nodes`` boxes,
else the overview and every cluster. Over ``max_nodes`` boxes, leaf tables (nothing references them) that hang from the
same parents are collapsed into one "+N tables" box, largest groups first; if that is not enough, a
table whose children are all such groups joins them. Roots, external tables (``auth.users``: dashed
and grey), the focus, highlighted tables and the most referenced tables (:data:`KEEP_TOP`) are never
collapsed. Every path to a root stays visible,
which filtering to root paths alone would not give for the wide bottom layers. ``focus=table`` draws
only that table's neighbourhood: ``radius`` FK hops either way (default 1) plus its paths to the root.

Figures use the object-oriented API on an Agg canvas: no pyplot, no GUI backend and no global state,
so scripts, tests and servers need no display. In Jupyter a returned figure shows as a PNG (this
module registers the formatter with IPython when IPython is running). Fonts are matplotlib's bundled
DejaVu Sans at 100 dpi, so a picture is the same on every machine.

>>> from schemalens.core.model import ForeignKey, Schema, Table
>>> s = Schema(tables=(Table("public.a"), Table("public.b")),
...            foreign_keys=(ForeignKey("b_a_fkey", "public.b", ("a_id",), "public.a", ("id",)),))
>>> fig = draw_hierarchy(s)
>>> sorted(t.get_text() for t in fig.axes[0].texts)
['a', 'b']
"""

from __future__ import annotations

import io
import math
import os
import sys
import textwrap
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import networkx as nx
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch, Patch
from matplotlib.path import Path

from schemalens.core.errors import SchemalensError
from schemalens.core.model import Schema, qualify, unqualify
from schemalens.present.clusters import (
    MAX_SIZE,
    Cluster,
    cluster_graph,
    clusters,
    counts_label,
    most_referenced,
)
from schemalens.present.layout import DPI, FONT, Layout, hierarchy_layout
from schemalens.present.plot_graphs import _as_graph, _collapse, _labels, _simple

MARGIN, MIN_WIDTH = 0.25, 6.0  # around a picture / its narrowest, inches
NOTEBOOK_WIDTH = 10.0          # inches (1000 px at 100 dpi): what a notebook column shows without scaling
WIDE = NOTEBOOK_WIDTH - 2 * MARGIN  # the widest row of boxes: wider layers wrap, so text keeps 9 pt


# Node colours (fill), colour-blind friendly pastel pairs; the legend shows only those used.
RLS_POLICIES = ("RLS on, with policies", "#cfe3f3")
RLS_NO_POLICY = ("RLS on, no policy", "#fde0a8")
RLS_OFF = ("RLS off", "#f4b6b0")
RLS_OFF_HIDDEN = ("RLS off, API roles revoked", "#e4dcef")
TABLE = ("table", "#e3ecf5")
EXTERNAL = ("external (referenced, not created)", "#eeeeee")
GROUP = ("several tables collapsed", "#ffffff")
LEGEND_ORDER = [RLS_POLICIES[0], RLS_NO_POLICY[0], RLS_OFF[0], RLS_OFF_HIDDEN[0], TABLE[0], EXTERNAL[0], GROUP[0]]
HIGHLIGHT = "#6a3d9a"
EDGE = "#5b5b5b"

STATUS_COLOURS = {
    "matches": "#b7e1a1",
    "missing": "#f4b6b0",
    "unexpected": "#fdd49e",
    "different parent": "#d4c2e6",
    "different scope": "#a9d2f0",
    "proposed": "#ffffff",
}
_EXTRA_COLOURS = ("#f7f3a6", "#c7eae5", "#f2c6de", "#d9d9a0")
CONTEXT = ("context (no finding)", "#f2f2f2")
ELSEWHERE = ("parent in another cluster", "#f2f2f2")
CLUSTER = ("cluster: its top table, tables, foreign keys inside", "#e3ecf5")
KEEP_TOP = 8  # the most referenced tables, never folded into "+N tables"
IMPACT = {"changed": ("table that changes", "#f4b6b0"), "direct": ("references it directly", "#fdd49e"),
          "indirect": ("references it through other tables", "#fff4cf")}


def _rls_category(attrs: Mapping) -> tuple[str, str]:
    if attrs.get("group"):
        return GROUP
    if attrs.get("external"):
        return EXTERNAL
    if "rls_enabled" not in attrs:
        return TABLE
    if not attrs["rls_enabled"]:
        return RLS_OFF if attrs.get("exposed", True) else RLS_OFF_HIDDEN
    return RLS_POLICIES if attrs.get("policies") else RLS_NO_POLICY


# ---------------------------------------------------------------- drawing


@dataclass
class _Style:
    face: str
    label: str
    border: str = "#444444"
    linestyle: str = "-"
    linewidth: float = 0.8
    bold: bool = False


def _node_style(attrs: Mapping, label: str, face: str, bold: bool = False, highlight: bool = False) -> _Style:
    style = _Style(face=face, label=label, bold=bold)
    if attrs.get("external"):
        style.border, style.linestyle = "#8a8a8a", "--"
    elif attrs.get("group"):
        style.border, style.linestyle = "#8a8a8a", ":"
    if highlight:
        style.border, style.linewidth = HIGHLIGHT, 2.2
    return style


def _render(ax, layout: Layout, labels: Mapping[str, str], styles: Mapping[str, _Style],
            edge_styles: Mapping[tuple[str, str], dict] | None = None, scale: float = 1.0) -> None:
    font = FONT.copy()
    font.set_size(FONT.get_size() * scale)
    boxes = {}
    for n, (cx, cy) in sorted(layout.centres.items()):
        w, h = layout.sizes[n]
        st = styles[n]
        box = FancyBboxPatch((cx - w / 2, cy - h / 2), w, h, boxstyle="round,pad=0,rounding_size=0.05",
                             facecolor=st.face, edgecolor=st.border, linestyle=st.linestyle,
                             linewidth=st.linewidth * scale, zorder=2, gid=f"box:{n}")
        ax.add_patch(box)
        boxes[n] = box
        f = font.copy()
        if st.bold:
            f.set_weight("bold")
        ax.text(cx, cy, labels[n], ha="center", va="center", fontproperties=f, zorder=3, gid=f"node:{n}")
    for u, v, pts in layout.edges:
        es = {"color": EDGE, "linestyle": "-", "linewidth": 0.9, **(edge_styles or {}).get((u, v), {})}
        common = dict(arrowstyle="-|>,head_length=0.5,head_width=0.22", mutation_scale=12 * scale,
                      color=es["color"], linestyle=es["linestyle"], linewidth=es["linewidth"] * scale,
                      zorder=1, gid=f"edge:{u}->{v}")
        if layout.layer[u] == layout.layer[v]:
            arrow = FancyArrowPatch(pts[0], pts[1], patchA=boxes[u], patchB=boxes[v],
                                    connectionstyle="arc3,rad=0.35", **common)
        else:
            codes = [Path.MOVETO] + [Path.LINETO] * (len(pts) - 1)
            arrow = FancyArrowPatch(path=Path(pts, codes), **common)
        ax.add_patch(arrow)
    ax.set_axis_off()


def _legend_handles(entries: Iterable[tuple[str, _Style]]) -> list:
    """One patch per colour, drawn like its boxes (a highlight's thick border aside)."""
    return [Patch(facecolor=st.face, edgecolor=st.border if st.linewidth < 2 else "#444444",
                  linestyle=st.linestyle, linewidth=0.8, label=label) for label, st in entries]


def _fk_handle(label: str = "foreign key (arrow: child \u2192 parent)", color: str = EDGE,
               ls: str = "-") -> Line2D:
    return Line2D([], [], color=color, linestyle=ls, marker=">", markersize=5, label=label)


def _wrap(text: str, width_in: float, size: float) -> str:
    chars = max(30, int(width_in * 72 / (size * 0.6)))
    return "\n".join(textwrap.fill(part, chars) for part in text.split("\n"))


def _legend_rows(handles: list, width_in: float) -> tuple[int, int]:
    if not handles:
        return 0, 1
    col = max(len(h.get_label()) for h in handles) * 8 * 0.6 / 72 + 0.6
    ncol = max(1, min(len(handles), int(width_in // col)))
    return math.ceil(len(handles) / ncol), ncol


def _figure(layouts: list[Layout], title: str, panel_titles: list[str], handles: list) -> tuple[Figure, list]:
    """A figure whose axes are exactly the layouts' size in inches, title on top, legend below."""
    gap = 0.6
    content_w = sum(l.width + 2 * MARGIN for l in layouts) + gap * (len(layouts) - 1)
    fig_w = max(MIN_WIDTH, content_w)
    title = _wrap(title, fig_w, 11)
    title_h = 0.2 + 0.22 * (title.count("\n") + 1) + (0.3 if panel_titles else 0.0)
    rows, ncol = _legend_rows(handles, fig_w)
    legend_h = 0.15 + 0.24 * rows if handles else 0.1
    content_h = max(l.height for l in layouts) + 2 * MARGIN
    fig_h = title_h + content_h + legend_h
    fig = Figure(figsize=(fig_w, fig_h), dpi=DPI, facecolor="white")
    FigureCanvasAgg(fig)
    axes = []
    left = (fig_w - content_w) / 2
    for i, lay in enumerate(layouts):
        w = lay.width + 2 * MARGIN
        ax = fig.add_axes((left / fig_w, legend_h / fig_h, w / fig_w, content_h / fig_h))
        ax.set_xlim(-MARGIN, lay.width + MARGIN)
        top = lay.height + MARGIN
        ax.set_ylim(top - content_h, top)
        ax.set_aspect("equal", adjustable="box")
        if panel_titles:
            ax.set_title(panel_titles[i], fontsize=10, fontfamily="DejaVu Sans", pad=6)
        axes.append(ax)
        left += w + gap
    fig.suptitle(title, fontsize=11, fontfamily="DejaVu Sans", y=1 - 0.12 / fig_h, va="top")
    if handles:
        fig.legend(handles=handles, loc="lower center", bbox_to_anchor=(0.5, 0.04 / fig_h), ncol=ncol,
                   frameon=False, prop=FontProperties(family="DejaVu Sans", size=8))
    return fig, axes


def _into_axes(ax, layout: Layout, title: str, handles: list) -> float:
    """Fit a layout into a caller's axes; returns the scale (axes inches per layout inch) for fonts."""
    bbox = ax.get_window_extent().transformed(ax.figure.dpi_scale_trans.inverted())
    w, h = layout.width + 2 * MARGIN, layout.height + 2 * MARGIN
    ax.set_xlim(-MARGIN, layout.width + MARGIN)
    ax.set_ylim(-MARGIN, layout.height + MARGIN)
    ax.set_aspect("equal", adjustable="datalim")
    ax.set_title(title, fontsize=10)
    if handles:
        ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.0), frameon=False, fontsize=7,
                  ncol=min(3, len(handles)))
    return min(1.0, bbox.width / w, bbox.height / h)


def _draw(d: nx.DiGraph, styles: dict[str, _Style], title: str, handles: list, ax,
          edge_styles: Mapping | None = None, labels: Mapping[str, str] | None = None) -> Figure:
    labels = _labels(d) if labels is None else labels
    layout = hierarchy_layout(d, labels, bold=[n for n, st in styles.items() if st.bold], max_width=WIDE)
    if ax is None:
        fig, (ax,) = _figure([layout], title, [], handles)
        scale = 1.0
    else:
        fig, scale = ax.figure, _into_axes(ax, layout, title, handles)
    _render(ax, layout, labels, styles, edge_styles, scale)
    return fig


def _tables(g: nx.DiGraph) -> list[str]:
    return [n for n in g if not g.nodes[n].get("external")]


def _require(g: nx.DiGraph, name: str) -> str:
    q = qualify(name)
    if q not in g:
        raise SchemalensError(f"{name}: no such table in the schema")
    return q


def draw_hierarchy(schema_or_graph: Schema | nx.DiGraph, ax=None, highlight: Iterable[str] | None = None,
                   title: str | None = None, focus: str | None = None, radius: int | None = None,
                   max_nodes: int | None = 60) -> Figure:
    """The FK hierarchy, roots on top: a whole schema, or ``focus``'s neighbourhood within ``radius`` hops.

    ``highlight`` tables get a thick purple border; colours show RLS (on with policies, on without,
    off); bold names are roots; over ``max_nodes`` boxes, leaf tables are grouped (``None``: never).
    Draws into ``ax`` when given, else into a new figure sized from the widest layer.
    """
    g = _as_graph(schema_or_graph)
    marked = {_require(g, h) for h in highlight or ()}
    keep = set(marked) | {n for n in g if g.nodes[n].get("external")}
    nodes: set[str] = set(g)
    if focus is not None:
        f = _require(g, focus)
        r = 1 if radius is None else radius
        nodes = set(nx.single_source_shortest_path_length(g.to_undirected(as_view=True), f, cutoff=r))
        nodes |= nx.descendants(g, f)
        marked.add(f)
        keep = (keep & nodes) | {f}
    d = _simple(g, nodes)
    roots = _roots(g, d)
    if max_nodes is not None and len(d) > max_nodes:
        d = _collapse(d, keep | roots | (set(most_referenced(g, KEEP_TOP)) & nodes), max_nodes)
    styles, handles = _rls_styles(d, roots, marked)
    if marked:
        handles.append(Patch(facecolor="white", edgecolor=HIGHLIGHT, linewidth=2,
                             label="focus" if focus is not None and not highlight else "highlighted"))
    handles.append(_fk_handle())
    if title is None:
        total, fks = len(_tables(g)), len([e for e in g.edges() if not g.nodes[e[0]].get("external")])
        grouped = [n for n in d if d.nodes[n].get("group")]
        folded = sum(len(d.nodes[n]["members"]) for n in grouped)
        if focus is not None:
            shown = len([n for n in nodes if not g.nodes[n].get("external")])
            title = (f"Neighbourhood of {unqualify(focus)} ({shown} of {total} tables): within {r} "
                     f"foreign-key hop{'s' if r != 1 else ''}, plus its paths to the root")
        else:
            title = f"Foreign-key hierarchy: {total} tables, {fks} foreign keys"
        if grouped:
            title += f"; {folded} tables folded into {len(grouped)} \"+N tables\" boxes"
        title += "\nroots (bold) on top, arrows point from child to parent"
    return _draw(d, styles, title, handles, ax)


def _roots(g: nx.DiGraph, d: nx.DiGraph) -> set[str]:
    """Tables of ``d`` that reference nothing and are referenced (drawn bold)."""
    return {n for n in d if n in g and not set(g.successors(n)) - {n} and set(g.predecessors(n)) - {n}}


def _rls_styles(d: nx.DiGraph, roots: set[str], marked: set[str]) -> tuple[dict[str, _Style], list]:
    """Each box coloured by its RLS state (or as a group, external, or in another cluster); the legend."""
    styles = {}
    for n in d:
        label, face = ELSEWHERE if d.nodes[n].get("elsewhere") else _rls_category(d.nodes[n])
        styles[n] = _node_style(d.nodes[n], label, face, bold=n in roots, highlight=n in marked)
        if d.nodes[n].get("elsewhere"):
            styles[n].border, styles[n].linestyle = "#8a8a8a", "--"
    used = {s.label: s for s in styles.values()}
    return styles, _legend_handles((k, used[k]) for k in [*LEGEND_ORDER, ELSEWHERE[0]] if k in used)


def _find_cluster(found: list[Cluster], name: str) -> Cluster:
    for c in found:
        if name in (c.key, c.name, c.label) and (c.parts == 1 or name != c.name):
            return c
    names = ", ".join(c.label for c in found)
    raise SchemalensError(f"{name}: no such cluster (the clusters: {names})")


def draw_overview(schema_or_graph: Schema | nx.DiGraph, max_size: int = MAX_SIZE, title: str | None = None) -> Figure:
    """A schema of any size as one box per cluster (its top table, how many tables and foreign keys it
    holds) and the foreign keys between clusters, thicker for more; the clusters that hold the most
    referenced tables are outlined."""
    g = _as_graph(schema_or_graph)
    found = clusters(g, max_size)
    d = cluster_graph(g, found)
    top = set(most_referenced(g, KEEP_TOP))
    labels = {k: counts_label(d.nodes[k]) for k in d}
    styles = {}
    for k in d:
        attrs = d.nodes[k]
        label, face = EXTERNAL if attrs["external"] else CLUSTER
        styles[k] = _node_style(attrs, label, face, highlight=bool(top & set(attrs["cluster"].tables)))
    edge_styles = {(u, v): {"linewidth": 0.8 + 0.5 * math.log2(c)} for u, v, c in d.edges(data="count")}
    used = {st.label: st for st in styles.values()}
    handles = _legend_handles((k, used[k]) for k in (CLUSTER[0], EXTERNAL[0]) if k in used)
    handles += [Patch(facecolor="white", edgecolor=HIGHLIGHT, linewidth=2,
                      label=f"holds one of the {KEEP_TOP} most referenced tables"),
                _fk_handle("foreign keys from one cluster to another (thicker: more)")]
    if title is None:
        tables = len(_tables(g))
        between = sum(c for _, _, c in d.edges(data="count"))
        title = (f"Overview: {tables} tables in {len(found)} clusters (a root's subtree, split where it has more "
                 f"than {max_size} tables); {between} foreign keys between clusters"
                 "\neach cluster is drawn in full on its own; arrows point from child to parent")
    return _draw(d, styles, title, handles, None, edge_styles, labels)


def draw_cluster(schema_or_graph: Schema | nx.DiGraph, cluster: str | Cluster, max_size: int = MAX_SIZE,
                 title: str | None = None) -> Figure:
    """One cluster of :func:`draw_overview` at full detail (nothing folded), with the tables its tables
    reference in other clusters (dashed grey). ``cluster``: a :class:`Cluster` or its name as the
    overview shows it (``invoices``, ``customers (2/3)``)."""
    g = _as_graph(schema_or_graph)
    c = cluster if isinstance(cluster, Cluster) else _find_cluster(clusters(g, max_size), cluster)
    members = set(c.tables)
    parents = {p for t in members for p in g.successors(t)} - members
    # a parent elsewhere that most of the cluster references (organizations, auth.users) is named, not drawn
    users = {p: sum(1 for t in members if g.has_edge(t, p)) for p in parents}
    hubs = sorted(p for p, k in users.items() if k >= max(4, len(members) // 3))
    d = _simple(g, members | (parents - set(hubs)))
    for n in parents - set(hubs):
        d.nodes[n]["elsewhere"] = not g.nodes[n].get("external")
    styles, handles = _rls_styles(d, _roots(g, d) & members, set())
    handles.append(_fk_handle())
    if title is None:
        inside = sum(1 for u, v in g.edges() if u in members and v in members)
        title = (f"Cluster {c.label}: {len(members)} tables, {inside} foreign keys inside, "
                 f"{len(parents)} parents in other clusters")
        if hubs:
            title += "; not drawn: " + ", ".join(f"{users[h]} foreign keys to {unqualify(h)}" for h in hubs)
        title += "\nroots (bold) on top, arrows point from child to parent"
    return _draw(d, styles, title, handles, None)


class Figures(list):
    """Several pictures shown one after the other in Jupyter."""

    def _ipython_display_(self) -> None:
        from IPython.display import display

        for fig in self:
            display(fig)


def draw_schema(schema_or_graph: Schema | nx.DiGraph, max_nodes: int = 60, max_size: int = MAX_SIZE) -> Figures:
    """The whole hierarchy when it has at most ``max_nodes`` tables; else the overview and every cluster
    with more than one table, largest first."""
    g = _as_graph(schema_or_graph)
    if len(g) <= max_nodes:
        return Figures([draw_hierarchy(g, max_nodes=None)])
    found = clusters(g, max_size)
    return Figures([draw_overview(g, max_size),
                    *(draw_cluster(g, c, max_size) for c in found if len(c.tables) > 1 and c.name)])


def smallest_text(fig: Figure, width: float = NOTEBOOK_WIDTH) -> float:
    """The smallest text of a figure in points where it is shown ``width`` inches wide (or less)."""
    sizes = [t.get_fontsize() for t in fig.findobj(lambda a: hasattr(a, "get_fontsize") and hasattr(a, "get_text"))
             if t.get_text().strip()]
    return min(sizes, default=0.0) * min(1.0, width / fig.get_size_inches()[0])


def _status_colours(statuses: Mapping[str, str]) -> dict[str, str]:
    colours = dict(STATUS_COLOURS)
    extra = iter(_EXTRA_COLOURS * 4)
    for s in sorted(set(statuses.values()) - colours.keys()):
        colours[s] = next(extra, "#dddddd")
    return colours


def draw_assumed_vs_actual(actual: Schema | nx.DiGraph, assumed_edges: Iterable[tuple[str, str]],
                           statuses: Mapping[str, str], title: str | None = None, full: bool = False,
                           max_nodes: int | None = 60) -> Figure:
    """Two panels: the hierarchy a plan assumes (child -> parent edges) and the one the migrations build.

    ``statuses`` maps a table to a status ("missing", "unexpected", "different parent",
    "different scope", "matches", or any other word, which gets its own colour); tables without one are
    grey context. The right panel shows the tables the plan names that exist, and their paths to the
    root (``full=True``: the whole schema). Assumed edges that are real foreign keys are green, those
    that are not are dashed red.
    """
    g = _as_graph(actual)
    assumed = [(qualify(c), qualify(p)) for c, p in assumed_edges]
    status = {qualify(t): s for t, s in statuses.items()}
    colours = _status_colours(status)
    real = {(u, v) for u, v in g.edges()}

    left = nx.DiGraph()
    left.add_edges_from(assumed)
    for n in left:
        left.nodes[n].update(external=bool(g.nodes[n].get("external")) if n in g else n.startswith("auth."),
                             self_ref=False)
    named = (set(left) | set(status)) & set(g)
    nodes = set(g) if full else named | {a for n in named for a in nx.descendants(g, n)}
    right = _simple(g, nodes)
    if max_nodes is not None and len(right) > max_nodes:
        right = _collapse(right, named | {n for n in right if right.nodes[n].get("external")}, max_nodes)

    def styles_for(d: nx.DiGraph) -> dict[str, _Style]:
        out = {}
        for n in d:
            if d.nodes[n].get("group"):
                label, face = GROUP
            elif d.nodes[n].get("external") and n not in status:
                label, face = EXTERNAL
            elif n in status:
                label, face = status[n], colours[status[n]]
            else:
                label, face = CONTEXT
            out[n] = _node_style(d.nodes[n], label, face)
        return out

    left_styles, right_styles = styles_for(left), styles_for(right)
    ok = {"color": "#2e8b3a", "linewidth": 1.6}
    bad = {"color": "#c0392b", "linestyle": "--", "linewidth": 1.4}
    left_edges = {(u, v): ok if (u, v) in real else bad for u, v in assumed}
    right_edges = {(u, v): ok for u, v in right.edges() if (u, v) in set(assumed)}
    order = [*STATUS_COLOURS, *sorted(colours.keys() - STATUS_COLOURS.keys()), CONTEXT[0], EXTERNAL[0],
             GROUP[0]]
    used = {s.label: s for s in [*left_styles.values(), *right_styles.values()]}
    handles = _legend_handles((k, used[k]) for k in order if k in used)
    handles += [_fk_handle("assumed edge that is a foreign key", ok["color"]),
                _fk_handle("assumed edge with no such foreign key", bad["color"], "--"),
                _fk_handle("other foreign key")]
    if title is None:
        differ = sorted(n for n, s in status.items() if s != "matches")
        title = (f"Assumed vs actual hierarchy: {len(differ)} of {len(status)} tables differ from the plan"
                 "\narrows point from child to parent, roots on top")

    left_labels, right_labels = _labels(left), _labels(right)
    half = (NOTEBOOK_WIDTH - 0.6) / 2 - 2 * MARGIN  # two panels side by side, 0.6 in apart
    layouts = [hierarchy_layout(left, left_labels, max_width=half),
               hierarchy_layout(right, right_labels, max_width=half)]
    fig, axes = _figure(layouts, title, ["What the plan assumes", "What the migrations build"], handles)
    _render(axes[0], layouts[0], left_labels, left_styles, left_edges)
    _render(axes[1], layouts[1], right_labels, right_styles, right_edges)
    return fig


def draw_impact(schema_or_graph: Schema | nx.DiGraph, tables: Iterable[str] | str, ax=None,
                title: str | None = None, max_nodes: int | None = 60) -> Figure:
    """Every table that references ``tables``, directly or through other tables (what a change reaches)."""
    g = _as_graph(schema_or_graph)
    targets = sorted({_require(g, t) for t in ([tables] if isinstance(tables, str) else tables)})
    dist = nx.multi_source_dijkstra_path_length(g.reverse(copy=False), targets) if targets else {}
    d = _simple(g, dist)
    direct = {n for n, k in dist.items() if k == 1}
    if max_nodes is not None and len(d) > max_nodes:
        d = _collapse(d, set(targets) | direct, max_nodes)
    styles = {}
    for n in d:
        kind = "changed" if n in targets else "direct" if n in direct else "indirect"
        label, face = GROUP if d.nodes[n].get("group") else IMPACT[kind]
        styles[n] = _node_style(d.nodes[n], label, face, highlight=n in targets)
    order = [v[0] for v in IMPACT.values()] + [GROUP[0]]
    used = {s.label: s for s in styles.values()}
    handles = _legend_handles((k, used[k]) for k in order if k in used) + [_fk_handle()]
    if title is None:
        names = ", ".join(unqualify(t) for t in targets)
        title = (f"Impact of a change to {names}: {len(dist) - len(targets)} tables reference "
                 f"{'it' if len(targets) == 1 else 'them'} ({len(direct - set(targets))} directly)"
                 "\narrows point from child to parent")
    return _draw(d, styles, title, handles, ax)


def _png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=fig.dpi, facecolor=fig.get_facecolor())
    return buf.getvalue()


def _png_with_alt(fig: Figure) -> tuple[bytes, dict[str, str]]:
    """The PNG and, as its alternative text in exported HTML, the title that says what it shows."""
    return _png(fig), {"alt": _alt(fig)}


def _svg_with_alt(fig: Figure) -> tuple[str, dict[str, str]]:
    """The figure as SVG with its text as text (searchable, sharp at any zoom), and its alt text."""
    from matplotlib import rc_context

    buf = io.StringIO()
    with rc_context({"svg.fonttype": "none", "svg.hashsalt": "schemalens"}):
        fig.savefig(buf, format="svg", facecolor=fig.get_facecolor(), metadata={"Date": None})
    return buf.getvalue(), {"alt": _alt(fig)}


def _alt(fig: Figure) -> str:
    title = fig.get_suptitle() or next((ax.get_title() for ax in fig.axes if ax.get_title()), "")
    return " ".join(title.split())


def _register_ipython() -> None:
    """Show returned figures in Jupyter (pyplot is never involved, so nothing else would): as PNG, or as
    SVG when ``SCHEMALENS_FIGURES=svg`` (what :mod:`schemalens.present.notebook_reports` sets for the exports)."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    if shell is not None:
        if os.environ.get("SCHEMALENS_FIGURES") == "svg":
            shell.display_formatter.formatters["image/svg+xml"].for_type(Figure, _svg_with_alt)
        else:
            shell.display_formatter.formatters["image/png"].for_type(Figure, _png_with_alt)


_register_ipython()

__all__ = ["NOTEBOOK_WIDTH", "Figures", "Layout", "draw_assumed_vs_actual", "draw_cluster", "draw_hierarchy",
           "draw_impact", "draw_overview", "draw_schema", "hierarchy_layout", "smallest_text"]
