"""``hierarchy-mismatch``: an assumed child → parent link the foreign keys make indirect or do not make."""

from __future__ import annotations

from schemalens.assess.findings import (
    Context,
    Finding,
    _fk_dict,
    _manifest_evidence,
    short,
)
from schemalens.assess.plan_checks import (
    required_path,
)
from schemalens.assess.rules.paths import arrow_path, path_fks
from schemalens.read.graph import paths_to_root


def hierarchy(ctx: Context) -> list[Finding]:
    """Each assumed child → parent with no direct foreign key: a warning when the parent is reached through
    other tables, critical when it is not reached.

    >>> from schemalens.assess.compare import context_of
    >>> ctx = context_of("CREATE TABLE orgs (id int PRIMARY KEY); "
    ...                  "CREATE TABLE projects (id int PRIMARY KEY, org_id int REFERENCES orgs); "
    ...                  "CREATE TABLE tasks (id int, project_id int REFERENCES projects);", "hierarchy:\\n  - tasks -> orgs")
    >>> [(f.severity, f.title) for f in hierarchy(ctx)]
    [('warning', 'Hierarchy is different: `tasks` → `projects` → `orgs`, not `tasks` → `orgs`')]
    """
    out = []
    for e in ctx.manifest.hierarchy:
        child, parent = ctx.actual(e.child), ctx.actual(e.parent)
        if not ctx.exists(child) or not ctx.exists(parent):
            continue
        if any(fk.ref_table == parent for fk in ctx.schema.foreign_keys_from(child)):
            continue
        path = list(required_path(ctx, child, parent))
        evidence = [ctx.fk_evidence(fk) for fk in path_fks(ctx.schema, path)]
        evidence.append(_manifest_evidence(ctx.manifest, e.line, e.text))
        assumed = (
            f"`{short(e.child)}` → `{short(e.parent)}`: a foreign key from `{short(e.child)}` to "
            f"{ctx.as_mapped(e.parent)}"
        )
        proposed = [p.table for p in ctx.manifest.proposed if ctx.actual(p.parent) == parent]
        if path:
            via = path[1]
            siblings = sorted(fk.table for fk in ctx.schema.foreign_keys_to(via) if fk.table != child)
            actual = f"{' → '.join(f'`{short(t)}`' for t in path)} ({arrow_path(ctx.schema, path)})"
            impact = (
                f"- `{short(child)}` belong to `{short(via)}`, not directly to `{short(parent)}`\n"
                + (
                    f"- Tables the plan adds under `{short(e.parent)}` "
                    f"({', '.join(short(p) for p in proposed)}) "
                    + (
                        f"should FK to `{short(via)}`, as {len(siblings)} existing tables do\n"
                        if e.parent != parent
                        else f"sit above the level `{short(child)}` belong to; "
                        f"per-`{short(via)}` rows would FK to "
                        f"`{short(via)}`, as {len(siblings)} existing tables do\n"
                    )
                    if proposed
                    else ""
                )
                + f"- RLS needs to follow the hierarchy chain {arrow_path(ctx.schema, path)}"
            )
            title = (
                f"Hierarchy is different: {' → '.join(f'`{short(t)}`' for t in path)}, "
                f"not `{short(e.child)}` → `{short(e.parent)}`"
            )
        else:
            via, siblings = None, []
            tops = [p[-1] for p in paths_to_root(ctx.graph, child)]
            actual = f"`{short(child)}` has no foreign-key path to `{short(parent)}`" + (
                f"; it reaches {', '.join(f'`{short(t)}`' for t in dict.fromkeys(tops))}" if tops else ""
            )
            impact = (
                f"- Nothing links a `{short(child)}` row to a `{short(parent)}` row: "
                "the plan's joins find nothing"
            )
            title = f"Hierarchy is different: `{short(child)}` does not reach `{short(parent)}`"
        options = (
            (
                f"Option A: New tables FK to `{short(via)}`, following the existing hierarchy",
                f"Option B: New tables FK to `{short(parent)}` directly (RLS joins through `{short(via)}`)",
            )
            if via
            else (
                f"Option A: Add `{short(child)}.{short(parent).rstrip('s')}_id` → `{short(parent)}`",
                "Option B: Drop the assumption from the plan",
            )
        )
        out.append(
            Finding(
                code="hierarchy-mismatch",
                severity="warning" if path else "critical",
                title=title,
                assumed=assumed,
                actual=actual,
                evidence=tuple(evidence),
                impact=impact,
                decision="proposed-hierarchy",
                options=options,
                subject=child,
                data={
                    "child": child,
                    "parent": e.parent,
                    "parent_actual": parent,
                    "path": path,
                    "foreign_keys": [_fk_dict(f) for f in path_fks(ctx.schema, path)],
                    "recommended_parent": via,
                    "proposed": proposed,
                    "siblings": siblings,
                },
            )
        )
    return out
