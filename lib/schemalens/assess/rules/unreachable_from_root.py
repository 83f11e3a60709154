"""``unreachable-from-root``: tables with no foreign-key path to the actual root."""

from __future__ import annotations

from schemalens.assess.findings import (
    Context,
    Finding,
    group_name,
    short,
)
from schemalens.assess.plan_checks import (
    detail_owners,
)
from schemalens.assess.rules.rls_disabled import _created
from schemalens.core.names import md_code, md_name
from schemalens.read.graph import paths_to_root, reaches


def unreachable_from_root(ctx: Context) -> list[Finding]:
    """Groups of tables with no foreign-key path to the actual root (skipped without one).

    >>> from schemalens.assess.compare import context_of
    >>> ctx = context_of("CREATE TABLE orgs (id int PRIMARY KEY); "
    ...                  "CREATE TABLE users (id int PRIMARY KEY, org_id int REFERENCES orgs); CREATE TABLE logs (id int);",
    ...                  "root: orgs")
    >>> [(f.severity, f.title) for f in unreachable_from_root(ctx)]
    [('info', '`logs` has no FK path to the root `orgs`')]
    """
    if not ctx.root:
        return []
    groups: dict[tuple[str, ...], list[str]] = {}
    for t in _created(ctx):
        if t.name == ctx.root or ctx.root in reaches(ctx.graph, t.name):
            continue
        owners = detail_owners(ctx.schema, t.name)  # a one-to-one settings row belongs where its owner does
        if owners and all(ctx.root in reaches(ctx.graph, o) | {o} for o in owners):
            continue
        tops = tuple(sorted({p[-1] for p in paths_to_root(ctx.graph, t.name)}))
        groups.setdefault(tops, []).append(t.name)
    out = []
    for tops, tables in sorted(groups.items()):
        name = group_name(tables, "standalone")
        label = f"{len(tables)} {md_code(name)} tables" if len(tables) > 1 else f"{md_name(tables[0])}"
        actual = (
            f"{'they reach' if len(tables) > 1 else 'it reaches'} only "
            f"{', '.join(f'{md_name(x)}' for x in tops)}"
            if tops
            else "no foreign key links it to any table"
        )
        evidence = [e for t in tables for e in ctx.table_evidence(t)]
        out.append(
            Finding(
                code="unreachable-from-root",
                severity="info",
                title=f"{label} {'have' if len(tables) > 1 else 'has'} no FK path to the root {md_name(ctx.root)}",
                assumed=f"every table hangs under {md_name(ctx.root)}",
                actual=actual,
                evidence=tuple(evidence),
                impact=f"Deleting a row of {md_name(ctx.root)} leaves these rows behind, "
                "and tenant-scoped RLS cannot reach them"
                + (f"; they belong to {', '.join(short(x) for x in tops)} instead." if tops else "."),
                decision=f"scope-of-{name}",
                options=(
                    f"Option A: Keep {label} outside the tenant hierarchy (document it)",
                    f"Option B: Add an FK to the hierarchy under {md_name(ctx.root)}",
                ),
                subject=", ".join(tables),
                data={"group": name, "tables": tables, "tops": list(tops), "root": ctx.root},
            )
        )
    return out
