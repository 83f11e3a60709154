"""Writers: the schema as graph JSON, Mermaid and DOT, and Markdown for Jupyter.

The graph JSON is the contract ``schemalens graph --format json`` gives (ARCHITECTURE.md):
tables, foreign_keys, policies and every statement that was not understood.
"""

from __future__ import annotations

import json

from schemalens.graph import build_graph, coverage_totals
from schemalens.model import Schema, Unparsed


def _unparsed(u: Unparsed) -> dict:
    return {"source": str(u.source), "statement": u.statement, "reason": u.reason}


def graph_dict(schema: Schema) -> dict:
    return {
        "tables": [{"name": t.name,
                    "columns": [{"name": c.name, "type": c.type, "nullable": c.nullable} for c in t.columns],
                    "primary_key": list(t.primary_key), "rls_enabled": t.rls_enabled, "source": str(t.source)}
                   for t in schema.tables],
        "foreign_keys": [{"table": fk.table, "columns": list(fk.columns), "ref_table": fk.ref_table,
                          "ref_columns": list(fk.ref_columns), "name": fk.name, "on_delete": fk.on_delete,
                          "on_update": fk.on_update, "source": str(fk.source)} for fk in schema.foreign_keys],
        "policies": [{"table": p.table, "name": p.name, "command": p.command, "roles": list(p.roles),
                      "using": p.using, "with_check": p.with_check, "source": str(p.source)}
                     for p in schema.policies],
        "unparsed": [_unparsed(u) for u in schema.unparsed],
        "not_analysed": [_unparsed(u) for u in schema.not_analysed],
        "warnings": [_unparsed(u) for u in schema.warnings],
        "coverage": coverage_totals(schema),
    }


def graph_json(schema: Schema) -> str:
    return json.dumps(graph_dict(schema), indent=2, ensure_ascii=False) + "\n"


def _node_id(name: str) -> str:
    return name.replace(".", "__").replace('"', "").replace(" ", "_")


def mermaid(schema: Schema) -> str:
    """A Mermaid flowchart, parents on top: ``child --> parent`` per foreign key."""
    g = build_graph(schema)
    lines = ["flowchart BT"]
    for n in sorted(g):
        style = ":::external" if g.nodes[n].get("external") else ""
        lines.append(f'  {_node_id(n)}["{n}"]{style}')
    for u, v, data in sorted(g.edges(data=True), key=lambda e: (e[0], e[1], e[2]["name"])):
        lines.append(f'  {_node_id(u)} -->|{",".join(data["columns"])}| {_node_id(v)}')
    lines.append("  classDef external stroke-dasharray: 5 5")
    return "\n".join(lines) + "\n"


def dot(schema: Schema) -> str:
    g = build_graph(schema)
    lines = ["digraph schema {", "  rankdir=BT;", "  node [shape=box];"]
    for n in sorted(g):
        style = ', style=dashed' if g.nodes[n].get("external") else ""
        lines.append(f'  "{n}" [label="{n}"{style}];')
    for u, v, data in sorted(g.edges(data=True), key=lambda e: (e[0], e[1], e[2]["name"])):
        lines.append(f'  "{u}" -> "{v}" [label="{",".join(data["columns"])}", tooltip="{data["name"]}"];')
    lines.append("}")
    return "\n".join(lines) + "\n"


def schema_markdown(schema: Schema) -> str:
    """A short Markdown summary of a schema (what Jupyter shows for a Schema)."""
    totals = coverage_totals(schema)
    rows = ["| table | columns | primary key | foreign keys | RLS | policies | defined at |",
            "|---|---|---|---|---|---|---|"]
    for t in schema.tables:
        fks = ", ".join(f"{','.join(fk.columns)} → {fk.ref_table}" for fk in schema.foreign_keys_from(t.name))
        rows.append(f"| `{t.name}` | {len(t.columns)} | {', '.join(t.primary_key)} | {fks} | "
                    f"{'on' if t.rls_enabled else 'off'} | {len(schema.policies_on(t.name))} | {t.source} |")
    head = (f"**Schema**: {len(schema.tables)} tables, {len(schema.foreign_keys)} foreign keys, "
            f"{len(schema.policies)} policies. Statements: {totals['understood']} understood, "
            f"{totals['not analysed']} not analysed, {totals['unparsed']} unparsed.\n\n")
    return head + "\n".join(rows) + "\n"
