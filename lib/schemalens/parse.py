"""Migration text -> typed statements, each with its file:line. The only module that reads SQL with sqlglot.

A file is split on the semicolons of sqlglot's PostgreSQL tokenizer (which respects ``$$`` and
``$tag$`` bodies, quoted strings and comments), and each statement is parsed alone, so one
statement sqlglot cannot read never hides the rest of its file. Statements sqlglot keeps opaque
(policies, row-level security, functions, extensions, ``DO`` blocks, ``VALIDATE CONSTRAINT``,
``ALTER TYPE … ADD VALUE``, ``SET search_path``) are read here into typed records.

Malformed input is reported instead of being silently under-parsed: every statement comes out
as ``understood``, ``not analysed`` (recognised, but not schema this tool models, e.g. DDL inside a
``DO`` block) or ``unparsed`` (with the reason).

>>> [s.kind for s in split_and_parse("CREATE TABLE t (id int); CREATE POLICY p ON t USING (true);", "x.sql")]
['create table', 'create policy']
"""

from __future__ import annotations

import functools
import hashlib
import logging
import re
from dataclasses import dataclass
from typing import Any

import sqlglot
from sqlglot import exp
from sqlglot.dialects.postgres import Postgres
from sqlglot.errors import SqlglotError
from sqlglot.tokens import Token, TokenType

from schemalens.model import Source, truncate_identifier
from schemalens.platform import render_templates
from schemalens.reasons import unparsed_reason

logging.getLogger("sqlglot").setLevel(logging.ERROR)

DIALECT = "postgres"
_POSTGRES = Postgres()  # one instance: ``node.sql(dialect=…)`` builds a new one per call
UNDERSTOOD, NOT_ANALYSED, UNPARSED = "understood", "not analysed", "unparsed"


def to_sql(node: exp.Expression, copy: bool = False) -> str:
    """``node.sql(dialect="postgres")``, through one dialect instance (replay renders a type or default for
    every column: building the dialect each time was a quarter of replay's time)."""
    return _POSTGRES.generate(node, copy=copy)


@dataclass(frozen=True)
class Statement:
    """One statement: where it is, its text, what kind it is, and its parsed form (``node``)."""

    source: Source
    text: str
    kind: str
    node: Any = None
    status: str = UNDERSTOOD
    reason: str = ""
    line_offset: int = 0  # add to a line inside ``text`` to get the file's line


# Typed records for what sqlglot leaves opaque -------------------------------------------------


@dataclass(frozen=True)
class PrivilegeStmt:
    """``GRANT``/``REVOKE`` privileges ON objects TO/FROM roles (role membership grants: ``on="role"``)."""

    action: str  # grant | revoke
    privileges: tuple[str, ...]  # upper case; ALL [PRIVILEGES] is ("ALL",)
    on: str  # table | all tables | sequence | function | schema | role | … (the object kind, lower case)
    tables: tuple[exp.Table, ...] = ()  # on == "table"
    schemas: tuple[str, ...] = ()  # on == "all tables": ALL TABLES IN SCHEMA …
    roles: tuple[str, ...] = ()  # lower case; PUBLIC is "public"
    columns: bool = False  # column privileges, e.g. SELECT (email): the table-level ones are unchanged
    grant_option_only: bool = False  # REVOKE GRANT OPTION FOR: the privileges themselves stay


@dataclass(frozen=True)
class PolicyStmt:
    action: str  # create | alter | drop
    name: str
    table: exp.Table
    permissive: bool = True
    command: str | None = None
    roles: tuple[str, ...] | None = None
    using: exp.Expression | None = None
    with_check: exp.Expression | None = None
    using_text: str | None = None
    with_check_text: str | None = None
    rename_to: str | None = None
    if_exists: bool = False


@dataclass(frozen=True)
class RlsStmt:
    table: exp.Table
    enable: bool | None = None  # ENABLE / DISABLE
    force: bool | None = None  # FORCE / NO FORCE
    if_exists: bool = False


@dataclass(frozen=True)
class FunctionStmt:
    name: str  # schema-qualified when written so
    arguments: str
    returns: str
    language: str
    security_definer: bool
    body: str
    replace: bool


@dataclass(frozen=True)
class DropNamesStmt:
    kind: str  # function | index | policy-less object lists
    names: tuple[str, ...]
    if_exists: bool
    cascade: bool


@dataclass(frozen=True)
class AlterTypeStmt:
    type: exp.Table
    add_value: str | None = None
    before: str | None = None
    after: str | None = None
    rename_value: tuple[str, str] | None = None
    if_not_exists: bool = False


@dataclass(frozen=True)
class ConstraintStmt:
    table: exp.Table
    action: str  # validate | rename
    name: str
    new_name: str | None = None
    if_exists: bool = False


# Identifiers -------------------------------------------------------------------------------


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


# Splitting ---------------------------------------------------------------------------------


def _line_at(text: str, offset: int, starts: list[int]) -> int:
    import bisect

    return bisect.bisect_right(starts, offset)


@dataclass(frozen=True)
class Piece:
    """One statement's text and tokens; token offsets and lines are relative to ``token_sql``."""

    line: int
    text: str
    tokens: list[Token] | None
    error: str = ""
    token_sql: str = ""
    token_line_offset: int = 0


_NEWLINE = re.compile("\n")


def split(text: str, file: str) -> list[Piece]:
    """The statements of a file; a piece's tokens are None when it would not tokenize."""
    starts = [0] + [m.end() for m in _NEWLINE.finditer(text)]
    try:
        tokens = _POSTGRES.tokenize(text)
    except SqlglotError:
        return _split_fallback(text, starts)
    out, current = [], []
    for tok in tokens:
        if tok.token_type == TokenType.SEMICOLON:
            if current:
                out.append(_piece(text, current, starts))
            current = []
        else:
            current.append(tok)
    if current:
        out.append(_piece(text, current, starts))
    return out


def _piece(text: str, toks: list[Token], starts: list[int]):
    start, end = toks[0].start, toks[-1].end + 1
    return Piece(_line_at(text, start, starts), text[start:end], toks, "", text, 0)


def _split_fallback(text: str, starts: list[int]):
    """When the whole file will not tokenize (an unterminated quote), split at ``;`` line ends."""
    out, pos = [], 0
    for m in re.finditer(r";[ \t]*(?:--[^\n]*)?\n|;\s*$", text):
        out.append((pos, m.start()))
        pos = m.end()
    if text[pos:].strip():
        out.append((pos, len(text)))
    pieces = []
    for a, b in out:
        chunk = text[a:b]
        lead = len(chunk) - len(chunk.lstrip())
        body = _strip_comments_ahead(chunk[lead:])
        if not body.strip():
            continue
        offset = a + lead + (len(chunk[lead:]) - len(body))
        try:
            toks = _POSTGRES.tokenize(body)
            err = ""
        except SqlglotError as e:
            toks, err = None, f"cannot tokenize: {str(e).splitlines()[0][:200]}"
        line = _line_at(text, offset, starts)
        pieces.append(Piece(line, body.rstrip(), toks, err, body, line - 1))
    return pieces


def _strip_comments_ahead(chunk: str) -> str:
    while True:
        s = chunk.lstrip()
        if s.startswith("--"):
            nl = s.find("\n")
            chunk = "" if nl < 0 else s[nl + 1:]
        elif s.startswith("/*") and "*/" in s:
            chunk = s[s.index("*/") + 2:]
        else:
            return s


# Parsing one statement ---------------------------------------------------------------------

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


# Handlers for what sqlglot keeps opaque ------------------------------------------------------


def _upper(tokens: list[Token]) -> list[str]:
    return [t.text.upper() if t.token_type not in (TokenType.STRING, TokenType.IDENTIFIER) else "" for t in tokens]


def _read_table(tokens: list[Token], i: int) -> tuple[exp.Table, int]:
    j = i + 1
    while j + 1 < len(tokens) and tokens[j].token_type == TokenType.DOT:
        j += 2
    return _tokens_table(tokens[i:j]), j


def _balanced(tokens: list[Token], i: int) -> int:
    """Index after the parenthesis group that starts at ``tokens[i]`` (an ``(``)."""
    depth = 0
    for j in range(i, len(tokens)):
        if tokens[j].token_type == TokenType.L_PAREN:
            depth += 1
        elif tokens[j].token_type == TokenType.R_PAREN:
            depth -= 1
            if depth == 0:
                return j + 1
    raise ValueError("unbalanced parentheses")


def inner_text(text: str, tokens: list[Token], i: int, end: int) -> str:
    """The text inside the parentheses ``tokens[i]`` … ``tokens[end - 1]``, on one line and without comments
    (an argument list: ``size int, -- the length`` is ``size int,``): the tokens as written, a space
    wherever the file had anything between them."""
    base = tokens[0].start
    out, previous = [], tokens[i].end + 1 - base
    for t in tokens[i + 1:end - 1]:
        start = t.start - base
        out.append((" " if start > previous else "") + text[start: t.end + 1 - base])
        previous = t.end + 1 - base
    return "".join(out).strip()


def _predicate(text: str, tokens: list[Token], i: int) -> tuple[exp.Expression, str, int]:
    end = _balanced(tokens, i)
    inner = text[tokens[i].end + 1 - tokens[0].start: tokens[end - 1].start - tokens[0].start].strip()
    return sqlglot.parse_one(inner, read=DIALECT), inner, end


def _policy(text: str, tokens: list[Token], source: Source) -> Statement:
    up = _upper(tokens)
    action = up[0].lower()
    i = 2
    if_exists = False
    if up[i:i + 2] == ["IF", "EXISTS"]:
        if_exists, i = True, i + 2
    name = _token_name(tokens[i])
    if up[i + 1] != "ON":
        raise ValueError(f"expected ON after the policy name, found {tokens[i + 1].text!r}")
    table, i = _read_table(tokens, i + 2)
    fields: dict[str, Any] = {}
    while i < len(tokens):
        word = up[i]
        if word == "AS":
            fields["permissive"] = up[i + 1] != "RESTRICTIVE"
            i += 2
        elif word == "FOR":
            fields["command"] = up[i + 1]
            i += 2
        elif word == "TO":
            roles, i = [], i + 1
            while i < len(tokens):
                roles.append(_token_name(tokens[i]).lower() if up[i] else tokens[i].text)
                i += 1
                if i < len(tokens) and tokens[i].token_type == TokenType.COMMA:
                    i += 1
                else:
                    break
            # PostgreSQL ignores the other roles when PUBLIC is among them (with a warning)
            fields["roles"] = ("public",) if "public" in roles else tuple(roles)
        elif word == "USING":
            fields["using"], fields["using_text"], i = _predicate(text, tokens, i + 1)
        elif word == "WITH" and up[i + 1] == "CHECK":
            fields["with_check"], fields["with_check_text"], i = _predicate(text, tokens, i + 2)
        elif word == "RENAME":
            fields["rename_to"] = _token_name(tokens[i + 2])
            i += 3
        else:
            raise ValueError(f"unexpected {tokens[i].text!r} in policy")
    node = PolicyStmt(action, name, table, if_exists=if_exists, **fields)
    return Statement(source, text, f"{action} policy", node, UNDERSTOOD, "", source.line - 1)


_RLS = re.compile(r"\b(ENABLE|DISABLE|NO\s+FORCE|FORCE)\s+ROW\s+LEVEL\s+SECURITY\b", re.IGNORECASE)


def _alter_table(text: str, tokens: list[Token], source: Source) -> Statement | None:
    up = _upper(tokens)
    i, if_exists = 2, False
    if up[i:i + 2] == ["IF", "EXISTS"]:
        if_exists, i = True, i + 2
    if up[i] == "ONLY":
        i += 1
    table, i = _read_table(tokens, i)
    rest = up[i:]
    if _RLS.search(text) and len(_RLS.findall(text)) == text.count(",") + 1:
        enable = force = None
        for m in _RLS.finditer(text):
            word = " ".join(m.group(1).upper().split())
            if word in ("ENABLE", "DISABLE"):
                enable = word == "ENABLE"
            else:
                force = word == "FORCE"
        return Statement(source, text, "alter table rls", RlsStmt(table, enable, force, if_exists),
                         UNDERSTOOD, "", source.line - 1)
    if rest[:1] == ["VALIDATE"] and len(rest) == 3:
        node = ConstraintStmt(table, "validate", _token_name(tokens[i + 2]), if_exists=if_exists)
        return Statement(source, text, "alter table validate", node, UNDERSTOOD, "", source.line - 1)
    if rest[:2] == ["RENAME", "CONSTRAINT"] and len(rest) == 5:
        node = ConstraintStmt(table, "rename", _token_name(tokens[i + 2]), _token_name(tokens[i + 4]), if_exists)
        return Statement(source, text, "alter table rename constraint", node, UNDERSTOOD, "", source.line - 1)
    if len(rest) == 4 and rest[0] == "RENAME" and rest[2] == "TO" and rest[1] not in ("TO", "COLUMN", "CONSTRAINT"):
        # ``RENAME a TO b`` renames a column (COLUMN is optional); sqlglot reads it as a table rename
        old, new = (exp.column(exp.Identifier(this=_token_name(t), quoted=t.token_type == TokenType.IDENTIFIER))
                    for t in (tokens[i + 1], tokens[i + 3]))
        node = exp.Alter(this=table, kind="TABLE", exists=if_exists, actions=[exp.RenameColumn(this=old, to=new)])
        return Statement(source, text, "alter table", node, UNDERSTOOD, "", source.line - 1)
    return None  # sqlglot reads the rest


def _function(text: str, tokens: list[Token], source: Source) -> Statement:
    up = _upper(tokens)
    replace = up[1] == "OR"
    i = 4 if replace else 2
    j = i
    while tokens[j].token_type != TokenType.L_PAREN:
        j += 1
    name = ".".join(_token_name(t) for t in tokens[i:j] if t.token_type != TokenType.DOT)
    k = _balanced(tokens, j)
    base = tokens[0].start
    arguments = inner_text(text, tokens, j, k)
    strings = [n for n in range(k, len(tokens)) if tokens[n].token_type in (TokenType.HEREDOC_STRING, TokenType.STRING)]
    # the body is the string after AS (``LANGUAGE 'plpgsql'`` is a string too)
    body_at = next((n for n in strings if up[n - 1] == "AS"), strings[0] if strings else None)
    body = tokens[body_at].text if body_at is not None else ""
    tail_words = [u or (t.text if up[n - 1] == "LANGUAGE" else "") for n, (u, t) in enumerate(zip(up[k:], tokens[k:]), k)
                  if n != body_at]
    returns = ""
    if "RETURNS" in up[k:]:
        r = k + up[k:].index("RETURNS") + 1
        stop = r
        enders = {"LANGUAGE", "AS", "SECURITY", "SET", "STABLE", "IMMUTABLE", "VOLATILE", "STRICT", "CALLED",
                  "PARALLEL", "COST", "ROWS", "WINDOW", "LEAKPROOF", "RETURN", "BEGIN", "NOT", "EXTERNAL"}
        while stop < len(tokens) and up[stop] not in enders:
            stop += 1
        if stop > r:
            returns = lower_unquoted(" ".join(text[tokens[r].start - base: tokens[stop - 1].end + 1 - base].split()))
    if not returns:
        returns = _returns_from_out_arguments(arguments)
    # the tokenizer reads "sql SECURITY" (as in "LANGUAGE sql SECURITY DEFINER") as one SQL_SECURITY token
    tail_words = [w for word in tail_words for w in word.split()]
    language = ""
    if "LANGUAGE" in tail_words[:-1]:
        language = tail_words[tail_words.index("LANGUAGE") + 1].lower().strip("'\"")
    definer = any(a == "SECURITY" and b == "DEFINER" for a, b in zip(tail_words, tail_words[1:]))
    node = FunctionStmt(name, arguments, returns, language, definer, body, replace)
    return Statement(source, text, "create function", node, UNDERSTOOD, "", source.line - 1)


def lower_unquoted(text: str) -> str:
    """Lower-case SQL text except inside double quotes (a quoted type name keeps its case).

    >>> lower_unquoted('SETOF "Mood"[]')
    'setof "Mood"[]'
    """
    return "".join(p if i % 2 else p.lower() for i, p in enumerate(re.split(r'("(?:[^"]|"")*")', text)))


def _returns_from_out_arguments(arguments: str) -> str:
    """A function without RETURNS returns its OUT argument's type, or ``record`` for several."""
    outs = [a.split(None, 2) for a in re.split(r",(?![^()]*\))", arguments)
            if re.match(r"\s*(OUT|INOUT)\s", a, re.IGNORECASE)]
    if len(outs) == 1 and len(outs[0]) == 3:
        return lower_unquoted(re.split(r"\s+DEFAULT\s+|\s*=", outs[0][2], flags=re.IGNORECASE)[0].strip())
    return "record" if outs else ""


def _names_list(tokens: list[Token], up: list[str], i: int, with_args: bool) -> tuple[list[str], int]:
    names: list[str] = []
    while i < len(tokens) and up[i] not in ("CASCADE", "RESTRICT"):
        j = i
        while j < len(tokens) and tokens[j].token_type not in (TokenType.COMMA, TokenType.L_PAREN) \
                and up[j] not in ("CASCADE", "RESTRICT"):
            j += 1
        names.append(".".join(_token_name(t) for t in tokens[i:j] if t.token_type != TokenType.DOT))
        if j < len(tokens) and tokens[j].token_type == TokenType.L_PAREN:
            j = _balanced(tokens, j)
        if j < len(tokens) and tokens[j].token_type == TokenType.COMMA:
            j += 1
        i = j
    return names, i


def _drop_names(text: str, tokens: list[Token], source: Source) -> Statement:
    up = _upper(tokens)
    kind = up[1].lower()
    i = 2
    if up[i] == "CONCURRENTLY":
        i += 1
    if_exists = up[i:i + 2] == ["IF", "EXISTS"]
    if if_exists:
        i += 2
    names, i = _names_list(tokens, up, i, kind == "function")
    node = DropNamesStmt(kind, tuple(names), if_exists, "CASCADE" in up[i:])
    return Statement(source, text, f"drop {kind}", node, UNDERSTOOD, "", source.line - 1)


def _alter_type(text: str, tokens: list[Token], source: Source) -> Statement | None:
    up = _upper(tokens)
    typ, i = _read_table(tokens, 2)
    if up[i:i + 2] == ["ADD", "VALUE"]:
        i += 2
        ine = up[i:i + 3] == ["IF", "NOT", "EXISTS"]
        i += 3 if ine else 0
        value = tokens[i].text
        before = after = None
        if i + 2 < len(tokens):
            if up[i + 1] == "BEFORE":
                before = tokens[i + 2].text
            elif up[i + 1] == "AFTER":
                after = tokens[i + 2].text
        node = AlterTypeStmt(typ, add_value=value, before=before, after=after, if_not_exists=ine)
        return Statement(source, text, "alter type", node, UNDERSTOOD, "", source.line - 1)
    if up[i:i + 2] == ["RENAME", "VALUE"]:
        node = AlterTypeStmt(typ, rename_value=(tokens[i + 2].text, tokens[i + 4].text))
        return Statement(source, text, "alter type", node, UNDERSTOOD, "", source.line - 1)
    return None


def _alter_trigger(text: str, tokens: list[Token], source: Source) -> Statement | None:
    up = _upper(tokens)
    if len(tokens) < 7 or up[3] != "ON" or up[-3:-1] != ["RENAME", "TO"]:
        return None
    table, i = _read_table(tokens, 4)
    node = ConstraintStmt(table, "rename trigger", _token_name(tokens[2]), _token_name(tokens[-1]))
    return Statement(source, text, "alter trigger", node, UNDERSTOOD, "", source.line - 1)


_OBJECT_KINDS = ("TABLE", "SEQUENCE", "FUNCTION", "PROCEDURE", "ROUTINE", "SCHEMA", "DATABASE", "TYPE", "DOMAIN",
                 "LANGUAGE", "TABLESPACE", "FOREIGN", "LARGE", "PARAMETER")
_ROLE_END = ("WITH", "GRANTED", "CASCADE", "RESTRICT")


def _comma_groups(tokens: list[Token]) -> list[list[Token]]:
    """Tokens split at the commas outside parentheses."""
    groups: list[list[Token]] = [[]]
    depth = 0
    for t in tokens:
        if t.token_type == TokenType.L_PAREN:
            depth += 1
        elif t.token_type == TokenType.R_PAREN:
            depth -= 1
        if t.token_type == TokenType.COMMA and depth == 0:
            groups.append([])
        else:
            groups[-1].append(t)
    return [g for g in groups if g]


def _privileges(text: str, tokens: list[Token], source: Source) -> Statement:
    """GRANT / REVOKE, read from the tokens (sqlglot keeps several forms opaque): what the privileges
    are, on which tables (or every table of a schema), for which roles."""
    up = _upper(tokens)
    action = up[0].lower()
    i, grant_option_only = 1, False
    if up[1:4] == ["GRANT", "OPTION", "FOR"]:
        i, grant_option_only = 4, True
    on = up.index("ON") if "ON" in up else None
    to = next((j for j in range(i, len(up)) if up[j] == ("TO" if action == "grant" else "FROM")), None)
    if on is None or to is None or on > to:  # GRANT role TO user: membership, not privileges on objects
        return Statement(source, text, action, PrivilegeStmt(action, (), "role"), UNDERSTOOD, "", source.line - 1)
    groups = _comma_groups(tokens[i:on])
    privileges = tuple(" ".join(_upper(g[:1])) or g[0].text.upper() for g in groups)
    privileges = tuple("ALL" if p.startswith("ALL") else p for p in privileges)
    columns = any(t.token_type == TokenType.L_PAREN for g in groups for t in g)
    j, kind, schemas, tables = on + 1, "table", (), ()
    if up[j:j + 1] == ["ALL"] and up[j + 2:j + 4] == ["IN", "SCHEMA"]:
        kind = f"all {up[j + 1].lower()}"
        schemas = tuple(_token_name(g[0]) for g in _comma_groups(tokens[j + 4:to]))
    else:
        if up[j] in _OBJECT_KINDS:
            kind, j = up[j].lower(), j + 1
        if kind == "table":
            tables = tuple(_tokens_table(g) for g in _comma_groups(tokens[j:to]))
    end = next((k for k in range(to + 1, len(up)) if up[k] in _ROLE_END), len(up))
    roles = tuple(_token_name(g[-1]) for g in _comma_groups(tokens[to + 1:end]))  # GROUP name: the name
    node = PrivilegeStmt(action, privileges, kind, tables, schemas, roles, columns, grant_option_only)
    return Statement(source, text, action, node, UNDERSTOOD, "", source.line - 1)


def _extension(text: str, tokens: list[Token], source: Source) -> Statement:
    up = _upper(tokens)
    i = 5 if up[2:5] == ["IF", "NOT", "EXISTS"] else 2
    name = tokens[i].text if tokens[i].token_type == TokenType.IDENTIFIER else tokens[i].text.lower()
    return Statement(source, text, "create extension", name, UNDERSTOOD, "", source.line - 1)


def _do_block(text: str, tokens: list[Token], source: Source) -> Statement:
    has_ddl = re.search(r"\b(CREATE|ALTER|DROP)\s+(TABLE|TYPE|POLICY|INDEX|FUNCTION|TRIGGER)\b|\bADD\s+COLUMN\b",
                        text, re.IGNORECASE)
    reason = ("DDL inside a DO block is not analysed (it runs conditionally)" if has_ddl
              else "procedural code in a DO block is not analysed")
    return Statement(source, text, "do", None, NOT_ANALYSED, reason, source.line - 1)


def _set(text: str, tokens: list[Token], source: Source) -> Statement:
    up = _upper(tokens)
    i = 1
    if up[i] in ("SESSION", "LOCAL"):
        i += 1
    if up[i] == "SEARCH_PATH" and i + 1 < len(tokens) and up[i + 1] in ("=", "TO"):
        schemas = tuple(_token_name(t) if up[j] else t.text for j, t in enumerate(tokens[i + 2:], i + 2)
                        if t.token_type != TokenType.COMMA)
        return Statement(source, text, "set search_path", schemas, UNDERSTOOD, "", source.line - 1)
    if re.match(r"\s*SELECT\s+(pg_catalog\.)?set_config\s*\(\s*'search_path'", text, re.IGNORECASE):
        return Statement(source, text, "set", None, UNDERSTOOD, "", source.line - 1)
    return Statement(source, text, "set", None, UNDERSTOOD, "", source.line - 1)


def _search_path_call(text: str, tokens: list[Token], source: Source) -> Statement | None:
    m = re.match(r"\s*SELECT\s+(?:pg_catalog\.)?set_config\s*\(\s*'search_path'\s*,\s*'([^']*)'", text, re.IGNORECASE)
    if not m:
        return None
    schemas = tuple(s.strip().strip('"') if s.strip().startswith('"') else s.strip().lower()
                    for s in m.group(1).split(",") if s.strip())
    return Statement(source, text, "set search_path", schemas, UNDERSTOOD, "", source.line - 1)


_HANDLERS = (
    (r"(CREATE|ALTER|DROP) POLICY\b", _policy),
    (r"ALTER TABLE\b", _alter_table),
    (r"CREATE (OR REPLACE )?FUNCTION\b", _function),
    (r"DROP (FUNCTION|INDEX|PROCEDURE)\b", _drop_names),
    (r"ALTER TYPE\b", _alter_type),
    (r"ALTER TRIGGER\b", _alter_trigger),
    (r"(GRANT|REVOKE)\b", _privileges),
    (r"CREATE EXTENSION\b", _extension),
    (r"DO\b", _do_block),
    (r"SET\b", _set),
    (r"SELECT\b", _search_path_call),
)

from schemalens import forms  # its handlers use the helpers above

_HANDLERS = tuple((re.compile(prefix).match, handler) for prefix, handler in forms.HANDLERS + _HANDLERS)  # compiled once


# Predicates after renames ------------------------------------------------------------------
# PostgreSQL keeps a policy's predicate as a tree of object ids, so renaming a table or a column
# renames it in every predicate (and DROP COLUMN … CASCADE drops the policies that use it). These
# helpers let replay do the same to the predicate text: each reference is resolved as PostgreSQL
# would, through the enclosing FROM lists out to the policy's own table.


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
