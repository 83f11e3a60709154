"""Plan confidence: every assumption of the plan with a status, and the same after the chosen options.

Each assumption of the manifest (``root``, each ``hierarchy`` edge, each ``foreign_keys`` entry, each
``scoping`` entry, each ``proposed`` table's parent, ``project_ref``) and each table and column a planned
document's SQL relies on (its ``REFERENCES`` included) gets one status:

* ``verified``: the migrations build it; the evidence is the ``file:line`` of what makes it true;
* ``contradicted``: they build something else; ``finding`` is the code of the finding that says so and the
  evidence is that finding's;
* ``unverifiable``: nothing in the files can tell (``settle`` says what would), e.g. the project ref when no
  migration header names one, or a planned statement the parser could not read.

:func:`assess` reads a :class:`~schemalens.assess.findings.Findings`; :func:`after` computes the world after chosen
options (the migrations plus each option's forward scripts, read with the same parser and replay; the
manifest and the planned documents rewritten for the options) and assesses it again, for a side-by-side
:class:`Reassessment`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any

from schemalens.assess.findings import PROJECT_HEADERS, Findings
from schemalens.core.model import Schema
from schemalens.core.names import md_cell, md_code, md_fence, md_text, short
from schemalens.decide.rewrite import path_foreign_keys
from schemalens.read import rls
from schemalens.read.document_references import (
    _Known,
    created_tables,
    missing_references,
    statement_references,
)
from schemalens.read.documents import parse_document
from schemalens.read.manifest import AssumedEdge, AssumedScope, Manifest
from schemalens.read.replay import EXTERNAL_PRIMARY_KEYS

STATUSES = ("verified", "contradicted", "unverifiable")
ICON = {"verified": "\u2705", "contradicted": "\u274c", "unverifiable": "\u2139"}  # marks the exports draw


@dataclass(frozen=True)
class Assumption:
    """One thing the plan relies on, where it says so (``source``), and whether the migrations agree."""

    source: str  # manifest.yaml:13, plans/CC1.md:27
    kind: str  # root | hierarchy | foreign_key | scoping | proposed_parent | project_ref | document_table | …
    text: str
    status: str
    evidence: tuple[str, ...] = ()
    finding: str | None = None  # the code of the finding that contradicts it
    settle: str = ""  # unverifiable: what would settle it
    line: int = 0  # the manifest's (or document's) line, for SARIF
    severity: str = ""  # the contradicting finding's severity

    def to_dict(self) -> dict[str, Any]:
        d = {"source": self.source, "kind": self.kind, "text": self.text, "status": self.status,
             "evidence": list(self.evidence), "finding": self.finding}
        return d | ({"settle": self.settle} if self.settle else {})


@dataclass(frozen=True)
class Confidence:
    """The plan's assumptions with their statuses (one comparison)."""

    assumptions: tuple[Assumption, ...]
    findings: Findings | None = field(default=None, repr=False, compare=False)

    def __iter__(self):
        return iter(self.assumptions)

    def __len__(self) -> int:
        return len(self.assumptions)

    def counts(self) -> dict[str, int]:
        return {s: sum(a.status == s for a in self.assumptions) for s in STATUSES}

    def by_status(self, status: str) -> list[Assumption]:
        return [a for a in self.assumptions if a.status == status]

    def to_dict(self) -> dict[str, Any]:
        return {"assumptions": [a.to_dict() for a in self.assumptions], "assumption_counts": self.counts()}

    def bar(self, width: int = 40) -> str:
        """The counts as a text bar per status, to scale (``width`` characters for all assumptions)."""
        c, total = self.counts(), max(len(self), 1)
        return "\n".join(f"{s:<12} {'█' * round(width * c[s] / total):<{width}} {c[s]}" for s in STATUSES)

    def markdown(self, level: int = 2) -> str:
        c = self.counts()
        head = (f"{'#' * level} Plan confidence\n\n{len(self)} assumptions: **{c['verified']} verified**, "
                f"**{c['contradicted']} contradicted**, {c['unverifiable']} unverifiable.\n\n"
                f"{md_fence(self.bar(), 'text')}\n\n")
        rows = ["| Assumption | Status | Evidence |", "|---|---|---|"]
        for a in self.assumptions:
            why = f"{md_code(a.finding)}: " if a.finding else ""
            what = "; ".join(a.evidence[:3]) + (f"; … ({len(a.evidence) - 3} more)" if len(a.evidence) > 3 else "")
            what += f" To settle: {a.settle}" if a.settle else ""
            rows.append(f"| {md_cell(md_text(a.source))} {a.kind.replace('_', ' ')}: {md_cell(md_code(a.text))} | "
                        f"{ICON[a.status]} {a.status} | {why}{md_cell(md_text(what))} |")
        return head + "\n".join(rows) + "\n"

    def _repr_markdown_(self) -> str:
        return self.markdown()


# Evidence ----------------------------------------------------------------------------------------------------


def _table_evidence(schema: Schema, table: str, note: str = "") -> list[str]:
    t = schema.table(table) or next((v for v in schema.views if v.name == table), None)
    if t is not None and t.source.file:
        return [f"{t.source}: {note or 'creates ' + short(table)}"]
    if table in EXTERNAL_PRIMARY_KEYS:
        return [f"{short(table)}: provided by the platform"]
    fk = next((fk for fk in schema.foreign_keys if fk.ref_table == table), None)
    return [f"{fk.source}: references {short(table)} (created outside these migrations)"] if fk else []


def _fk_evidence(fks) -> list[str]:
    return [f"{fk.source}: {short(fk.table)}.{','.join(fk.columns)} → {short(fk.ref_table)}."
            f"{','.join(fk.ref_columns)}" for fk in fks]


def _finding_evidence(f) -> tuple[str, ...]:
    return tuple(f"{e}: {e.note}" if e.note else str(e) for e in f.evidence if e.kind != "manifest")


def _cites(f, line: int) -> bool:
    return any(e.kind == "manifest" and e.line == line for e in f.evidence)


# Assessment --------------------------------------------------------------------------------------------------


class _Assessor:
    def __init__(self, findings: Findings):
        self.findings = findings
        self.schema = findings.schema
        self.m: Manifest = findings.manifest or Manifest()
        self.name = Path(self.m.file).name
        self.actual = lambda t: findings.mapping.get(t, t)

    def contradiction(self, line: int, match) -> Any:
        return next((f for f in self.findings if match(f) and (_cites(f, line) or f.code == "project-ref-mismatch")),
                    None)

    def one(self, kind: str, text: str, line: int, contradicted, verified: list[str], settle: str = "") -> Assumption:
        source = f"{self.name}:{line}"
        if contradicted is not None:
            return Assumption(source, kind, text, "contradicted", _finding_evidence(contradicted),
                              contradicted.code, line=line, severity=contradicted.severity)
        if verified:
            return Assumption(source, kind, text, "verified", tuple(verified), line=line)
        return Assumption(source, kind, text, "unverifiable", (), None,
                          settle or "nothing in the migrations builds or contradicts it", line)

    def missing(self, tables):
        tables = set(tables)
        return lambda f: f.code == "missing-table" and f.data.get("assumed") in tables

    def manifest(self) -> list[Assumption]:
        m, s, out = self.m, self.schema, []
        if m.project_ref:
            out.append(self.project_ref())
        if m.root is not None:
            r = m.root
            bad = self.contradiction(r.line, lambda f: self.missing([r.table])(f) or f.code == "root-mismatch")
            out.append(self.one("root", r.written, r.line, bad, _table_evidence(s, r.table, "the root")))
        for e in m.hierarchy:
            child, parent = self.actual(e.child), self.actual(e.parent)
            bad = self.contradiction(e.line, lambda f, e=e, child=child: self.missing([e.child, e.parent])(f) or (
                f.code == "hierarchy-mismatch" and f.data.get("child") == child and f.data.get("parent") == e.parent))
            fks = [fk for fk in s.foreign_keys_from(child) if fk.ref_table == parent]
            out.append(self.one("hierarchy", f"{short(e.child)} -> {short(e.parent)}", e.line, bad, _fk_evidence(fks[:1])))
        for a in m.foreign_keys:
            table, ref = self.actual(a.table), self.actual(a.ref_table)
            bad = self.contradiction(a.line, lambda f, a=a, table=table: self.missing([a.table, a.ref_table])(f) or (
                f.code == "missing-foreign-key" and f.data.get("table") == table
                and tuple(f.data.get("columns", ())) == a.columns))
            fks = [fk for fk in s.foreign_keys_from(table)
                   if fk.ref_table == ref and fk.columns == a.columns and fk.ref_columns == a.ref_columns]
            out.append(self.one("foreign_key", a.text, a.line, bad, _fk_evidence(fks[:1])))
        for sc in m.scoping:
            out.append(self.scope(sc))
        proposed = {p.table for p in m.proposed}
        for p in m.proposed:
            bad = self.contradiction(p.line, self.missing([p.parent]))
            bad = bad or next((f for f in self.findings if f.code == "hierarchy-mismatch"
                               and p.table in f.data.get("proposed", ())), None)
            ok = ([f"{self.name}:{p.line}: {short(p.parent)} is proposed too"] if p.parent in proposed
                  else _table_evidence(s, self.actual(p.parent), f"the parent {short(p.parent)}"))
            out.append(self.one("proposed_parent", f"{short(p.table)} -> {p.parent_written}", p.line, bad, ok))
        return out

    def scope(self, sc: AssumedScope) -> Assumption:
        s = self.schema
        table, entity = self.actual(sc.table), self.actual(sc.entity)
        bad = self.contradiction(sc.line, lambda f: self.missing([sc.table, sc.entity])(f) or (
            f.code == "scope-mismatch" and table in f.data.get("tables", ())))
        ok = _fk_evidence(path_foreign_keys(s, rls.fk_path(s, table, entity))) if table != entity else []
        if not ok and s.table(table) is not None:
            meanings = rls.table_scopes(s, table).get(entity, [])
            ok = [f"{m.policy.source}: policy \"{m.policy.name}\" scopes {short(table)} by {short(entity)}"
                  for m in meanings[:2]]
        if not ok and table == entity:
            ok = _table_evidence(s, table)
        return self.one("scoping", f"{short(sc.table)}: {sc.entity_written}", sc.line, bad, ok,
                        f"no foreign-key path or policy ties {short(table)} to {short(entity)}")

    def project_ref(self) -> Assumption:
        m, line = self.m, self.m.project_ref_line or 1
        bad = next((f for f in self.findings if f.code == "project-ref-mismatch"), None)
        ok = []
        for key in PROJECT_HEADERS:
            for file, ref in self.schema.header(key).items():
                if ref == m.project_ref:
                    ok.append(f"{file}: header {key}: {ref}")
        settle = ("no migration header names a project: a header naming it, or `schemalens verify` against "
                  "the project's database, would settle it")
        return self.one("project_ref", m.project_ref, line, bad, sorted(set(ok)), settle)

    def documents(self) -> list[Assumption]:
        docs = list(self.findings.documents)
        if not docs:
            return []
        s = self.schema
        created = created_tables(docs)
        known = _Known(s, created)
        missing = set(missing_references(s, docs))
        seen: dict[tuple, dict] = {}
        for doc in docs:
            for st in doc.statements:
                for r in statement_references(doc, st):
                    key = (doc.name, r.kind, r.table, r.column, r.text if r.kind == "unreadable" else "")
                    entry = seen.setdefault(key, {"ref": r, "lines": [], "missing": False})
                    entry["lines"].append(r.line)
                    entry["missing"] |= r in missing
        out = []
        for (doc, kind, table, column, _), e in seen.items():
            r, lines = e["ref"], list(dict.fromkeys(e["lines"]))
            source = f"{doc}:{lines[0]}"
            where = tuple(f"{doc}:{n}" for n in lines)
            if kind == "unreadable":
                out.append(Assumption(source, "document_statement", r.text[:80], "unverifiable", where, None,
                                      "the statement could not be parsed: fix its SQL so it can be read",
                                      lines[0]))
                continue
            tables = table.split("|")
            absent = [t for t in tables if not known.has_table(t)]
            name = "|".join(short(t) for t in tables) + (f".{column}" if column else "")
            if e["missing"] or absent:
                ev = where + tuple(f"no table {short(t)}" for t in absent if column)
                out.append(Assumption(source, f"document_{kind}", name, "contradicted", ev, "document-reference",
                                      line=lines[0], severity="critical"))
                continue
            ok: list[str] = []
            for t in tables:
                col = s.table(t).column(column) if column and s.table(t) is not None else None
                if col is not None and col.source.file:
                    ok.append(f"{col.source}: column {short(t)}.{column}")
                elif column is None or col is None:
                    ok += (_table_evidence(s, t) if s.table(t) or t in EXTERNAL_PRIMARY_KEYS else []) or (
                        [f"{short(t)}: created by the planned documents"] if t in created else [])
                if ok:
                    break
            ok = ok or [f"{short(table)}: a system catalog"]
            out.append(Assumption(source, f"document_{kind}", name, "verified", tuple(ok), line=lines[0]))
        return out


def assess(findings: Findings) -> Confidence:
    """Every assumption of the findings' manifest and planned documents, with a status (module docstring)."""
    a = _Assessor(findings)
    return Confidence(tuple(a.manifest() + a.documents()), findings)


# SARIF and Markdown -----------------------------------------------------------------------------------------

SARIF_RULE = "contradicted-assumption"


def add_to_sarif(doc: dict, confidence: Confidence, base: str | Path = ".") -> dict:
    """``doc`` (a SARIF 2.1.0 dict) with a result per contradicted manifest assumption at its manifest line."""
    from schemalens.present.report import SARIF_LEVEL, _uri

    bad = [a for a in confidence.by_status("contradicted") if a.kind in _MANIFEST_KINDS]
    if not bad or confidence.findings is None or confidence.findings.manifest is None:
        return doc
    run = doc["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    rules.append({"id": SARIF_RULE, "name": "ContradictedAssumption",
                  "shortDescription": {"text": "A manifest assumption the migrations contradict"},
                  "defaultConfiguration": {"level": "error"}})
    uri = _uri(confidence.findings.manifest.file, base)
    for a in bad:
        run["results"].append({
            "ruleId": SARIF_RULE,
            "ruleIndex": len(rules) - 1,
            "level": SARIF_LEVEL.get(a.severity, "warning"),
            "message": {"text": f"{a.kind.replace('_', ' ')} {a.text}: contradicted ({a.finding})"},
            "locations": [{"physicalLocation": {"artifactLocation": {"uri": uri},
                                                "region": {"startLine": max(a.line, 1)}}}],
            "properties": {"finding": a.finding, "evidence": list(a.evidence)},
        })
    return doc


_MANIFEST_KINDS = ("root", "hierarchy", "foreign_key", "scoping", "proposed_parent", "project_ref")


def with_section(report_md: str, section: str) -> str:
    """The report's Markdown with ``section`` before its footer (the last ``---``)."""
    head, sep, foot = report_md.rpartition("\n---\n")
    return f"{head}\n---\n\n{section.rstrip()}\n{sep}{foot}" if sep else f"{report_md}\n{section}"


# After the chosen options -----------------------------------------------------------------------------------

_ENTRY = re.compile(r'^\s*(?:scoping:\s*)?([\w$."]+):\s*([\w$."]+)\s*(?:;.*)?$')


def manifest_after(findings: Findings, options: Iterable) -> Manifest:
    """The manifest as it reads after ``options``: renamed tables, the chosen parents of proposed tables, the
    actual hierarchy where a hierarchy decision accepts it, foreign keys an option drops, new scoping (a
    table an option creates to unify the decision's tables takes their entries' place)."""
    from schemalens.read.manifest import table_of

    m = findings.manifest or Manifest()
    options = list(options)
    renames: dict[str, str] = {}
    for o in options:
        renames.update(dict(o.renames.tables))
    rn = lambda t: renames.get(t, t)
    parents = {(c, old): new for o in options for c, old, new in o.renames.parents}
    chosen = {o.decision for o in options}
    edges: list[AssumedEdge] = []
    for e in m.hierarchy:
        f = next((f for f in findings.by_code("hierarchy-mismatch") if f.decision in chosen
                  and f.data.get("child") == findings.mapping.get(e.child, e.child)
                  and f.data.get("parent") == e.parent and f.data.get("path")), None)
        if f is None:
            edges.append(e.model_copy(update={"child": rn(e.child), "parent": rn(e.parent)}))
            continue
        path = f.data["path"]
        edges += [e.model_copy(update={"child": a, "parent": b, "text": f"{short(a)} -> {short(b)}"})
                  for a, b in pairwise(path)]
    dropped = {f.subject for o in options if o.manifest.startswith("drop ")
               for f in findings.by_code("missing-foreign-key") if f.decision == o.decision}
    fks = tuple(a.model_copy(update={"table": rn(a.table), "ref_table": rn(a.ref_table)})
                for a in m.foreign_keys if f"{findings.mapping.get(a.table, a.table)}.{a.columns[0]}" not in dropped)
    scoping = {s.table: s.model_copy(update={"table": rn(s.table), "entity": rn(s.entity), "entity_written": (
        short(rn(s.entity)) if s.entity in renames else s.entity_written)}) for s in m.scoping}
    line = {s.table: s.line for s in m.scoping}
    for o in options:
        if o.renames.parents or not o.manifest or o.manifest.startswith(("drop ", "unchanged")):
            continue
        for text in o.manifest.splitlines():
            hit = _ENTRY.match(text)
            if not hit or hit.group(1).rstrip(":") in ("foreign_keys",):
                continue
            table, entity = table_of(hit.group(1)), table_of(hit.group(2))
            at = line.get(table) or min(line.values(), default=1)
            if table in o.creates:  # a table that replaces the decision's tables in the plan (unify)
                for f in findings.by_code("scope-mismatch"):
                    if f.decision == o.decision:
                        at = min([line.get(t, at) for t in f.data.get("tables", ())] + [at])
                        for t in f.data.get("tables", ()):
                            scoping.pop(t, None)
            scoping[table] = AssumedScope(table=table, entity=entity, entity_written=hit.group(2), line=at)
    proposed = tuple(p.model_copy(update={"parent": parents.get((p.table, p.parent), rn(p.parent)),
                                          "parent_written": short(parents.get((p.table, p.parent), rn(p.parent)))})
                     for p in m.proposed)
    root = m.root.model_copy(update={"table": rn(m.root.table), "written": short(rn(m.root.table))}) if m.root else None
    return m.model_copy(update={"root": root, "hierarchy": tuple(edges), "foreign_keys": fks,
                                "scoping": tuple(scoping.values()), "proposed": proposed})


@dataclass(frozen=True)
class Reassessment:
    """Before and after the chosen options: findings and assumption statuses side by side."""

    choices: dict[str, str]
    before: Findings = field(repr=False)
    after: Findings = field(repr=False)
    confidence_before: Confidence = field(repr=False)
    confidence_after: Confidence = field(repr=False)
    problems: tuple[str, ...] = ()  # option statements the parser or replay did not understand
    options: tuple = field(default=(), repr=False)  # the chosen options, in the order they run
    catalog: tuple[str, ...] | None = None  # None: not checked; else how the catalog disagrees (empty: agrees)

    def to_dict(self) -> dict[str, Any]:
        from schemalens.present.report import findings_dict

        checked = {} if self.catalog is None else {"catalog_check": {"agrees": not self.catalog,
                                                                     "differences": list(self.catalog)}}
        return {"choices": dict(self.choices), "option_problems": list(self.problems),
                "before": {"summary": self.before.counts(), "assumption_counts": self.confidence_before.counts()},
                } | checked | findings_dict(self.after) | self.confidence_after.to_dict()

    def markdown(self) -> str:
        b, a = self.confidence_before.counts(), self.confidence_after.counts()
        fb, fa = self.before.counts(), self.after.counts()
        chosen = ", ".join(f"{md_code(d)}={k}" for d, k in self.choices.items()) or "none"
        rows = ["| | before | after |", "|---|---|---|"]
        rows += [f"| {s} findings | {fb[s]} | {fa[s]} |" for s in fb]
        rows += [f"| {s} assumptions | {b[s]} | {a[s]} |" for s in STATUSES]
        left = [f"- {md_code(f.code)} ({f.severity}): {md_cell(f.title)}" for f in self.after
                if f.severity in ("critical", "warning")]
        still = [f"- {md_text(x.source)} {x.kind.replace('_', ' ')} {md_code(x.text)}: {md_code(x.finding)}"
                 for x in self.confidence_after.by_status("contradicted")]
        out = [f"## After these choices\n\nChosen: {chosen}.\n", "\n".join(rows) + "\n"]
        if self.problems:
            out.append("Statements of the chosen options' SQL the parser did not understand:\n\n"
                       + "\n".join(f"- {md_text(p)}" for p in self.problems) + "\n")
        if self.catalog is not None:
            out.append(catalog_markdown(self.catalog))
        out.append("Findings that remain:\n\n" + ("\n".join(left) if left else "None (critical or warning).") + "\n")
        out.append("Still contradicted:\n\n" + ("\n".join(still) if still else "Nothing.") + "\n")
        out.append(self.confidence_after.markdown(level=3))
        return "\n".join(out)

    def _repr_markdown_(self) -> str:
        return self.markdown()


def schema_after(findings: Findings, options: Iterable) -> tuple[Schema, tuple[str, ...]]:
    """The schema the migrations build with each option's forward scripts (up, then its stages) after them,
    and every option statement the parser or replay did not understand."""
    from schemalens.decide.document_rewrite import _schema_after

    options = list(options)
    schema = _schema_after(findings, options)
    names = {f"{o.decision}/{o.slug}/" for o in options}
    problems = tuple(f"{u.source}: {u.reason}" for u in (*schema.unparsed, *schema.warnings)
                     if any(str(u.source).startswith(n) for n in names))
    return schema, problems


def catalog_check(findings: Findings, options: Iterable, server=None):
    """Build the world after ``options`` on a throwaway database (the migrations, then each option's ``up``
    and stages) and compare its catalog with :func:`schema_after`'s static model: the differences neither
    explains (:class:`~schemalens.read.diff.SchemaDiff`, empty when they agree). Raises
    :class:`~schemalens.core.errors.ApplyError` naming the file or option script PostgreSQL refused."""
    from schemalens.db import live, postgres
    from schemalens.db.autocommit import apply_script
    from schemalens.read.diff import diff_schemas
    from schemalens.read.project import load_project

    options = list(options)
    static, _ = schema_after(findings, options)
    files = load_project(findings.migrations).files
    with postgres.using(server) as srv, srv.database() as conn:
        before = live.baseline(conn)
        postgres.apply_files(conn, files, findings.migrations)
        for o in options:  # each script as its file runs (one transaction or autocommit); errors name it and the line
            for name in o.scripts[:-1]:
                apply_script(conn, o, name, f"{o.decision}/{o.slug}/{name}.sql")
        catalog = live.introspect(conn, before)
    remaining, _ = diff_schemas(static, catalog).excuse(static.not_analysed)
    return remaining


def checked(again: Reassessment, server=None) -> Reassessment:
    """``again`` with its catalog check (:func:`catalog_check` of its options): each difference between the
    static model after the options and the catalog PostgreSQL builds, or the script PostgreSQL refused."""
    from dataclasses import replace

    from schemalens.core.errors import ApplyError

    try:
        remaining = catalog_check(again.before, again.options, server)
    except ApplyError as e:
        return replace(again, catalog=(f"PostgreSQL refused {e}",))
    return replace(again, catalog=tuple(str(d) for d in remaining))


def catalog_markdown(catalog: tuple[str, ...]) -> str:
    """The catalog check's paragraph: agreement, or each difference (``-`` only in the files, ``+`` only
    in the database, ``~`` different)."""
    if not catalog:
        return ("Catalog check: the migrations and the chosen options' forward scripts, built on a throwaway "
                "PostgreSQL, give the catalog the static model after the options describes.\n")
    return ("Catalog check: PostgreSQL disagrees with the static model after the options (- only in the files, "
            "+ only in the database, ~ different):\n\n" + "\n".join(f"- {md_text(d)}" for d in catalog) + "\n")


def after(findings: Findings, choices: dict[str, str] | str = "recommended", decisions=None) -> Reassessment:
    """Findings and statuses after ``choices`` (``{decision: option key}`` or ``"recommended"``)."""
    from schemalens.assess.compare import compare
    from schemalens.assess.findings import Sources
    from schemalens.decide.document_rewrite import rewrite_for
    from schemalens.decide.options import decide

    decisions = decisions or decide(findings)
    if choices == "recommended":
        choices = decisions.recommended()
    options = [decisions[d].option(k) for d, k in choices.items()]
    schema, problems = schema_after(findings, options)
    rewrite = rewrite_for(decisions, choices)
    docs = [parse_document(d.text, d.name, d.path) for d in rewrite]
    manifest = manifest_after(findings, options).model_copy(update={"documents": ()})
    result = compare(schema, manifest, sources=Sources(findings.migrations) if findings.migrations else None,
                     documents=docs)
    return Reassessment(dict(choices), findings, result, assess(findings), assess(result), problems, tuple(options))


def parse_choices(items: Iterable[str], decisions) -> dict[str, str]:
    """``--choose`` values as ``{decision: option key}``: ``recommended`` (the recommended options) or
    ``DECISION=OPTION`` each (an unknown one is an InputError)."""
    from schemalens.core.errors import InputError

    items = list(items)
    if items == ["recommended"]:
        return decisions.recommended()
    out = {}
    for item in items:
        did, _, key = item.partition("=")
        try:
            decisions[did].option(key)
        except KeyError:
            raise InputError(f"--choose {item}: no such decision and option (decisions: "
                             f"{', '.join(d.id for d in decisions)})") from None
        out[did] = key
    return out


__all__ = ["Assumption", "Confidence", "Reassessment", "after", "assess", "catalog_check", "catalog_markdown",
           "checked", "manifest_after", "parse_choices", "schema_after"]
