"""``rls-disabled``: a table the API roles reach with row-level security off (Supabase only).
``rls-disabled`` concerns tables the API roles (``anon``, ``authenticated``) can read or write: Supabase's
default privileges give them every new ``public`` table, and the migrations' GRANT and REVOKE statements
are replayed on top (a table revoked from both is not exposed: RLS being off there is information).
"""

from __future__ import annotations

from schemalens.assess.findings import (
    Context,
    Finding,
)
from schemalens.core.names import md_code, md_name


def _created(ctx: Context):
    return [t for t in ctx.schema.tables if t.partition_of is None]


def rls_disabled(ctx: Context) -> list[Finding]:
    """Each created table the API roles reach with RLS off (Supabase only).

    >>> from schemalens.assess.compare import context_of
    >>> ctx = context_of("CREATE TABLE orgs (id int PRIMARY KEY);")
    >>> [(f.severity, f.title) for f in rls_disabled(ctx)]
    [('warning', 'Row level security is off on `orgs`')]
    """
    out: list[Finding] = []
    if ctx.platform != "supabase":
        return out
    for t in _created(ctx):
        if t.rls_enabled:
            continue
        if t.api_access:
            out.append(Finding(
                code="rls-disabled",
                severity="warning",
                title=f"Row level security is off on {md_name(t.name)}",
                assumed="every exposed table enforces row level security",
                actual=f"{md_name(t.name)} never enables RLS",
                evidence=tuple(ctx.table_evidence(t.name)),
                impact=f"Any role with table privileges reads and writes every row of {md_name(t.name)} "
                "(Supabase grants the "
                "API roles access to new public tables by default).",
                decision="enable-rls",
                options=(
                    "Option A: Enable RLS and add policies",
                    "Option B: Keep it off and revoke the API roles' privileges (document why)",
                ),
                subject=t.name,
                data={"table": t.name, "api_access": list(t.api_access)},
            ))
            continue
        holders = list(t.granted)
        held = f"only {', '.join(md_code(r) for r in holders)} hold{'s' if len(holders) == 1 else ''} privileges" \
            if holders else "no role but its owner holds privileges"
        grants = [ctx.sources.evidence(t.grants_source, "the API roles' privileges are revoked here")] \
            if t.grants_source.file else []
        out.append(Finding(
            code="rls-disabled",
            severity="info",
            title=f"Row level security is off on {md_name(t.name)}, which the API roles cannot reach",
            assumed="every exposed table enforces row level security",
            actual=f"{md_name(t.name)} never enables RLS; `anon` and `authenticated` hold no privilege on it ({held})",
            evidence=(*ctx.table_evidence(t.name), *grants),
            impact="Not exposed through the API today. A later GRANT to `anon` or `authenticated` (or to PUBLIC) would "
            "expose every row, with nothing to filter them.",
            decision="enable-rls",
            options=(
                "Option A: Enable RLS anyway, without policies (defence in depth: a later grant exposes nothing)",
                "Option B: Keep it off; the revoked privileges are the protection (document why)",
            ),
            subject=t.name,
            data={"table": t.name, "api_access": []},
        ))
    return out
