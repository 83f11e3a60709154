"""The whole findings report in the seed's shape: executive summary, the finding sections
(:mod:`schemalens.present.sections`), the revised data model as a tree, the proposed addition placed on the
actual hierarchy, required manifest updates (:func:`suggested_manifest`), the blocker status table
and next steps.
"""

from __future__ import annotations

import datetime
from pathlib import Path

from schemalens.assess.findings import Findings
from schemalens.core.names import md_cell, md_code, md_fence, md_name, md_text
from schemalens.present.sections import (
    DECISION_TITLES,
    GENERAL,
    ICON,
    STATUS,
    _s,
    _section,
    _section_title,
    decision_title,
    fk_column_name,
)
from schemalens.read.graph import coverage_totals


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


def data_model_tree(findings: Findings) -> list[str]:
    """The actual hierarchy as text: each table under the first hop of its shortest FK path to the root."""
    from schemalens.read.rls import fk_path

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


def _outside(findings: Findings) -> list[str]:
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


def _data_model(findings: Findings) -> str:
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
    return "### Actual Data Model\n\n" + md_fence("\n".join(lines)) + "\n"


def placements(findings: Findings) -> dict[str, list[tuple[str, str]]]:
    """``{existing parent: [(new table, label)]}`` for proposed tables and tables the documents create.

    A proposed table whose assumed parent does not exist goes where the hierarchy decision points
    (the level the plan's users actually belong to); otherwise under its (mapped) parent.
    """
    from schemalens.read.document_references import created_parents

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
            target, why = h.data["recommended_parent"], f"see {md_code(h.decision)}"
        else:
            target, why = (
                parent,
                "as planned" + (f", {md_name(p.parent)} read as {md_name(parent)}" if parent != p.parent else ""),
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


def _proposed(findings: Findings) -> str:
    from schemalens.read.rls import fk_path

    place, root, schema = placements(findings), findings.root, findings.schema
    if not place:
        return ""
    children: dict[str, list[tuple[str, str]]] = {}
    tops = []
    new = {child for items in place.values() for child, _ in items}
    for parent, items in place.items():
        if parent in new:  # a chain of proposals: nested under the new parent, not a top of its own
            children.setdefault(parent, []).extend(items)
            continue
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
    return "### Proposed Addition\n\n" + md_fence("\n".join(lines)) + "\n"


def _scoped(entity: str | None) -> str:
    """``auth.users-scoped``, or ``global`` for a table nothing owns."""
    return f"{_s(entity)}-scoped" if entity else "global: no owner"


def suggested_manifest(findings: Findings) -> str:
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
            entity = f.data["actual"] if f else findings.mapping.get(s.entity, s.entity)
            if f and entity is None:
                out.append(f"  # {_s(s.table)}: {s.entity_written}   # global: nothing owns its rows")
                continue
            out.append(
                f"  {_s(s.table)}: {_s(entity) if entity != s.entity else s.entity_written}"
                + (f"   # was: {s.entity_written}" if entity != s.entity else "")
            )
    if m.proposed:
        out.append("proposed:")
        where = {t: p for p, items in placements(findings).items() for t, _ in items}
        for p in m.proposed:
            parent = where.get(p.table, p.parent)
            out.append(
                f"  {_s(p.table)}: {_s(parent) if parent != p.parent else p.parent_written}"
                + (f"   # was: {p.parent_written}" if parent != p.parent else "")
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
            f"**CHANGE:** Use {md_name(d['counterpart'])} (not {md_name(d['assumed'])})"
            if d.get("counterpart")
            else f"**CHANGE:** Create {md_name(d['assumed'])} or remove it from the plan"
        )
    if f.code == "root-mismatch":
        return f"**CHANGE:** Use {md_name(d['actual_root'])} as the root (not {md_name(d['assumed'])})"
    if f.code in ("missing-foreign-key", "manual-sync-required"):
        sync = [g for g in group if g.code == "manual-sync-required"]
        return (
            "**CHANGE:** Keep manual sync pattern (no FK migration) OR add the FK with its migration"
            if sync
            else f"**CHANGE:** {f.actual}: drop the assumed FK OR add it with a migration"
        )
    if f.code == "hierarchy-mismatch":
        return f"**ADD:** hierarchy {' -> '.join(_s(t) for t in d['path'])}" + (
            f"; new tables FK to {md_name(d['recommended_parent'])}, following the existing hierarchy"
            if d.get("recommended_parent")
            else ""
        )
    if f.code == "scope-mismatch":
        n = len(d["tables"])
        return (
            f"**CHANGE:** Keep {n} table{'s' * (n > 1)} ({_scoped(d['actual'])}) OR "
            f"{'unify' if n > 1 else 're-scope'} to {_s(d['assumed_actual'])}-scoped"
        )
    if f.code == "project-ref-mismatch":
        return "**CHECK:** " + "; ".join(f"{md_code(g.data['file'])} names {md_code(g.data['found'])}" for g in group)
    if f.code == "document-reference":
        n = len({g.data["document"] for g in group})
        return f"**CHANGE:** Update {n} planned documents to the actual names"
    return f"**CHANGE:** {f.title}"


def _manifest_updates(findings: Findings, numbers: dict[str, int]) -> str:
    parts = ["## Required Manifest Updates"]
    for decision, group in findings.decisions().items():
        if group[0].code not in GENERAL:
            parts.append(
                f"### Decision: {decision_title(decision, group[0])} "
                f"({md_code(decision)}, Finding {numbers[decision]})\n" + _change(group[0], group)
            )
    parts.append(
        "### The manifest as the migrations stand\n\n" + md_fence(suggested_manifest(findings), "yaml")
    )
    return "\n\n".join(parts) + "\n"


_BLOCKER = {  # code -> (status word, short text of what is actually there)
    "missing-table": (
        "Does not exist",
        lambda f: (
            f"Uses {md_name(f.data['counterpart'])} instead"
            if f.data.get("counterpart")
            else "No counterpart found"
        ),
    ),
    "root-mismatch": ("Not the root", lambda f: f"Root is {md_name(f.data['actual_root'])}"),
    "missing-foreign-key": ("No FK", lambda f: f.actual.replace("`", "")),
    "hierarchy-mismatch": ("Different", lambda f: " → ".join(_s(t) for t in f.data["path"]) or f.actual),
    "scope-mismatch": (
        "Different",
        lambda f: (
            f"{len(f.data['tables'])} table{'s' * (len(f.data['tables']) > 1)}, {_scoped(f.data['actual'])}"
        ),
    ),
    "project-ref-mismatch": (
        "Suspicious",
        lambda f: f"Project {md_code(f.data['found'])} in {f.data['file']} header",
    ),
}
_PREFERRED = {
    "root": ("missing-table", "root-mismatch"),
    "hierarchy": ("hierarchy-mismatch",),
    "foreign key": ("missing-foreign-key",),
    "scoping": ("scope-mismatch",),
    "project_ref": ("project-ref-mismatch",),
}


def _blockers(findings: Findings, numbers: dict[str, int]) -> str:

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
        items += [("root", f"{md_code(m.root.written)}", m.root.line)] if m.root else []
        items += [("hierarchy", f"{md_code(e.text)}", e.line) for e in m.hierarchy]
        items += [("foreign key", f"{md_code(a.text)}", a.line) for a in m.foreign_keys]
        items += [("scoping", md_code(f"{_s(s.table)}: {s.entity_written}"), s.line) for s in m.scoping]
        items += [("project_ref", f"{md_code(m.project_ref)}", m.project_ref_line)] if m.project_ref else []
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
            label = ", ".join(f"{md_name(t)}" for t in f.data["tables"])
        word, text = _BLOCKER.get(f.code, ("Different", lambda g: g.title))
        if f.code == "missing-foreign-key" and findings.by_code("manual-sync-required"):
            text = lambda g: "Standalone key, manual sync"  # noqa: E731
        rows.append(
            f"| {md_cell(f'{kind} {label}')} | {ICON[f.severity]} {word} | {md_cell(text(f))} "
            f"(Finding {numbers[f.decision]}) |"
        )
    for doc in findings.documents:
        fs = [f for f in findings.by_code("document-reference") if f.data.get("document") == doc.name]
        names = ", ".join(
            dict.fromkeys(
                md_code(f"{_s(f.data.get('table'))}{'.' + f.data['column'] if f.data.get('column') else ''}")
                for f in fs
                if f.data.get("table")
            )
        )
        rows.append(
            f"| document {md_cell(md_code(doc.name))} | "
            + (
                f"❌ Cannot run | Uses missing {names} (Finding {numbers[fs[0].decision]}) |"
                if fs
                else "✅ Uses existing objects | |"
            )
        )
    for code in GENERAL:
        fs = findings.by_code(code)
        if fs:
            where = ", ".join(md_text(_s(f.subject)) for f in fs[:5]) + (
                " …" if len(fs) > 5 else ""
            )
            nums = ", ".join(str(n) for n in dict.fromkeys(numbers[f.decision] for f in fs))
            rows.append(
                f"| {code} | {ICON[fs[0].severity]} {len(fs)} | {where} "
                f"(Finding{'s' * (',' in nums)} {nums}) |"
            )
    return "## Blocker Status\n\n" + "\n".join(rows) + "\n"


def _next_steps(findings: Findings, command: str) -> str:
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
            steps.append(f"Decide on {title} ({md_code(decision)})")
    steps.append(f"Re-run `{command}`" if command else "Re-run the comparison")
    return "## Next Steps\n\n" + "\n".join(f"{i}. [ ] {s}" for i, s in enumerate(steps, 1)) + "\n"


def markdown(findings: Findings, date: str | None = None, command: str = "") -> str:
    """The report in the seed's shape: summary, a section per decision, revised model, manifest, blockers."""

    date = date or datetime.date.today().isoformat()
    counts = findings.counts()
    worst = next((s for s in ("critical", "warning", "info") if counts[s]), None)
    groups = list(findings.decisions().values())
    numbers = {g[0].decision: i for i, g in enumerate(groups, 1)}
    docs_bad = sorted({f.data["document"] for f in findings.by_code("document-reference")})
    files = (
        f"the {len(findings.files)} migration files in {md_code(findings.migrations)}"
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
    summary += "".join(f"\n\n{note}" for note in getattr(findings, "notes", ()))
    table = ["| # | Finding | Severity | Codes |", "|---|---|---|---|"]
    table += [
        f"| {i} | {md_cell(_section_title(g))} | {ICON[g[0].severity]} {g[0].severity} | "
        f"{', '.join(dict.fromkeys(f'{md_code(f.code)}' for f in g))} |"
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
    from schemalens.core.version import __version__

    return __version__
