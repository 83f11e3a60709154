"""A verification (:func:`schemalens.db.verify.verify`) as Markdown in the shape of the runtime verification
findings document: the summary, the findings by section (project, applied migrations, drift) with the
file:line and an excerpt of each statement, the groups of alike tables, the explained differences, timing."""

from __future__ import annotations

import datetime

from schemalens.assess.findings import Evidence, short
from schemalens.core.names import comment, md_cell, md_code, md_fence
from schemalens.core.names import md_cell as _cell
from schemalens.db.drift import _count
from schemalens.db.history import HISTORY_TABLES
from schemalens.db.verify import CODES, Verification

# Markdown --------------------------------------------------------------------------------------------------

_ICON = {"critical": "❌", "warning": "⚠️", "info": "ℹ️"}


def _excerpt(e: Evidence, context: int = 3, most: int = 16) -> str:
    """The statement, or for a long one its first line, the lines around the cited one, and its last."""
    lines = e.text.splitlines()
    if len(lines) <= most:
        return e.text
    at = e.line - (e.start or e.line)
    keep = sorted({0, len(lines) - 1, *range(max(0, at - context), min(len(lines), at + context + 1))})
    out = []
    for i, n in enumerate(keep):
        if i and n > keep[i - 1] + 1:
            out.append("  ...")
        out.append(lines[n])
    return "\n".join(out)


def verification_markdown(v: Verification, date: str | None = None, command: str = "") -> str:
    """The verification as Markdown: summary, findings by section with file:line, groups, timing."""
    date = date or datetime.date.today().isoformat()
    fs = v.findings
    counts = fs.counts()
    status = (
        "DATABASE DIFFERS FROM THE MIGRATIONS"
        if counts["critical"] or counts["warning"]
        else "DATABASE MATCHES THE MIGRATIONS"
    )
    where = (
        "a throwaway database built from the migrations"
        if v.built
        else f"{md_code(v.target.masked)}"
        + (f" (Supabase project {md_code(v.target.project_ref)})" if v.target.project_ref else "")
    )
    compared = ", ".join(_count(n, k) for k, n in v.compared.items() if n)
    parts = [
        (
            f"# Runtime Verification: {md_code(fs.migrations)} against the live database\n\n> **Date:** {date}  \n"
            f"> **Database:** {where}  \n> **Session:** read-only (default_transaction_read_only, "
            f"statement_timeout, lock_timeout); nothing was written  \n> **Status:** {status}"
        ),
        "## Summary\n\n"
        + f"Compared {compared} that {len(fs.files)} migration files build with the database: "
        f"**{counts['critical']} critical**, **{counts['warning']} warning**, "
        f"{counts['info']} informational.\n\n"
        + "| Code | Findings |\n|---|---|\n"
        + "\n".join(f"| {md_cell(md_code(c))} | {len(fs.by_code(c))} |" for c in CODES),
    ]
    sections = (
        ("Project", ("project-ref-mismatch",)),
        ("Applied Migrations", ("migration-unknown", "migration-not-applied")),
        ("Drift", ("drift-missing", "drift-changed", "drift-extra")),
    )
    n = 0
    for title, codes in sections:
        body = []
        if title == "Project":
            body.append(
                f"The DSN points at Supabase project {md_code(v.target.project_ref)}."
                if v.target.project_ref
                else "A throwaway database: no project to check."
                if v.built
                else "The DSN is not a Supabase host: the project is not checked."
            )
        if title == "Applied Migrations":
            h = v.history
            if h is None:
                body.append(
                    "No migration history table (looked for "
                    + ", ".join(f"{md_code(t)}" for t in HISTORY_TABLES)
                    + "): applied migrations are not checked."
                )
            elif h.error:
                body.append(f"{md_code(h.table)} cannot be read ({h.error}): applied migrations are not checked.")
            else:
                body.append(
                    f"{md_code(h.table)} records {len(h.rows)} migrations" + (" (dirty)." if h.dirty else ".")
                )
        for f in (f for f in fs if f.code in codes):
            n += 1
            block = [
                f"### {n}. {_ICON[f.severity]} {f.title}",
                f"{md_code(f.code)}, {f.severity}  \n**Files:** {f.assumed}  \n**Database:** {f.actual}",
            ]
            for e in f.evidence:
                if e.kind == "migration" and e.text:
                    block.append(md_fence(f"-- {comment(f'{e.file}:{e.line}: {e.note}')}\n{_excerpt(e)}", "sql"))
                else:
                    block.append(
                        f"{e.note}: {md_code(e.file)}" + (f" line {e.line}" if e.line else "") + f" {md_code(e.text)}"
                    )
            block += [
                f"**Impact:** {f.impact}",
                "**Decision** (`" + f.decision + "`):\n" + "\n".join(f"- [ ] {o}" for o in f.options),
            ]
            body.append("\n\n".join(block))
        if not any(f.code in codes for f in fs):
            body.append("✅ No findings.")
        parts.append(f"## {title}\n\n" + "\n\n".join(body))
    if v.groups:
        rows = ["| Group | Pattern | Present | Missing | Only in the database |", "|---|---|---|---|---|"]
        rows += [
            f"| {md_cell(md_code(g.name))} | {md_cell(md_code(g.pattern))} | {', '.join(short(t) for t in g.present) or '—'} | "
            f"{', '.join(short(t) for t in g.missing) or '—'} | "
            f"{', '.join(short(t) for t in g.database_only) or '—'} |"
            for g in v.groups
        ]
        parts.append(
            "## Groups\n\nWhich tables of each group of alike tables exist in the database "
            "(the seed's `table_name LIKE …` query, answered from the catalog):\n\n" + "\n".join(rows)
        )
    if v.explained:
        parts.append(
            "## Explained Differences\n\nNot findings: a statement the static analysis does not analyse "
            "names the object.\n\n" + "\n".join(f"- `{_cell(d)}`: {md_code(s)} ({r})" for d, s, r in v.explained)
        )
    if v.build is not None:  # the build (and what PostgreSQL refused) right after the summary
        parts.insert(2, v.build.markdown())
    seconds = ", ".join(f"{k} {t:.2f} s" for k, t in v.timings.items())
    parts.append(
        f"---\n\n*Generated: {date} | {len(fs)} findings | {seconds}*"
        + (f"  \n*Re-run: `{command}`*" if command else "")
    )
    return "\n\n".join(p.rstrip("\n") for p in parts) + "\n"
