"""``document-reference``: a planned document that names a table or column the migrations do not have."""

from __future__ import annotations

from pathlib import Path

from schemalens.assess.findings import (
    Context,
    Evidence,
    Finding,
    short,
)
from schemalens.core.model import Schema
from schemalens.core.names import md_name
from schemalens.read.document_references import Reference, missing_references


def document_references(ctx: Context) -> list[Finding]:
    """Each table or column a planned document uses that the migrations do not have.

    >>> from schemalens.assess.compare import context_of
    >>> from schemalens.read.documents import parse_document
    >>> plan = parse_document("```sql\\nSELECT * FROM tenants;\\n```\\n", "plan.md")
    >>> ctx = context_of("CREATE TABLE orgs (id int PRIMARY KEY);", documents=[plan])
    >>> [(f.severity, f.title) for f in document_references(ctx)]
    [('critical', '`plan.md` uses missing table `tenants`')]
    """
    return reference_findings(ctx.schema, ctx.documents, ctx.mapping)


def _via(schema: Schema, table: str, column: str, mapping: dict[str, str]) -> tuple[str | None, list[str]]:
    """For a missing ``<x>_id`` column whose ``x`` maps to an actual table: that table and the path to it."""
    from schemalens.read.rls import fk_path

    stem = column[:-3] if column.endswith("_id") else None
    for missing, actual in mapping.items():
        name = missing.split(".", 1)[1]
        if stem and stem in (name, name.rstrip("s")):
            return actual, list(fk_path(schema, table, actual))
    return None, []


def reference_findings(schema: Schema, documents, mapping: dict[str, str] | None = None) -> list:
    """``document-reference`` findings: one per document and missing table or column, with every line."""
    mapping = mapping or {}
    documents = list(documents)
    paths = {d.name: d.path for d in documents}
    groups: dict[tuple, list[Reference]] = {}
    for r in missing_references(schema, documents):
        groups.setdefault((r.document, r.kind, r.table, r.column), []).append(r)
    out = []
    for (doc, kind, table, column), refs in groups.items():
        lines = [r.line for r in refs]
        evidence = tuple(
            Evidence(
                doc,
                r.line,
                r.text,
                f"uses {r.name}" if r.kind != "unreadable" else "unreadable",
                "document",
                paths.get(doc, doc),
            )
            for r in refs
        )
        at = f"line{'s' if len(lines) > 1 else ''} {', '.join(map(str, lines))}"
        counterpart, path = None, []
        if kind == "unreadable":
            out.append(
                Finding(
                    code="document-reference",
                    severity="info",
                    title=f"`{Path(doc).name}` has a statement schemalens cannot read",
                    assumed="the document's SQL is valid PostgreSQL",
                    actual=f"unreadable statement at {at}",
                    evidence=evidence,
                    impact="Its tables and columns were not checked.",
                    decision="rewrite-documents",
                    options=("Option A: Fix the statement", "Option B: Check it by hand"),
                    subject=doc,
                    data={"document": doc, "kind": kind, "lines": lines},
                )
            )
            continue
        if kind == "table":
            counterpart = mapping.get(table)
            what = f"table {md_name(table)}"
            actual = f"no table {md_name(table)}" + (
                f"; its actual counterpart is {md_name(counterpart)}" if counterpart else ""
            )
        else:
            tables = table.split("|")
            what = f"column `{' or '.join(short(t) for t in tables)}.{column}`"
            counterpart, path = _via(schema, tables[0], column, mapping)
            t = schema.table(tables[0])
            actual = f"{' / '.join(f'{md_name(x)}' for x in tables)} has no column `{column}`"
            if path:
                from schemalens.assess.rules.paths import arrow_path

                arrow = arrow_path(schema, path)
                actual += f"; {md_name(tables[0])} reaches {md_name(counterpart)} through {arrow}"
            elif t is not None and counterpart:
                actual += f"; {md_name(tables[0])} has no foreign-key path to {md_name(counterpart)}"
        out.append(
            Finding(
                code="document-reference",
                severity="critical",
                title=f"`{Path(doc).name}` uses missing {what}",
                assumed=f"{what} exists (used on {at})",
                actual=actual,
                evidence=evidence,
                impact=f"`{Path(doc).name}` fails as written at {at}.",
                decision="rewrite-documents",
                options=(
                    "Option A: Rewrite the document to the actual names"
                    + (f" ({md_name(counterpart)})" if counterpart else ""),
                    "Option B: Create the missing object before the document runs",
                ),
                subject=f"{doc}:{short(table)}{'.' + column if column else ''}",
                data={
                    "document": doc,
                    "kind": kind,
                    "table": table,
                    "column": column,
                    "lines": lines,
                    "counterpart": counterpart,
                    "path": path,
                },
            )
        )
    return out
