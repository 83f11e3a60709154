"""What planned change documents (:mod:`schemalens.read.documents`) use and create: the tables and columns,
by document line.

Each ```sql block is split and parsed by :mod:`schemalens.read.parse` (the same splitter as migrations),
with the rest of the document blanked so every statement keeps its document line. A reference is a
table or column a statement uses: FROM/JOIN/INSERT/UPDATE/DELETE targets, ``REFERENCES t(col)``,
``CREATE INDEX … ON t(col)``, ``CREATE POLICY … ON t`` and its predicates, ``ALTER TABLE``, triggers,
and the bodies of plain-SQL functions. :func:`missing_references` keeps those the schema lacks.

The plan is read as one change set: a table or column that any planned document creates (or adds
with ``ALTER TABLE … ADD COLUMN``) is known to all of them. Columns of tables the model cannot list
(``auth.users``, views, CTEs, derived tables) and system catalogs are never reported. Statements the
parser cannot read are reported as unreadable instead of being skipped silently.

>>> from schemalens.core.model import Column, Schema, Table
>>> s = Schema(tables=(Table("public.users", columns=(Column("id", "uuid"),)),))
>>> text = "# Plan\\n\\n```sql\\nSELECT tenant_id FROM users;\\nSELECT 1 FROM tenants;\\n```\\n"
>>> from schemalens.read.documents import parse_document
>>> doc = parse_document(text, "p.md")
>>> [(r.line, r.kind, r.table, r.column) for r in missing_references(s, [doc])]
[(4, 'column', 'public.users', 'tenant_id'), (5, 'table', 'public.tenants', None)]
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlglot import exp

from schemalens.core.model import Schema
from schemalens.core.names import short
from schemalens.read.parse import (
    UNPARSED,
    FunctionStmt,
    PolicyStmt,
    RlsStmt,
    Statement,
    ident,
    split_and_parse,
    table_name,
)
from schemalens.read.replay import EXTERNAL_PRIMARY_KEYS

if TYPE_CHECKING:
    from schemalens.read.documents import Document

SYSTEM_SCHEMAS = ("information_schema", "pg_catalog")


@dataclass(frozen=True)
class Reference:
    """A table (``column`` None) or column a document's statement uses, with the document line."""

    document: str
    line: int
    kind: str  # "table" | "column" | "unreadable"
    table: str
    column: str | None
    text: str  # the document line
    statement: str = field(default="", repr=False)

    @property
    def name(self) -> str:
        name = short(self.table)
        return f"{name}.{self.column}" if self.column else name


def created_tables(documents) -> dict[str, tuple[str, ...]]:
    """``{table: columns}`` that the documents create (tables and views) or extend (ADD COLUMN)."""
    out: dict[str, list[str]] = {}
    for doc in documents:
        for st in doc.statements:
            node = st.node
            if isinstance(node, exp.Create) and st.kind in ("create table", "create view"):
                target = node.this
                name = _qname(target)
                if isinstance(target, exp.Schema):
                    cols = [ident(c.this) for c in target.expressions if isinstance(c, exp.ColumnDef)]
                elif isinstance(node.expression, exp.Select):
                    cols = [e.alias_or_name for e in node.expression.expressions]
                else:
                    cols = []
                out.setdefault(name, []).extend(cols)
            elif isinstance(node, exp.Alter) and st.kind == "alter table":
                added = [
                    ident(a.this) for a in node.args.get("actions") or [] if isinstance(a, exp.ColumnDef)
                ]
                if added:
                    out.setdefault(_qname(node.this), []).extend(added)
    return {k: tuple(dict.fromkeys(v)) for k, v in out.items()}


def created_parents(documents) -> dict[str, tuple[str, str, str, int]]:
    """``{table: (column, referenced table, document, line)}``: each created table's first foreign key."""
    out: dict[str, tuple[str, str, str, int]] = {}
    for doc in documents:
        for st in doc.statements:
            if (
                isinstance(st.node, exp.Create)
                and st.kind == "create table"
                and isinstance(st.node.this, exp.Schema)
            ):
                for cd in st.node.this.expressions:
                    ref = cd.find(exp.Reference) if isinstance(cd, exp.ColumnDef) else None
                    if ref is not None:
                        target = ref.this.this if isinstance(ref.this, exp.Schema) else ref.this
                        line = cd.this.meta.get("line")
                        out.setdefault(
                            _qname(st.node.this),
                            (
                                ident(cd.this),
                                _qname(target),
                                doc.name,
                                st.line_offset + line if line else st.source.line,
                            ),
                        )
                        break
    return out


def _qname(node: exp.Expression) -> str:
    schema, name = table_name(node)
    return f"{schema or 'public'}.{name}"


def _created_refs(documents) -> dict[tuple[str, str], str]:
    """``{(table, column): referenced table}`` for the columns of every table the documents create."""
    out = {}
    for doc in documents:
        for st in doc.statements:
            node = st.node
            if (
                isinstance(node, exp.Create)
                and st.kind == "create table"
                and isinstance(node.this, exp.Schema)
            ):
                own = _qname(node.this.this)
                for cd in node.this.expressions:
                    ref = cd.find(exp.Reference) if isinstance(cd, exp.ColumnDef) else None
                    if ref is not None:
                        target = ref.this.this if isinstance(ref.this, exp.Schema) else ref.this
                        out[(own, ident(cd.this))] = _qname(target)
    return out


class _Known:
    """Which tables and columns exist: the schema plus what the documents create."""

    def __init__(self, schema: Schema, created: dict[str, tuple[str, ...]]):
        self.columns: dict[str, set[str] | None] = {t.name: set(t.column_names) for t in schema.tables}
        for v in schema.views:
            self.columns[v.name] = None
        for t in EXTERNAL_PRIMARY_KEYS:
            self.columns.setdefault(t, None)
        for t, cols in created.items():
            if self.columns.get(t, set()) is not None:
                self.columns[t] = (self.columns.get(t) or set()) | set(cols)
        self.views_created = {t for t, c in created.items() if not c}

    def has_table(self, table: str) -> bool:
        return table.split(".")[0] in SYSTEM_SCHEMAS or table in self.columns

    def has_column(self, table: str, column: str) -> bool:
        cols = self.columns.get(table)
        return cols is None or column in cols or table.split(".")[0] in SYSTEM_SCHEMAS


class _Walker:
    def __init__(self, doc: Document, st: Statement):
        self.doc, self.st, self.refs = doc, st, []

    def line(self, node: exp.Expression | None, offset: int) -> int:
        ident_node = node if isinstance(node, exp.Identifier) else node.find(exp.Identifier) if node else None
        n = ident_node.meta.get("line") if ident_node is not None else None
        if n:
            return offset + n
        if ident_node is not None:  # built from tokens (policies, RLS): find the name in the statement
            m = re.search(rf"(?<![\w$.]){re.escape(ident_node.this)}(?![\w$])", self.st.text, re.IGNORECASE)
            if m:
                return self.st.source.line + self.st.text[: m.start()].count("\n")
        return self.st.source.line

    def add(
        self, kind: str, table: str, column: str | None, node: exp.Expression | None, offset: int
    ) -> None:
        n = self.line(node, offset)
        self.refs.append(Reference(self.doc.name, n, kind, table, column, self.doc.line(n), self.st.text))

    def table(self, node: exp.Table, offset: int) -> str:
        name = _qname(node)
        self.add("table", name, None, node, offset)
        return name

    def expression(self, tree: exp.Expression, offset: int, outer: str | None = None) -> None:
        """Tables of every FROM/JOIN/DML target, and columns resolved through their aliases."""
        ctes = {c.alias_or_name for c in tree.find_all(exp.CTE)}
        aliases: dict[int, dict[str, str | None]] = {}
        for t in tree.find_all(exp.Table):
            if isinstance(t.this, exp.Identifier) and t.name not in ctes:
                name = self.table(t, offset)
                scope = t.find_ancestor(exp.Select, exp.Update, exp.Delete, exp.Insert)
                aliases.setdefault(id(scope), {})[t.alias_or_name] = name
        for sub in tree.find_all(exp.Subquery):
            if sub.alias:
                scope = sub.find_ancestor(exp.Select)
                aliases.setdefault(id(scope), {})[sub.alias] = None
        for col in tree.find_all(exp.Column):
            if isinstance(col.this, exp.Star):
                continue
            table = self.resolve(col, aliases, outer)
            if table:
                self.add("column", table, ident(col), col, offset)

    def resolve(self, col: exp.Column, aliases: dict, outer: str | None) -> str | None:
        scope = col.find_ancestor(exp.Select, exp.Update, exp.Delete, exp.Insert)
        while scope is not None:
            sources = aliases.get(id(scope), {})
            if col.table:
                if col.table in sources:
                    return sources[col.table]
            elif sources:
                names = [s for s in sources.values() if s]
                outputs = (
                    {e.alias for e in scope.expressions if isinstance(e, exp.Alias)}
                    if isinstance(scope, exp.Select)
                    else set()
                )
                if ident(col) in outputs or len(names) != len(sources):
                    return None
                return names[0] if len(names) == 1 else "|".join(names)
            scope = scope.find_ancestor(exp.Select, exp.Update, exp.Delete, exp.Insert)
        if col.table and outer and col.table == outer.split(".")[-1]:
            return outer
        return outer if not col.table else None


def _offset_of(st: Statement, inner: str | None, start: int = 0) -> int:
    """Document line just before ``inner`` (a predicate or function body) starts inside the statement."""
    pos = st.text.find(inner, start) if inner else -1
    return st.source.line - 1 + (st.text[:pos].count("\n") if pos > 0 else 0)


def statement_references(doc: Document, st: Statement) -> list[Reference]:
    """Every table and column one statement of a document uses (``|``-joined tables when ambiguous)."""
    w, node, off = _Walker(doc, st), st.node, st.line_offset
    if st.status == UNPARSED:
        w.refs.append(
            Reference(doc.name, st.source.line, "unreadable", "", None, doc.line(st.source.line), st.text)
        )
    elif isinstance(node, PolicyStmt):
        table = w.table(node.table, off)
        check = re.search(r"\bWITH\s+CHECK\b", st.text, re.IGNORECASE)
        for tree, text, start in (
            (node.using, node.using_text, 0),
            (node.with_check, node.with_check_text, check.end() if check else 0),
        ):
            if tree is not None:
                w.expression(tree, _offset_of(st, text, start), outer=table)
    elif isinstance(node, RlsStmt):
        w.table(node.table, off)
    elif isinstance(node, FunctionStmt) and node.body and node.language == "sql":
        body_off = _offset_of(st, node.body)
        for inner in split_and_parse(node.body, doc.name):
            if inner.node is not None and isinstance(inner.node, exp.Expression):
                w.expression(inner.node, body_off + inner.line_offset)
    elif isinstance(node, exp.Create) and st.kind == "create table":
        target = node.this
        own = _qname(target)
        cols = (
            {ident(c.this) for c in target.expressions if isinstance(c, exp.ColumnDef)}
            if isinstance(target, exp.Schema)
            else set()
        )
        for ref in node.find_all(exp.Reference):
            rt = ref.this.this if isinstance(ref.this, exp.Schema) else ref.this
            ref_table = w.table(rt, off)
            for c in ref.this.expressions if isinstance(ref.this, exp.Schema) else []:
                w.add("column", ref_table, ident(c), c, off)
        for fk in node.find_all(exp.ForeignKey):
            for c in fk.expressions:
                if ident(c) not in cols:
                    w.add("column", own, ident(c), c, off)
        if isinstance(node.expression, exp.Expression):
            w.expression(node.expression, off)
    elif isinstance(node, exp.Create) and st.kind == "create index":
        index = node.this
        table = w.table(index.args["table"], off)
        params = index.args.get("params")
        for c in params.find_all(exp.Column) if params is not None else []:
            w.add("column", table, ident(c), c, off)
    elif isinstance(node, exp.Create) and st.kind == "create trigger":
        props = node.args["properties"].find(exp.TriggerProperties)
        w.table(props.args["table"], off)
    elif isinstance(node, exp.Create) and isinstance(node.expression, exp.Expression):
        w.expression(node.expression, off)
    elif isinstance(node, exp.Alter) and st.kind == "alter table":
        table = w.table(node.this, off)
        for action in node.args.get("actions") or []:
            if not isinstance(action, exp.ColumnDef):
                for c in action.find_all(exp.Column):
                    w.add("column", table, ident(c), c, off)
            for ref in action.find_all(exp.Reference):
                rt = ref.this.this if isinstance(ref.this, exp.Schema) else ref.this
                w.table(rt, off)
    elif isinstance(node, (exp.Insert, exp.Select, exp.Update, exp.Delete, exp.Union, exp.Drop)):
        if isinstance(node, exp.Insert) and isinstance(node.this, exp.Schema):
            target = _qname(node.this)
            for c in node.this.expressions:
                w.add("column", target, ident(c), c, off)
        if isinstance(node, exp.Drop) and node.args.get("exists"):
            return []
        w.expression(node, off)
    return w.refs


def missing_references(schema: Schema, documents) -> list[Reference]:
    """References to tables and columns that neither the schema nor any planned document provides."""
    documents = list(documents)
    known = _Known(schema, created_tables(documents))
    out: list[Reference] = []
    for doc in documents:
        for st in doc.statements:
            for r in statement_references(doc, st):
                if r.kind == "unreadable":
                    out.append(r)
                elif r.kind == "table" and not known.has_table(r.table):
                    out.append(r)
                elif r.kind == "column":
                    tables = r.table.split("|")
                    if any(not known.has_table(t) for t in tables):
                        continue  # the missing table is reported already
                    if not any(known.has_column(t, r.column) for t in tables):
                        out.append(r)
    return list(dict.fromkeys(out))
