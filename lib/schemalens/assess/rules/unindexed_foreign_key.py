"""``unindexed-foreign-key``: a foreign key no index starts with."""

from __future__ import annotations

from schemalens.assess.findings import (
    Context,
    Finding,
    _fk_dict,
    short,
)
from schemalens.core.model import ForeignKey
from schemalens.core.names import md_code, md_name, quote_ident, quote_table


def _covered(ctx: Context, fk: ForeignKey) -> bool:
    t, n, want = ctx.schema.table(fk.table), len(fk.columns), set(fk.columns)
    prefixes = [t.primary_key] + [u.columns for u in t.uniques] if t else []
    prefixes += [i.columns for i in ctx.schema.indexes if i.table == fk.table]
    return any(set(p[:n]) == want and len(p) >= n for p in prefixes)


def unindexed_foreign_keys(ctx: Context) -> list[Finding]:
    """Each foreign key whose columns no index (or key) starts with.

    >>> from schemalens.assess.compare import context_of
    >>> ctx = context_of("CREATE TABLE orgs (id int PRIMARY KEY); "
    ...                  "CREATE TABLE users (id int PRIMARY KEY, org_id int REFERENCES orgs);")
    >>> [(f.severity, f.title) for f in unindexed_foreign_keys(ctx)]
    [('info', 'Foreign key `users.org_id` has no index')]
    """
    out = []
    for fk in ctx.schema.foreign_keys:
        if ctx.schema.table(fk.table) is None or _covered(ctx, fk):
            continue
        cols = ", ".join(fk.columns)
        sql = f"CREATE INDEX ON {short(quote_table(fk.table))} ({', '.join(map(quote_ident, fk.columns))});"
        out.append(
            Finding(
                code="unindexed-foreign-key",
                severity="info",
                title=f"Foreign key {md_code(short(fk.table) + '.' + cols)} has no index",
                assumed="foreign-key columns lead an index",
                actual=f"no index, primary key or unique constraint starts with ({cols})",
                evidence=(ctx.fk_evidence(fk),),
                impact=f"Deleting or updating a row of {md_name(fk.ref_table)} scans {md_name(fk.table)}; "
                "joins and RLS checks "
                f"on {md_code(cols)} scan too.",
                decision="index-foreign-keys",
                options=(f"Option A: {md_code(sql)}", "Option B: Leave it (small table)"),
                subject=f"{fk.table}.{cols}",
                data={"table": fk.table, "columns": list(fk.columns), "foreign_key": _fk_dict(fk), "sql": sql},
            )
        )
    return out
