"""Planned change documents (Markdown with ```sql blocks): the tables and columns they use, by line.

Each ```sql block is split and parsed by :mod:`schemalens.read.parse` (the same splitter as migrations),
with the rest of the document blanked so every statement keeps its document line. What the statements use
and create: :mod:`schemalens.read.document_references`; the documents rewritten to the actual schema:
:mod:`schemalens.decide.document_rewrite`.

>>> from schemalens.core.model import Column, Schema, Table
>>> from schemalens.read.document_references import missing_references
>>> s = Schema(tables=(Table("public.users", columns=(Column("id", "uuid"),)),))
>>> text = "# Plan\\n\\n```sql\\nSELECT tenant_id FROM users;\\nSELECT 1 FROM tenants;\\n```\\n"
>>> doc = parse_document(text, "p.md")
>>> [(r.line, r.kind, r.table, r.column) for r in missing_references(s, [doc])]
[(4, 'column', 'public.users', 'tenant_id'), (5, 'table', 'public.tenants', None)]
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from schemalens.core.errors import InputError
from schemalens.read.parse import (
    Statement,
    split_and_parse,
)

_FENCE = re.compile(r"^\s*(```+|~~~+)\s*([\w+-]*)")


@dataclass(frozen=True)
class Document:
    path: str  # as found on disk (e.g. data/revos/plans/CC1.md)
    name: str  # as shown (relative to the manifest's folder)
    text: str = field(repr=False)
    statements: tuple[Statement, ...] = field(default=(), repr=False)

    def line(self, n: int) -> str:
        lines = self.text.splitlines()
        return lines[n - 1].strip() if 0 < n <= len(lines) else ""


def sql_blocks(text: str) -> list[tuple[int, int]]:
    """(first, last) document lines of each ```sql block's body.

    >>> sql_blocks("x\\n```sql\\nSELECT 1;\\n```\\n```python\\n1\\n```\\n")
    [(3, 3)]
    """
    out, start, fence = [], None, ""
    for n, line in enumerate(text.splitlines(), 1):
        m = _FENCE.match(line)
        if (
            start is None
            and m
            and m.group(2).lower() in ("sql", "postgres", "postgresql", "pgsql", "plpgsql")
        ):
            start, fence = n + 1, m.group(1)[0]
        elif start is not None and line.strip().startswith(fence * 3):
            out.append((start, n - 1))
            start = None
    return out


def parse_document(text: str, name: str, path: str | None = None) -> Document:
    """A document's SQL statements, each with its line in the document."""
    lines = text.splitlines()
    statements: list[Statement] = []
    for first, last in sql_blocks(text):
        masked = "\n" * (first - 1) + "\n".join(lines[first - 1 : last])
        statements.extend(split_and_parse(masked, name))
    return Document(path or name, name, text, tuple(statements))


def read_document(path: str | Path, name: str | None = None) -> Document:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(f"cannot read the planned document ({e})", str(path)) from None
    return parse_document(text, name or p.name, str(path))


__all__ = ["Document", "parse_document", "read_document", "sql_blocks"]
