"""``project-ref-mismatch``: a migration whose header names another database project than the manifest."""

from __future__ import annotations

from schemalens.assess.findings import (
    PROJECT_HEADERS,
    Context,
    Finding,
    _manifest_evidence,
    short,
)
from schemalens.core.model import Source


def project_ref(ctx: Context) -> list[Finding]:
    """Each migration file whose header names another project than the manifest's ``project_ref``.

    >>> from dataclasses import replace
    >>> from schemalens.assess.compare import context_of
    >>> ctx = context_of("CREATE TABLE orgs (id int PRIMARY KEY);", "project_ref: abc")
    >>> ctx.schema = replace(ctx.schema, headers=(("1.sql", (("project ref", "xyz"),)),))
    >>> [(f.severity, f.title) for f in project_ref(ctx)]
    [('warning', '`1.sql` names project `xyz`, not `abc`')]
    """
    expected = ctx.manifest.project_ref
    if not expected:
        return []
    found: dict[str, str] = {}
    for key in PROJECT_HEADERS:
        for file, ref in ctx.schema.header(key).items():
            found.setdefault(file, ref)
    out = []
    for file, ref in sorted(found.items()):
        if ref == expected:
            continue
        text = ctx.sources.files[file].text if file in ctx.sources.files else ""
        line = next((n for n, t in enumerate(text.splitlines(), 1) if ref in t), 1)
        tables = [short(t.name) for t in ctx.schema.tables if t.source.file == file]
        sql = (
            (
                "SELECT table_name FROM information_schema.tables\nWHERE table_schema = 'public'\n"
                f"AND table_name IN ({', '.join(repr(t) for t in tables)});"
            )
            if tables
            else ""
        )
        out.append(
            Finding(
                code="project-ref-mismatch",
                severity="warning",
                title=f"`{file}` names project `{ref}`, not `{expected}`",
                assumed=f"every migration belongs to project `{expected}`",
                actual=f"`{file}` header: project `{ref}`",
                evidence=(
                    ctx.sources.evidence(Source(file, line), "migration header", whole=False),
                    _manifest_evidence(
                        ctx.manifest, ctx.manifest.project_ref_line, f"project_ref: {expected}"
                    ),
                ),
                impact=f"Unclear if `{file}` was applied to the correct database"
                + (f"; its tables ({', '.join(tables)}) may exist only in `{ref}`." if tables else "."),
                decision="project-ref",
                options=(
                    f"Option A: Verify the tables exist in `{expected}` (query below), "
                    "then correct the header",
                    f"Option B: Treat `{file}` as applied to `{ref}` only: apply it to `{expected}`",
                ),
                subject=file,
                data={"file": file, "found": ref, "expected": expected, "tables": tables, "verification_sql": sql},
            )
        )
    return out
