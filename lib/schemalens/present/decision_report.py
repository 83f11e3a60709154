"""Decisions and options as Markdown: for Jupyter (with SQL blocks) and for ``sql/<decision>/README.md``.

The README says what each option does, what its preflight rows mean, its risks and locks, and what it
reaches (impact); the SQL itself is in the files beside it, so the README names them instead of
repeating them.
"""

from __future__ import annotations

from pathlib import Path

from schemalens.core.files import write_tree
from schemalens.core.names import md_cell, md_code, md_fence, md_text, path_part
from schemalens.core.names import md_cell as _cell
from schemalens.decide.claims import wrong_claims
from schemalens.decide.document_rewrite import rewrite_for
from schemalens.decide.sqlgen import LOCK_MODES, short

SEVERITY_MARK = {"critical": "❌", "warning": "⚠️", "info": "ℹ️"}


def _strongest(o) -> str:
    modes = [lk.mode for name in o.scripts[:-1] for s in o.steps(name) for lk in s.locks]
    return max(modes, key=LOCK_MODES.index) if modes else "none"


def checks_table(o) -> str:
    if not o.checks:
        return "No preflight check: nothing to verify before running it.\n"
    rows = ["| # | check | when | rule | what a row means |", "|---|---|---|---|---|"]
    for i, c in enumerate(o.checks, 1):
        rule = "must list no row" if c.blocking else "information"
        rows.append(f"| {i} | {md_cell(md_code(c.name))} | {c.when} | {rule} | {_cell(c.meaning)} |")
    return "\n".join(rows) + "\n"


def locks_table(o) -> str:
    rows = o.locks()
    if not rows:
        return "No table lock.\n"
    out = ["| script | statement | lock | blocks |", "|---|---|---|---|"]
    out += [f"| `{s}.sql` | {_cell(md_text(note))} | {_cell(md_text(lock))} | {blocks} |" for s, note, lock, blocks in rows]
    return "\n".join(out) + "\n"


def option_markdown(o, level: int = 3, sql: bool = True) -> str:
    h = "#" * level
    badge = f" — ⚠️ **unsafe**: {'; '.join(o.unsafe)}" if o.unsafe else ""
    parts = [f"{h} Option {o.key}: {o.title}{badge}", "", o.summary, ""]
    if o.manifest:
        parts += ["Manifest after it: " + "; ".join(o.manifest.splitlines()), ""]
    parts += [f"**Preflight** (`{o.slug}/preflight.sql`)", "", checks_table(o)]
    for name in o.scripts:
        label = {"up": "Forward", "down": "Rollback"}.get(name, f"Then {md_code(name)}")
        stage = next((s for s in o.stages if s.name == name), None)
        note = f": {stage.note}" if stage and stage.note else ""
        if sql:
            parts += [
                f"**{label}** (`{o.slug}/{name}.sql`){note}",
                "",
                md_fence(o.script(name).rstrip(), "sql"),
                "",
            ]
        else:
            count = len(o.steps(name))
            parts.append(
                f"- **{label}**: `{o.slug}/{name}.sql`, {count} statement{'s' if count != 1 else ''}"
                f"{(' (autocommit, not one transaction)' if o.autocommit(name) else ' (one transaction)') if count else ' (nothing to run)'}"
                f"{note}"
            )
    if not sql:
        parts.append("")
    parts += ["**Locks**", "", locks_table(o), "**Risks**", ""]
    parts += [f"- **{r.kind}**: {r.text}" for r in o.risks] + [""]
    if o.impact is not None:
        parts += ["**Impact**", "", o.impact.markdown()]
    return "\n".join(parts).rstrip() + "\n"


def _summary_table(d) -> str:
    rows = ["| option | what | unsafe | strongest lock (forward) | scripts |", "|---|---|---|---|---|"]
    for o in d.options:
        scripts = ", ".join(f"`{n}.sql`" for n in (*o.scripts, "preflight"))
        rows.append(
            f"| {o.key}{' (recommended)' if o.key == d.recommended else ''} | {_cell(o.title)} | "
            f"{'yes' if o.unsafe else 'no'} | {_strongest(o)} | {scripts} |"
        )
    return "\n".join(rows) + "\n"


def opened_by(d, where: bool = False) -> list[str]:
    """The findings that open a decision, as Markdown lines (``where``: each with its first ``file:line``),
    then its recommendation."""
    parts = []
    if d.findings:
        parts += ["Opened by:", ""]
        for f in d.findings:
            at = f" ({f.evidence[0].file}:{f.evidence[0].line})" if where and f.evidence else ""
            parts.append(f"- {SEVERITY_MARK.get(f.severity, '')} {md_code(f.code)}: {f.title}{at}")
        parts.append("")
    if d.recommended:
        parts += [f"**Recommended: option {d.recommended}.** {d.why}", ""]
    return parts


def decision_markdown(d, level: int = 2, sql: bool = True) -> str:
    h = "#" * level
    parts = [f"{h} Decision: {d.title} ({md_code(d.id)})", "", d.question, "", *opened_by(d)]
    parts += [_summary_table(d), ""]
    parts += [option_markdown(o, level + 1, sql) for o in d.options]
    return "\n".join(parts).rstrip() + "\n"


def decisions_markdown(ds) -> str:
    parts = ["# Decisions", ""]
    if ds.decisions:
        parts += ["| decision | options | recommended |", "|---|---|---|"]
        parts += [
            f"| {md_cell(md_code(d.id))}: {d.title} | {', '.join(o.key for o in d.options)} | {d.recommended or ''} |"
            for d in ds.decisions
        ] + [""]
    parts += [decision_markdown(d) for d in ds.decisions]
    if ds.skipped:
        parts += ["## Not covered here", ""] + [f"- {md_code(did)}: {why}" for did, why in ds.skipped] + [""]
    return "\n".join(parts).rstrip() + "\n"


def decision_readme(d) -> str:
    """``sql/<decision>/README.md``: options, how to run them, preflight meaning, risks, locks, impact."""
    how = (
        "Each option is a folder: run `preflight.sql` first (read-only; what each row means is below), then "
        "`up.sql` (one transaction, `lock_timeout` 5s), any later script (e.g. `validate.sql`) once its "
        "checks "
        "list no row, and `down.sql` to roll back. Run them on a copy of the database first. A script marked "
        "autocommit is not one transaction (a backfill that commits every batch, `CREATE INDEX CONCURRENTLY`): "
        "run it as it is, without `--single-transaction`; it can be run again after an interruption. These "
        "phased forms are used whatever the tables' size: on a small table they cost nothing (a batch is the whole "
        "table), and a size threshold would rest on an estimate read before the scripts run, which the table can "
        "outgrow by then (preflight `volume` shows PostgreSQL's estimate, `reltuples`)."
    )
    text = decision_markdown(d, level=1, sql=False)
    head, _, rest = text.partition("\n\n")
    return f"{head}\n\n{how}\n\n{rest}"


def decision_files(decisions, choices: dict[str, str] | None = None) -> dict[str, str]:
    """``{relative path: text}`` of everything :func:`write_decisions` writes."""
    out: dict[str, str] = {}
    for d in decisions.decisions:
        folder = path_part(d.id)  # an id holds names from the migrations and documents
        out[f"{folder}/README.md"] = decision_readme(d)
        for o in d.options:
            for name in o.scripts:
                out[f"{folder}/{o.slug}/{name}.sql"] = o.script(name)
            out[f"{folder}/{o.slug}/preflight.sql"] = o.preflight()
    if decisions.findings is not None and decisions.findings.documents:
        rewrite = rewrite_for(decisions, choices)
        out["rewrite-documents/README.md"] = rewrite_readme(
            rewrite, decisions.recommended() if choices is None else choices
        )
        for doc in rewrite:
            out[f"rewrite-documents/{doc.name}"] = doc.text
    return out


def write_decisions(decisions, folder: str | Path, choices: dict[str, str] | None = None) -> list[Path]:
    """Write ``<decision>/<option>/{up,down,preflight}.sql`` (and stage scripts), a README per decision,
    and ``rewrite-documents/``: the planned documents rewritten for ``choices`` (default: the
    recommended options). Nothing is written when a path would land outside ``folder``; each file
    is written atomically (:mod:`schemalens.core.files`)."""
    return write_tree(folder, decision_files(decisions, choices))


def rewrite_markdown(rewrite, level: int = 2) -> str:
    h = "#" * level
    run = ", ".join(f"{md_code(o.decision)} {o.key}" for o in rewrite.applied) or "none"
    by_docs = ", ".join(f"{md_code(o.decision)} {o.key}" for o in rewrite.carried) or "none"
    parts = [
        f"{h} Planned documents, rewritten",
        "",
        (
            f"Run first (their `up.sql`): {run}. Carried out by the documents themselves (they create the "
            "same "
            f"tables, rewritten to the option's names): {by_docs}."
        ),
        "",
    ]
    for d in rewrite.documents:
        parts.append(f"{h}# {md_code(d.name)}: {len(d.changes)} change{'s' if len(d.changes) != 1 else ''}")
        parts.append("")
        if d.unresolved:
            parts += ["Unresolved (left as written): " + "; ".join(d.unresolved), ""]
        parts += [md_fence(d.diff.rstrip(), "diff"), ""] if d.diff else ["No change.", ""]
    return "\n".join(parts).rstrip() + "\n"


def rewrite_readme(rewrite, choices: dict[str, str]) -> str:
    picked = ", ".join(f"{md_code(k)} = {v}" for k, v in choices.items()) or "none"
    head = [
        "# Planned documents, rewritten",
        "",
        (
            f"For the options {picked} (`schemalens decisions … --choose DECISION=OPTION` picks others). "
            "Only "
            "names change; every other character is as written. The rewritten documents are beside this file."
        ),
        "",
    ]
    body = rewrite_markdown(rewrite, 2).split("\n", 2)[2]
    return "\n".join(head) + "\n" + body


# Rehearsals (schemalens.db.rehearse) ------------------------------------------------------------------------


def _sample_table(result) -> str:
    if not result.sample:
        return ""
    more = result.rows - len(result.sample)
    out = ["| " + " | ".join(result.columns) + " |", "|" + "---|" * len(result.columns)]
    out += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in result.sample]
    if more > 0:
        out.append(f"\n… and {more} more row{'s' if more != 1 else ''}.")
    return "\n".join(out) + "\n"


def _check_line(result) -> str:
    c = result.check
    if result.error:
        return f"- {md_code(c.name)} ({c.when}): ❌ the query failed: {result.error}"
    plural = "s" if result.rows != 1 else ""
    if c.blocking:
        mark = f"⛔ **{result.rows} row{plural}**: the next script refuses" if result.rows else "✅ no row"
    else:
        mark = f"ℹ️ {result.rows} row{plural}"
    return f"- {md_code(c.name)} ({c.when}): {mark}. {_cell(c.meaning)}"


def _script_line(s) -> str:
    count = f"{s.statements} statement{'s' if s.statements != 1 else ''}"
    if s.ok is None:
        return f"- `{s.name}.sql` ({count}): not run"
    if not s.ok:
        left = "nothing left behind" if s.changes == 0 else f"{s.changes} catalog objects left behind"
        return f"- `{s.name}.sql` ({count}): ⛔ PostgreSQL refused it, rolled back ({left}): `{_cell(s.error)}`"
    if not s.statements:
        return f"- `{s.name}.sql`: ✅ nothing to run (no schema change)"
    if s.name == "down":
        return f"- `{s.name}.sql` ({count}): ✅ ran"
    changed = (f"{s.changes} catalog object{'s' if s.changes != 1 else ''} changed" if s.changes
               else "no catalog object changed (comments or rows only)")
    return f"- `{s.name}.sql` ({count}): ✅ ran; {changed}"


def _sampled(s) -> str:
    """A statement run in autocommit, as a second session sampled it: what it saw (certain), what it did not."""
    seen = [f"{mode} on {short(t)} ({seconds:.3f} s)" for t, mode, seconds in s.held]
    seen += [f"waited for {lk}" for lk in s.waited]
    unseen = [u.removesuffix(f" not seen in {s.samples} samples") for u in s.unseen]
    return (f"in {s.samples} samples from a second session: {', '.join(seen) or 'no lock seen'}"
            + (f"; not seen: {', '.join(unseen)}" if unseen else ""))


def observed_locks_table(r) -> str:
    """Each statement the rehearsal ran: the locks predicted beside the locks observed, rewrites and scans."""
    if not r.locks:
        return "No statement ran.\n"
    out = ["| script | statement | predicted | observed | rewrites, scans | |", "|---|---|---|---|---|---|"]
    for s in r.locks:
        seen = [f"rewrites {short(t)}" for t in s.rewritten] + [f"scans {short(t)} ({n} rows)" for t, n in s.scanned]
        mark = "❌ " + "; ".join(s.mismatches) if s.mismatches else "✅ nothing beyond the prediction seen" \
            if s.sampled else "not observed" if s.outside else "✅"
        got = _cell(_sampled(s)) if s.sampled else "autocommit: its transactions end inside it" if s.outside else \
            ", ".join(str(lk) for lk in s.observed) or "—"
        out.append(f"| `{s.script}.sql` | {_cell(s.statement)} | {', '.join(str(lk) for lk in s.predicted) or '—'} | "
                   f"{got} | {', '.join(seen) or '—'} | {_cell(mark)} |")
    return "\n".join(out) + "\n"


def rehearsal_markdown(r, level: int = 4) -> str:
    """One option's rehearsal: preflight rows, each script's outcome, what forward and rollback did."""
    from schemalens.db.rehearse import VERDICTS

    h = "#" * level
    o = r.option
    parts = [f"{h} Option {o.key}: {o.title} — {VERDICTS[r.verdict]}", ""]
    if r.checks:
        parts += ["**Preflight, on the rehearsal database**", ""]
        for c in r.checks:
            parts.append(_check_line(c))
            if c.rows and c.sample:
                parts += ["", _sample_table(c)]
        parts.append("")
    parts += ["**Scripts**", ""] + [_script_line(s) for s in r.scripts] + [""]
    if r.changed:
        shown = "\n".join(r.changed[:8]) + (f"\n… and {len(r.changed) - 8} more" if len(r.changed) > 8 else "")
        parts += [f"Forward changed {len(r.changed)} catalog object{'s' if len(r.changed) != 1 else ''}:", "",
                  md_fence(shown, "diff"), ""]
    parts.append("**Rollback** gives back the catalog as it was: " + (
        "✅ yes." if r.restored else f"❌ no, {len(r.left_behind)} differences:\n\n"
        + md_fence("\n".join(r.left_behind), "diff")))
    parts.append("")
    parts.append("**Rows** of every table that existed, in the columns they had: " + (
        "✅ unchanged after forward and after rollback" + (
            f" (forward wrote rows of {', '.join(md_code(t) for t in r.rows_written)}: in columns it added)."
            if r.rows_written else ".") if r.rows_kept
        else f"❌ changed in {', '.join(f'`{t}`' for t in r.rows_changed)}."))
    parts += ["", "**Locks**, read from `pg_locks` after each statement, before its transaction ended (a statement "
              "run in autocommit ends its own transactions: a second session samples its locks while it runs; a lock "
              "seen is certain, one not seen may have been held between two samples): "
              + (f"❌ {len(r.lock_mismatches)} differ from the prediction." if r.lock_mismatches
                 else "✅ as predicted."), "", observed_locks_table(r).rstrip()]
    if r.false_statements:
        parts += ["", "❌ **The option's texts say what the rehearsal did not observe**:", ""] + [
            f"- {_cell(w)}" for w in r.false_statements]
    wrong = wrong_claims(r)
    if wrong:
        parts += ["", "❌ **The lock risk says what the scripts do not**:", ""] + [f"- {_cell(w)}" for w in wrong]
    observed = r.unsafe[len(r.option.unsafe):]
    if observed:
        parts += ["", "⚠️ **Unsafe by what the rehearsal saw**:", ""] + [f"- {_cell(u)}" for u in observed]
    if r.tenants is not None and r.tenants.after.users:
        parts += ["", _tenants_line(r.tenants)]
    if r.concurrency is not None and r.concurrency.writes:
        parts += ["", "**With the application writing** between the statements: "
                  + ("✅ " if r.concurrency.ok else "❌ ") + r.concurrency.summary() + "."]
    if r.fresh is not None and r.fresh.users:
        parts += ["", "**New tables with a row per user**: " + ("✅ " if r.fresh.ok else "❌ ")
                  + _cell(r.fresh.summary()) + "."]
    if r.signup is not None:
        parts += ["", "**An invited user signs up** (a profile row with their email made first): "
                  + ("✅ " if r.signup.ok else "❌ ") + _cell(r.signup.summary()) + "."]
    if r.verdict == "refused":
        names = ", ".join(f"{md_code(c.check.name)}" for c in r.predicted)
        parts += ["", f"The preflight predicted the refusal ({names}): fix those rows, then run it again."]
    return "\n".join(parts).rstrip() + "\n"


def _tenants_line(t) -> str:
    """What signed-in users can do to rows, before and after (see :mod:`schemalens.db.tenancy`)."""
    from schemalens.db.tenancy import ACTIONS

    counts = ", ".join(f"{a} {t.before.count(a)} → {t.after.count(a)}" for a in ACTIONS)
    head = (f"**Signed-in users** (each of {t.after.users} auth users as `authenticated`; rows summed over "
            f"the users): {counts}. ")
    if not t.widenings:
        return head + "✅ nobody gains access to a row."
    lines = [f"- {'declared' if w.declared else '❌ not declared'}: {w.describe()}" for w in t.widenings]
    return head + ("✅ only what the option declares widens:" if t.ok else "❌ access widens beyond what the "
                   "option declares:") + "\n\n" + "\n".join(lines)


def rehearsals_markdown(rs) -> str:
    from schemalens.db.rehearse import VERDICTS

    counts = ", ".join(f"{n} {VERDICTS[v]}" for v, n in rs.counts().items()) or "no option"
    seed = (f"the rows of `{rs.seed}`" if rs.seed else f"{_cell(rs.generated.describe())} (no seed file)"
            if rs.generated is not None else "no rows (no seed file)")
    parts = [
        "# Rehearsals",
        "",
        f"Each option on its own throwaway database ({rs.server}): the migrations, then {seed}. {counts}.",
        "",
        "| decision | option | preflight | scripts | rollback restores | rows kept | locks | unsafe | verdict |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    parts += [
        f"| `{row['decision']}` | {row['option']} | {_cell(row['preflight'])} | {row['scripts']} | "
        f"{row['rollback restores']} | {row['rows kept']} | {row['locks']} | {row['unsafe']} | "
        f"{VERDICTS[row['verdict']]} |"
        for row in rs.rows()
    ]
    parts.append("")
    if rs.build is not None and rs.build.partial:  # the options ran on a partial build: say what it lacks
        parts += [rs.build.markdown(2), ""]
    parts += [rehearsal_markdown(r, 2) for r in rs]
    return "\n".join(parts).rstrip() + "\n"
