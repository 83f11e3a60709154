"""Writers: the schema as graph JSON, Mermaid and DOT, and Markdown for Jupyter.

The graph JSON is the contract ``schemalens graph --format json`` gives (ARCHITECTURE.md):
tables, foreign_keys, policies and every statement that was not understood.
"""

from __future__ import annotations

import json
from pathlib import Path

from schemalens.graph import build_graph, coverage_totals
from schemalens.model import Schema, Unparsed


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
        lines.append(f"  {_node_id(u)} -->|{','.join(data['columns'])}| {_node_id(v)}")
    lines.append("  classDef external stroke-dasharray: 5 5")
    return "\n".join(lines) + "\n"


def dot(schema: Schema) -> str:
    g = build_graph(schema)
    lines = ["digraph schema {", "  rankdir=BT;", "  node [shape=box];"]
    for n in sorted(g):
        style = ", style=dashed" if g.nodes[n].get("external") else ""
        lines.append(f'  "{n}" [label="{n}"{style}];')
    for u, v, data in sorted(g.edges(data=True), key=lambda e: (e[0], e[1], e[2]["name"])):
        lines.append(f'  "{u}" -> "{v}" [label="{",".join(data["columns"])}", tooltip="{data["name"]}"];')
    lines.append("}")
    return "\n".join(lines) + "\n"


def schema_markdown(schema: Schema) -> str:
    """A short Markdown summary of a schema (what Jupyter shows for a Schema)."""
    totals = coverage_totals(schema)
    rows = [
        "| table | columns | primary key | foreign keys | RLS | policies | defined at |",
        "|---|---|---|---|---|---|---|",
    ]
    for t in schema.tables:
        fks = ", ".join(f"{','.join(fk.columns)} → {fk.ref_table}" for fk in schema.foreign_keys_from(t.name))
        rows.append(
            f"| `{t.name}` | {len(t.columns)} | {', '.join(t.primary_key)} | {fks} | "
            f"{'on' if t.rls_enabled else 'off'} | {len(schema.policies_on(t.name))} | {t.source} |"
        )
    head = (
        f"**Schema**: {len(schema.tables)} tables, {len(schema.foreign_keys)} foreign keys, "
        f"{len(schema.policies)} policies. Statements: {totals['understood']} understood, "
        f"{totals['not analysed']} not analysed, {totals['unparsed']} unparsed.\n\n"
    )
    return head + "\n".join(rows) + "\n"


# Findings: Markdown in the seed's shape --------------------------------------------------------------------
# (Findings come from schemalens.compare, imported lazily: compare imports nothing from here.)

STATUS = {
    "critical": "MAJOR SCHEMA CONFLICTS DISCOVERED",
    "warning": "SCHEMA DIFFERENCES FOUND",
    "info": "ASSUMPTIONS HOLD (notes only)",
    None: "ASSUMPTIONS HOLD",
}
ICON = {"critical": "❌", "warning": "⚠️", "info": "ℹ️", None: "✅"}
GENERAL = ("rls-disabled", "table-without-policy", "unindexed-foreign-key", "unreachable-from-root")
GROUP_TITLES = {
    "document-reference": "Planned documents use tables and columns that do not exist",
    "rls-disabled": "Row level security is off on exposed tables",
    "table-without-policy": "Tables with RLS on but no policy",
    "unindexed-foreign-key": "Foreign keys without an index",
    "unreachable-from-root": "Tables outside the tenant hierarchy",
    "missing-table": "Tables the plan assumes do not exist",
    "missing-foreign-key": "Foreign keys the plan relies on do not exist",
}
DECISION_TITLES = {
    "root-entity": "Root Tenant Entity",
    "user-mapping": "User Mapping",
    "proposed-hierarchy": "Hierarchy",
    "project-ref": "Migration Project",
    "rewrite-documents": "Planned Documents",
    "enable-rls": "Row Level Security",
    "add-policies": "Policies",
    "index-foreign-keys": "Foreign-Key Indexes",
}
MAX_EXCERPT_LINES = 16


def _s(name: str | None) -> str:
    return (name or "").removeprefix("public.")


def decision_title(decision: str, finding=None) -> str:
    """A heading for a decision id: the seed's names for known ids, ``Scope of `x``` for ``scope-of-x``.

    >>> decision_title("root-entity"), decision_title("scope-of-cartridges")
    ('Root Tenant Entity', 'Scope of `cartridges`')
    """
    if decision in DECISION_TITLES:
        return DECISION_TITLES[decision]
    if decision.startswith("foreign-key-") and finding is not None:
        return f"Foreign key `{_s(finding.subject)}`"
    for prefix, label in (
        ("scope-of-", "Scope of "),
        ("mapping-of-", "Mapping of "),
        ("foreign-key-", "Foreign key "),
    ):
        if decision.startswith(prefix):
            return label + f"`{decision[len(prefix) :]}`"
    return decision


def fk_column_name(schema: Schema, parent: str) -> str:
    """The column name this schema uses for FKs to ``parent`` (``agency_id`` for agencies), else a guess.

    >>> fk_column_name(Schema(), "public.companies"), fk_column_name(Schema(), "public.teams")
    ('company_id', 'team_id')
    """
    names = [
        fk.columns[0] for fk in schema.foreign_keys_to(parent) if len(fk.columns) == 1 and fk.table != parent
    ]
    if names:
        return max(sorted(set(names)), key=names.count)
    base = _s(parent).split(".")[-1]
    base = base[:-3] + "y" if base.endswith("ies") else base[:-1] if base.endswith("s") else base
    return f"{base}_id"


def _excerpt(ev, cited: list[int]) -> str:
    """The statement, shortened around the cited lines when long."""
    lines = ev.text.splitlines()
    start = ev.start or ev.line
    if len(lines) <= MAX_EXCERPT_LINES:
        return ev.text
    keep = {0, len(lines) - 1}
    for c in cited:
        keep.update(range(max(0, c - start - 1), min(len(lines), c - start + 2)))
    out, last = [], -1
    for i in sorted(keep):
        if i > last + 1:
            out.append("  ...")
        out.append(lines[i])
        last = i
    return "\n".join(out)


def _where(evidence) -> str:
    """``file: 1, 2; other: 3`` for a list of evidence."""
    files: dict[str, list[str]] = {}
    for e in evidence:
        files.setdefault(e.file, []).append(str(e.line))
    return "; ".join(f"`{f}`: {', '.join(dict.fromkeys(ls))}" for f, ls in files.items())


def _evidence_blocks(evidence, shown: set, limit: int) -> list[str]:
    """```sql blocks for migration excerpts (each statement once per report), then the rest listed."""
    by_statement: dict[tuple, list] = {}
    for ev in evidence:
        if ev.kind == "migration" and ev.text:
            by_statement.setdefault((ev.file, ev.start or ev.line), []).append(ev)
    blocks, rest, earlier = [], [], []
    for key, evs in by_statement.items():
        if key in shown:
            earlier += evs
        elif len(blocks) < limit:
            shown.add(key)
            cited = sorted({e.line for e in evs})
            notes = "; ".join(dict.fromkeys(e.note for e in evs if e.note))
            head = f"-- ACTUAL ({evs[0].file}:{', '.join(map(str, cited))})" + (f": {notes}" if notes else "")
            blocks.append(f"```sql\n{head}\n{_excerpt(evs[0], cited)}\n```")
        else:
            rest += evs
    listed = []
    if earlier:
        listed.append(
            "Shown above: " + "; ".join(f"`{e}`" + (f" {e.note}" if e.note else "") for e in earlier) + "."
        )
    if rest:
        items = [f"`{e}`" + (f" {e.note}" if e.note else "") for e in rest[:10]]
        listed.append(
            "Also at: " + "; ".join(items) + (f" and {len(rest) - 10} more" if len(rest) > 10 else "") + "."
        )
    manifest = [e for e in evidence if e.kind == "manifest"]
    if manifest:
        listed.append(
            f"Manifest (`{manifest[0].file}`): "
            + "; ".join(f"line {e.line} `{e.text}`" for e in manifest)
            + "."
        )
    docs = [e for e in evidence if e.kind == "document"]
    if docs:
        listed.append("Planned documents: " + _where(docs) + ".")
    return blocks + (["  \n".join(listed)] if listed else [])


def _impact(text: str) -> str:
    return f"**Impact:**\n{text}" if text.startswith("- ") else f"**Impact:** {text}"


def _options(f) -> str:
    return f"**Decision Required** (`{f.decision}`):\n" + "\n".join(f"- [ ] {o}" for o in f.options)


def _hierarchy_tree(f, schema: Schema) -> str:
    path, fks = f.data.get("path") or [], f.data.get("foreign_keys") or []
    if len(path) < 2:
        return ""
    lines = [_s(path[-1])]
    for depth, (table, fk) in enumerate(zip(reversed(path[:-1]), reversed(fks)), 1):
        note = f"FK: {', '.join(fk['columns'])}"
        if table == f.data.get("child"):
            note += f", NOT {fk_column_name(schema, f.data['parent_actual'])}!"
        lines.append("    " * depth + f"└── {_s(table)} ({note})")
    return "```\n" + "\n".join(lines) + "\n```"


def finding_markdown(
    f,
    n: int | None = None,
    shown: set | None = None,
    schema: Schema | None = None,
    decision: bool = True,
    limit: int = 2,
) -> str:
    """One finding as a section: assumed / actual, the SQL with file:line, impact and the decision."""
    shown = set() if shown is None else shown
    parts = [
        ("## Finding {}: ".format(n) if n else "### ") + f.title,
        f"**Manifest Assumed:** {f.assumed}  \n**Actual:** {f.actual}",
        *_evidence_blocks(f.evidence, shown, limit),
    ]
    if f.code == "hierarchy-mismatch":
        parts.append(_hierarchy_tree(f, schema or Schema()))
    parts.append(_impact(f.impact))
    if f.data.get("verification_sql"):
        parts.append(
            f"**Verification Needed:**\n```sql\n-- Run against {f.data['expected']}\n"
            f"{f.data['verification_sql']}\n```"
        )
    if decision:
        parts.append(_options(f))
    return "\n\n".join(p for p in parts if p) + "\n"


def _also(f, shown: set) -> str:
    limit = 0 if f.code == "unreachable-from-root" else 1  # its evidence is only the tables' definitions
    return "\n\n".join(
        [
            f"**Also ({f.code}, {f.severity}): {f.title}**  \n**Actual:** {f.actual}",
            *_evidence_blocks(f.evidence, shown, limit),
            _impact(f.impact),
        ]
    )


def _table_section(n: int, group) -> str:
    rows = ["| # | Finding | Where | Actual | Severity |", "|---|---|---|---|---|"]
    for i, f in enumerate(group, 1):
        rows.append(
            f"| {n}.{i} | {f.title} | {_where(f.evidence)} | {f.actual} | {ICON[f.severity]} {f.severity} |"
        )
    code = group[0].code
    impact = (
        f"{len({f.data.get('document') for f in group})} planned documents fail as written."
        if code == "document-reference"
        else group[0].impact
    )
    return (
        "\n\n".join(
            [
                f"## Finding {n}: {GROUP_TITLES.get(code, group[0].title)}",
                "\n".join(rows),
                _impact(impact),
                _options(group[0]),
            ]
        )
        + "\n"
    )


def _section(n: int, group: list, shown: set, schema: Schema) -> str:
    if len(group) > 1 and len({f.code for f in group}) == 1:
        return _table_section(n, group)
    first = finding_markdown(group[0], n, shown, schema, decision=False).rstrip("\n")
    return "\n\n".join([first] + [_also(f, shown) for f in group[1:]] + [_options(group[0])]) + "\n"


def _section_title(group: list) -> str:
    same = len(group) > 1 and len({f.code for f in group}) == 1
    return GROUP_TITLES.get(group[0].code, group[0].title) if same else group[0].title


# Revised understanding --------------------------------------------------------------------------------------


def _print_tree(
    root_label: str, root: str, children: dict[str, list[tuple[str, str]]], lines: list[str]
) -> None:
    lines.append(root_label)

    def walk(node: str, prefix: str) -> None:
        kids = children.get(node, [])
        for i, (kid, label) in enumerate(kids):
            last = i == len(kids) - 1
            lines.append(f"{prefix}{'└── ' if last else '├── '}{_s(kid)} ({label})".replace(" ()", ""))
            walk(kid, prefix + ("    " if last else "│   "))

    walk(root, "")


def data_model_tree(findings) -> list[str]:
    """The actual hierarchy as text: each table under the first hop of its shortest FK path to the root."""
    from schemalens.rls import fk_path

    schema, root = findings.schema, findings.root
    if not root:
        return ["(no single root: the foreign-key graph has several tops)"]
    notes = {
        f.data["table"]: f"{f.data['column']} must equal auth.uid(): manual sync, no FK"
        for f in findings.by_code("manual-sync-required")
    }
    children: dict[str, list[tuple[str, str]]] = {}
    for t in schema.tables:
        path = fk_path(schema, t.name, root)
        if len(path) > 1:
            fks = schema.foreign_keys_from(t.name)
            main = next(fk for fk in fks if fk.ref_table == path[1])
            also = [
                f"{','.join(fk.columns)} → {_s(fk.ref_table)}"
                for fk in fks
                if fk is not main and fk.ref_table != t.name
            ]
            label = ", ".join(main.columns) + (f"; also {'; '.join(also)}" if also else "")
            label += f"; ┄ {notes[t.name]}" if t.name in notes else ""
            children.setdefault(path[1], []).append((t.name, label))
    for kids in children.values():
        kids.sort()
    lines: list[str] = []
    _print_tree(f"{_s(root)} (root)", root, children, lines)
    return lines


def _outside(findings) -> list[str]:
    out = []
    for f in findings.by_code("unreachable-from-root"):
        tables = ", ".join(_s(t) for t in f.data["tables"])
        cols = sorted(
            {", ".join(fk.columns) for t in f.data["tables"] for fk in findings.schema.foreign_keys_from(t)}
        )
        if f.data["tops"]:
            out.append(f"{' / '.join(_s(t) for t in f.data['tops'])} → {tables} ({'; '.join(cols)} FK)")
        else:
            out.append(f"{tables} (no foreign keys)")
    return out


def _data_model(findings) -> str:
    lines = [
        f"{f.data['auth_table']} (Supabase Auth) ┄┄ {_s(f.data['table'])}.{f.data['column']} "
        f"(manual sync expected - id must match; no FK, no trigger)"
        for f in findings.by_code("manual-sync-required")
    ]
    lines += [""] if lines else []
    lines += data_model_tree(findings)
    outside = _outside(findings)
    if outside:
        lines += ["", "Outside the hierarchy:"] + [f"  {o}" for o in outside]
    return "### Actual Data Model\n\n```\n" + "\n".join(lines) + "\n```\n"


def placements(findings) -> dict[str, list[tuple[str, str]]]:
    """``{existing parent: [(new table, label)]}`` for proposed tables and tables the documents create.

    A proposed table whose assumed parent does not exist goes where the hierarchy decision points
    (the level the plan's users actually belong to); otherwise under its (mapped) parent.
    """
    from schemalens.documents import created_parents

    m, out, schema = findings.manifest, {}, findings.schema
    hier = {
        f.data["parent_actual"]: f
        for f in findings.by_code("hierarchy-mismatch")
        if f.data.get("recommended_parent")
    }
    proposed = {p.table: p for p in (m.proposed if m else ())}
    for p in proposed.values():
        parent = findings.mapping.get(p.parent, p.parent)
        h = hier.get(parent)
        if h and p.parent in findings.mapping:
            target, why = h.data["recommended_parent"], f"see `{h.decision}`"
        else:
            target, why = (
                parent,
                "as planned" + (f", `{_s(p.parent)}` read as `{_s(parent)}`" if parent != p.parent else ""),
            )
        out.setdefault(target, []).append((p.table, f"NEW, {fk_column_name(schema, target)} FK; {why}"))
    for table, (col, ref, doc, line) in created_parents(findings.documents).items():
        if table in proposed or schema.table(table):
            continue
        parent = findings.mapping.get(ref, ref)
        written = f"; written as {col} → {_s(ref)}" if parent != ref else ""
        out.setdefault(parent, []).append(
            (table, f"NEW in {doc.split('/')[-1]}:{line}, {fk_column_name(schema, parent)} FK{written}")
        )
    return out


def _proposed(findings) -> str:
    from schemalens.rls import fk_path

    place, root, schema = placements(findings), findings.root, findings.schema
    if not place:
        return ""
    children: dict[str, list[tuple[str, str]]] = {}
    tops = []
    for parent, items in place.items():
        chain = list(fk_path(schema, parent, root)) if root else []
        chain = chain or [parent]
        if chain[-1] not in tops:
            tops.append(chain[-1])
        for child, up in zip(chain, chain[1:]):
            fk = next((f for f in schema.foreign_keys_from(child) if f.ref_table == up), None)
            entry = (child, f"existing, {', '.join(fk.columns)} FK" if fk else "existing")
            if entry not in children.setdefault(up, []):
                children[up].append(entry)
        children.setdefault(parent, []).extend(items)
    lines: list[str] = []
    for top in tops:
        _print_tree(f"{_s(top)} (existing)", top, children, lines)
    return "### Proposed Addition\n\n```\n" + "\n".join(lines) + "\n```\n"


def suggested_manifest(findings) -> str:
    """The manifest as the migrations stand: each changed line says what the plan had."""
    m = findings.manifest
    if m is None:
        return ""
    out = []
    if m.project_ref:
        bad = findings.by_code("project-ref-mismatch")
        out.append(
            f"project_ref: {m.project_ref}"
            + (f"   # check {', '.join(f.data['file'] for f in bad)}" if bad else "")
        )
    if m.root:
        root = findings.root or m.root.table
        out.append(f"root: {_s(root)}" + (f"   # was: {m.root.written}" if root != m.root.table else ""))
    hier = {(f.data["child"], f.data["parent_actual"]): f for f in findings.by_code("hierarchy-mismatch")}
    if m.hierarchy:
        out.append("hierarchy:")
        lines: dict[int, list] = {}
        for e in m.hierarchy:  # a chain ``a -> b -> c`` is one line of several edges
            lines.setdefault(e.line, []).append(e)
        for edges in lines.values():
            text = edges[0].text
            fixed = []
            for e in edges:
                child, parent = (
                    findings.mapping.get(e.child, e.child),
                    findings.mapping.get(e.parent, e.parent),
                )
                f = hier.get((child, parent))
                path = f.data["path"] if f and f.data["path"] else [child, parent]
                fixed += [_s(t) for t in path][bool(fixed) :]
            new = " -> ".join(fixed)
            keys = [
                (findings.mapping.get(e.child, e.child), findings.mapping.get(e.parent, e.parent))
                for e in edges
            ]
            holds = all(
                e.child not in findings.mapping and e.parent not in findings.mapping for e in edges
            ) and not any(k in hier for k in keys)
            if any(k in hier and not hier[k].data["path"] for k in keys):
                out.append(f"  # - {text}   # no foreign-key path: see the decision")
            else:
                out.append(f"  - {text}" if holds else f"  - {new}   # was: {text}")
    bad_fks = {f.data["table"] + "." + f.data["columns"][0] for f in findings.by_code("missing-foreign-key")}
    if m.foreign_keys:
        out.append(
            "foreign_keys:"
            + (
                " []"
                if all(
                    findings.mapping.get(a.table, a.table) + "." + a.columns[0] in bad_fks
                    for a in m.foreign_keys
                )
                else ""
            )
        )
        for a in m.foreign_keys:
            key = findings.mapping.get(a.table, a.table) + "." + a.columns[0]
            out.append(
                f"  # - {a.text}   # no such FK: see the decision" if key in bad_fks else f"  - {a.text}"
            )
    scopes = {t: f for f in findings.by_code("scope-mismatch") for t in f.data["tables"]}
    if m.scoping:
        out.append("scoping:")
        for s in m.scoping:
            f = scopes.get(findings.mapping.get(s.table, s.table))
            entity = _s(f.data["actual"] if f else findings.mapping.get(s.entity, s.entity))
            out.append(
                f"  {_s(s.table)}: {entity}"
                + (f"   # was: {s.entity_written}" if entity != s.entity_written else "")
            )
    if m.proposed:
        out.append("proposed:")
        where = {t: p for p, items in placements(findings).items() for t, _ in items}
        for p in m.proposed:
            parent = _s(where.get(p.table, p.parent))
            out.append(
                f"  {_s(p.table)}: {parent}"
                + (f"   # was: {p.parent_written}" if parent != p.parent_written else "")
            )
    if m.documents:
        out.append("documents:")
        out += [f"  - {d.pattern}" for d in m.documents]
    return "\n".join(out)


# Manifest updates, blockers, next steps --------------------------------------------------------------------


def _change(f, group) -> str:
    d = f.data
    if f.code == "missing-table":
        return (
            f"**CHANGE:** Use `{_s(d['counterpart'])}` (not `{_s(d['assumed'])}`)"
            if d.get("counterpart")
            else f"**CHANGE:** Create `{_s(d['assumed'])}` or remove it from the plan"
        )
    if f.code == "root-mismatch":
        return f"**CHANGE:** Use `{_s(d['actual_root'])}` as the root (not `{_s(d['assumed'])}`)"
    if f.code in ("missing-foreign-key", "manual-sync-required"):
        sync = [g for g in group if g.code == "manual-sync-required"]
        return (
            "**CHANGE:** Keep manual sync pattern (no FK migration) OR add the FK with its migration"
            if sync
            else f"**CHANGE:** {f.actual}: drop the assumed FK OR add it with a migration"
        )
    if f.code == "hierarchy-mismatch":
        return f"**ADD:** hierarchy {' -> '.join(_s(t) for t in d['path'])}" + (
            f"; new tables FK to `{_s(d['recommended_parent'])}`, following the existing hierarchy"
            if d.get("recommended_parent")
            else ""
        )
    if f.code == "scope-mismatch":
        n = len(d["tables"])
        return (
            f"**CHANGE:** Keep {n} table{'s' * (n > 1)} ({_s(d['actual'])}-scoped) OR "
            f"{'unify' if n > 1 else 're-scope'} to {_s(d['assumed_actual'])}-scoped"
        )
    if f.code == "project-ref-mismatch":
        return "**CHECK:** " + "; ".join(f"`{g.data['file']}` names `{g.data['found']}`" for g in group)
    if f.code == "document-reference":
        n = len({g.data["document"] for g in group})
        return f"**CHANGE:** Update {n} planned documents to the actual names"
    return f"**CHANGE:** {f.title}"


def _manifest_updates(findings, numbers: dict[str, int]) -> str:
    parts = ["## Required Manifest Updates"]
    for decision, group in findings.decisions().items():
        if group[0].code not in GENERAL:
            parts.append(
                f"### Decision: {decision_title(decision, group[0])} "
                f"(`{decision}`, Finding {numbers[decision]})\n" + _change(group[0], group)
            )
    parts.append(
        "### The manifest as the migrations stand\n\n```yaml\n" + suggested_manifest(findings) + "\n```"
    )
    return "\n\n".join(parts) + "\n"


_BLOCKER = {  # code -> (status word, short text of what is actually there)
    "missing-table": (
        "Does not exist",
        lambda f: (
            f"Uses `{_s(f.data['counterpart'])}` instead"
            if f.data.get("counterpart")
            else "No counterpart found"
        ),
    ),
    "root-mismatch": ("Not the root", lambda f: f"Root is `{_s(f.data['actual_root'])}`"),
    "missing-foreign-key": ("No FK", lambda f: f.actual.replace("`", "")),
    "hierarchy-mismatch": ("Different", lambda f: " → ".join(_s(t) for t in f.data["path"]) or f.actual),
    "scope-mismatch": (
        "Different",
        lambda f: (
            f"{len(f.data['tables'])} table{'s' * (len(f.data['tables']) > 1)}, {_s(f.data['actual'])}-scoped"
        ),
    ),
    "project-ref-mismatch": (
        "Suspicious",
        lambda f: f"Project `{f.data['found']}` in {f.data['file']} header",
    ),
}
_PREFERRED = {
    "root": ("missing-table", "root-mismatch"),
    "hierarchy": ("hierarchy-mismatch",),
    "foreign key": ("missing-foreign-key",),
    "scoping": ("scope-mismatch",),
    "project_ref": ("project-ref-mismatch",),
}


def _blockers(findings, numbers: dict[str, int]) -> str:
    from schemalens.graph import coverage_totals

    m, totals = findings.manifest, coverage_totals(findings.schema)
    rows = [
        "| Blocker | Status | Finding |",
        "|---------|--------|---------|",
        f"| Schema source | ✅ Verified | Read {len(findings.files)} migration files directly "
        f"({totals['understood']} statements understood, {totals['not analysed']} not analysed, "
        f"{totals['unparsed']} unparsed) |",
    ]
    by_line: dict[int, list] = {}
    for f in findings:
        for e in f.evidence:
            if e.kind == "manifest" and f not in by_line.get(e.line, []):
                by_line.setdefault(e.line, []).append(f)
    items = []
    if m:
        items += [("root", f"`{m.root.written}`", m.root.line)] if m.root else []
        items += [("hierarchy", f"`{e.text}`", e.line) for e in m.hierarchy]
        items += [("foreign key", f"`{a.text}`", a.line) for a in m.foreign_keys]
        items += [("scoping", f"`{_s(s.table)}: {s.entity_written}`", s.line) for s in m.scoping]
        items += [("project_ref", f"`{m.project_ref}`", m.project_ref_line)] if m.project_ref else []
    done: dict[str, int] = {}
    for kind, label, line in dict.fromkeys(items):
        cited = by_line.get(line, [])
        fs = [f for f in cited if f.code in _PREFERRED[kind]] or cited
        if not fs:
            rows.append(f"| {kind} {label} | ✅ Holds | |")
            continue
        f = fs[0]
        if kind == "scoping" and f.code == "scope-mismatch":
            if f.decision in done:  # one row per scoping group
                continue
            done[f.decision] = 1
            label = ", ".join(f"`{_s(t)}`" for t in f.data["tables"])
        word, text = _BLOCKER.get(f.code, ("Different", lambda g: g.title))
        if f.code == "missing-foreign-key" and findings.by_code("manual-sync-required"):
            text = lambda g: "Standalone key, manual sync"  # noqa: E731
        rows.append(
            f"| {kind} {label} | {ICON[f.severity]} {word} | {text(f)} (Finding {numbers[f.decision]}) |"
        )
    for doc in findings.documents:
        fs = [f for f in findings.by_code("document-reference") if f.data.get("document") == doc.name]
        names = ", ".join(
            dict.fromkeys(
                f"`{_s(f.data.get('table'))}{'.' + f.data['column'] if f.data.get('column') else ''}`"
                for f in fs
                if f.data.get("table")
            )
        )
        rows.append(
            f"| document `{doc.name}` | "
            + (
                f"❌ Cannot run | Uses missing {names} (Finding {numbers[fs[0].decision]}) |"
                if fs
                else "✅ Uses existing objects | |"
            )
        )
    for code in GENERAL:
        fs = findings.by_code(code)
        if fs:
            where = ", ".join(f.subject.replace("public.", "") for f in fs[:5]) + (
                " …" if len(fs) > 5 else ""
            )
            nums = ", ".join(str(n) for n in dict.fromkeys(numbers[f.decision] for f in fs))
            rows.append(
                f"| {code} | {ICON[fs[0].severity]} {len(fs)} | {where} "
                f"(Finding{'s' * (',' in nums)} {nums}) |"
            )
    return "## Blocker Status\n\n" + "\n".join(rows) + "\n"


def _next_steps(findings, command: str) -> str:
    steps = ["Update manifest with actual structure (see Required Manifest Updates)"] if len(findings) else []
    for decision, group in findings.decisions().items():
        f = group[0]
        if f.code == "document-reference":
            docs = sorted({Path(g.data["document"]).name for g in group})
            steps.append(
                f"Update {'all ' if len(docs) == len(findings.documents) and len(docs) > 2 else 'the '}"
                f"{len(docs)} planned document{'s' * (len(docs) > 1)} ({', '.join(docs)})"
            )
        elif f.code == "project-ref-mismatch":
            steps += [
                f"Verify that {g.data['file']}'s tables exist in the production DB ({g.data['expected']})"
                for g in group
            ]
        elif f.severity != "info" or any(g.severity != "info" for g in group):
            title = decision_title(decision, f)
            title = title.lower() if decision in DECISION_TITLES else title[0].lower() + title[1:]
            steps.append(f"Decide on {title} (`{decision}`)")
    steps.append(f"Re-run `{command}`" if command else "Re-run the comparison")
    return "## Next Steps\n\n" + "\n".join(f"{i}. [ ] {s}" for i, s in enumerate(steps, 1)) + "\n"


def markdown(findings, date: str | None = None, command: str = "") -> str:
    """The report in the seed's shape: summary, a section per decision, revised model, manifest, blockers."""
    import datetime

    date = date or datetime.date.today().isoformat()
    counts = findings.counts()
    worst = next((s for s in ("critical", "warning", "info") if counts[s]), None)
    groups = list(findings.decisions().values())
    numbers = {g[0].decision: i for i, g in enumerate(groups, 1)}
    docs_bad = sorted({f.data["document"] for f in findings.by_code("document-reference")})
    files = (
        f"the {len(findings.files)} migration files in `{findings.migrations}`"
        if findings.files
        else "the schema"
    )
    summary = (
        f"Comparing the manifest's assumptions with {files} revealed **{counts['critical']} critical**, "
        f"**{counts['warning']} warning** and {counts['info']} informational findings."
    )
    if docs_bad:
        summary += (
            f" The planned documents CANNOT execute as written: {len(docs_bad)} of {len(findings.documents)}"
            f" use tables or columns that do not exist."
        )
    elif worst not in ("critical", "warning"):
        summary += " The plan's assumptions hold."
    table = ["| # | Finding | Severity | Codes |", "|---|---|---|---|"]
    table += [
        f"| {i} | {_section_title(g)} | {ICON[g[0].severity]} {g[0].severity} | "
        f"{', '.join(dict.fromkeys(f'`{f.code}`' for f in g))} |"
        for i, g in enumerate(groups, 1)
    ]
    action = (
        "Update manifest before executing the planned documents"
        if worst in ("critical", "warning")
        else "None"
    )
    parts = [
        f"# Runtime Verification Findings\n\n> **Date:** {date}  \n> **Status:** {STATUS[worst]}  \n"
        f"> **Action Required:** {action}",
        "---",
        "## Executive Summary\n\n" + summary + ("\n\n" + "\n".join(table) if groups else ""),
        "---",
    ]
    shown: set = set()
    for i, g in enumerate(groups, 1):
        parts += [_section(i, g, shown, findings.schema), "---"]
    parts.append(
        "## Revised Understanding\n\n"
        + _data_model(findings)
        + ("\n" + _proposed(findings) if placements(findings) else "")
    )
    parts += [
        "---",
        _manifest_updates(findings, numbers),
        "---",
        _blockers(findings, numbers),
        "---",
        _next_steps(findings, command),
        "---",
        f"*Generated: {date} | schemalens {_version()} | {len(findings)} findings*",
    ]
    return "\n\n".join(p.rstrip("\n") for p in parts) + "\n"


def _version() -> str:
    from schemalens import __version__

    return __version__


# Findings: JSON and SARIF -----------------------------------------------------------------------------------


def findings_dict(findings) -> dict:
    m = findings.manifest
    return {
        "schemalens": _version(),
        "migrations": findings.migrations,
        "manifest": m.file if m else None,
        "root": findings.root,
        "mapping": findings.mapping,
        "summary": findings.counts(),
        "decisions": {d: [findings.findings.index(f) for f in g] for d, g in findings.decisions().items()},
        "findings": [f.to_dict() for f in findings],
    }


def findings_json(findings) -> str:
    return json.dumps(findings_dict(findings), indent=2, ensure_ascii=False) + "\n"


SARIF_LEVEL = {"critical": "error", "warning": "warning", "info": "note"}
RULE_TEXT = {
    "missing-table": "An assumed table does not exist",
    "root-mismatch": "The assumed root is not the actual root",
    "missing-foreign-key": "An assumed foreign key does not exist",
    "manual-sync-required": "A policy compares auth.uid() with a key nothing ties to auth.users",
    "hierarchy-mismatch": "The assumed child -> parent edge differs from the actual FK path",
    "scope-mismatch": "Rows are scoped by another entity than assumed",
    "project-ref-mismatch": "A migration header names another project than the manifest",
    "document-reference": "A planned document uses a table or column that does not exist",
    "rls-disabled": "Row level security is off",
    "table-without-policy": "RLS is on but no policy exists",
    "unindexed-foreign-key": "A foreign key's columns lead no index",
    "unreachable-from-root": "A table has no FK path to the root",
    # schemalens.verify: a live database against the files
    "drift-missing": "An object the migrations build is missing from the database",
    "drift-extra": "The database has an object no migration builds",
    "drift-changed": "An object differs between the database and the migrations",
    "migration-not-applied": "A migration file was never applied to the database",
    "migration-unknown": "The database recorded a migration no file has",
}


def _uri(path: str, base: str | Path) -> str:
    import os

    rel = os.path.relpath(os.path.abspath(path), os.path.abspath(base))
    return Path(os.path.abspath(path)).as_uri() if rel.startswith("..") else Path(rel).as_posix()


def _location(ev, base, with_message: bool = False, index: int | None = None) -> dict:
    loc = {
        "physicalLocation": {
            "artifactLocation": {"uri": _uri(ev.path or ev.file, base)},
            "region": {"startLine": max(ev.line, 1)},
        }
    }
    if ev.text:
        loc["physicalLocation"]["region"]["snippet"] = {
            "text": ev.text
            if ev.kind != "migration" or not ev.start
            else ev.text.splitlines()[max(ev.line - ev.start, 0)]
            if ev.line - ev.start < len(ev.text.splitlines())
            else ev.text
        }
    if index is not None:
        loc["id"] = index
    if with_message:
        loc["message"] = {"text": ev.note or ev.kind}
    return loc


def sarif_dict(findings, base: str | Path = ".") -> dict:
    """SARIF 2.1.0: a rule per code, results at their first migration file:line (or document, manifest)."""
    import hashlib

    from schemalens.compare import CODES

    codes = [c for c in CODES if findings.by_code(c)]
    codes += [c for c in dict.fromkeys(f.code for f in findings) if c not in codes]  # e.g. schemalens.verify's
    rules = [
        {
            "id": c,
            "name": "".join(w.capitalize() for w in c.split("-")),
            "shortDescription": {"text": RULE_TEXT[c]},
            "defaultConfiguration": {"level": SARIF_LEVEL[findings.by_code(c)[0].severity]},
        }
        for c in codes
    ]
    results = []
    for f in findings:
        order = sorted(  # "database" evidence (schemalens.verify) is no file: it stays in properties only
            (e for e in f.evidence if e.kind != "database"),
            key=lambda e: ("migration", "document", "manifest").index(e.kind),
        )
        primary = order[0] if order else None
        result = {
            "ruleId": f.code,
            "ruleIndex": codes.index(f.code),
            "level": SARIF_LEVEL[f.severity],
            "message": {"text": f"{f.title}. Assumed: {f.assumed}. Actual: {f.actual}."},
            "partialFingerprints": {
                "schemalens/v1": hashlib.sha256(f"{f.code}|{f.subject}".encode()).hexdigest()[:32]
            },
            "properties": {
                "severity": f.severity,
                "decision": f.decision,
                "options": list(f.options),
                "impact": f.impact,
                "data": f.data,
            },
        }
        if primary is not None:
            result["locations"] = [_location(primary, base)]
            related = [_location(e, base, True, i) for i, e in enumerate(order[1:], 1)]
            if related:
                result["relatedLocations"] = related
        results.append(result)
    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "schemalens",
                        "version": _version(),
                        "informationUri": "https://github.com/schemalens/schemalens",
                        "rules": rules,
                    }
                },
                "results": results,
            }
        ],
    }


def sarif(findings, base: str | Path = ".") -> str:
    return json.dumps(sarif_dict(findings, base), indent=2, ensure_ascii=False) + "\n"
