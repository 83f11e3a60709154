"""``missing-foreign-key``: a column-level foreign key the plan relies on that the migrations lack
(critical), or have only as part of a composite key (a warning).

Composite keys (:func:`composite_foreign_keys`): the plan assumes ``transactions.category_slug -> categories.slug``;
the migrations have ``(category_slug, team_id) -> categories (slug, team_id)``. The assumed column is
checked by the database, but only together with the others: a ``missing-foreign-key`` *warning* that
says so (a join on the one column can match another team's row), not "a standalone text (no FK)".
"""

from __future__ import annotations

from schemalens.assess.findings import (
    Context,
    Finding,
    _fk_dict,
    _manifest_evidence,
    short,
)
from schemalens.assess.rules.paths import is_external
from schemalens.core.model import ForeignKey
from schemalens.core.names import md_code, md_name
from schemalens.read.manifest import AssumedForeignKey


def missing_foreign_keys(ctx: Context) -> list[Finding]:
    """Each assumed foreign key whose column has no foreign key to the assumed column (critical).

    >>> from schemalens.assess.compare import context_of
    >>> ctx = context_of("CREATE TABLE orgs (id int PRIMARY KEY); CREATE TABLE users (id int PRIMARY KEY, org_id int);",
    ...                  "foreign_keys:\\n  - users.org_id -> orgs.id")
    >>> [(f.severity, f.title) for f in missing_foreign_keys(ctx)]
    [('critical', 'No foreign key `users.org_id` → `orgs.id`')]
    """
    out = []
    for a in ctx.manifest.foreign_keys:
        table, ref = ctx.actual(a.table), ctx.actual(a.ref_table)
        if not ctx.exists(table) or not (ctx.exists(ref) or is_external(ref)):
            continue  # reported as missing-table
        fks = [fk for fk in ctx.schema.foreign_keys_from(table) if fk.columns == a.columns]
        if any(fk.ref_table == ref and fk.ref_columns == a.ref_columns for fk in fks):
            continue
        if not fks and composite_containing(ctx, a):
            continue  # plan_checks.composite_foreign_keys says it exists as part of a composite key
        t = ctx.schema.table(table)
        col = t.column(a.columns[0]) if t else None
        left, right = f"{short(table)}.{a.columns[0]}", f"{short(ref)}.{a.ref_columns[0]}"
        if col is None:
            actual = f"`{short(table)}` has no column `{a.columns[0]}`"
            evidence = ctx.table_evidence(table)
        elif fks:
            actual = f"`{left}` references `{short(fks[0].ref_table)}.{fks[0].ref_columns[0]}` instead"
            evidence = [ctx.fk_evidence(fks[0])]
        else:
            own = " with its own default" if col.default else ""
            actual = f"`{left}` is a standalone {col.type or 'column'}{own} (no FK)"
            evidence = (
                [ctx.sources.evidence(col.source, f"`{left}`: no REFERENCES")] if col.source.file else []
            )
        evidence.append(_manifest_evidence(ctx.manifest, a.line, a.text))
        to_auth = ref.startswith("auth.")
        mapped = f" (`{short(a.ref_table)}` read as `{short(ref)}`)" if ref != a.ref_table else ""
        if to_auth:
            impact = (
                f"Nothing guarantees that a `{short(table)}` row belongs to an auth user: "
                "the database neither "
                f"checks `{left}` nor removes the row when its auth user is deleted."
            )
            options = (
                f"Option A: Add FK constraint `{left}` → `{right}` + migration (data risk: rows without an "
                f"auth user block it)",
                "Option B: Keep current pattern + document requirement",
                f"Option C: Add trigger on `{short(ref)}` for new users only (hybrid)",
            )
        else:
            impact = (
                f"Nothing enforces that every `{left}` is a `{right}`: joins the plan relies on can find no "
                f"row, and deleting a `{short(ref)}` row leaves dangling values."
            )
            options = (
                "Option A: Add the foreign key (`NOT VALID`, clean orphans, then `VALIDATE`)",
                "Option B: Keep the soft reference and update the plan (joins must allow no match)",
            )
        decision = (
            "user-mapping" if to_auth else f"foreign-key-{short(table)}-{a.columns[0]}".replace(".", "-")
        )
        out.append(
            Finding(
                code="missing-foreign-key",
                severity="critical",
                title=f"No foreign key `{left}` → `{right}`",
                assumed=f"`{left}` is a foreign key to `{right}`{mapped}",
                actual=actual,
                evidence=tuple(evidence),
                impact=impact,
                decision=decision,
                options=options,
                subject=f"{table}.{a.columns[0]}",
                data={
                    "table": table,
                    "columns": list(a.columns),
                    "ref_table": ref,
                    "ref_columns": list(a.ref_columns),
                    "column_exists": col is not None,
                    "column_type": col.type if col else None,
                    "column_default": col.default if col else None,
                    "actual_foreign_keys": [_fk_dict(f) for f in fks],
                },
            )
        )
    return out


def composite_containing(ctx: Context, a: AssumedForeignKey) -> ForeignKey | None:
    """The actual multi-column FK of ``a``'s table to its referenced table that pairs ``a``'s column with
    ``a``'s referenced column, or None."""
    table, ref = ctx.actual(a.table), ctx.actual(a.ref_table)
    for fk in ctx.schema.foreign_keys_from(table):
        if fk.ref_table != ref or len(fk.columns) < 2 or fk.columns == a.columns:
            continue
        if (a.columns[0], a.ref_columns[0]) in zip(fk.columns, fk.ref_columns):
            return fk
    return None


def composite_foreign_keys(ctx: Context) -> list[Finding]:
    """Each assumed foreign key that exists only as a column of a composite one (a warning).

    >>> from schemalens.assess.compare import context_of
    >>> ctx = context_of("CREATE TABLE cats (slug text, team_id int, PRIMARY KEY (slug, team_id)); "
    ...                  "CREATE TABLE tx (id int, cat_slug text, team_id int, "
    ...                  "FOREIGN KEY (cat_slug, team_id) REFERENCES cats (slug, team_id));",
    ...                  "foreign_keys:\\n  - tx.cat_slug -> cats.slug")
    >>> [(f.severity, f.title) for f in composite_foreign_keys(ctx)]
    [('warning', '`tx.cat_slug` → `cats.slug` exists only as part of a composite foreign key')]
    """
    out = []
    for a in ctx.manifest.foreign_keys:
        table, ref = ctx.actual(a.table), ctx.actual(a.ref_table)
        if any(fk.ref_table == ref and fk.columns == a.columns for fk in ctx.schema.foreign_keys_from(table)):
            continue
        fk = composite_containing(ctx, a)
        if fk is None:
            continue
        left, right = f"{short(table)}.{a.columns[0]}", f"{short(ref)}.{a.ref_columns[0]}"
        cols, ref_cols = ", ".join(fk.columns), ", ".join(fk.ref_columns)
        others = [c for c in fk.columns if c != a.columns[0]]
        out.append(
            Finding(
                code="missing-foreign-key",
                severity="warning",
                title=f"{md_code(left)} → {md_code(right)} exists only as part of a composite foreign key",
                assumed=f"{md_code(left)} is a foreign key to {md_code(right)}",
                actual=f"{md_name(table)} ({cols}) references {md_name(ref)} ({ref_cols}): "
                f"{md_code(a.columns[0])} is checked together with {', '.join(f'{md_code(c)}' for c in others)}",
                evidence=(ctx.fk_evidence(fk), _manifest_evidence(ctx.manifest, a.line, a.text)),
                impact=f"A join on {md_code(a.columns[0])} alone can match {md_name(ref)} rows of another "
                f"{', '.join(others)}: the plan's joins and policies must use ({cols}).",
                decision=f"foreign-key-{short(table)}-{a.columns[0]}".replace(".", "-"),
                options=(
                    f"Option A: Update the plan to the composite key ({cols}) → ({ref_cols})",
                    f"Option B: Make {md_code(right)} unique on its own and add the single-column FK (migration)",
                ),
                subject=f"{table}.{a.columns[0]}",
                data={
                    "table": table,
                    "columns": list(a.columns),
                    "ref_table": ref,
                    "ref_columns": list(a.ref_columns),
                    "column_exists": True,
                    "composite": _fk_dict(fk),
                    "actual_foreign_keys": [_fk_dict(fk)],
                },
            )
        )
    return out
