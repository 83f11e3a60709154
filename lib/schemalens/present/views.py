"""Findings as a meeting sees them: the assumed and the actual hierarchy side by side, and short summaries.

:func:`assumed_vs_actual` turns a comparison's :class:`~schemalens.assess.compare.Findings` into what
:func:`schemalens.present.plot.draw_assumed_vs_actual` draws: the plan's ``child -> parent`` edges (the
manifest's ``hierarchy``, ``scoping`` and ``proposed``, as written) and one status per table:

* ``missing``: the plan names it, the migrations never create it (``missing-table``);
* ``different parent``: its foreign keys do not lead where the plan says (``hierarchy-mismatch``,
  or ``root-mismatch`` for an assumed root that hangs under another table);
* ``different scope``: its rows belong to another entity than the plan says (``scope-mismatch``);
* ``proposed``: a table the plan will add;
* ``unexpected``: a table the plan does not name that stands where it assumed something else (a
  missing table's counterpart, a table in between on a hierarchy path, the actual root or scope);
* ``matches``: every other table the plan names.

A table with several statuses gets the first in that order. Statuses come from the findings' codes and
data only, never from table names. Nothing here imports matplotlib or pandas: :func:`draw` calls
:mod:`schemalens.present.plot`, and the summaries are Markdown objects that render themselves in Jupyter.

>>> from schemalens.assess.compare import compare
>>> from schemalens.read.manifest import parse_manifest
>>> from schemalens.core.model import ForeignKey, Schema, Table
>>> s = Schema(tables=(Table("public.orgs"), Table("public.teams"), Table("public.people")),
...            foreign_keys=(ForeignKey("t", "public.teams", ("org_id",), "public.orgs", ("id",)),
...                          ForeignKey("p", "public.people", ("team_id",), "public.teams", ("id",))))
>>> edges, statuses = assumed_vs_actual(compare(s, parse_manifest("hierarchy:\\n  - people -> orgs\\n")))
>>> edges
[('public.people', 'public.orgs')]
>>> statuses
{'public.people': 'different parent', 'public.orgs': 'matches', 'public.teams': 'unexpected'}
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from schemalens.assess.compare import Findings, short
from schemalens.core.names import md_cell as _cell
from schemalens.core.names import md_name
from schemalens.present import report
from schemalens.present.report import GENERAL, ICON

if TYPE_CHECKING:  # plot imports matplotlib: only draw() needs it
    from matplotlib.figure import Figure

# Statuses in order of precedence (a table with two gets the first); the plot colours each.
STATUSES = ("missing", "different parent", "different scope", "proposed", "unexpected", "matches")
DIFFERENCES = STATUSES[:3]


@dataclass(frozen=True)
class Markdown:
    """Markdown text that shows as Markdown in Jupyter and as itself in a console."""

    text: str

    def _repr_markdown_(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return self.text


def assumed_edges(findings: Findings) -> list[tuple[str, str]]:
    """The plan's ``child -> parent`` edges as written: hierarchy, then scoping, then proposed tables."""
    m = findings.manifest
    if m is None:
        return []
    edges = [(e.child, e.parent) for e in m.hierarchy]
    edges += [(s.table, s.entity) for s in m.scoping]
    edges += [(p.table, p.parent) for p in m.proposed]
    return list(dict.fromkeys(edges))


def named_tables(findings: Findings) -> list[str]:
    """The tables the plan names in the picture: its root, then those of its edges, as written."""
    m = findings.manifest
    root = [m.root.table] if m is not None and m.root else []
    return list(dict.fromkeys([*root, *(t for e in assumed_edges(findings) for t in e)]))


def assumed_vs_actual(findings: Findings) -> tuple[list[tuple[str, str]], dict[str, str]]:
    """``(assumed_edges, statuses)`` for :func:`schemalens.present.plot.draw_assumed_vs_actual` (see the module)."""
    edges, named, m = assumed_edges(findings), named_tables(findings), findings.manifest
    found: dict[str, set[str]] = {}

    def mark(table: str | None, status: str) -> None:
        if table:
            found.setdefault(table, set()).add(status)

    def unexpected(table: str | None) -> None:
        if table and table not in named:
            mark(table, "unexpected")

    for f in findings:
        d = f.data
        if f.code == "missing-table" and d["assumed"] in named:
            mark(d["assumed"], "missing")
            unexpected(d.get("counterpart"))
        elif f.code == "hierarchy-mismatch":
            mark(d["child"], "different parent")
            for t in d["path"][1:]:
                unexpected(t)
        elif f.code == "root-mismatch":
            mark(d["assumed"], "different parent")
            unexpected(d.get("actual_root"))
        elif f.code == "scope-mismatch":
            for t in d["tables"]:
                mark(t, "different scope")
            unexpected(d["actual"])
    for p in m.proposed if m is not None else ():
        mark(p.table, "proposed")
    for t in named:
        mark(t, "matches")
    statuses = {t: next(s for s in STATUSES if s in found[t]) for t in [*named, *found] if t in found}
    return edges, statuses


def title(findings: Findings) -> str:
    """The picture's title: how many of the tables the plan names differ, and the names read as others."""
    _, statuses = assumed_vs_actual(findings)
    named = named_tables(findings)
    counts = {s: sum(statuses[t] == s for t in named) for s in STATUSES}
    differ = sum(counts[s] for s in DIFFERENCES)
    parts = [f"{counts[s]} {s}" for s in DIFFERENCES if counts[s]]
    line = f"Assumed vs actual hierarchy: {differ} of {len(named)} tables the plan names differ"
    line += f" ({', '.join(parts)})" if parts else ""
    line += f"; {counts['proposed']} proposed" if counts["proposed"] else ""
    lines = [line]
    if findings.mapping:
        pairs = ", ".join(f"{short(a)} \u2192 {short(b)}" for a, b in sorted(findings.mapping.items()))
        lines.append(f"missing tables read as their counterparts: {pairs}")
    lines.append("arrows point from child to parent, roots on top")
    return "\n".join(lines)


def draw(findings: Findings, full: bool = False, max_nodes: int | None = 60) -> Figure:
    """The plan's hierarchy beside the one the migrations build, coloured by status, with a legend."""
    from schemalens.present.plot import draw_assumed_vs_actual

    edges, statuses = assumed_vs_actual(findings)
    return draw_assumed_vs_actual(findings.schema, edges, statuses, title=title(findings), full=full,
                                  max_nodes=max_nodes)


def impact_figure(impact, ax=None) -> Figure:
    """The subgraph of tables that reference the ones an option changes (:func:`schemalens.present.plot.draw_impact`)."""
    from schemalens.present.plot import draw_impact

    existing = [t for t in impact.tables if impact.schema.table(t) is not None]
    return draw_impact(impact.schema, existing, ax=ax)


def summary(findings: Findings) -> Markdown:
    """The executive summary: counts by severity, then one row per finding (severity, title, decision)."""
    c = findings.counts()
    plan = [f for f in findings if f.code not in GENERAL]
    head = (
        f"**{c['critical']} critical**, **{c['warning']} warning** and {c['info']} informational findings"
        f" from {len(findings.files)} migration files; {len(plan)} concern the plan's assumptions."
    )
    if findings.mapping:
        head += " Read as their counterparts: " + ", ".join(
            f"{md_name(a)} → {md_name(b)}" for a, b in sorted(findings.mapping.items())) + "."
    rows = ["| | Finding | Code | Decision |", "|---|---|---|---|"]
    rows += [f"| {ICON[f.severity]} {f.severity} | {_cell(f.title)} | `{f.code}` | `{f.decision}` |"
             for f in findings]
    return Markdown(head + ("\n\n" + "\n".join(rows) if len(findings) else "") + "\n")


def revised_understanding(findings: Findings) -> Markdown:
    """The actual data model as a tree under its root, and where the plan's new tables go.

    The report's own sections (its "Revised Understanding"), so notebook and report say the same.
    """
    parts = [report._data_model(findings)]
    if report.placements(findings):
        parts.append(report._proposed(findings))
    return Markdown("\n".join(parts))


def manifest_update(findings: Findings) -> Markdown:
    """The manifest as the migrations stand (``report.suggested_manifest``), as a YAML block."""
    text = report.suggested_manifest(findings)
    return Markdown(f"```yaml\n{text}\n```\n" if text else "No manifest: nothing to update.\n")


__all__ = ["DIFFERENCES", "STATUSES", "Markdown", "assumed_edges", "assumed_vs_actual", "draw", "impact_figure",
           "manifest_update", "named_tables", "revised_understanding", "summary", "title"]
