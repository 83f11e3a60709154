"""``root-mismatch``: the assumed root exists but is not a root of the foreign-key hierarchy."""

from __future__ import annotations

from schemalens.assess.findings import (
    Context,
    Finding,
    _manifest_evidence,
    short,
)
from schemalens.assess.plan_checks import (
    owning_paths,
)
from schemalens.assess.rules.paths import arrow_path, path_fks
from schemalens.read.graph import roots as hierarchy_roots


def root_mismatch(ctx: Context) -> list[Finding]:
    """The assumed root, when it exists and belongs to a table above it.

    >>> from schemalens.assess.compare import context_of
    >>> ctx = context_of("CREATE TABLE orgs (id int PRIMARY KEY); "
    ...                  "CREATE TABLE users (id int PRIMARY KEY, org_id int REFERENCES orgs);", "root: users")
    >>> [(f.severity, f.title) for f in root_mismatch(ctx)]
    [('critical', '`users` is not the root of the hierarchy; `orgs` is')]
    """
    r = ctx.manifest.root
    if r is None or not ctx.exists(r.table) or r.table in hierarchy_roots(ctx.graph):
        return []
    if not owning_paths(ctx, r.table, include_external=False, owned_only=True):
        return []  # it points only at rows it does not belong to (a picture, its settings): it is a top
    paths = owning_paths(ctx, r.table, include_external=False)
    top = paths[0][-1] if paths else ctx.root
    path = paths[0] if paths else []
    evidence = [ctx.fk_evidence(fk) for fk in path_fks(ctx.schema, path)]
    evidence += ctx.table_evidence(top, "the actual root") if top else []
    evidence.append(_manifest_evidence(ctx.manifest, r.line, f"root: {r.written}"))
    actual = (
        f"`{short(r.table)}` sits under `{short(top)}`: {arrow_path(ctx.schema, path)}"
        if path
        else f"nothing references `{short(r.table)}`" + (f"; the root is `{short(top)}`" if top else "")
    )
    return [
        Finding(
            code="root-mismatch",
            severity="critical",
            title=f"`{short(r.table)}` is not the root of the hierarchy" + (f"; `{short(top)}` is" if top else ""),
            assumed=f"`{short(r.table)}` is the tenant root (root: {r.written})",
            actual=actual,
            evidence=tuple(evidence),
            impact=f"Rows the plan hangs off `{short(r.table)}` are one level below the real tenant boundary"
            + (f" `{short(top)}`" if top else "")
            + "; tenant-wide queries and RLS must go up to it.",
            decision="root-entity",
            options=(
                f"Option A: Use `{short(top)}` as the root in the manifest and documents"
                if top
                else "Option A: Name the actual root in the manifest",
                f"Option B: Keep `{short(r.table)}` as the tenant boundary "
                f"(document that `{short(top)}` is shared above it)",
            ),
            subject=r.table,
            data={"assumed": r.table, "actual_root": top, "path": path},
        )
    ]
