"""References inside policy predicates, for renames and drops.

PostgreSQL keeps a policy's predicate as a tree of object ids, so renaming a table or a column
renames it in every predicate (and DROP COLUMN … CASCADE drops the policies that use it). These
helpers let replay do the same to the predicate text: each reference is resolved as PostgreSQL
would, through the enclosing FROM lists out to the policy's own table."""

from __future__ import annotations

import functools
import re

import sqlglot
from sqlglot import exp

from schemalens.read.dialect import DIALECT, ident


def mentions(text: str, name: str) -> bool:
    """Whether ``text`` has ``name`` as a whole word (any case): a cheap test before parsing it."""
    return name.lower() in _lower(text) and _word(name).search(text) is not None


@functools.lru_cache(maxsize=65536)
def _lower(text: str) -> str:
    return text.lower()


@functools.lru_cache(maxsize=4096)
def _word(name: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w$]){re.escape(name)}(?![\w$])", re.IGNORECASE)


def table_references(predicate: str, own_table: str, resolve) -> list[tuple[exp.Expression, str]]:
    """(identifier node, ``schema.table``) for each table a policy predicate on ``own_table`` names,
    and each column qualifier that is a table's own name; ``resolve(exp.Table) -> schema.table``."""
    tree = sqlglot.parse_one(predicate, read=DIALECT)
    out = [(table.this, resolve(table)) for table in tree.find_all(exp.Table)]
    for column in tree.find_all(exp.Column):
        qualifier = column.args.get("table")
        if qualifier is None or column.args.get("db") is not None:
            continue
        table = _scope_table(column, ident(qualifier))
        if table is not None and table.args.get("alias") is None:
            out.append((qualifier, resolve(table)))
        elif table is None and ident(qualifier) == own_table.split(".", 1)[1]:
            out.append((qualifier, own_table))
    return out


def _scope_table(column: exp.Column, qualifier: str) -> exp.Table | None:
    """The table of an enclosing FROM list that ``qualifier`` names (by alias, else by name)."""
    scope = column.find_ancestor(exp.Select)
    while scope is not None:
        for t in scope.find_all(exp.Table):
            if t.find_ancestor(exp.Select) is scope:
                alias = ident(t.args["alias"].this) if t.args.get("alias") is not None else ident(t.this)
                if alias == qualifier:
                    return t
        scope = scope.find_ancestor(exp.Select)
    return None


def column_references(predicate: str, own_table: str, resolve, columns_of) -> list[tuple[exp.Expression, str]]:
    """(identifier node, ``schema.table``) for each column reference of a policy predicate on
    ``own_table``; ``columns_of(schema.table) -> set of column names``."""
    tree = sqlglot.parse_one(predicate, read=DIALECT)
    out = []
    for column in tree.find_all(exp.Column):
        owner = _column_owner(column, own_table, resolve, columns_of)
        if owner is not None:
            out.append((column.this, owner))
    return out


def _column_owner(column: exp.Column, own_table: str, resolve, columns_of) -> str | None:
    qualifier = ident(column.args["table"]) if column.args.get("table") is not None else None
    name = ident(column.this)
    if qualifier is not None:
        table = _scope_table(column, qualifier)
        if table is not None:
            return resolve(table)
        return own_table if qualifier == own_table.split(".", 1)[1] else None
    scope = column.find_ancestor(exp.Select)
    while scope is not None:
        for t in scope.find_all(exp.Table):
            if t.find_ancestor(exp.Select) is scope and name in columns_of(resolve(t)):
                return resolve(t)
        scope = scope.find_ancestor(exp.Select)
    return own_table if name in columns_of(own_table) else None


def replace_spans(text: str, replacements: list[tuple[exp.Expression, str]]) -> str:
    """``text`` with each identifier node's span (from its parse) replaced, right to left."""
    spans = {node.meta["start"]: (node, new) for node, new in replacements}
    for node, new in sorted(spans.values(), key=lambda r: -r[0].meta["start"]):
        text = text[: node.meta["start"]] + new + text[node.meta["end"] + 1:]
    return text
