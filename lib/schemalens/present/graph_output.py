"""The schema as a graph: JSON (the contract of ``schemalens graph --format json``), Mermaid and DOT.

Apart from :mod:`schemalens.present.report` (which re-exports these), so that ``schemalens graph`` imports
only what it prints with: no findings, manifest, parser or sqlglot; networkx only for Mermaid and DOT
(``tests/test_cache.py``). The graph JSON (docs/architecture.md) has tables, foreign_keys,
policies, views and every statement that was not understood.

>>> from schemalens.core.model import Schema, Table
>>> print(mermaid(Schema(tables=(Table("public.a"),))), end="")
flowchart BT
  public__a["public.a"]
  classDef external stroke-dasharray: 5 5
"""

from __future__ import annotations

import json

from schemalens.core.model import Schema, Unparsed
from schemalens.core.names import dot_string, mermaid_id, mermaid_label
from schemalens.read.graph import build_graph, coverage_totals


def _unparsed(u: Unparsed) -> dict:
    return {"source": str(u.source), "statement": u.statement, "reason": u.reason}


def graph_dict(schema: Schema) -> dict:
    return {
        "tables": [
            {
                "name": t.name,
                "columns": [{"name": c.name, "type": c.type, "nullable": c.nullable} for c in t.columns],
                "primary_key": list(t.primary_key),
                "rls_enabled": t.rls_enabled,
                "source": str(t.source),
            }
            for t in schema.tables
        ],
        "foreign_keys": [
            {
                "table": fk.table,
                "columns": list(fk.columns),
                "ref_table": fk.ref_table,
                "ref_columns": list(fk.ref_columns),
                "name": fk.name,
                "on_delete": fk.on_delete,
                "on_update": fk.on_update,
                "source": str(fk.source),
            }
            for fk in schema.foreign_keys
        ],
        "policies": [
            {
                "table": p.table,
                "name": p.name,
                "command": p.command,
                "roles": list(p.roles),
                "using": p.using,
                "with_check": p.with_check,
                "source": str(p.source),
            }
            for p in schema.policies
        ],
        "views": [
            {
                "name": v.name,
                "materialized": v.materialized,
                "columns": [{"name": c.name, "type": c.type or None} for c in v.columns],  # None: not known statically
                "reads": list(v.reads),
                "security_invoker": v.security_invoker,
                "source": str(v.source),
            }
            for v in schema.views
        ],
        "unparsed": [_unparsed(u) for u in schema.unparsed],
        "not_analysed": [_unparsed(u) for u in schema.not_analysed],
        "warnings": [_unparsed(u) for u in schema.warnings],
        "coverage": coverage_totals(schema),
    } | ({"from_database": [{"kind": k, "name": n} for k, n in schema.from_database]} if schema.from_database else {})


def graph_json(schema: Schema) -> str:
    return json.dumps(graph_dict(schema), indent=2, ensure_ascii=False) + "\n"


def mermaid(schema: Schema) -> str:
    """A Mermaid flowchart, parents on top: ``child --> parent`` per foreign key."""
    g = build_graph(schema)
    lines = ["flowchart BT"]
    for n in sorted(g):
        style = ":::external" if g.nodes[n].get("external") else ""
        shape = "([{}])" if g.nodes[n]["kind"] != "table" else "[{}]"  # a view: a stadium
        lines.append(f"  {mermaid_id(n)}{shape.format(mermaid_label(n))}{style}")
    for u, v, data in sorted(g.edges(data=True), key=lambda e: (e[0], e[1], e[2]["name"])):
        lines.append(f"  {mermaid_id(u)} -->|{mermaid_label(','.join(data['columns']), bare=True)}| {mermaid_id(v)}")
    lines.append("  classDef external stroke-dasharray: 5 5")
    return "\n".join(lines) + "\n"


def dot(schema: Schema) -> str:
    g = build_graph(schema)
    lines = ["digraph schema {", "  rankdir=BT;", "  node [shape=box];"]
    for n in sorted(g):
        style = ", style=dashed" if g.nodes[n].get("external") else ""
        style += ", shape=ellipse" if g.nodes[n]["kind"] != "table" else ""  # a view
        lines.append(f"  {dot_string(n)} [label={dot_string(n)}{style}];")
    for u, v, data in sorted(g.edges(data=True), key=lambda e: (e[0], e[1], e[2]["name"])):
        label, tooltip = dot_string(",".join(data["columns"])), dot_string(data["name"] or "")
        lines.append(f"  {dot_string(u)} -> {dot_string(v)} [label={label}, tooltip={tooltip}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


__all__ = ["dot", "graph_dict", "graph_json", "mermaid"]
