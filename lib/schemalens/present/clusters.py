"""Large schemas in pieces a person can read: clusters of tables, the graph between them, a default focus.

A table's *nearest parent* is the parent it hangs from most closely (the deepest one; a table in an FK
cycle takes a parent above the cycle, if any). Following nearest parents gives a forest, and a cluster
is a subtree of it: one root's tables, or, where a subtree has more than ``max_size`` tables, the
subtrees of its larger children each become clusters of their own (recursively) and the table keeps
itself and its small children's subtrees. A table with more direct children than fit in one cluster
keeps them in several parts (``customers (2/3)``). External tables (``auth.users``: referenced, not
created) are clusters of their own, so an app's hundred tables under ``auth.users`` are split by
what they hang from next. Tables without any foreign key, either way, share one cluster (``LONE``).

:func:`cluster_graph` is the overview: one node per cluster with its counts, one edge per pair of
clusters with the number of foreign keys between them. :func:`most_referenced` names the tables no
picture folds away; :func:`default_focus` picks the table a focus view starts from.

>>> g = nx.DiGraph([("b", "a"), ("c", "a"), ("d", "c"), ("e", "c")])
>>> [(c.name, c.tables) for c in clusters(g, max_size=3)]
[('c', ('c', 'd', 'e')), ('a', ('a', 'b'))]
>>> most_referenced(g, 1), default_focus(g), default_focus(g, root="c")
(['a'], 'a', 'c')
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import networkx as nx

from schemalens.core.model import qualify, unqualify
from schemalens.present.layout import depths

MAX_SIZE = 24     # tables in one cluster picture at full detail, readable at notebook width
MIN_SPLIT = 3     # a child's subtree smaller than this stays in its parent's cluster
LONE = ""         # the name of the cluster of tables without any foreign key, either way


@dataclass(frozen=True)
class Cluster:
    """A set of tables drawn together: ``name`` is the table at its top (``part`` of ``parts``)."""

    name: str
    tables: tuple[str, ...]
    part: int = 1
    parts: int = 1
    below: bool = False  # the small subtrees that hang from an external table ``name``

    @property
    def label(self) -> str:
        """What a picture calls it: the top table's name, unqualified, and the part if split."""
        base = ("under " if self.below else "") + unqualify(self.name) if self.name != LONE else \
            "no foreign keys"
        return base if self.parts == 1 else f"{base} ({self.part}/{self.parts})"

    @property
    def key(self) -> str:
        base = self.name + ("#below" if self.below else "")
        return base if self.parts == 1 else f"{base}#{self.part}"


def nearest_parents(g: nx.DiGraph) -> dict[str, str]:
    """Each table's nearest parent (the deepest; never one in the same FK cycle); roots have none."""
    depth = depths(g)
    out = {}
    for n in g:
        parents = [p for p in g.successors(n) if p != n and depth[p] < depth[n]]
        if parents:
            out[n] = max(parents, key=lambda p: (depth[p], g.in_degree(p), p))
    return out


def clusters(g: nx.DiGraph, max_size: int = MAX_SIZE) -> list[Cluster]:
    """The tables of a child -> parent graph in clusters of at most ``max_size`` (see the module)."""
    parent = nearest_parents(g)
    children: dict[str, list[str]] = {n: [] for n in g}
    for c, p in parent.items():
        children[p].append(c)
    size: dict[str, int] = {}

    def subtree(x: str) -> list[str]:
        out, todo = [], [x]
        while todo:
            n = todo.pop()
            out.append(n)
            todo.extend(children[n])
        return sorted(out)

    for n in reversed(list(nx.topological_sort(nx.DiGraph([(p, c) for c, p in parent.items()])))):
        size[n] = 1 + sum(size[c] for c in children[n])
    for n in g:
        size.setdefault(n, 1)

    external = {n for n in g if g.nodes[n].get("external")}
    found: list[Cluster] = []

    def split(x: str) -> None:
        if size[x] <= max_size and x not in external:
            found.append(Cluster(x, tuple(subtree(x))))
            return
        own = [x] if x not in external else []
        rest = [x] if x in external else []
        for c in sorted(children[x]):
            if size[c] >= MIN_SPLIT or c in external or size[c] > max_size:
                split(c)
            else:
                own += subtree(c)
        if x in external:
            found.append(Cluster(x, tuple(rest)))
            if own:
                found.extend(_parts(x, sorted(own), max_size, below=True))
            return
        found.extend(_parts(x, [x, *sorted(set(own) - {x})], max_size))

    alone = sorted(n for n in g if not any(m != n for m in nx.all_neighbors(g, n)))
    for root in sorted(n for n in g if n not in parent and n not in alone):
        split(root)
    if alone:
        found.extend(_parts(LONE, alone, max_size))
    return sorted(found, key=lambda c: (c.name == LONE, -len(c.tables), c.name, c.part))


def _parts(name: str, tables: list[str], max_size: int, below: bool = False) -> list[Cluster]:
    """``tables`` (the top one first) in parts of at most ``max_size`` tables each."""
    chunks = [tables[i:i + max_size] for i in range(0, len(tables), max_size)]
    return [Cluster(name, tuple(sorted(c)), i, len(chunks), below) for i, c in enumerate(chunks, 1)]


def membership(found: Iterable[Cluster]) -> dict[str, Cluster]:
    """The cluster of each table."""
    return {t: c for c in found for t in c.tables}


def cluster_graph(g: nx.DiGraph, found: list[Cluster]) -> nx.DiGraph:
    """One node per cluster (``tables``, ``fks`` inside, ``external``), edges child -> parent with ``count``."""
    where = membership(found)
    d = nx.DiGraph()
    for c in found:
        d.add_node(c.key, cluster=c, tables=len(c.tables), fks=0,
                   external=all(g.nodes[t].get("external") for t in c.tables), self_ref=False)
    for u, v in g.edges():
        a, b = where[u].key, where[v].key
        if a == b:
            d.nodes[a]["fks"] += 1
        elif d.has_edge(a, b):
            d[a][b]["count"] += 1
        else:
            d.add_edge(a, b, count=1)
    return d


def most_referenced(g: nx.DiGraph, k: int) -> list[str]:
    """The ``k`` tables (not external) that the most foreign keys point at, most first."""
    counts = {n: sum(1 for c in g.predecessors(n) if c != n) for n in g if not g.nodes[n].get("external")}
    ranked = sorted((n for n, c in counts.items() if c), key=lambda n: (-counts[n], n))
    return ranked[:k]


def default_focus(g: nx.DiGraph, root: str | None = None, wanted: str | None = None) -> str | None:
    """Where a focus view starts: ``wanted`` if the schema has it, else the manifest's ``root`` if it
    does, else the most referenced table (``None`` for a schema without tables)."""
    for name in (wanted, root):
        for n in (name, name and qualify(name)):
            if n and n in g:
                return n
    top = most_referenced(g, 1)
    if top:
        return top[0]
    tables = sorted(n for n in g if not g.nodes[n].get("external"))
    return tables[0] if tables else None


def focus_table(g: nx.DiGraph, manifest: str | Path | None = None, wanted: str | None = None) -> str | None:
    """:func:`default_focus` with the root of the manifest at ``manifest`` (if that file exists)."""
    root = None
    if manifest is not None and Path(manifest).is_file():
        from schemalens.read.manifest import load_manifest

        found = load_manifest(manifest).root
        root = found.table if found is not None else None
    return default_focus(g, root, wanted)


def counts_label(node: Mapping) -> str:
    """A cluster box's text: its name and how many tables (and foreign keys inside) it holds.

    >>> counts_label({"cluster": Cluster("public.plans", ("public.plans", "public.charges")), "fks": 1})
    'plans: 2 tables, 1 FK'
    """
    c: Cluster = node["cluster"]
    if node.get("external"):
        return f"{c.label} (external)"
    fks = f", {node['fks']} FK{'s' if node['fks'] != 1 else ''}" if node.get("fks") else ""
    return f"{c.label}: {len(c.tables)} table{'s' if len(c.tables) != 1 else ''}{fks}"


__all__ = [
    "LONE",
    "MAX_SIZE",
    "Cluster",
    "cluster_graph",
    "clusters",
    "counts_label",
    "default_focus",
    "focus_table",
    "membership",
    "most_referenced",
    "nearest_parents",
]
