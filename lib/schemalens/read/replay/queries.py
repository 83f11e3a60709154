"""The columns of a query, for views and ``CREATE TABLE … AS``.

The columns of a view or of a table created from a query come from its select list as PostgreSQL
names them (an alias, a column's name, a function's name, else ``?column?``); their types where the
query says them (a column of a table the model knows, a cast, a literal, ``count``), else "" (not
known statically). A view reads every table and view its query names.

>>> from schemalens.read.parse import split_and_parse
>>> from schemalens.read.replay import replay
>>> s = replay(split_and_parse("CREATE TABLE t (id int, name text); CREATE TABLE c AS SELECT id, length(name) FROM t;", "1.sql"))
>>> [(c.name, c.type) for c in s.tables[0].columns]
[('id', 'int'), ('length', '')]
"""

from __future__ import annotations

import re

from sqlglot import exp

from schemalens.core.model import Column
from schemalens.read.parse import ident, to_sql
from schemalens.read.replay.state import EXTERNAL_PRIMARY_KEYS, ReplayWarning, _type_text

_SERIAL_AS = {"serial": "integer", "serial4": "integer", "bigserial": "bigint", "serial8": "bigint",
              "smallserial": "smallint", "serial2": "smallint"}


_FUNCTION_TYPES = {"count": "bigint", "now": "timestamp with time zone", "gen_random_uuid": "uuid",
                   "row_number": "bigint", "rank": "bigint", "dense_rank": "bigint", "lower": "text", "upper": "text",
                   "concat": "text"}


_ARGUMENT_TYPED = {"max", "min", "coalesce", "greatest", "least", "nullif"}


def _first_select(query: exp.Expression) -> exp.Select | None:
    while isinstance(query, (exp.SetOperation, exp.Subquery)):
        query = query.this if isinstance(query, exp.Subquery) else query.left
    return query if isinstance(query, exp.Select) else None


def figure_name(node: exp.Expression, default: str = "?column?") -> str:
    """PostgreSQL's FigureColname (a select-list item without an alias; ``default`` "?column?") and
    FigureIndexColname (an index element, for a default index name; ``default`` "expr"): a column's
    name, a function's name, a cast's operand's name (else its type's name), ``case``, else ``default``."""
    if isinstance(node, exp.Column):
        return ident(node.this)
    if isinstance(node, exp.Paren):
        return figure_name(node.this, default)
    if isinstance(node, exp.Cast):
        inner = figure_name(node.this, default)
        return inner if inner != default else to_sql(node.to, copy=True).lower().split("(")[0]
    if isinstance(node, exp.Case):  # the ELSE result's name when it is a column's or a function's
        other = node.args.get("default")
        while isinstance(other, exp.Paren):
            other = other.this
        return figure_name(other, default) if isinstance(other, (exp.Column, exp.Func)) else "case"
    if isinstance(node, (exp.Func, exp.Dot)):
        m = re.match(r'\s*(?:(?:\w+|"[^"]*")\.)*"?(\w+)"?\s*\(', to_sql(node, copy=True))
        if m:
            return m.group(1).lower()
    return default


class QueriesReplay:
    """What a query returns and reads."""

    def query_columns(self, query: exp.Expression) -> list[Column]:
        """The columns a query returns, named as PostgreSQL names them, typed where the query says."""
        select = _first_select(query)
        if select is None:
            raise ReplayWarning("the columns of this query are not known statically")
        ctes = {ident(c.args["alias"].this): self.query_columns(c.this) for c in (query.args.get("with_") or
                                                                                 exp.With()).expressions}
        sources = self._sources(select, ctes)
        out: list[Column] = []
        for item in select.expressions:
            if isinstance(item, exp.Star):
                out += [c for cols in sources.values() for c in cols]
            elif isinstance(item, exp.Column) and isinstance(item.this, exp.Star):
                out += sources.get(ident(item.args["table"]), [])
            elif isinstance(item, exp.Alias):
                out.append(Column(ident(item.args["alias"]), self._type_of(item.this, sources)))
            else:
                out.append(Column(figure_name(item), self._type_of(item, sources)))
        return out

    def _sources(self, select: exp.Select, ctes: dict[str, list[Column]]) -> dict[str, list[Column]]:
        """``{alias: columns}`` of the FROM list and joins of ``select``."""
        items = [select.args["from_"].this] if select.args.get("from_") else []
        items += [j.this for j in select.args.get("joins") or []]
        out: dict[str, list[Column]] = {}
        for n, item in enumerate(items):
            alias = ident(item.args["alias"].this) if item.args.get("alias") is not None else None
            if isinstance(item, exp.Table) and isinstance(item.this, exp.Identifier):
                name = ident(item.this)
                if not item.args.get("db") and name in ctes:
                    cols = ctes[name]
                else:
                    cols = self._relation_columns(self.qname(item))
                out[alias or name] = cols
            elif isinstance(item, exp.Subquery) and (alias or _first_select(item.this) is not None):
                out[alias or f"?subquery{n}"] = self.query_columns(item.this)  # 16+: a query needs no alias
        return out

    def _relation_columns(self, name: str) -> list[Column]:
        if name in self.tables:
            return [Column(c.name, _SERIAL_AS.get(c.type, c.type)) for c in self.tables[name].columns.values()]
        if name in self.views:
            return [Column(c.name, c.type) for c in self.views[name].columns]
        if name in EXTERNAL_PRIMARY_KEYS:  # Supabase's own tables: their columns are not in the files
            return []
        raise ReplayWarning(f"relation {name} does not exist")

    def _type_of(self, node: exp.Expression, sources: dict[str, list[Column]]) -> str:
        if isinstance(node, exp.Paren):
            return self._type_of(node.this, sources)
        if isinstance(node, exp.Cast):
            return _type_text(node.to)
        if isinstance(node, exp.Column) and not isinstance(node.this, exp.Star):
            qualifier = ident(node.args["table"]) if node.args.get("table") is not None else None
            name = ident(node.this)
            for alias, cols in sources.items():
                if qualifier in (None, alias):
                    found = next((c for c in cols if c.name == name), None)
                    if found is not None:
                        return found.type
            return ""
        if isinstance(node, exp.Literal):
            if node.is_string:
                return "text"
            return "integer" if re.fullmatch(r"\d+", node.this) and int(node.this) < 2 ** 31 else "numeric"
        if isinstance(node, (exp.Boolean, exp.Predicate, exp.Not, exp.And, exp.Or)):
            return "boolean"
        if isinstance(node, exp.Func) and figure_name(node) in _ARGUMENT_TYPED:  # max(a) is of a's type
            return next((t for t in (self._type_of(a, sources) for a in [node.this, *node.expressions]
                                     if isinstance(a, exp.Expression)) if t), "")
        if isinstance(node, exp.Func):
            return _FUNCTION_TYPES.get(figure_name(node), "")
        return ""

    def query_uses(self, query: exp.Expression) -> set[tuple[str, str]]:
        """(table, column) of each table column a query uses (``*`` uses every column): what a DROP COLUMN
        of a table it reads must leave alone, or drop the view with CASCADE."""
        out: set[tuple[str, str]] = set()
        for select in query.find_all(exp.Select):
            tables = {}
            for t in select.find_all(exp.Table):
                if t.find_ancestor(exp.Select) is select and isinstance(t.this, exp.Identifier):
                    tables[ident(t.args["alias"].this) if t.args.get("alias") is not None else ident(t.this)] = \
                        self.qname(t)
            for node in select.find_all(exp.Column, exp.Star):
                if node.find_ancestor(exp.Select) is not select:
                    continue
                if isinstance(node, exp.Star) or isinstance(node.this, exp.Star):
                    if node.parent is not select:
                        continue  # count(*) and the like use no column
                    q = ident(node.args["table"]) if isinstance(node, exp.Column) else None
                    out |= {(t, c) for a, t in tables.items() if q in (None, a) for c in self.columns_of(t)}
                    continue
                q = ident(node.args["table"]) if node.args.get("table") is not None else None
                out |= {(t, ident(node.this)) for a, t in tables.items()
                        if q in (None, a) and ident(node.this) in self.columns_of(t)}
        return out

    def query_reads(self, query: exp.Expression) -> tuple[str, ...]:
        """The tables and views a query names (outside its own WITH list)."""
        ctes = {ident(c.args["alias"].this) for c in query.find_all(exp.CTE)}
        names = {self.qname(t) for t in query.find_all(exp.Table)
                 if isinstance(t.this, exp.Identifier) and (t.args.get("db") or ident(t.this) not in ctes)}
        return tuple(sorted(names))
