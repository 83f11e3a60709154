"""Schema -> networkx ``MultiDiGraph`` of foreign keys, and questions about the hierarchy.

Edges go from child to parent, one per foreign key, keyed by constraint name and carrying its
columns, referenced columns, actions and source. Tables the migrations reference but never create
(``auth.users``) are nodes with ``external=True``. Every node has a ``kind``: ``table``, or ``view`` /
``materialized view`` (with the tables and views it ``reads``; no edges, so hierarchies are the tables').

>>> from schemalens.core.model import ForeignKey, Schema, Table
>>> s = Schema(tables=(Table("public.a"), Table("public.b"), Table("public.c")),
...            foreign_keys=(ForeignKey("b_a_fkey", "public.b", ("a_id",), "public.a", ("id",)),
...                          ForeignKey("c_b_fkey", "public.c", ("b_id",), "public.b", ("id",))))
>>> g = build_graph(s)
>>> roots(g), paths_to_root(g, "c")
(['public.a'], [['public.c', 'public.b', 'public.a']])
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from schemalens.core.model import Schema, qualify

if TYPE_CHECKING:  # imported where a graph is built: the graph JSON (coverage) needs no networkx, 0.1 s
    import networkx as nx


def build_graph(schema: Schema) -> nx.MultiDiGraph:
    import networkx as nx

    g = nx.MultiDiGraph()
    policies = Counter(p.table for p in schema.policies)
    for t in schema.tables:
        g.add_node(t.name, external=False, rls_enabled=t.rls_enabled, source=str(t.source),
                   columns=len(t.columns), policies=policies[t.name], exposed=bool(t.api_access), kind="table")
    for v in schema.views:
        g.add_node(v.name, external=False, rls_enabled=False, source=str(v.source), columns=len(v.columns),
                   policies=0, kind="materialized view" if v.materialized else "view", reads=v.reads,
                   security_invoker=v.security_invoker)
    for fk in schema.foreign_keys:
        for node in (fk.table, fk.ref_table):
            if node not in g:
                g.add_node(node, external=True, rls_enabled=False, source="", columns=0, policies=0, kind="table")
        g.add_edge(fk.table, fk.ref_table, key=fk.name, name=fk.name, columns=fk.columns,
                   ref_columns=fk.ref_columns, on_delete=fk.on_delete, on_update=fk.on_update,
                   validated=fk.validated, source=str(fk.source))
    return g


def _parents(g: nx.MultiDiGraph, node: str, include_external: bool = True) -> list[str]:
    return sorted({p for p in g.successors(node)
                   if p != node and (include_external or not g.nodes[p].get("external"))})


def roots(g: nx.MultiDiGraph, include_external: bool = False) -> list[str]:
    """Tables that others reference and that reference no other table: the tops of hierarchies.

    Without ``include_external``, a foreign key to a table the migrations never create
    (``auth.users``) does not make a table a child: a tenant table keyed by its owner is a root.
    """
    return sorted(n for n in g if not _parents(g, n, include_external) and any(c != n for c in g.predecessors(n))
                  and (include_external or not g.nodes[n].get("external")))


def paths_to_root(g: nx.MultiDiGraph, table: str, include_external: bool = True) -> list[list[str]]:
    """Every simple FK path from ``table`` up to a table with no parent (shortest first)."""
    table = qualify(table)
    if table not in g:
        return []
    out: list[list[str]] = []

    def walk(path: list[str]) -> None:
        parents = [p for p in _parents(g, path[-1]) if p not in path]
        if not parents:
            if len(path) > 1 and (include_external or not g.nodes[path[-1]].get("external")):
                out.append(path)
            return
        for p in parents:
            walk(path + [p])

    walk([table])
    return sorted(out, key=lambda p: (len(p), p))


def reaches(g: nx.MultiDiGraph, table: str) -> set[str]:
    """Every table reachable from ``table`` by following foreign keys upwards."""
    import networkx as nx

    table = qualify(table)
    return set(nx.descendants(g, table)) if table in g else set()


def descendants_of(g: nx.MultiDiGraph, table: str) -> set[str]:
    """Every table whose rows hang under ``table`` through foreign keys."""
    import networkx as nx

    table = qualify(table)
    return set(nx.ancestors(g, table)) if table in g else set()


def cycles(g: nx.MultiDiGraph) -> list[list[str]]:
    """FK cycles between distinct tables (self-references are listed by :func:`self_references`)."""
    import networkx as nx

    simple = nx.DiGraph((u, v) for u, v in g.edges() if u != v)
    return sorted(sorted(c) for c in nx.simple_cycles(simple))


def self_references(g: nx.MultiDiGraph) -> list[str]:
    return sorted({u for u, v in g.edges() if u == v})


def coverage(schema: Schema) -> dict[str, dict[str, int]]:
    """Statements by kind and status (understood / not analysed / unparsed)."""
    out: dict[str, Counter] = {}
    for (kind, status), n in schema.coverage:
        out.setdefault(kind, Counter())[status] += n
    return {k: dict(v) for k, v in sorted(out.items())}


def coverage_totals(schema: Schema) -> dict[str, int]:
    totals: Counter = Counter({"understood": 0, "not analysed": 0, "unparsed": 0})
    for (_, status), n in schema.coverage:
        totals[status] += n
    return dict(totals)
