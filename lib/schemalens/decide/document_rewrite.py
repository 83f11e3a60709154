""":func:`rewrite_documents` rewrites every ```sql block to the actual schema, or to the schema after
the options a reader picked (:mod:`schemalens.decide.decisions`), with :class:`schemalens.decide.rewrite.Rewriter`:
only the names change, the rest of the text stays as written; each document gets a unified diff.
An option whose tables the documents also create is carried out by the documents (they are rewritten
to its names); any other option runs first, and the documents are rewritten to the schema after it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from schemalens.assess.findings import Findings
from schemalens.core.errors import InputError
from schemalens.core.model import Schema
from schemalens.core.names import md_fence
from schemalens.read.document_references import created_tables, missing_references
from schemalens.read.documents import parse_document, sql_blocks
from schemalens.read.parse import (
    split_and_parse,
)
from schemalens.read.project import load_project


@dataclass(frozen=True)
class RewrittenDocument:
    """A planned document with its SQL rewritten: the new text, each change, and what is left unresolved."""

    name: str
    path: str
    original: str = field(repr=False)
    text: str = field(repr=False)
    changes: tuple = ()
    unresolved: tuple[str, ...] = ()

    @property
    def diff(self) -> str:
        """The unified diff from the original to the rewritten text (empty when nothing changed)."""
        import difflib

        return "".join(difflib.unified_diff(self.original.splitlines(keepends=True),
                                            self.text.splitlines(keepends=True),
                                            f"a/{self.name}", f"b/{self.name}"))

    def sql(self) -> list[str]:
        """The rewritten ```sql blocks, in order (what to run)."""
        lines = self.text.splitlines()
        return ["\n".join(lines[a - 1:b]) for a, b in sql_blocks(self.text)]

    def _repr_markdown_(self) -> str:
        head = f"**{self.name}**: {len(self.changes)} changes"
        head += f"; unresolved: {'; '.join(self.unresolved)}" if self.unresolved else ""
        return head + ("\n\n" + md_fence(self.diff.removesuffix("\n"), "diff") + "\n" if self.diff else "\n\nNo change.\n")


@dataclass(frozen=True)
class Rewrite:
    """Every planned document rewritten for a set of chosen options.

    ``applied``: options whose SQL runs before the documents; ``carried``: options the documents carry
    out themselves (they create the same tables), rewritten to the options' names.
    """

    documents: tuple[RewrittenDocument, ...]
    applied: tuple = ()
    carried: tuple = ()
    schema: Schema = field(default_factory=Schema, repr=False)

    def __iter__(self):
        return iter(self.documents)

    def __getitem__(self, name: str) -> RewrittenDocument:
        return next(d for d in self.documents if d.name == name or Path(d.name).name == name)

    def diff(self) -> str:
        return "".join(d.diff for d in self.documents)


def _schema_after(findings: Findings, options) -> Schema:
    """The schema the migrations build with the options' forward scripts applied after them (statically)."""
    from schemalens.read.replay import replay

    if not options:
        return findings.schema
    if not findings.migrations:
        raise InputError("the findings name no migration folder: cannot apply options to the schema")
    project = load_project(findings.migrations)
    files, statements = project.files, list(project.statements)
    for o in options:
        for name in o.scripts[:-1]:
            statements += split_and_parse(o.script(name), f"{o.decision}/{o.slug}/{name}.sql")
    return replay(statements, headers=tuple((f.name, f.headers) for f in files if f.headers))


def rewrite_documents(findings: Findings, options: Iterable | dict[str, str] = (), decisions=None) -> Rewrite:
    """Rewrite the findings' planned documents for the chosen ``options`` (Options, or ``{decision: key}``).

    With no option, tables the plan names that do not exist become their counterparts (as keeping the
    actual root does).
    """
    from schemalens.decide.rewrite import Renames, Rewriter, apply_edits

    if isinstance(options, dict):
        from schemalens.decide.options import decide

        decisions = decisions or decide(findings)
        options = [decisions[d].option(k) for d, k in options.items()]
    docs = list(findings.documents)
    in_docs = set(created_tables(docs))
    applied = tuple(o for o in options if not set(o.creates) & in_docs)
    carried = tuple(o for o in options if set(o.creates) & in_docs)
    target = _schema_after(findings, applied)
    renames = Renames(tables=tuple(findings.mapping.items()))
    for o in options:
        renames = renames.merge(o.renames)
    rewritten = []
    for doc in docs:
        rw = Rewriter(target, renames, docs)
        text, changes = apply_edits(doc.text, rw.edits(doc.text, doc.statements))
        rewritten.append((doc, text, changes, rw.unresolved))
    # what is still missing, with all rewritten documents read as one change set
    left: dict[str, list[str]] = {}
    for r in missing_references(target, [parse_document(text, doc.name) for doc, text, *_ in rewritten]):
        left.setdefault(r.document, []).append(f"line {r.line}: {r.name}")
    out = [RewrittenDocument(doc.name, doc.path, doc.text, text, tuple(changes),
                             tuple(dict.fromkeys(unresolved + left.get(doc.name, []))))
           for doc, text, changes, unresolved in rewritten]
    return Rewrite(tuple(out), applied, carried, target)


def rewrite_for(decisions, choices: dict[str, str] | None = None) -> Rewrite:
    """The planned documents of ``decisions`` rewritten for ``choices`` (default: the recommended options)."""
    return rewrite_documents(decisions.findings, decisions.recommended() if choices is None else choices, decisions)


__all__ = ["Rewrite", "RewrittenDocument", "rewrite_documents", "rewrite_for"]
