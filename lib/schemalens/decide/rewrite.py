"""Rewrite planned SQL to the actual schema: edit the original text where sqlglot says the names are.

sqlglot finds every table and column (with its span in the text); the rewrite replaces only those
spans, so the rest of a statement stays byte for byte as written (regenerating it with sqlglot would
turn ``now()`` into ``CURRENT_TIMESTAMP`` and re-indent everything). What it rewrites, given a
target :class:`~schemalens.core.model.Schema` and :class:`Renames`:

* tables the plan names that do not exist (``tenants``) → their actual counterpart (``agencies``);
* the key columns of tables the plan creates: a ``<x>_id`` column referencing a renamed table, or
  the parent column of a proposed table whose parent a decision chose (``tenant_id REFERENCES
  tenants`` → ``client_id REFERENCES clients``), and index names that spell the old column;
* a missing ``<x>_id`` column of an existing table (``users.tenant_id``) → the foreign-key chain to
  ``x``'s actual table: one hop is a column (``users.client_id``), more hops join the chain
  (``SELECT clients.agency_id FROM users JOIN clients ON clients.id = users.client_id``) or, where a
  join cannot be added, become a scalar subquery. When the column is compared with a key of another
  entity (``client_id IN (SELECT tenant_id FROM users …)``), the chain goes to that entity instead.

It refuses to guess: a reference it cannot resolve is left as written and listed as unresolved.

>>> from schemalens.core.model import Column, ForeignKey, Schema, Table
>>> s = Schema(tables=(Table("public.orgs", (Column("id", "uuid"),), ("id",)),
...                    Table("public.teams", (Column("id", "uuid"), Column("org_id", "uuid")), ("id",)),
...                    Table("public.users", (Column("id", "uuid"), Column("team_id", "uuid")), ("id",))),
...            foreign_keys=(ForeignKey("f1", "public.teams", ("org_id",), "public.orgs", ("id",)),
...                          ForeignKey("f2", "public.users", ("team_id",), "public.teams", ("id",))))
>>> r = Rewriter(s, Renames(tables=(("public.tenants", "public.orgs"),)))
>>> print(r.sql("SELECT tenant_id FROM users WHERE id = auth.uid();")[0])
SELECT teams.org_id FROM users JOIN teams ON teams.id = users.team_id WHERE users.id = auth.uid();
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise

import sqlglot
from sqlglot import exp
from sqlglot.dialects.postgres import Postgres
from sqlglot.errors import SqlglotError
from sqlglot.tokens import TokenType

from schemalens.core.model import ForeignKey, Schema
from schemalens.core.names import short as _short
from schemalens.decide.edits import Change, _Edit, _locate, _shift, apply_edits
from schemalens.decide.sqlgen import fk_column_name, singular
from schemalens.decide.sqlgen import ident as quote
from schemalens.read.document_references import _created_refs, _qname
from schemalens.read.parse import (
    UNPARSED,
    FunctionStmt,
    PolicyStmt,
    RlsStmt,
    Statement,
    ident,
    split_and_parse,
)

_SCOPES = (exp.Select, exp.Update, exp.Delete, exp.Insert)
_UID_AFTER = re.compile(r"\s*=\s*auth\s*\.\s*uid\s*\(\s*\)", re.IGNORECASE)
_UID_BEFORE = re.compile(r"auth\s*\.\s*uid\s*\(\s*\)\s*=\s*$", re.IGNORECASE)
_REFERENCE_TAIL = re.compile(
    r"\s*REFERENCES\s+(?:[\w$]+|\"[^\"]+\")(?:\.(?:[\w$]+|\"[^\"]+\"))?\s*(?:\([^)]*\))?"
    r"(?:\s+ON\s+(?:DELETE|UPDATE)\s+(?:SET\s+NULL|SET\s+DEFAULT|CASCADE|RESTRICT|NO\s+ACTION))*"
    r"(?:\s+(?:NOT\s+)?DEFERRABLE(?:\s+INITIALLY\s+(?:DEFERRED|IMMEDIATE))?)?",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Renames:
    """What chosen options mean for planned SQL.

    ``tables``: a table the plan names → the actual table; ``moved``: tables an option renames (old →
    new), used to translate the other options' names; ``parents``: (table the plan adds, the parent
    the plan assumed, the chosen parent); ``dropped``: tables the plan's ``REFERENCES`` no longer name
    (the column stays); ``members``: (table, column, condition): ``<t>.<column> = auth.uid()`` becomes
    ``<t>.<condition>`` (:mod:`schemalens.decide.options.documents`).
    """

    tables: tuple[tuple[str, str], ...] = ()
    moved: tuple[tuple[str, str], ...] = ()
    parents: tuple[tuple[str, str, str], ...] = ()
    dropped: tuple[str, ...] = ()
    members: tuple[tuple[str, str, str], ...] = ()

    def merge(self, other: Renames) -> Renames:
        return Renames(self.tables + other.tables, self.moved + other.moved, self.parents + other.parents,
                       self.dropped + other.dropped, self.members + other.members)


def _written(name: str) -> str:
    """A qualified table as SQL written the plan's way: bare in ``public``."""
    return ".".join(quote(p) for p in _short(name).split("."))


def path_foreign_keys(schema: Schema, path: Sequence[str]) -> list[ForeignKey]:
    """The single-column foreign key of each hop of a path (child → parent)."""
    out = []
    for child, parent in pairwise(path):
        fk = next(
            (f for f in schema.foreign_keys_from(child) if f.ref_table == parent and len(f.columns) == 1),
            None,
        )
        if fk is None:
            return []
        out.append(fk)
    return out


class Rewriter:
    """Rewrites SQL text (statements, documents) against ``schema`` as ``renames`` say; see the module doc."""

    def __init__(
        self,
        schema: Schema,
        renames: Renames = Renames(),
        documents: Iterable = (),
        drop_missing_references: bool = False,
    ):
        from schemalens.read.document_references import created_tables

        self.schema = schema
        self.drop_missing = drop_missing_references
        self.dropped = set(renames.dropped)
        self.members = {(t, c): cond for t, c, cond in renames.members}
        self.tables = {a: b for a, b in renames.tables if schema.table(a) is None}
        moved = dict(renames.moved)
        self.parents = {t: (assumed, moved.get(p, p)) for t, assumed, p in renames.parents}
        documents = list(documents)
        self.created = {
            t: set(c)
            for t, c in created_tables(documents).items()
            if schema.table(t) is None or t in self.parents
        }
        self.created_refs = _created_refs(documents)
        self.entities: dict[str, str] = {}
        for t in schema.tables:
            self.entities.setdefault(singular(t.name), t.name)
        for missing, actual in self.tables.items():
            self.entities[singular(missing)] = actual
        self.columns = self._column_map()
        self.unresolved: list[str] = []

    # What the plan's names become --------------------------------------------------------------------

    def _column_map(self) -> dict[tuple[str, str], tuple[str, str]]:
        out = {}
        for (table, col), ref in self.created_refs.items():
            if table not in self.created:
                continue
            actual = self.tables.get(ref, ref)
            if table in self.parents:
                assumed, parent = self.parents[table]
                if ref in (assumed, self.tables.get(assumed, assumed)):
                    new = fk_column_name(self.schema, parent)
                    if (new, parent) != (col, ref):
                        out[(table, col)] = (new, parent)
                    continue
            if actual != ref and col == f"{singular(ref)}_id":
                out[(table, col)] = (fk_column_name(self.schema, actual), actual)
        return out

    def columns_of(self, table: str) -> set[str]:
        t = self.schema.table(table)
        return set(t.column_names) if t is not None else set(self.created.get(table, ()))

    def missing_entity(self, table: str, column: str) -> str | None:
        """For a ``<x>_id`` column an existing table lacks: the table ``x`` stands for, else None."""
        t = self.schema.table(table)
        if t is None or column in t.column_names or not column.endswith("_id"):
            return None
        return self.entities.get(column[:-3])

    def entity_of(self, table: str | None, column: str) -> str | None:
        if table is None:
            return None
        if (table, column) in self.columns:
            return self.columns[(table, column)][1]
        if (table, column) in self.created_refs:
            ref = self.created_refs[(table, column)]
            return self.tables.get(ref, ref)
        from schemalens.read.rls import entity_of

        return entity_of(self.schema, table, column)

    # Text ----------------------------------------------------------------------------------------------

    def sql(self, text: str, name: str = "sql") -> tuple[str, list[Change]]:
        """``text`` (one or more statements) rewritten, and the changes made."""
        return apply_edits(text, self.edits(text, split_and_parse(text, name)))

    def edits(self, text: str, statements: Iterable[Statement]) -> list[_Edit]:
        """The edits of ``statements`` (parsed from ``text``, which may hold other text), as offsets in ``text``."""
        out: list[_Edit] = []
        for st in statements:
            base = _locate(text, st)
            if base >= 0:
                out += _shift(self.statement(st), base)
        return out

    def statement(self, st: Statement) -> list[_Edit]:
        """The edits one statement needs, as offsets into ``st.text``."""
        node, text = st.node, st.text
        if st.status == UNPARSED or node is None:
            return []
        if isinstance(node, PolicyStmt):
            head_end = min(
                [m.start() for m in re.finditer(r"\b(USING|WITH\s+CHECK)\b", text, re.IGNORECASE)]
                + [len(text)]
            )
            edits = self._token_edits(text, stop=head_end)
            outer = self.tables.get(_qname(node.table), _qname(node.table))
            start = head_end
            for inner in (node.using_text, node.with_check_text):
                if inner:
                    pos = text.find(inner, start)
                    edits += _shift(self._tree(sqlglot.parse_one(inner, read="postgres"), outer, inner), pos)
                    start = pos + len(inner)
            return edits
        if isinstance(node, FunctionStmt):
            pos = text.find(node.body) if node.body else -1
            if node.language != "sql" or pos < 0:
                return []
            out = []
            for inner in split_and_parse(node.body, "body"):
                at = _locate(node.body, inner)
                if at >= 0 and isinstance(inner.node, exp.Expression):
                    out += _shift(self._parse_tree(inner.text), pos + at)
            return out
        if isinstance(node, RlsStmt) or not isinstance(node, exp.Expression) or isinstance(node, exp.Command):
            return self._token_edits(text)
        return self._parse_tree(text)

    def _parse_tree(self, text: str) -> list[_Edit]:
        try:
            tree = sqlglot.parse_one(text, read="postgres")
        except SqlglotError:
            return self._token_edits(text)
        return self._tree(tree, text=text)

    def _token_edits(self, text: str, stop: int | None = None) -> list[_Edit]:
        """Table renames in statements sqlglot keeps opaque (RLS, grants, a policy's head)."""
        try:
            tokens = Postgres().tokenize(text)
        except SqlglotError:
            return []
        out = []
        for i, tok in enumerate(tokens):
            if stop is not None and tok.start >= stop:
                break
            if tok.token_type not in (TokenType.VAR, TokenType.IDENTIFIER) or (
                i + 1 < len(tokens) and tokens[i + 1].token_type == TokenType.DOT
            ):
                continue
            name = tok.text if tok.token_type == TokenType.IDENTIFIER else tok.text.lower()
            schema = "public"
            if i >= 2 and tokens[i - 1].token_type == TokenType.DOT:
                schema = tokens[i - 2].text.lower()
            new = self.tables.get(f"{schema}.{name}")
            if new:
                out.append(
                    _Edit(
                        tok.start,
                        tok.end + 1,
                        quote(new.split(".")[-1]),
                        f"{name} → {_short(new)}: the actual table",
                    )
                )
        return out

    # Trees -----------------------------------------------------------------------------------------------

    def _tree(self, tree: exp.Expression, outer: str | None = None, text: str = "") -> list[_Edit]:
        edits: dict[tuple[int, int], _Edit] = {}

        def put(node: exp.Expression, new: str, why: str) -> None:
            start, end = node.meta.get("start"), node.meta.get("end")
            if start is not None and end is not None:
                edits[(start, end + 1)] = _Edit(start, end + 1, new, why)

        if (
            isinstance(tree, exp.Create)
            and tree.args.get("kind") == "TABLE"
            and isinstance(tree.this, exp.Schema)
        ):
            outer = _qname(tree.this.this)
            self._create_table(tree, outer, put, edits, text)
        elif isinstance(tree, exp.Create) and tree.args.get("kind") == "INDEX":
            outer = self.tables.get(_qname(tree.this.args["table"]), _qname(tree.this.args["table"]))
        elif isinstance(tree, exp.Insert) and isinstance(tree.this, exp.Schema):
            own = _qname(tree.this.this)
            for col in tree.this.expressions:
                if (own, ident(col)) in self.columns:
                    new = self.columns[(own, ident(col))][0]
                    put(col, quote(new), f"{_short(own)}.{ident(col)} → {new}: the chosen parent's key")
        for t in tree.find_all(exp.Table):
            name = _qname(t) if isinstance(t.this, exp.Identifier) else None
            if (
                name in self.tables
                and (t.this.meta.get("start"), t.this.meta.get("end", -2) + 1) not in edits
            ):
                put(
                    t.this,
                    quote(self.tables[name].split(".")[-1]),
                    f"{_short(name)} → {_short(self.tables[name])}: the actual table",
                )
        renamed: list[tuple[str, str]] = []
        for col in list(tree.find_all(exp.Column)):
            if not isinstance(col.this, exp.Identifier):
                continue
            before = len(edits)
            self._column(col, tree, outer, put, edits, text)
            if (
                len(edits) > before
                and (col.this.meta.get("start"), col.this.meta.get("end", -2) + 1) in edits
            ):
                renamed.append((ident(col), edits[(col.this.meta["start"], col.this.meta["end"] + 1)].new))
        if isinstance(tree, exp.Create) and tree.args.get("kind") == "INDEX" and renamed:
            name_node = tree.this.this
            new_name = ident(name_node)
            for old, new in renamed:
                new_name = new_name.replace(old, new)
            if new_name != ident(name_node):
                put(name_node, quote(new_name), "the index name follows its column")
        return sorted(edits.values(), key=lambda e: e.start)

    def _create_table(self, tree: exp.Create, own: str, put, edits, text: str) -> None:
        for cd in tree.this.expressions:
            if not isinstance(cd, exp.ColumnDef):  # PRIMARY KEY (…), UNIQUE (…): the key follows its column
                moved = None
                for i in cd.find_all(exp.Identifier):
                    if (own, ident(i)) in self.columns and not i.find_ancestor(exp.Reference):
                        new, moved = self.columns[(own, ident(i))]
                        put(i, quote(new), f"{_short(own)} key column {ident(i)} → {new}")
                ref = cd.find(exp.Reference)
                if moved is not None and ref is not None and isinstance(ref.this, exp.Schema):
                    put(ref.this.this.this, _written(moved), f"references {_short(moved)}")
                continue
            ref = cd.find(exp.Reference)
            target = (
                ref.this.this
                if ref is not None and isinstance(ref.this, exp.Schema)
                else (ref.this if ref is not None else None)
            )
            key = (own, ident(cd.this))
            if key in self.columns:
                new, parent = self.columns[key]
                put(cd.this, quote(new), f"{_short(own)}.{key[1]} → {new}: references {_short(parent)}")
                if target is not None:
                    put(target.this, _written(parent), f"references {_short(parent)}")
            elif target is not None and (self.drop_missing or _qname(target) in self.dropped) and text:
                name = _qname(target)
                if (
                    self.schema.table(name) is None
                    and name not in self.tables
                    and name not in self.created
                    and not name.startswith("auth.")
                ):
                    at = target.this.meta["start"]
                    found = list(re.finditer(r"\s*\bREFERENCES\b", text[:at], re.IGNORECASE))
                    m = _REFERENCE_TAIL.match(text, found[-1].start()) if found else None
                    if m:
                        edits[(m.start(), m.end())] = _Edit(
                            m.start(), m.end(), "", f"{_short(name)} does not exist: no foreign key"
                        )
                        self.unresolved.append(f"{_short(own)}.{key[1]}: references missing {_short(name)}")

    def _column(self, col: exp.Column, tree: exp.Expression, outer: str | None, put, edits, text: str = "") -> None:
        name = ident(col)
        owner, ref_text = self._owner(col, outer)
        if owner is None:
            return
        if (owner, name) in self.members:
            self._membership(col, owner, ref_text, edits, text)
            return
        if (owner, name) in self.columns:
            new, parent = self.columns[(owner, name)]
            put(col.this, quote(new), f"{_short(owner)}.{name} → {new}: references {_short(parent)}")
            self._partner(col, outer, f"{_short(owner)}.{name}", parent, put)
            return
        default = self.missing_entity(owner, name)
        if default is None:
            return
        from schemalens.read.rls import fk_path

        entity = self._context_entity(col, outer) or default
        path = list(fk_path(self.schema, owner, entity))
        fks = path_foreign_keys(self.schema, path)
        if len(path) < 2 or not fks:
            self.unresolved.append(f"{_short(owner)}.{name}: no foreign-key path to {_short(entity)}")
            return
        why = f"{_short(owner)}.{name} → " + " → ".join(f"{_short(f.table)}.{f.columns[0]}" for f in fks)
        if len(fks) == 1:
            put(col.this, quote(fks[0].columns[0]), why)
            return
        if not self._join(col, owner, fks, why, edits):
            self._scalar(col, ref_text, fks, why, edits)

    def _partner(self, col: exp.Column, outer: str | None, was: str, parent: str, put) -> None:
        """What a re-pointed key column is compared with (``c IN (SELECT x …)``, ``c = x``) follows it: ``x``
        becomes the key of ``parent`` in x's table (its primary key, or its one foreign key to ``parent``);
        when neither exists the comparison is listed as unresolved, never left comparing two entities."""
        parent_node, other = col.parent, None
        if isinstance(parent_node, exp.In) and parent_node.this is col:
            sub = parent_node.args.get("query")
            sel = sub.this if isinstance(sub, exp.Subquery) else None
            if isinstance(sel, exp.Select) and len(sel.expressions) == 1:
                other = sel.expressions[0]
        elif isinstance(parent_node, (exp.EQ, exp.NEQ)):
            other = parent_node.expression if parent_node.this is col else parent_node.this
        if not isinstance(other, exp.Column) or not isinstance(other.this, exp.Identifier):
            return
        owner, _ = self._owner(other, outer)
        entity = self.entity_of(owner, ident(other))
        if owner is None or entity is None or entity == parent:
            return
        t = self.schema.table(owner)
        key = None
        if owner == parent and t is not None and len(t.primary_key) == 1:
            key = t.primary_key[0]
        else:
            fks = [f for f in self.schema.foreign_keys_from(owner) if f.ref_table == parent and len(f.columns) == 1]
            key = fks[0].columns[0] if len(fks) == 1 else None
        if key is None:
            self.unresolved.append(
                f"{was} now references {_short(parent)}; it is compared with {_short(owner)}.{ident(other)}, "
                f"a key of {_short(entity)}"
            )
            return
        put(other.this, quote(key), f"{_short(owner)}.{ident(other)} → {key}: compared with {was}, which now "
            f"references {_short(parent)}")

    def _membership(self, col: exp.Column, owner: str, ref: str, edits, text: str) -> None:
        """``<ref>.<col> = auth.uid()`` (either way round) → ``<ref>.<condition>``; else unresolved."""
        start = col.args["table"].meta["start"] if col.args.get("table") else col.this.meta["start"]
        end = col.this.meta["end"] + 1
        after, before = _UID_AFTER.match(text, end), _UID_BEFORE.search(text[:start])
        if after is None and before is None:
            self.unresolved.append(f"{_short(owner)}.{ident(col)}: not compared with auth.uid()")
            return
        span = (start, after.end()) if after else (before.start(), end)
        why = f"{_short(owner)}.{ident(col)} = auth.uid() → membership"
        edits[span] = _Edit(*span, f"{ref}.{self.members[(owner, ident(col))]}", why)

    def _owner(self, col: exp.Column, outer: str | None) -> tuple[str | None, str]:
        """The table a column belongs to (as PostgreSQL resolves it) and how the statement names it."""
        name, qualifier = ident(col), (ident(col.args["table"]) if col.args.get("table") else None)
        scope = col.find_ancestor(*_SCOPES)
        while scope is not None:
            entries = _tables_in(scope)
            if qualifier is not None:
                for alias, t in entries:
                    if alias == qualifier or (alias is None and t.split(".")[-1] == qualifier):
                        return self.tables.get(t, t), qualifier
            else:
                names = [(a, self.tables.get(t, t)) for a, t in entries]
                hits = [(a, t) for a, t in names if name in self.columns_of(t)]
                if (
                    not hits
                    and len(names) == 1
                    and ((names[0][1], name) in self.columns or (names[0][1], name) in self.members
                         or self.missing_entity(names[0][1], name))
                ):
                    hits = names
                if hits:
                    a, t = hits[0]
                    return t, a or quote(t.split(".")[-1])
            scope = scope.find_ancestor(*_SCOPES)
        own = qualifier is None or (outer is not None and qualifier == outer.split(".")[-1])
        if (
            outer is not None
            and own
            and (
                name in self.columns_of(outer)
                or self.missing_entity(outer, name)
                or (outer, name) in self.columns
            )
        ):
            return outer, quote(outer.split(".")[-1])
        return None, ""

    def _context_entity(self, col: exp.Column, outer: str | None) -> str | None:
        """The entity a column is compared with (``x IN (SELECT col …)``, ``x = col``, ``INSERT … SELECT``)."""
        parent, other = col.parent, None
        if isinstance(parent, exp.Select) and any(e is col for e in parent.expressions):
            sub = parent.parent
            if (
                isinstance(sub, exp.Subquery)
                and isinstance(sub.parent, exp.In)
                and sub.parent.args.get("query") is sub
            ):
                other = sub.parent.this
            elif isinstance(sub, exp.Insert) and isinstance(sub.this, exp.Schema):
                i = next(i for i, e in enumerate(parent.expressions) if e is col)
                cols = sub.this.expressions
                if i < len(cols):
                    return self.entity_of(_qname(sub.this.this), ident(cols[i]))
        elif isinstance(parent, (exp.EQ, exp.NEQ)):
            other = parent.expression if parent.this is col else parent.this
        if isinstance(other, exp.Column):
            owner, _ = self._owner(other, outer)
            return self.entity_of(owner, ident(other))
        return None

    def _join(self, col: exp.Column, owner: str, fks: list[ForeignKey], why: str, edits) -> bool:
        """``SELECT x_id FROM t WHERE …``: join the chain into that FROM (one table, no join or subquery)."""
        sel = col.parent
        if not (isinstance(sel, exp.Select) and any(e is col for e in sel.expressions)) or sel.args.get(
            "joins"
        ):
            return False
        source = sel.args.get("from_")
        table = source.this if source is not None else None
        if not isinstance(table, exp.Table) or self.tables.get(_qname(table), _qname(table)) != owner:
            return False
        if any(s is not sel for s in sel.find_all(exp.Select)):
            return False
        alias = table.args.get("alias")
        ref = alias.this.this if alias is not None else table.this.this
        end = (alias.this if alias is not None else table.this).meta["end"] + 1
        used = {t.split(".")[-1] for _, t in _tables_in(sel)} | {a for a, _ in _tables_in(sel) if a}
        prev, joins = ref, ""
        for fk in fks[:-1]:
            nxt = _alias_for(fk.ref_table.split(".")[-1], used)
            target = _written(fk.ref_table) + (
                "" if nxt == fk.ref_table.split(".")[-1] else f" AS {quote(nxt)}"
            )
            joins += (
                f" JOIN {target} ON {quote(nxt)}.{quote(fk.ref_columns[0])} = {prev}.{quote(fk.columns[0])}"
            )
            prev = quote(nxt)
        start = col.args["table"].meta["start"] if col.args.get("table") else col.this.meta["start"]
        edits[(start, col.this.meta["end"] + 1)] = _Edit(
            start, col.this.meta["end"] + 1, f"{prev}.{quote(fks[-1].columns[0])}", why
        )
        edits[(end, end)] = _Edit(end, end, joins, "join the foreign-key chain")
        for other in sel.find_all(exp.Column):
            if other is col or other.args.get("table") or not isinstance(other.this, exp.Identifier):
                continue
            if ident(other) in self.columns_of(owner):
                s = other.this.meta["start"]
                edits[(s, s)] = _Edit(
                    s, s, f"{ref}.", "qualify: the join adds tables with the same column names"
                )
        return True

    def _scalar(self, col: exp.Column, ref: str, fks: list[ForeignKey], why: str, edits) -> None:
        """``u.x_id`` → ``(SELECT p.x_id FROM p WHERE p.id = u.p_id)``: valid wherever an expression is."""
        first = fks[1:]
        last = fks[-1]
        src = first[0].table
        parts = [f"(SELECT {_written(last.table)}.{quote(last.columns[0])} FROM {_written(src)}"]
        for fk in first[:-1]:
            parts.append(
                f"JOIN {_written(fk.ref_table)} ON {_written(fk.ref_table)}.{quote(fk.ref_columns[0])} = "
                f"{_written(fk.table)}.{quote(fk.columns[0])}"
            )
        parts.append(
            f"WHERE {_written(src)}.{quote(fks[0].ref_columns[0])} = {ref}.{quote(fks[0].columns[0])})"
        )
        start = col.args["table"].meta["start"] if col.args.get("table") else col.this.meta["start"]
        item = isinstance(col.parent, exp.Select) and any(e is col for e in col.parent.expressions)
        alias = f" AS {quote(last.columns[0])}" if item else ""
        edits[(start, col.this.meta["end"] + 1)] = _Edit(
            start, col.this.meta["end"] + 1, " ".join(parts) + alias, why
        )


def _alias_for(name: str, used: set[str]) -> str:
    alias, n = name, 1
    while alias in used:
        alias, n = f"{name}_{n}", n + 1
    used.add(alias)
    return alias


def _tables_in(scope: exp.Expression) -> list[tuple[str | None, str]]:
    """(alias or None, ``schema.table``) of the tables a SELECT/UPDATE/DELETE/INSERT itself names."""
    out = []
    for t in scope.find_all(exp.Table):
        if isinstance(t.this, exp.Identifier) and t.find_ancestor(*_SCOPES) is scope:
            alias = t.args.get("alias")
            out.append((ident(alias.this) if alias is not None and alias.this else None, _qname(t)))
    return out


__all__ = ["Change", "Renames", "Rewriter", "apply_edits", "fk_column_name", "path_foreign_keys"]
