"""``missing-table``: a table the plan assumes that the migrations never create."""

from __future__ import annotations

from pathlib import Path

from schemalens.assess.findings import (
    Context,
    Finding,
    _manifest_evidence,
    short,
)
from schemalens.read.document_references import missing_references


def _lines_of(uses: list[tuple[str, int]]) -> dict[int, str]:
    out: dict[int, str] = {}
    for role, line in uses:
        out.setdefault(line, role)
    return out


def _docs_using(ctx: Context, table: str) -> list[str]:
    """Planned documents that use a missing table or a ``<table>_id`` column that does not exist."""
    stem = short(table).rstrip("s")
    return sorted(
        {
            r.document
            for r in missing_references(ctx.schema, ctx.documents)
            if r.table == table or (r.column or "").startswith(f"{stem}_")
        }
    )


def missing_tables(ctx: Context) -> list[Finding]:
    """A table the manifest names that the migrations never create, with its most likely counterpart.

    >>> from schemalens.assess.compare import context_of
    >>> ctx = context_of("CREATE TABLE orgs (id int PRIMARY KEY); "
    ...                  "CREATE TABLE users (id int PRIMARY KEY, org_id int REFERENCES orgs);", "root: tenants")
    >>> [(f.severity, f.title) for f in missing_tables(ctx)]
    [('critical', 'Root entity mismatch: `tenants` does not exist, the root is `orgs`')]
    """
    out = []
    for table, uses in ctx.manifest.tables_mentioned().items():
        if ctx.exists(table):
            continue
        match, why = ctx.counterparts[table]  # schemalens.assess.counterpart.map_names, before the rules
        is_root = ctx.manifest.root is not None and ctx.manifest.root.table == table
        lines = _lines_of(uses)
        evidence = ctx.table_evidence(match, f"the actual counterpart of `{short(table)}`") if match else []
        evidence += [_manifest_evidence(ctx.manifest, ln, role) for ln, role in lines.items()]
        docs = _docs_using(ctx, table)
        roles = sorted({role.split(" ")[0] for role, _ in uses})
        name, other = short(table), short(match)
        if match:
            title = (
                f"Root entity mismatch: `{name}` does not exist, the root is `{other}`"
                if is_root
                else f"Table `{name}` does not exist; its counterpart is `{other}`"
            )
            actual = f"`{other}` table: " + "; ".join(why)
            options = (
                f"Option A: Rename `{other}` → `{name}` (breaking change)",
                f"Option B: Update the manifest and all planned documents to use `{other}` (safer)",
            )
        else:
            title = f"Table `{name}` does not exist"
            actual = f"No table `{name}`" + (f" ({why[0]})" if why else "; no actual table plays its part")
            options = (
                f"Option A: Create `{name}` before the plan runs",
                f"Option B: Drop `{name}` from the plan",
            )
        impact = (
            f"{len(docs)} planned document{'s' if len(docs) != 1 else ''} "
            f"({', '.join(Path(d).name for d in docs)}) reference `{name}`. "
            if docs
            else ""
        )
        impact += f"The manifest relies on it as {', '.join(roles)}" + (
            f". Must change to `{other}` OR create a migration to rename." if match else "."
        )
        kinds = [role.split(" ")[0] for role in lines.values()]
        where = ", ".join(
            f"{k}{' ×' + str(kinds.count(k)) if kinds.count(k) > 1 else ''}" for k in dict.fromkeys(kinds)
        )
        out.append(
            Finding(
                code="missing-table",
                severity="critical",
                title=title,
                assumed=f"`{name}` table ({where}; manifest lines {', '.join(map(str, sorted(lines)))})",
                actual=actual,
                evidence=tuple(evidence),
                impact=impact,
                decision="root-entity" if is_root else f"mapping-of-{name.replace('.', '-')}",
                options=options,
                subject=table,
                data={
                    "assumed": table,
                    "counterpart": match,
                    "reasons": why,
                    "roles": roles,
                    "documents": docs,
                    "manifest_lines": sorted(lines),
                },
            )
        )
    return out
