"""The plan's names read as the actual tables, in one step before the rules: the most likely counterpart
of each table the plan assumes and the migrations never create, and the actual root of the hierarchy.

Every rule reads the result from the :class:`~schemalens.assess.findings.Context` (``counterparts``, ``mapping``,
``root``); none writes state another rule reads.

* A missing table gets its most likely counterpart (:func:`counterpart`): a root of the foreign-key
  hierarchy for a missing root, a table the assumed children reach, one that references the assumed
  parent, columns the planned documents use on it, a similar name.
* The *actual root* is the assumed root when it is a root, else the only root, else the missing root's
  counterpart (:func:`actual_root`).
"""

from __future__ import annotations

import difflib

from schemalens.assess.findings import Context, short
from schemalens.read import rls
from schemalens.read.document_references import missing_references
from schemalens.read.graph import paths_to_root, reaches
from schemalens.read.graph import roots as hierarchy_roots


def counterpart(ctx: Context, missing: str) -> tuple[str | None, list[str]]:
    """The actual table most likely meant by a missing assumed table, and why (None when unclear)."""
    m = ctx.manifest
    all_roots = hierarchy_roots(ctx.graph)
    used = {
        r.column for r in missing_references(ctx.schema, ctx.documents) if r.table == missing and r.column
    }
    scores: dict[str, tuple[int, list[str]]] = {}
    for t in ctx.schema.tables:
        score, why = 0, []
        if m.root is not None and m.root.table == missing and t.name in all_roots:
            below = len([n for n in ctx.graph if t.name in reaches(ctx.graph, n)])
            if len(all_roots) == 1:
                score += 3
                why.append(f"the only root of the foreign-key hierarchy ({below} tables reach it)")
            else:
                score += 1
                why.append(f"a root of the foreign-key hierarchy ({below} tables reach it)")
        for e in m.hierarchy:
            if e.parent == missing and ctx.exists(e.child) and t.name in reaches(ctx.graph, e.child):
                path = rls.fk_path(ctx.schema, e.child, t.name)
                top = not [
                    p for p in paths_to_root(ctx.graph, e.child, include_external=False) if t.name not in p
                ]
                score += 2 if top else 1
                why.append(
                    f"`{short(e.child)}` (assumed under `{short(missing)}`) reaches it: "
                    f"{' → '.join(short(p) for p in path)}"
                )
            if (
                e.child == missing
                and ctx.exists(e.parent)
                and any(fk.ref_table == e.parent for fk in ctx.schema.foreign_keys_from(t.name))
            ):
                score += 2
                why.append(f"it references `{short(e.parent)}`, as `{short(missing)}` is assumed to")
        alike = sorted(used & set(t.column_names) - {"id"})
        if alike:
            score += len(alike)
            why.append(f"columns alike: it has {', '.join(alike)}, which the plans use on `{short(missing)}`")
        ratio = difflib.SequenceMatcher(None, short(missing), short(t.name)).ratio()
        if ratio >= 0.75:
            score += 2
            why.append(f"a similar name ({ratio:.0%})")
        if score:
            scores[t.name] = (score, why)
    if not scores:
        return None, []
    ranked = sorted(scores.items(), key=lambda kv: -kv[1][0])
    if len(ranked) > 1 and ranked[0][1][0] == ranked[1][1][0]:
        return None, [f"no clear counterpart: {', '.join(short(n) for n, _ in ranked[:3])} fit equally"]
    return ranked[0][0], ranked[0][1][1]


def actual_root(ctx: Context) -> str | None:
    all_roots = hierarchy_roots(ctx.graph)
    assumed = ctx.manifest.root.table if ctx.manifest.root else None
    if assumed in all_roots:
        return assumed
    if len(all_roots) == 1:
        return all_roots[0]
    if assumed and ctx.actual(assumed) in all_roots:
        return ctx.actual(assumed)
    return None


def map_names(ctx: Context) -> Context:
    """Fill ``ctx.counterparts`` (each missing assumed table: its counterpart or None, and why),
    ``ctx.mapping`` (assumed name -> counterpart) and ``ctx.root``; returns ``ctx``."""
    for table in ctx.manifest.tables_mentioned():
        if ctx.exists(table):
            continue
        found = ctx.counterparts[table] = counterpart(ctx, table)
        if found[0]:
            ctx.mapping[table] = found[0]
    ctx.root = actual_root(ctx)
    return ctx
