"""``scope-mismatch``: a table scoped by another entity than the plan assumes (its policies, else its
foreign-key path), or by none (global)."""

from __future__ import annotations

from schemalens.assess.findings import (
    Context,
    Finding,
    _manifest_evidence,
    group_name,
    short,
)
from schemalens.assess.plan_checks import (
    belongs_to,
    owner_path,
    related_groups,
    required_path,
)
from schemalens.assess.rules.paths import arrow_path, is_external
from schemalens.core.names import md_name
from schemalens.read import rls
from schemalens.read.manifest import AssumedScope


def _fk_scope(ctx: Context, table: str, towards: str | None = None) -> str | None:
    path = rls.fk_path(ctx.schema, table, ctx.root) if ctx.root else ()
    if not path:
        path = owner_path(ctx, table, towards)
    return path[1] if len(path) > 1 else (table if path else None)


def _bridge(ctx: Context, entity: str) -> list[str]:
    """The public table keyed by the auth user, and its FK path to ``entity`` (how auth users map to it)."""
    for table, column in rls.identity_keys(ctx.schema):
        t = ctx.schema.table(table)
        if t is not None and t.primary_key == (column,):
            path = list(rls.fk_path(ctx.schema, table, entity))
            if path:
                return path
    return []


def scoping(ctx: Context) -> list[Finding]:
    """Tables scoped by another entity than the plan assumes, one finding per group of related tables.

    >>> from schemalens.assess.compare import context_of
    >>> ctx = context_of("CREATE TABLE orgs (id int PRIMARY KEY); "
    ...                  "CREATE TABLE notes (id int, user_id uuid REFERENCES auth.users); "
    ...                  "CREATE POLICY own ON notes USING (user_id = auth.uid());", "scoping:\\n  notes: orgs")
    >>> [(f.severity, f.title) for f in scoping(ctx)]
    [('warning', '`notes` is scoped by `auth.users`, not `orgs`')]
    """
    groups: dict[tuple, list] = {}
    out = []
    for s in ctx.manifest.scoping:
        table, entity = ctx.actual(s.table), ctx.actual(s.entity)
        if not ctx.exists(table) or not (ctx.exists(entity) or is_external(entity)):
            continue
        by_policy = rls.table_scopes(ctx.schema, table)
        fk = _fk_scope(ctx, table, entity)
        if entity in (list(by_policy) or [fk]) or belongs_to(ctx, table, entity):
            continue
        if not by_policy and fk is None:
            out.append(global_scope(ctx, s, table, entity))
            continue
        primary = (
            max(by_policy, key=lambda sc: (len(rls.fk_path(ctx.schema, table, sc)), sc)) if by_policy else fk
        )
        groups.setdefault((s.entity, entity, primary), []).append((s, table, by_policy, fk))
    for (assumed, entity, primary), items in related_groups(groups):
        tables = [t for _, t, _, _ in items]
        name = group_name(tables)
        evidence, detail, agree = [], [], True
        for _, table, by_policy, fk in items:
            fk_obj = next(
                (f for f in ctx.schema.foreign_keys_from(table) if f.ref_table == (fk or primary)), None
            )
            if fk_obj is not None:
                evidence.append(ctx.fk_evidence(fk_obj))
            meanings = by_policy.get(primary, [])
            if meanings:
                evidence.append(
                    ctx.sources.evidence(meanings[0].policy.source, f'policy "{meanings[0].policy.name}"')
                )
            fk_columns = fk_obj.columns if fk_obj is not None and fk_obj.ref_table == fk else ()
            policy_columns = {t.column for m in meanings for t in m.terms if t.scope == primary}
            agree &= (  # the policies bind the same column the FK path leaves by (or the same table)
                not by_policy or not fk or primary in (fk, table) or bool(policy_columns & set(fk_columns))
            )
        evidence += [
            _manifest_evidence(ctx.manifest, s.line, f"scoping {short(s.table)}: {s.entity_written}")
            for s, *_ in items
        ]
        s0, t0, pol0, fk0 = items[0]
        fk_text = next(
            (
                f"{','.join(f.columns)} → {short(f.ref_table)}"
                for f in ctx.schema.foreign_keys_from(t0)
                if f.ref_table == (fk0 or primary)
            ),
            None,
        )
        term = next(
            (
                t
                for m in pol0.get(primary, [])
                for t in rls.explain(ctx.schema, m.policy).terms
                if t.scope == primary
            ),
            None,
        )
        if fk_text:
            detail.append(f"FK `{fk_text}`")
        if term:
            detail.append(f"RLS `{term.text}`")
        agreement = (
            "no policy binds its rows, the FK path decides"
            if not any(pol for _, _, pol, _ in items)
            else "the FK path and the policies agree"
            if agree
            else f"the FK path says `{short(fk0)}`, the policies say `{short(primary)}`"
        )
        through = required_path(ctx, t0, entity)
        reach = (
            f"; rows reach `{short(entity)}` only through `{short(through[1])}` "
            f"({' → '.join(short(x) for x in through)})"
            if len(through) > 2
            else ""
        )
        label = f"{len(tables)} `{name}` tables" if len(tables) > 1 else f"`{short(t0)}`"
        bridge = _bridge(ctx, entity) if primary == rls.AUTH_USERS else []
        owner = fk0 if not agree and fk0 and fk0 != primary else None  # the FK owner, when RLS says other
        impact = (
            f"- Rows are per-`{short(primary)}`, NOT per-`{short(entity)}`\n"
            + (f"- Each row belongs to one `{short(owner)}` row by its foreign key; RLS narrows per "
               f"`{short(primary)}`\n" if owner else "")
            + (f"- RLS uses `{term.text}`\n" if term else "")
            + "- This is a DIFFERENT multi-tenancy model than assumed"
            + (
                f"\n- Re-scoping to `{short(entity)}` maps each row's user through `{short(bridge[0])}` "
                f"(its key must equal the auth user's id) → {arrow_path(ctx.schema, bridge)}"
                if bridge
                else ""
            )
        )
        options = [
            f"Option A: Keep {label} scoped by `{short(primary)}` (update the manifest)",
            f"Option B: Re-scope to `{short(entity)}` (new FK column, backfill, new policies)",
        ]
        if len(tables) > 1:
            options.append(
                f"Option C: Unify the {len(tables)} tables into one `{short(entity)}`-scoped table "
                "with a type discriminator"
            )
        out.append(
            Finding(
                code="scope-mismatch",
                severity="warning",
                title=f"{label} {'are' if len(tables) > 1 else 'is'} scoped by "
                + (f"`{short(owner)}` (FK) and `{short(primary)}` (RLS)" if owner else f"`{short(primary)}`")
                + f", not `{short(assumed)}`",
                assumed=f"{', '.join(f'`{short(t)}`' for t in tables)} scoped by {ctx.as_mapped(assumed)}",
                actual=f"Scoped by `{short(primary)}` ({'; '.join(detail)}): {agreement}{reach}",
                evidence=tuple(evidence),
                impact=impact,
                decision=f"scope-of-{name}",
                options=tuple(options),
                subject=", ".join(tables),
                data={
                    "group": name,
                    "tables": tables,
                    "assumed": assumed,
                    "assumed_actual": entity,
                    "actual": primary,
                    "fk_scope": {t: fk for _, t, _, fk in items},
                    "agree": agree,
                    "bridge": bridge,
                    "policy_scopes": {t: sorted(p) for _, t, p, _ in items},
                },
            )
        )
    return out


def global_scope(ctx: Context, s: AssumedScope, table: str, entity: str) -> Finding:
    """A ``scope-mismatch`` for a table the plan scopes but nothing owns: no FK up, no policy binding rows."""
    policies = ctx.schema.policies_on(table)
    evidence = [*ctx.table_evidence(table), _manifest_evidence(ctx.manifest, s.line, f"scoping {short(s.table)}: {s.entity_written}")]
    how = (
        f"its {len(policies)} polic{'ies bind' if len(policies) != 1 else 'y binds'} no row to a user or entity"
        if policies
        else "it has no policy"
    )
    return Finding(
        code="scope-mismatch",
        severity="warning",
        title=f"{md_name(table)} is global, not scoped by {md_name(s.entity)}",
        assumed=f"{md_name(table)} scoped by {md_name(s.entity)}",
        actual=f"{md_name(table)} has no owner: no foreign key from it to any table, and {how}",
        evidence=tuple(evidence),
        impact=f"- Every {md_name(table)} row is shared by all {md_name(entity)} rows\n"
        f"- Nothing ties a row to one {md_name(entity)}: the plan's per-{md_name(entity)} reads see them all",
        decision=f"scope-of-{short(table).replace('.', '_')}",
        options=(
            f"Option A: Keep {md_name(table)} global (update the manifest)",
            f"Option B: Scope it: add an FK to {md_name(entity)}, backfill, add policies",
        ),
        subject=table,
        data={"group": short(table), "tables": [table], "assumed": s.entity, "assumed_actual": entity,
         "actual": None, "global": True, "fk_scope": {table: None}, "agree": True, "bridge": [],
         "policy_scopes": {table: []}},
    )
