"""What a finding is: code, severity, assumed against actual, evidence (file:line and the text), impact,
and the decision it opens; the collection the report writers take; and the context rules read.

Findings are plain frozen data; :mod:`schemalens.assess.compare` and the rules of :mod:`schemalens.assess.rules` make them,
:mod:`schemalens.present.report` writes them. Nothing here reads files but :class:`Sources` (excerpts).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx

from schemalens.core.model import ForeignKey, Schema, Source
from schemalens.core.names import md_name, short
from schemalens.core.version import __version__
from schemalens.read.documents import Document
from schemalens.read.manifest import Manifest
from schemalens.read.project import load_project
from schemalens.read.replay import EXTERNAL_PRIMARY_KEYS
from schemalens.read.spans import Spans

SEVERITIES = ("critical", "warning", "info")
CODES = (
    "missing-table",
    "root-mismatch",
    "missing-foreign-key",
    "manual-sync-required",
    "hierarchy-mismatch",
    "scope-mismatch",
    "project-ref-mismatch",
    "document-reference",
    "rls-disabled",
    "table-without-policy",
    "unindexed-foreign-key",
    "unreachable-from-root",
)
PROJECT_HEADERS = ("supabase project", "project ref", "project_ref", "project")


@dataclass(frozen=True)
class Evidence:
    """Where a finding shows: ``file:line`` (relative to its folder), the excerpt, and what it shows."""

    file: str
    line: int
    text: str
    note: str = ""
    kind: str = "migration"  # migration | document | manifest
    path: str = ""  # the file as given (migration folder / manifest folder joined), for SARIF
    start: int = 0  # first line of ``text`` (the statement's), 0 when ``text`` is the cited line only

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(frozen=True)
class Finding:
    """One discrepancy; ``decision`` is the id of the decision it opens, ``data`` what that decision needs."""

    code: str
    severity: str
    title: str
    assumed: str
    actual: str
    evidence: tuple[Evidence, ...]
    impact: str
    decision: str
    options: tuple[str, ...] = ()
    subject: str = ""
    data: dict[str, Any] = field(default_factory=dict, hash=False)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["evidence"] = [dict(asdict(e), location=str(e)) for e in self.evidence]
        return d


@dataclass(frozen=True)
class Findings(Sequence):
    """The findings of one comparison, with what they were computed from (a report object)."""

    findings: tuple[Finding, ...]
    schema: Schema = field(repr=False)
    manifest: Manifest | None = field(default=None, repr=False)
    migrations: str = ""
    documents: tuple[Document, ...] = field(default=(), repr=False)
    root: str | None = None
    mapping: dict[str, str] = field(default_factory=dict, hash=False)
    files: tuple[str, ...] = ()  # the migration files read, in apply order
    notes: tuple[str, ...] = field(default=(), repr=False)  # what was not checked and why (no root to check)

    def __getitem__(self, i):
        return self.findings[i]

    def __len__(self) -> int:
        return len(self.findings)

    def by_code(self, code: str) -> list[Finding]:
        return [f for f in self.findings if f.code == code]

    def counts(self) -> dict[str, int]:
        return {s: sum(f.severity == s for f in self.findings) for s in SEVERITIES}

    def reaching(self, level: str) -> list[Finding]:
        """Findings at ``level`` or worse (``never`` reaches nothing)."""
        if level == "never":
            return []
        worst = SEVERITIES.index(level)
        return [f for f in self.findings if SEVERITIES.index(f.severity) <= worst]

    def decisions(self) -> dict[str, list[Finding]]:
        out: dict[str, list[Finding]] = {}
        for f in self.findings:
            out.setdefault(f.decision, []).append(f)
        return out


# Source excerpts ------------------------------------------------------------------------------------------


class Sources:
    """Statement text by ``file:line`` in a migration folder, for evidence excerpts (none without one)."""

    def __init__(self, folder: str | Path | None = None):
        self.folder = str(folder) if folder is not None else ""
        self.files = {f.name: f for f in load_project(folder).files} if folder is not None else {}
        self.spans = Spans(self.folder)  # statements' lines and texts, kept between runs (save() writes them)

    def path(self, file: str) -> str:
        return str(Path(self.folder) / file) if self.folder else file

    def statement(self, source: Source) -> tuple[int, str]:
        f = self.files.get(source.file)
        if f is None:
            return 0, ""
        for line, text in self.spans.of(f.name, f.text):  # split only: the statement's line and text, no parser
            if line <= source.line <= line + text.count("\n"):
                return line, text.rstrip() + ";"
        return 0, self.line(source)

    def line(self, source: Source) -> str:
        f = self.files.get(source.file)
        lines = f.text.splitlines() if f else []
        return lines[source.line - 1].strip() if 0 < source.line <= len(lines) else ""

    def evidence(self, source: Source, note: str = "", whole: bool = True) -> Evidence:
        start, text = self.statement(source) if whole else (0, self.line(source))
        return Evidence(source.file, source.line, text, note, "migration", self.path(source.file), start)


def _manifest_evidence(m: Manifest, line: int | None, note: str) -> Evidence:
    try:
        text = Path(m.file).read_text(encoding="utf-8").splitlines()[(line or 1) - 1].split("#")[0].strip()
    except (OSError, IndexError):
        text = ""
    return Evidence(Path(m.file).name, line or 1, text, note, "manifest", m.file)


@dataclass
class Context:
    schema: Schema
    manifest: Manifest
    sources: Sources
    documents: list[Document]
    graph: nx.MultiDiGraph
    mapping: dict[str, str] = field(default_factory=dict)
    root: str | None = None
    counterparts: dict[str, tuple[str | None, list[str]]] = field(default_factory=dict)  # missing table -> (its counterpart, why)
    platform: str = "supabase"  # schemalens.read.platform: which general checks apply

    def exists(self, table: str) -> bool:
        return self.schema.table(table) is not None or table in self.graph or table in EXTERNAL_PRIMARY_KEYS

    def actual(self, table: str) -> str:
        return self.mapping.get(table, table)

    def as_mapped(self, table: str) -> str:
        """``agencies`` or ``tenants (read as agencies)``."""
        mapped = self.actual(table)
        return f"{md_name(table)} (read as {md_name(mapped)})" if mapped != table else f"{md_name(table)}"

    def table_evidence(self, table: str, note: str = "") -> list[Evidence]:
        t = self.schema.table(table)
        return [self.sources.evidence(t.source, note)] if t is not None and t.source.file else []

    def fk_evidence(self, fk: ForeignKey, note: str = "") -> Evidence:
        return self.sources.evidence(
            fk.source, note or f"{short(fk.table)}.{', '.join(fk.columns)} → {short(fk.ref_table)}"
        )


def findings_dict(findings: Findings) -> dict:
    m = findings.manifest
    return {
        "schemalens": __version__,
        "migrations": findings.migrations,
        "manifest": m.file if m else None,
        "root": findings.root,
        "mapping": findings.mapping,
        "notes": list(findings.notes),
        "summary": findings.counts(),
        "decisions": {d: [findings.findings.index(f) for f in g] for d, g in findings.decisions().items()},
        "findings": [f.to_dict() for f in findings],
    }


def group_name(tables: Sequence[str], fallback: str = "") -> str:
    """A group's name: the tables' common ``_`` suffix or prefix, else the one table, else ``fallback``.

    >>> group_name(["public.style_cartridges", "public.voice_cartridges"]), group_name(["public.api_keys"])
    ('cartridges', 'api_keys')
    """
    names = [short(t).replace(".", "_") for t in tables]
    if len(names) == 1:
        return names[0]
    split = [n.split("_") for n in names]
    suffix = []
    for parts in zip(*[reversed(s) for s in split]):
        if len(set(parts)) != 1:
            break
        suffix.insert(0, parts[0])
    prefix = []
    for parts in zip(*split):
        if len(set(parts)) != 1:
            break
        prefix.append(parts[0])
    return "_".join(suffix) or "_".join(prefix) or fallback or names[0]


def _fk_dict(fk: ForeignKey) -> dict[str, Any]:
    return {
        "name": fk.name,
        "table": fk.table,
        "columns": list(fk.columns),
        "ref_table": fk.ref_table,
        "ref_columns": list(fk.ref_columns),
        "on_delete": fk.on_delete,
        "source": str(fk.source),
    }
