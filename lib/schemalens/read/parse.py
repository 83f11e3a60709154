"""Migration text -> typed statements, each with its file:line. The only module that reads SQL with sqlglot.

A file is split on the semicolons of sqlglot's PostgreSQL tokenizer (:mod:`schemalens.read.split`: it respects
``$$`` and ``$tag$`` bodies, quoted strings and comments), and each statement is parsed alone, so one
statement sqlglot cannot read never hides the rest of its file. Statements sqlglot keeps opaque
(policies, row-level security, functions, extensions, ``DO`` blocks, ``VALIDATE CONSTRAINT``,
``ALTER TYPE … ADD VALUE``, ``SET search_path``) are read by the token readers of :mod:`schemalens.read.opaque`
and :mod:`schemalens.read.forms` into the typed records of :mod:`schemalens.read.statements`.

Malformed input is reported instead of being silently under-parsed: every statement comes out
as ``understood``, ``not analysed`` (recognised, but not schema this tool models, e.g. DDL inside a
``DO`` block) or ``unparsed`` (with the reason).

>>> [s.kind for s in split_and_parse("CREATE TABLE t (id int); CREATE POLICY p ON t USING (true);", "x.sql")]
['create table', 'create policy']
"""

from __future__ import annotations

import hashlib
import logging
import re

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError
from sqlglot.tokens import TokenType

from schemalens.core.model import Source
from schemalens.read import opaque
from schemalens.read.dialect import (  # noqa: F401 - importable from here, as before the split
    _POSTGRES,
    DIALECT,
    _token_name,
    _tokens_table,
    ident,
    lower_unquoted,
    table_name,
    to_sql,
)
from schemalens.read.opaque import _balanced, _comma_groups, _read_table, _upper, inner_text  # noqa: F401
from schemalens.read.platform import render_templates
from schemalens.read.predicates import column_references, mentions, replace_spans, table_references  # noqa: F401
from schemalens.read.reasons import unparsed_reason
from schemalens.read.split import Piece, split
from schemalens.read.statements import (  # noqa: F401
    NOT_ANALYSED,
    UNDERSTOOD,
    UNPARSED,
    AlterTypeStmt,
    ConstraintStmt,
    DropNamesStmt,
    FunctionStmt,
    PolicyStmt,
    PrivilegeStmt,
    RlsStmt,
    Statement,
)

logging.getLogger("sqlglot").setLevel(logging.ERROR)


_CACHE: dict[tuple[str, str], tuple[Statement, ...]] = {}


def split_and_parse(text: str, file: str, keep: bool = True) -> tuple[Statement, ...]:
    """Every statement of a file, parsed; cached by the file's name and content hash (in this process;
    not kept when ``keep`` is false, so the caller's use is the last and the trees can be freed)."""
    key = (file, hashlib.sha256(text.encode()).hexdigest())
    cached = _CACHE.get(key)
    if cached is None:
        text = render_templates(text)  # supabase/auth's Go templates, as its runner renders them
        cached = tuple(parse_statement(p.text, Source(file, p.line), p) for p in split(text, file))
        if keep:
            _CACHE[key] = cached
    return cached


def parse_statement(text: str, source: Source, piece: Piece | None = None) -> Statement:
    """One statement's text -> :class:`Statement`; never raises."""
    offset = source.line - 1
    if piece is None:
        try:
            piece = Piece(source.line, text, _POSTGRES.tokenize(text), "", text, offset)
        except SqlglotError as e:
            piece = Piece(source.line, text, None, f"cannot tokenize: {str(e).splitlines()[0][:200]}")
    tokens = piece.tokens
    if tokens is None:
        return Statement(source, text, "unknown", None, UNPARSED, piece.error or "cannot tokenize", offset)
    words = [t.text.upper() for t in tokens[:8] if t.token_type not in (TokenType.STRING, TokenType.IDENTIFIER)]
    head = " ".join(words)
    try:
        for matches, handler in _HANDLERS:
            if matches(head):
                result = handler(text, tokens, source)
                if result is not None:
                    return result
        return _parse_with_sqlglot(text, source, piece)
    except Exception as e:  # noqa: BLE001 - one bad statement must never stop the file
        kind = _kind_from_head(head)
        return Statement(source, text, kind, None, UNPARSED, unparsed_reason(e, text, kind, offset), offset)


def _kind_from_head(head: str) -> str:
    words = head.split()
    if words[:3] == ["CREATE", "OR", "REPLACE"]:
        words = ["CREATE"] + words[3:]
    if words[:2] in (["CREATE", "UNIQUE"],):
        words = ["CREATE"] + words[2:]
    return " ".join(words[:2]).lower() or "unknown"


_SCHEMA_NEUTRAL = (exp.Grant, exp.Revoke, exp.Transaction, exp.Commit, exp.Rollback, exp.Comment,
                   exp.Select, exp.Insert, exp.Update, exp.Delete, exp.Union)


def _parse_with_sqlglot(text: str, source: Source, piece: Piece) -> Statement:
    """Parse the statement from the tokens already read (no second tokenizing); node lines are the file's."""
    offset = piece.token_line_offset
    try:
        nodes = _POSTGRES.parser().parse(piece.tokens, piece.token_sql)
        if len(nodes) != 1 or nodes[0] is None:
            raise ValueError("expected one statement")
        node = nodes[0]
    except (SqlglotError, ValueError) as e:
        alt = _retry_without_only(text)
        if alt is None:
            kind = _kind_from_head(text.upper())
            return Statement(source, text, kind, None, UNPARSED, unparsed_reason(e, text, kind, offset), offset)
        node, offset = alt, source.line - 1
    if isinstance(node, exp.Command):
        return _opaque(text, node, source)
    if isinstance(node, exp.Create):
        kind = f"create {str(node.args.get('kind') or '').lower()}"
        if node.args.get("kind") in ("TABLE", "TYPE", "INDEX", "VIEW", "TRIGGER", "SCHEMA", "SEQUENCE"):
            return Statement(source, text, kind, node, UNDERSTOOD, "", offset)
        return Statement(source, text, kind, node, NOT_ANALYSED, f"{kind} is not modelled", offset)
    if isinstance(node, exp.Alter):
        kind = f"alter {str(node.args.get('kind') or '').lower()}"
        modelled = kind in ("alter table", "alter index")
        return Statement(source, text, kind, node, UNDERSTOOD if modelled else NOT_ANALYSED,
                         "" if modelled else f"{kind} is not modelled", offset)
    if isinstance(node, exp.Drop):
        kind = f"drop {str(node.args.get('kind') or '').lower()}"
        return Statement(source, text, kind, node, UNDERSTOOD, "", offset)
    if isinstance(node, _SCHEMA_NEUTRAL):
        return Statement(source, text, type(node).__name__.lower(), node, UNDERSTOOD, "", offset)
    kind = type(node).__name__.lower()
    return Statement(source, text, kind, node, NOT_ANALYSED, f"{kind} statements are not modelled", offset)


def _retry_without_only(text: str):
    """sqlglot raises on ``CREATE INDEX … ON ONLY t``; the index is the same for the model."""
    m = re.search(r"\bON\s+ONLY\s+", text, re.IGNORECASE)
    if m and re.match(r"\s*CREATE\s+(UNIQUE\s+)?INDEX", text, re.IGNORECASE):
        try:
            return sqlglot.parse_one(text[: m.start()] + "ON " + text[m.end():], read=DIALECT)
        except SqlglotError:
            return None
    return None


_NOT_MODELLED = re.compile(
    r"^\s*(ALTER\s+DEFAULT\s+PRIVILEGES|ALTER\s+\w+\s+.*\bOWNER\s+TO\b|ALTER\s+TABLE\s+.*\bREPLICA\s+IDENTITY\b"
    r"|ALTER\s+PUBLICATION|CREATE\s+PUBLICATION|ALTER\s+ROLE|CREATE\s+ROLE|NOTIFY|ANALYZE|VACUUM|SECURITY\s+LABEL"
    r"|REFRESH|CLUSTER|REINDEX|LOCK|SET\b|RESET\b|SELECT\b|CALL\b|CREATE\s+(OR\s+REPLACE\s+)?PROCEDURE"
    r"|CREATE\s+(OR\s+REPLACE\s+)?(AGGREGATE|CAST|COLLATION|DOMAIN|OPERATOR|RULE)|CREATE\s+MATERIALIZED"
    r"|CREATE\s+SCHEMA|DROP\s+SCHEMA|TRUNCATE)", re.IGNORECASE | re.DOTALL)


def _opaque(text: str, node: exp.Command, source: Source) -> Statement:
    offset = source.line - 1
    kind = _kind_from_head(" ".join(text.upper().split()[:4]))
    if _NOT_MODELLED.match(text):
        return Statement(source, text, kind, node, NOT_ANALYSED, "recognised; not part of the schema model", offset)
    reason = unparsed_reason(ValueError("the SQL parser could not read its structure"), text, kind, offset)
    return Statement(source, text, kind, node, UNPARSED, reason, offset)


from schemalens.read import forms

_HANDLERS = tuple((re.compile(prefix).match, handler)  # compiled once
                  for prefix, handler in forms.handlers(parse_statement) + opaque.HANDLERS)
