"""``document-reference``: a planned document that names a table or column the migrations do not have."""

from __future__ import annotations

from schemalens.findings import (
    Context,
    Finding,
)


def document_references(ctx: Context) -> list[Finding]:
    from schemalens.documents import reference_findings

    return reference_findings(ctx.schema, ctx.documents, ctx.mapping)
