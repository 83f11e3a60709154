"""General checks on the actual schema, whatever the plan says: ``rls-disabled``,
``table-without-policy``, ``unindexed-foreign-key`` and ``unreachable-from-root``.

``rls-disabled`` concerns tables the API roles (``anon``, ``authenticated``) can read or write: Supabase's
default privileges give them every new ``public`` table, and the migrations' GRANT and REVOKE statements
are replayed on top (a table revoked from both is not exposed: RLS being off there is information).

They look at every table the migrations create, in whichever schema (a table in ``basejump`` or ``private``
is as much the project's as one in ``public``), and never at names. Row-level security is a Supabase
concern (its API roles reach the tables): on a plain PostgreSQL project (:mod:`schemalens.platform`, or
the manifest's ``platform: postgres``) ``rls-disabled`` does not apply.
"""

from __future__ import annotations

from schemalens.findings import Context, Finding, _fk_dict, group_name, short
from schemalens.graph import paths_to_root, reaches
from schemalens.model import ForeignKey
from schemalens.names import md_code, md_name, quote_ident, quote_table
from schemalens.plan_checks import detail_owners


def _created(ctx: Context):
    return [t for t in ctx.schema.tables if t.partition_of is None]


def rls_disabled(ctx: Context) -> list[Finding]:
    out: list[Finding] = []
    if ctx.platform != "supabase":
        return out
    for t in _created(ctx):
        if t.rls_enabled:
            continue
        if t.api_access:
            out.append(Finding(
                "rls-disabled",
                "warning",
                f"Row level security is off on {md_name(t.name)}",
                "every exposed table enforces row level security",
                f"{md_name(t.name)} never enables RLS",
                tuple(ctx.table_evidence(t.name)),
                f"Any role with table privileges reads and writes every row of {md_name(t.name)} "
                "(Supabase grants the "
                "API roles access to new public tables by default).",
                "enable-rls",
                (
                    "Option A: Enable RLS and add policies",
                    "Option B: Keep it off and revoke the API roles' privileges (document why)",
                ),
                t.name,
                {"table": t.name, "api_access": list(t.api_access)},
            ))
            continue
        holders = list(t.granted)
        held = f"only {', '.join(md_code(r) for r in holders)} hold{'s' if len(holders) == 1 else ''} privileges" \
            if holders else "no role but its owner holds privileges"
        grants = [ctx.sources.evidence(t.grants_source, "the API roles' privileges are revoked here")] \
            if t.grants_source.file else []
        out.append(Finding(
            "rls-disabled",
            "info",
            f"Row level security is off on {md_name(t.name)}, which the API roles cannot reach",
            "every exposed table enforces row level security",
            f"{md_name(t.name)} never enables RLS; `anon` and `authenticated` hold no privilege on it ({held})",
            (*ctx.table_evidence(t.name), *grants),
            "Not exposed through the API today. A later GRANT to `anon` or `authenticated` (or to PUBLIC) would "
            "expose every row, with nothing to filter them.",
            "enable-rls",
            (
                "Option A: Enable RLS anyway, without policies (defence in depth: a later grant exposes nothing)",
                "Option B: Keep it off; the revoked privileges are the protection (document why)",
            ),
            t.name,
            {"table": t.name, "api_access": []},
        ))
    return out


def tables_without_policy(ctx: Context) -> list[Finding]:
    return [
        Finding(
            "table-without-policy",
            "info",
            f"{md_name(t.name)} has RLS on but no policy",
            "RLS-enabled tables have policies",
            f"RLS is on and no policy exists: API roles see no rows of {md_name(t.name)}",
            tuple(ctx.table_evidence(t.name)),
            "Only the table owner and roles that bypass RLS (service role) can use it; if the app reads it "
            "through the API it gets nothing.",
            "add-policies",
            ("Option A: Add the policies the app needs", "Option B: Keep it service-role only (document it)"),
            t.name,
            {"table": t.name},
        )
        for t in _created(ctx)
        if t.rls_enabled and not ctx.schema.policies_on(t.name)
    ]


def _covered(ctx: Context, fk: ForeignKey) -> bool:
    t, n, want = ctx.schema.table(fk.table), len(fk.columns), set(fk.columns)
    prefixes = [t.primary_key] + [u.columns for u in t.uniques] if t else []
    prefixes += [i.columns for i in ctx.schema.indexes if i.table == fk.table]
    return any(set(p[:n]) == want and len(p) >= n for p in prefixes)


def unindexed_foreign_keys(ctx: Context) -> list[Finding]:
    out = []
    for fk in ctx.schema.foreign_keys:
        if ctx.schema.table(fk.table) is None or _covered(ctx, fk):
            continue
        cols = ", ".join(fk.columns)
        sql = f"CREATE INDEX ON {short(quote_table(fk.table))} ({', '.join(map(quote_ident, fk.columns))});"
        out.append(
            Finding(
                "unindexed-foreign-key",
                "info",
                f"Foreign key {md_code(short(fk.table) + '.' + cols)} has no index",
                "foreign-key columns lead an index",
                f"no index, primary key or unique constraint starts with ({cols})",
                (ctx.fk_evidence(fk),),
                f"Deleting or updating a row of {md_name(fk.ref_table)} scans {md_name(fk.table)}; "
                "joins and RLS checks "
                f"on {md_code(cols)} scan too.",
                "index-foreign-keys",
                (f"Option A: {md_code(sql)}", "Option B: Leave it (small table)"),
                f"{fk.table}.{cols}",
                {"table": fk.table, "columns": list(fk.columns), "foreign_key": _fk_dict(fk), "sql": sql},
            )
        )
    return out


def unreachable_from_root(ctx: Context) -> list[Finding]:
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
                "unreachable-from-root",
                "info",
                f"{label} {'have' if len(tables) > 1 else 'has'} no FK path to the root {md_name(ctx.root)}",
                f"every table hangs under {md_name(ctx.root)}",
                actual,
                tuple(evidence),
                f"Deleting a row of {md_name(ctx.root)} leaves these rows behind, "
                "and tenant-scoped RLS cannot reach them"
                + (f"; they belong to {', '.join(short(x) for x in tops)} instead." if tops else "."),
                f"scope-of-{name}",
                (
                    f"Option A: Keep {label} outside the tenant hierarchy (document it)",
                    f"Option B: Add an FK to the hierarchy under {md_name(ctx.root)}",
                ),
                ", ".join(tables),
                {"group": name, "tables": tables, "tops": list(tops), "root": ctx.root},
            )
        )
    return out
