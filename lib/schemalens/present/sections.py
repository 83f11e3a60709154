"""Findings as Markdown sections in the seed's shape: "## Finding N", assumed against actual, the SQL
excerpt with its file:line, impact, and the decision with its options as checkboxes.

Findings come from :mod:`schemalens.assess.compare` (imported lazily where needed: it imports nothing from here).
"""

from __future__ import annotations

from schemalens.core.model import Schema
from schemalens.core.names import comment, md_cell, md_code, md_fence
from schemalens.core.names import short as _s
from schemalens.decide.decisions import DECISION_TITLES, decision_title  # noqa: F401 (re-exported)
from schemalens.decide.sqlgen import fk_column_name

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
MAX_EXCERPT_LINES = 16


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
    return "; ".join(f"{md_code(f)}: {', '.join(dict.fromkeys(ls))}" for f, ls in files.items())


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
            blocks.append(md_fence(f"{comment(head)}\n{_excerpt(evs[0], cited)}", "sql"))
        else:
            rest += evs
    listed = []
    if earlier:
        listed.append(
            "Shown above: " + "; ".join(f"{md_code(e)}" + (f" {e.note}" if e.note else "") for e in earlier) + "."
        )
    if rest:
        items = [f"{md_code(e)}" + (f" {e.note}" if e.note else "") for e in rest[:10]]
        listed.append(
            "Also at: " + "; ".join(items) + (f" and {len(rest) - 10} more" if len(rest) > 10 else "") + "."
        )
    manifest = [e for e in evidence if e.kind == "manifest"]
    if manifest:
        listed.append(
            f"Manifest ({md_code(manifest[0].file)}): "
            + "; ".join(f"line {e.line} {md_code(e.text)}" for e in manifest)
            + "."
        )
    docs = [e for e in evidence if e.kind == "document"]
    if docs:
        listed.append("Planned documents: " + _where(docs) + ".")
    return blocks + (["  \n".join(listed)] if listed else [])


def _impact(text: str) -> str:
    return f"**Impact:**\n{text}" if text.startswith("- ") else f"**Impact:** {text}"


def _options(f) -> str:
    return f"**Decision Required** ({md_code(f.decision)}):\n" + "\n".join(f"- [ ] {o}" for o in f.options)


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
    return md_fence("\n".join(lines))


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
            "**Verification Needed:**\n"
            + md_fence(f"-- Run against {comment(f.data['expected'])}\n{f.data['verification_sql']}", "sql")
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
            f"| {n}.{i} | {md_cell(f.title)} | {md_cell(_where(f.evidence))} | {md_cell(f.actual)} | "
            f"{ICON[f.severity]} {f.severity} |"
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
