"""sqlglot's PostgreSQL dialect, one instance: nodes rendered as SQL, identifiers and table names read as
PostgreSQL stores them (from nodes and from tokens), SQL text lowered outside its quotes."""

from __future__ import annotations

import re

from sqlglot import exp
from sqlglot.dialects.postgres import Postgres
from sqlglot.tokens import Token, TokenType

from schemalens.core.model import truncate_identifier

DIALECT = "postgres"
_POSTGRES = Postgres()  # one instance: ``node.sql(dialect=…)`` builds a new one per call


def to_sql(node: exp.Expression, copy: bool = False) -> str:
    """``node.sql(dialect="postgres")``, through one dialect instance (replay renders a type or default for
    every column: building the dialect each time was a quarter of replay's time)."""
    return _POSTGRES.generate(node, copy=copy)


def ident(node: exp.Expression | str | None) -> str:
    """An identifier as PostgreSQL stores it: unquoted folds to lower case, quoted keeps its case."""
    if node is None:
        return ""
    if isinstance(node, str):
        return truncate_identifier(node.lower())
    if isinstance(node, exp.Identifier):
        return truncate_identifier(node.this if node.quoted else node.this.lower())
    if isinstance(node, (exp.Column, exp.Table)):
        return ident(node.this)
    return truncate_identifier(node.name.lower())


def table_name(table: exp.Table | exp.Schema) -> tuple[str | None, str]:
    """(schema or None, table) of a sqlglot table reference."""
    if isinstance(table, exp.Schema):
        table = table.this
    schema = ident(table.args["db"]) if table.args.get("db") else None
    return schema, ident(table.this)


def _token_name(tok: Token) -> str:
    return truncate_identifier(tok.text if tok.token_type == TokenType.IDENTIFIER else tok.text.lower())


def _tokens_table(tokens: list[Token]) -> exp.Table:
    """A table reference from tokens ``name`` or ``schema . name``."""
    names = [_token_name(t) for t in tokens if t.token_type != TokenType.DOT]
    quoted = [t.token_type == TokenType.IDENTIFIER for t in tokens if t.token_type != TokenType.DOT]
    idents = [exp.Identifier(this=n, quoted=q) for n, q in zip(names, quoted)]
    if len(idents) == 1:
        return exp.Table(this=idents[0])
    return exp.Table(this=idents[-1], db=idents[-2])


def lower_unquoted(text: str) -> str:
    """Lower-case SQL text except inside double quotes (a quoted type name keeps its case).

    >>> lower_unquoted('SETOF "Mood"[]')
    'setof "Mood"[]'
    """
    return "".join(p if i % 2 else p.lower() for i, p in enumerate(re.split(r'("(?:[^"]|"")*")', text)))
