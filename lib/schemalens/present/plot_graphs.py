"""The graphs the pictures of :mod:`schemalens.present.plot` draw: the foreign-key hierarchy of the tables (views
left out), without parallel edges or self-loops, with leaf tables folded into "+N tables" boxes until a
picture has at most ``max_nodes`` boxes, and the boxes' labels."""

from __future__ import annotations

from collections.abc import Iterable

import networkx as nx

from schemalens.core.model import Schema, unqualify
from schemalens.present.layout import depths
from schemalens.read.graph import build_graph


def _as_graph(schema_or_graph: Schema | nx.DiGraph) -> nx.DiGraph:
    """The graph to draw: the foreign-key hierarchy, so tables only (views are nodes of the graph too)."""
    g = build_graph(schema_or_graph) if isinstance(schema_or_graph, Schema) else schema_or_graph
    views = {n for n in g if g.nodes[n].get("kind", "table") != "table"}
    return g.subgraph(set(g) - views) if views else g


def _simple(g: nx.DiGraph, nodes: Iterable[str]) -> nx.DiGraph:
    """The induced child -> parent graph without parallel edges (``count``) or self-loops (``self_ref``)."""
    nodes = set(nodes)
    d = nx.DiGraph()
    for n in sorted(nodes):
        d.add_node(n, **{**g.nodes[n], "self_ref": g.has_edge(n, n)})
    for u, v in g.edges():
        if u in nodes and v in nodes and u != v:
            if d.has_edge(u, v):
                d[u][v]["count"] += 1
            else:
                d.add_edge(u, v, count=1)
    return d


def _collapse(d: nx.DiGraph, keep: set[str], max_nodes: int) -> nx.DiGraph:
    """Fold tables into "+N tables" boxes, bottom up, until at most ``max_nodes`` boxes remain.

    First leaves (tables nothing references) with exactly the same parents (or none), largest groups
    first; every edge stays true. Then, deepest first, everything that hangs below a table through each
    table's nearest parent (its deepest one) becomes one group under that table; a group keeps only
    that edge (its members' other foreign keys are not drawn) and what referenced a member now points
    at the group. Tables in ``keep`` and external tables are never folded.
    """
    d = d.copy()
    depth = depths(d)
    nearest = {n: max(d.successors(n), key=lambda p: (depth[p], p)) for n in d if d.out_degree(n)}
    inside: dict[str, str] = {}
    counter = 0

    def visible(n: str | None) -> str | None:
        while n is not None and n not in d:
            n = inside.get(n)
        return n

    def fold(nodes: list[str], parent: str | None = None) -> None:
        nonlocal counter
        counter += 1
        name, group = f"+group {counter}", set(nodes)
        outs: dict[str, int] = {}
        ins: dict[str, int] = {}
        for n in nodes:
            for p in d.successors(n):
                if p not in group and parent in (None, p):
                    outs[p] = outs.get(p, 0) + d[n][p]["count"]
            for c in d.predecessors(n):
                if c not in group:
                    ins[c] = ins.get(c, 0) + d[c][n]["count"]
        members = sorted(m for n in nodes for m in d.nodes[n].get("members", [n]))
        d.remove_nodes_from(nodes)
        d.add_node(name, group=True, members=members, external=False, self_ref=False)
        d.add_edges_from((name, p, {"count": k}) for p, k in sorted(outs.items()))
        d.add_edges_from((c, name, {"count": k}) for c, k in sorted(ins.items()))
        inside.update((n, name) for n in nodes)
        nearest[name] = parent if parent is not None else visible(nearest.get(nodes[0]))

    def movable(n: str) -> bool:
        return n not in keep and not d.nodes[n].get("external")

    buckets: dict[tuple[str, ...], list[str]] = {}
    for n in sorted(d):
        if movable(n) and d.in_degree(n) == 0:
            buckets.setdefault(tuple(sorted(d.successors(n))), []).append(n)
    for _, nodes in sorted(buckets.items(), key=lambda b: (-len(b[1]), b[0])):
        if len(d) <= max_nodes or len(nodes) < 2:
            break
        fold(nodes)

    while len(d) > max_nodes:
        children: dict[str, list[str]] = {}
        for n in sorted(d):
            p = visible(nearest.get(n))
            if p is not None and movable(n):
                children.setdefault(p, []).append(n)

        def below(x: str) -> list[str]:
            out, todo = [], list(children.get(x, ()))
            while todo:
                n = todo.pop()
                out.append(n)
                todo.extend(children.get(n, ()))
            return sorted(out)

        level = depths(d)
        options = [(level[x], len(b), x, b) for x in sorted(children) if len(b := below(x)) >= 2]
        if not options:
            break
        _, _, x, nodes = max(options)
        fold(nodes, parent=x)
    return d


def _labels(d: nx.DiGraph) -> dict[str, str]:
    out = {}
    for n in d:
        if d.nodes[n].get("group"):
            k = len(d.nodes[n]["members"])
            out[n] = f"+{k} tables" + ("" if d.out_degree(n) else " without foreign keys")
        else:
            out[n] = unqualify(n) + (" \u21ba" if d.nodes[n].get("self_ref") else "")
    return out
