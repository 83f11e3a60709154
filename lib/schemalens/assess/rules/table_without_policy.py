"""``table-without-policy``: a table with RLS on and no policy (nobody but the owner reads it)."""

from __future__ import annotations

from schemalens.assess.findings import (
    Context,
    Finding,
)
from schemalens.assess.rules.rls_disabled import _created
from schemalens.core.names import md_name


def tables_without_policy(ctx: Context) -> list[Finding]:
    """Each created table with RLS on and no policy.

    >>> from schemalens.assess.compare import context_of
    >>> ctx = context_of("CREATE TABLE orgs (id int PRIMARY KEY); ALTER TABLE orgs ENABLE ROW LEVEL SECURITY;")
    >>> [(f.severity, f.title) for f in tables_without_policy(ctx)]
    [('info', '`orgs` has RLS on but no policy')]
    """
    return [
        Finding(
            code="table-without-policy",
            severity="info",
            title=f"{md_name(t.name)} has RLS on but no policy",
            assumed="RLS-enabled tables have policies",
            actual=f"RLS is on and no policy exists: API roles see no rows of {md_name(t.name)}",
            evidence=tuple(ctx.table_evidence(t.name)),
            impact="Only the table owner and roles that bypass RLS (service role) can use it; if the app reads it "
            "through the API it gets nothing.",
            decision="add-policies",
            options=("Option A: Add the policies the app needs", "Option B: Keep it service-role only (document it)"),
            subject=t.name,
            data={"table": t.name},
        )
        for t in _created(ctx)
        if t.rls_enabled and not ctx.schema.policies_on(t.name)
    ]
