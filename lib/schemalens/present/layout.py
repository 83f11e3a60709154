"""Where each box of a hierarchy picture goes: a layered layout, roots on top, in inches.

Layered, in the manner of Sugiyama; no Graphviz needed. A table's layer is its depth, the
longest FK path up to a table with no parent, so roots sit on top and every arrow points up. Long
edges get invisible bend points in the layers they cross; tables are ordered within their layer by
the barycenter heuristic (down and up sweeps, keeping the order with the fewest crossings); x
positions pull each table over its neighbours while boxes keep their distance (isotonic
regression). A layer wider than ``max_width`` inches is wrapped into as many rows as it needs, each
row a layer of its own (tables dealt out in their order, so every row spans the width), and an edge
that passes a row gets a bend point in it like any long edge: edges run between boxes, never through
one. Long edges to one parent share their bend points (a trunk), so a table that every other
table references (``organizations``) draws one line down the picture rather than fifty. Coordinates are inches and every box is sized from its rendered label, so labels cannot
overlap, whatever the schema's size; the figure is sized from the widest row.

Boxes are measured with matplotlib's Agg renderer (DejaVu Sans at 100 dpi, bundled with matplotlib),
so a layout is the same on every machine; :mod:`schemalens.present.plot` draws it.
"""

from __future__ import annotations

import math
from bisect import bisect_right, insort
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import networkx as nx
from matplotlib.backends.backend_agg import RendererAgg
from matplotlib.font_manager import FontProperties

from schemalens.core.model import unqualify

DPI = 100
FONT = FontProperties(family="DejaVu Sans", size=9)
PAD_X, PAD_Y = 0.08, 0.06          # inside a box, inches
HGAP, DGAP = 0.22, 0.10            # between boxes / between edge bend points in a layer
VGAP = 0.75                        # between layers (and between the rows of a wrapped layer)


@dataclass(frozen=True)
class Layout:
    """Boxes and edges in inches: centres, box sizes, layer of each node, edge polylines child -> parent."""

    centres: dict[str, tuple[float, float]]
    sizes: dict[str, tuple[float, float]]
    layer: dict[str, int]
    edges: tuple[tuple[str, str, tuple[tuple[float, float], ...]], ...]
    width: float
    height: float


def _measure(labels: Mapping[str, str], font: FontProperties,
             bold: Iterable[str] = ()) -> dict[str, tuple[float, float]]:
    """Box size (inches) of each label as the Agg renderer draws it; one height for all boxes."""
    renderer = RendererAgg(1, 1, DPI)
    heavy = font.copy()
    heavy.set_weight("bold")
    bold = set(bold)
    _, h, d = renderer.get_text_width_height_descent("Ag|", heavy, ismath=False)
    height = (h + d) / DPI + 2 * PAD_Y
    return {n: (renderer.get_text_width_height_descent(s, heavy if n in bold else font, ismath=False)[0] / DPI
                + 2 * PAD_X, height) for n, s in labels.items()}


def depths(g: nx.DiGraph) -> dict[str, int]:
    """Longest path up to a node without parents; the members of an FK cycle share one depth."""
    cond = nx.condensation(g)
    depth: dict[int, int] = {}
    for c in reversed(list(nx.topological_sort(cond))):
        depth[c] = 1 + max((depth[p] for p in cond.successors(c)), default=-1)
    return {n: depth[c] for n, c in cond.graph["mapping"].items()}


def _crossings(layers: list[list[str]], down: dict[str, list[str]], pos: dict[str, int]) -> int:
    total = 0
    for layer in layers[:-1]:
        seen: list[int] = []
        for _, b in sorted((pos[a], pos[b]) for a in layer for b in down[a]):
            total += len(seen) - bisect_right(seen, b)
            insort(seen, b)
    return total


def _isotonic(values: list[float], weights: list[float]) -> list[float]:
    """Pool adjacent violators: the non-decreasing sequence closest to ``values`` (weighted squares)."""
    blocks: list[list[float]] = []
    for v, w in zip(values, weights):
        blocks.append([v, w, 1])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            v2, w2, c2 = blocks.pop()
            v1, w1, c1 = blocks.pop()
            blocks.append([(v1 * w1 + v2 * w2) / (w1 + w2), w1 + w2, c1 + c2])
    return [v for v, _, c in blocks for _ in range(int(c))]


def _layers(g: nx.DiGraph, depth: dict[str, int], row: dict[str, int] | None = None):
    """Nodes by row (``row``, default: the depth), with a bend point in every row an edge crosses;
    neighbours above and below.

    Returns ``(layers, up, down, chains)``; a chain is an edge's path child, bend points..., parent.
    Edges inside one layer (FK cycles, same depth) get no bend points and take no part in the ordering.
    """
    row = depth if row is None else row
    layers: list[list[str]] = [[] for _ in range(max(row.values(), default=-1) + 1)]
    for n in sorted(g, key=lambda n: (g.degree(n) == 0, n)):
        layers[row[n]].append(n)
    up: dict[str, list[str]] = {n: [] for n in g}
    down: dict[str, list[str]] = {n: [] for n in g}
    chains: list[tuple[str, str, list[str]]] = []
    for u, v in g.edges():
        same = depth[u] == depth[v]
        # edges to one parent share their bend points: one trunk per parent, not one line per child
        bends = [] if same else [(d, f"\0{v}\0{d}") for d in range(row[u] - 1, row[v], -1)]
        chain = [u, *(b for _, b in bends), v]
        chains.append((u, v, chain))
        if same:
            continue
        for d, node in bends:
            if node not in up:
                layers[d].append(node)
                up[node], down[node] = [], []
        for child, parent in zip(chain, chain[1:]):
            if parent not in up[child]:
                up[child].append(parent)
                down[parent].append(child)
    return layers, up, down, chains


def _order(layers: list[list[str]], up: dict, down: dict, sweeps: int) -> list[list[str]]:
    """Barycenter heuristic: sweeps down and up, each node to the mean place of its neighbours; best kept."""
    layers = [list(layer) for layer in layers]
    pos = {n: i for layer in layers for i, n in enumerate(layer)}

    def reorder(layer: list[str], nbrs: dict[str, list[str]]) -> list[str]:
        key = {n: (sum(pos[m] for m in nbrs[n]) / len(nbrs[n]) if nbrs[n] else pos[n], pos[n]) for n in layer}
        out = sorted(layer, key=key.__getitem__)
        pos.update({n: i for i, n in enumerate(out)})
        return out

    best, best_count = [list(layer) for layer in layers], _crossings(layers, down, pos)
    for _ in range(sweeps):
        for i in range(1, len(layers)):
            layers[i] = reorder(layers[i], up)
        for i in range(len(layers) - 2, -1, -1):
            layers[i] = reorder(layers[i], down)
        count = _crossings(layers, down, pos)
        if count < best_count:
            best, best_count = [list(layer) for layer in layers], count
    return best


def _offsets(layers: list[list[str]], width: dict[str, float]) -> list[list[float]]:
    """Least distance of each node from its layer's first one: half a box and half a gap on either side."""
    offsets = []
    for layer in layers:
        o, acc = [], 0.0
        for j, n in enumerate(layer):
            if j:
                acc += sum(width[m] / 2 + HGAP / 2 if width[m] else DGAP / 2 for m in (layer[j - 1], n))
            o.append(acc)
        offsets.append(o)
    return offsets


def _wrap(layers: list[list[str]], width: dict[str, float], max_width: float) -> dict[str, int]:
    """The row of each table: a layer wider than ``max_width`` deals its tables (in order) over k rows."""
    row, at = {}, 0
    for layer in layers:
        real = [n for n in layer if width[n] > 0]
        natural = sum(width[n] + HGAP for n in real)
        k = max(1, min(len(real), math.ceil(natural / max_width))) if real else 1
        for j, n in enumerate(real):
            row[n] = at + j % k
        at += k
    return row


def _x(layers: list[list[str]], up: dict, down: dict, offsets: list[list[float]], bends: set[str],
       sweeps: int, width: dict[str, float], max_width: float) -> dict[str, float]:
    """x of every node: over the mean of its neighbours, order and distances kept (isotonic regression),
    every layer kept within ``max_width`` around 0 when it fits (so the picture is no wider)."""
    x = {n: offsets[i][j] - offsets[i][-1] / 2 for i, layer in enumerate(layers) for j, n in enumerate(layer)}

    def place(i: int, *neighbours: dict[str, list[str]]) -> None:
        want = []
        for n in layers[i]:
            m = [p for nbrs in neighbours for p in nbrs[n]]
            want.append(sum(x[p] for p in m) / len(m) if m else x[n])
        weights = [4.0 if n in bends else 1.0 for n in layers[i]]  # long edges stay straight
        ys = _isotonic([w - o for w, o in zip(want, offsets[i])], weights)
        first, last = layers[i][0], layers[i][-1]
        lo, hi = -max_width / 2 + width[first] / 2, max_width / 2 - offsets[i][-1] - width[last] / 2
        if lo > hi:  # wider than max_width: centred
            lo = hi = -(offsets[i][-1] + width[last] / 2 - width[first] / 2) / 2
        ys = [min(max(y, lo), hi) for y in ys]
        x.update({n: y + o for n, y, o in zip(layers[i], ys, offsets[i])})

    for _ in range(sweeps):
        for i in range(1, len(layers)):
            place(i, up)
        for i in range(len(layers) - 2, -1, -1):
            place(i, down)
    for i in range(len(layers)):
        place(i, up, down)
    return x


def _y(layers: list[list[str]], box_h: float) -> dict[str, float]:
    """y of every node: one band per row from the top down, bend points mid-band."""
    return {n: -i * (box_h + VGAP) for i, layer in enumerate(layers) for n in layer}


def hierarchy_layout(graph: nx.DiGraph, labels: Mapping[str, str] | None = None, bold: Iterable[str] = (),
                     font: FontProperties = FONT, max_width: float = 22.0, sweeps: int = 8) -> Layout:
    """Place every node of a child -> parent graph in layers by depth, roots on top (y grows upwards).

    >>> lay = hierarchy_layout(nx.DiGraph([("c", "b"), ("b", "a"), ("d", "a")]))
    >>> [lay.layer[n] for n in "abcd"], lay.centres["a"][1] > lay.centres["b"][1] > lay.centres["c"][1]
    ([0, 1, 2, 1], True)
    """
    g = nx.DiGraph()
    g.add_nodes_from(sorted(graph))
    g.add_edges_from(sorted({(u, v) for u, v in graph.edges() if u != v}))
    size = _measure({n: (labels or {}).get(n, unqualify(n)) for n in g}, font, bold)
    box_h = next(iter(size.values()))[1] if size else 0.0
    depth = depths(g)
    layers, up, down, chains = _layers(g, depth)
    by_depth = _order(layers, up, down, sweeps)
    natural = {n: size[n][0] if n in size else 0.0 for layer in by_depth for n in layer}
    # a layer too wide wraps into rows; the rows' edges need bend points too, so narrower until it fits
    for share in (1.0, 0.85, 0.7, 0.55, 0.4):
        row = _wrap(by_depth, natural, share * max_width)
        if max(row.values(), default=0) + 1 > len(by_depth):  # some layer wraps: lay out the rows afresh
            layers, up, down, chains = _layers(g, depth, row)
            layers = _order(layers, up, down, sweeps)
        else:
            layers, up, down, chains = by_depth, *_layers(g, depth)[1:]
        width = {n: size[n][0] if n in size else 0.0 for layer in layers for n in layer}
        bends = {n for layer in layers for n in layer if n not in size}
        offsets = _offsets(layers, width)
        x, y = _x(layers, up, down, offsets, bends, sweeps, width, max_width), _y(layers, box_h)
        left = min((x[n] - width[n] / 2 for n in x), default=0.0)
        right = max((x[n] + width[n] / 2 for n in x), default=0.0)
        if right - left <= max_width + 1e-9:
            break
    bottom = min((y[n] - box_h / 2 for n in size), default=0.0)
    at = {n: (x[n] - left, y[n] - bottom) for n in x}

    # Edges leave a box's top (to parents) and enter a box's bottom (from children) at ports spread
    # along the side in the order of where they go, so arrowheads do not pile up.
    def ports(node: str, ends: list[str]) -> dict[str, float]:
        span = min(width[node] * 0.3, 0.07 * (len(ends) - 1))
        order = sorted(ends, key=lambda t: (at[t][0], t))
        step = 2 * span / (len(order) - 1) if len(order) > 1 else 0.0
        return {t: at[node][0] - span + j * step for j, t in enumerate(order)}

    crossing = [(u, v, chain) for u, v, chain in chains if depth[u] != depth[v]]
    out_ports = {n: ports(n, [c[1] for u, _, c in crossing if u == n]) for n in size}
    in_ports = {n: ports(n, [c[-2] for _, v, c in crossing if v == n]) for n in size}
    edges = []
    for u, v, chain in sorted(chains, key=lambda c: (c[0], c[1])):
        if depth[u] == depth[v]:
            edges.append((u, v, (at[u], at[v])))
            continue
        pts = [(out_ports[u][chain[1]], at[u][1] + box_h / 2), *(at[b] for b in chain[1:-1]),
               (in_ports[v][chain[-2]], at[v][1] - box_h / 2)]
        edges.append((u, v, tuple(pts)))
    top = max((y[n] + box_h / 2 for n in size), default=0.0)
    return Layout({n: at[n] for n in size}, dict(size), {n: depth[n] for n in size}, tuple(edges),
                  right - left, top - bottom)


__all__ = ["DPI", "FONT", "Layout", "depths", "hierarchy_layout"]
