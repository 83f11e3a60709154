"""``document-reference``: a planned document that names a table or column the migrations do not have."""

from __future__ import annotations

from schemalens.findings import (
    Context,
    Finding,
)


def document_references(ctx: Context) -> list[Finding]:
    """Each table or column a planned document uses that the migrations do not have.

    >>> from schemalens.compare import context_of
    >>> from schemalens.documents import parse_document
    >>> plan = parse_document("```sql\\nSELECT * FROM tenants;\\n```\\n", "plan.md")
    >>> ctx = context_of("CREATE TABLE orgs (id int PRIMARY KEY);", documents=[plan])
    >>> [(f.severity, f.title) for f in document_references(ctx)]
    [('critical', '`plan.md` uses missing table `tenants`')]
    """
    from schemalens.documents import reference_findings

    return reference_findings(ctx.schema, ctx.documents, ctx.mapping)
