"""``manual-sync-required``: a key RLS compares with ``auth.uid()`` that nothing ties to ``auth.users``."""

from __future__ import annotations

from typing import Any

from schemalens.assess.findings import (
    Context,
    Finding,
    short,
)
from schemalens.read import rls


def manual_sync(ctx: Context) -> list[Finding]:
    """One finding per key that policies compare with ``auth.uid()`` and nothing ties to ``auth.users``.

    >>> from schemalens.assess.compare import context_of
    >>> ctx = context_of("CREATE TABLE profiles (id uuid PRIMARY KEY); "
    ...                  "CREATE TABLE notes (id int, profile_id uuid REFERENCES profiles); "
    ...                  "CREATE POLICY own ON notes USING (profile_id = auth.uid());")
    >>> [(f.severity, f.title) for f in manual_sync(ctx)]
    [('warning', 'RLS expects `profiles.id` = `auth.uid()`, but nothing keeps them in step')]
    """
    groups: dict[tuple[str, str], list[tuple[Any, rls.AuthComparison]]] = {}
    for key, uses in rls.identity_keys(ctx.schema).items():
        if not key[0] or not ctx.exists(key[0]):
            continue
        link = rls.auth_link(ctx.schema, *key)
        if link.kind == "none" and link.terminal[0] != rls.AUTH_USERS and ctx.schema.table(link.terminal[0]):
            groups.setdefault(link.terminal, []).extend(uses)
    out = []
    for (table, column), uses in sorted(groups.items()):
        policies = list(
            dict.fromkeys(
                p
                for p, _ in sorted(
                    uses,
                    key=lambda u: (
                        not (u[0].table == table and u[1].table == table and not u[1].via),
                        u[0].source,
                    ),
                )
            )
        )
        helpers = list(dict.fromkeys(c.via for _, c in uses if c.via))
        col = ctx.schema.table(table).column(column)
        key = f"{short(table)}.{column}"
        evidence = [
            ctx.sources.evidence(p.source, f'policy "{p.name}" on {short(p.table)}') for p in policies
        ]
        fns = [f for f in ctx.schema.functions if f.name in helpers]
        evidence[1:1] = [
            ctx.sources.evidence(f.source, f"helper {short(f.name)}() compares auth.uid() with {key}")
            for f in fns
            if f.source.file
        ]
        if col is not None and col.source.file:
            evidence.insert(1, ctx.sources.evidence(col.source, f"`{key}`: no REFERENCES {rls.AUTH_USERS}"))
        assumed_fk = next(
            (
                a
                for a in ctx.manifest.foreign_keys
                if ctx.actual(a.table) == table
                and a.columns == (column,)
                and ctx.actual(a.ref_table) == rls.AUTH_USERS
            ),
            None,
        )
        assumed = (
            f"`{key}` is a foreign key to `auth.users.{assumed_fk.ref_columns[0]}`"
            if assumed_fk
            else f"`{key}` identifies the signed-in user"
        )
        tables = sorted({p.table for p in policies})
        via = f" (directly or through {', '.join(short(h) + '()' for h in helpers)})" if helpers else ""
        out.append(
            Finding(
                code="manual-sync-required",
                severity="warning",
                title=f"RLS expects `{key}` = `auth.uid()`, but nothing keeps them in step",
                assumed=assumed,
                actual=f"{len(policies)} polic{'ies' if len(policies) != 1 else 'y'} on {len(tables)} "
                f"table{'s' if len(tables) != 1 else ''} compare `auth.uid()` with `{key}`{via}; "
                "no foreign key ties "
                f"`{key}` to `{rls.AUTH_USERS}` and no trigger on `{rls.AUTH_USERS}` writes `{short(table)}`",
                evidence=tuple(evidence),
                impact="- No auto-sync trigger exists\n"
                f"- Manual coordination required between `{rls.AUTH_USERS}` and `{short(table)}`\n"
                f"- Application code must ensure IDs match: a `{short(table)}` row whose `{column}` "
                f"differs from its auth user's id sees none of the rows of {len(tables)} tables",
                decision="user-mapping",
                options=(
                    f"Option A: Add FK constraint `{key}` → `auth.users.id` + migration (data risk)",
                    "Option B: Keep current pattern + document requirement",
                    f"Option C: Add trigger on `{rls.AUTH_USERS}` for new users only (hybrid)",
                ),
                subject=f"{table}.{column}",
                data={
                    "table": table,
                    "column": column,
                    "auth_table": rls.AUTH_USERS,
                    "helpers": helpers,
                    "tables": tables,
                    "policies": [
                        {"table": p.table, "name": p.name, "source": str(p.source)} for p in policies
                    ],
                },
            )
        )
    return out
