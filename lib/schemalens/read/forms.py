"""Statement forms real histories use that sqlglot keeps opaque or misreads, read from the tokens.

``ALTER TABLE`` with several actions (each action is read alone, as ``ALTER TABLE t <action>``),
on tables whose names are keywords (``comment``), and the actions that change nothing the model
holds (``DISABLE/ENABLE TRIGGER``, ``ALTER CONSTRAINT``, ``ADD CHECK``, storage options);
``ADD CONSTRAINT … USING INDEX``; ``ALTER FUNCTION``; ``ALTER TYPE … RENAME TO``; ``ALTER VIEW``;
``CREATE [MATERIALIZED] VIEW`` with its options; ``ALTER SEQUENCE``, ``ALTER INDEX … ATTACH
PARTITION`` and ``COMMENT ON`` (understood; nothing in the model changes).

Each handler takes ``(text, tokens, source)`` like those of :mod:`schemalens.read.parse` and returns a
:class:`~schemalens.read.parse.Statement`, or None to leave the statement to the next handler.

>>> from schemalens.read.parse import split_and_parse
>>> [(s.kind, s.status) for s in split_and_parse("ALTER TABLE comment DISABLE TRIGGER ALL", "x.sql")]
[('alter table option', 'understood')]
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial

import sqlglot
from sqlglot import exp
from sqlglot.tokens import Token, TokenType

from schemalens.core.model import Source
from schemalens.read.dialect import _POSTGRES, DIALECT, _token_name, ident, table_name
from schemalens.read.opaque import _balanced, _comma_groups, _read_table, _upper, inner_text
from schemalens.read.statements import NOT_ANALYSED, UNDERSTOOD, UNPARSED, Statement

Parse = Callable[[str, Source], Statement]  # the parser's entry for one statement (parse.parse_statement)


@dataclass(frozen=True)
class TableOptionStmt:
    """An ALTER TABLE action that changes nothing the model holds (the table must exist)."""

    table: exp.Table
    action: str  # the action's first words, e.g. "DISABLE TRIGGER"
    if_exists: bool = False


@dataclass(frozen=True)
class CheckStmt:
    """``ALTER TABLE t ADD [CONSTRAINT name] CHECK (expression)``: only its name is kept in the model."""

    table: exp.Table
    name: str | None
    expression: exp.Expression
    if_exists: bool = False


@dataclass(frozen=True)
class PartitionStmt:
    """``ALTER TABLE parent ATTACH PARTITION child …`` / ``DETACH PARTITION child``; ``ALTER INDEX parent
    ATTACH PARTITION child`` (``table`` None: the child index becomes part of the parent's)."""

    parent: exp.Table
    child: exp.Table
    attach: bool = True
    index: bool = False
    if_exists: bool = False


@dataclass(frozen=True)
class UsingIndexStmt:
    """``ALTER TABLE t ADD [CONSTRAINT name] PRIMARY KEY | UNIQUE USING INDEX index``."""

    table: exp.Table
    kind: str  # primary key | unique
    index: str
    name: str | None = None
    if_exists: bool = False


@dataclass(frozen=True)
class AlterFunctionStmt:
    name: str  # schema-qualified when written so
    arguments: str | None  # None: written without an argument list
    rename_to: str | None = None
    set_schema: str | None = None
    security_definer: bool | None = None


@dataclass(frozen=True)
class RenameStmt:
    """``ALTER TYPE|VIEW|MATERIALIZED VIEW name RENAME TO new`` (``column``: RENAME COLUMN a TO b)."""

    kind: str  # type | view
    target: exp.Table
    new_name: str
    column: str | None = None
    if_exists: bool = False


@dataclass(frozen=True)
class ViewOptionsStmt:
    """``ALTER [MATERIALIZED] VIEW v SET (…)`` / ``RESET (…)``: the options it sets (``RESET``: to None)."""

    target: exp.Table
    options: tuple[tuple[str, str | None], ...]
    if_exists: bool = False


@dataclass(frozen=True)
class ViewStmt:
    """``CREATE [OR REPLACE] [MATERIALIZED] VIEW name [(columns)] [WITH (options)] AS query``, read from
    the ``exp.Create`` that :func:`create_view` makes (sqlglot's shape, which other readers know)."""

    target: exp.Table
    query: exp.Expression
    columns: tuple[str, ...] = ()
    options: tuple[tuple[str, str], ...] = ()
    materialized: bool = False
    replace: bool = False
    if_not_exists: bool = False

    @classmethod
    def of(cls, node: exp.Create) -> ViewStmt:
        target = node.this
        columns = tuple(ident(e) for e in target.expressions) if isinstance(target, exp.Schema) else ()
        props = node.args.get("properties")
        options = tuple((p.name.lower(), p.text("value").lower()) for p in (props.expressions if props else [])
                        if isinstance(p, exp.Property) and not isinstance(p, exp.MaterializedProperty))
        materialized = bool(props and props.find(exp.MaterializedProperty))
        return cls(target.this if isinstance(target, exp.Schema) else target, node.expression, columns, options,
                   materialized, bool(node.args.get("replace")), bool(node.args.get("exists")))


def _statement(text: str, source: Source, kind: str, node, status: str = UNDERSTOOD, reason: str = "") -> Statement:
    return Statement(source, text, kind, node, status, reason, source.line - 1)


def _quoted(table: exp.Table) -> str:
    """A table reference written with every part quoted (a keyword such as ``comment`` then reads as a name)."""
    schema, name = table_name(table)
    return ".".join('"' + p.replace('"', '""') + '"' for p in (schema, name) if p)


# ALTER TABLE -------------------------------------------------------------------------------

# actions whose effect is outside the model: (first words) -> what they are
_NO_EFFECT = (
    "DISABLE TRIGGER", "ENABLE TRIGGER", "ENABLE ALWAYS TRIGGER", "ENABLE REPLICA TRIGGER", "DISABLE RULE",
    "ENABLE RULE", "ALTER CONSTRAINT", "OWNER TO", "REPLICA IDENTITY", "SET (", "RESET (", "CLUSTER ON",
    "SET WITHOUT", "SET LOGGED", "SET UNLOGGED", "SET TABLESPACE", "SET ACCESS METHOD", "INHERIT", "NO INHERIT",
    "OF", "NOT OF",
)
_COLUMN_NO_EFFECT = re.compile(
    r"^ALTER\s+(COLUMN\s+)?(\"(?:[^\"]|\"\")*\"|[^\s\"]+)\s+(SET\s+STATISTICS|SET\s+STORAGE|SET\s+COMPRESSION|SET\s*\(|RESET\s*\("
    r"|ADD\s+GENERATED|SET\s+GENERATED|DROP\s+IDENTITY|RESTART|SET\s+INCREMENT|SET\s+START)", re.IGNORECASE)
_CHECK = re.compile(r"^ADD\s+(CONSTRAINT\s+(\"(?:[^\"]|\"\")*\"|\S+)\s+)?CHECK\b", re.IGNORECASE)
_USING_INDEX = re.compile(r"^ADD\s+(?:CONSTRAINT\s+(\"(?:[^\"]|\"\")*\"|\S+)\s+)?(PRIMARY\s+KEY|UNIQUE)\s+USING\s+INDEX"
                          r"\s+(\"(?:[^\"]|\"\")*\"|\S+)", re.IGNORECASE)
_KEYWORD_SAFE = (TokenType.VAR, TokenType.IDENTIFIER, TokenType.DOT)


def _name(word: str) -> str:
    return word[1:-1].replace('""', '"') if word.startswith('"') else word.lower()


def alter_table(text: str, tokens: list[Token], source: Source, parse_statement: Parse) -> Statement | None:
    if "{{" in text:
        return None  # a template placeholder: reported as such
    up = _upper(tokens)
    i, if_exists = 2, False
    if up[i:i + 2] == ["IF", "EXISTS"]:
        if_exists, i = True, i + 2
    only = up[i] == "ONLY"
    i += only
    start = i
    table, i = _read_table(tokens, i)
    if i >= len(tokens):
        return None
    base = tokens[0].start
    actions = [text[g[0].start - base: g[-1].end + 1 - base] for g in _comma_groups(tokens[i:])]
    name_tokens = tokens[start:i]
    keyword_name = any(t.token_type not in _KEYWORD_SAFE for t in name_tokens) and all(
        re.fullmatch(r"[A-Za-z_]\w*|\.", t.text) or t.token_type == TokenType.IDENTIFIER for t in name_tokens)
    prefix = f"ALTER TABLE {'IF EXISTS ' if if_exists else ''}{'ONLY ' if only else ''}{_quoted(table)} "
    if len(actions) > 1:
        if all(re.search(r"ROW\s+LEVEL\s+SECURITY\s*$", a, re.IGNORECASE) for a in actions):
            return None  # parse's RLS reader takes these together
        parts = tuple(parse_statement(prefix + a, source) for a in actions)
        bad = next((n for n, p in enumerate(parts) if p.status == UNPARSED), None)
        if bad is not None:
            return _statement(text, source, "alter table actions", parts, UNPARSED,
                              f"action {bad + 1} of {len(parts)} ({actions[bad].split()[0].upper()} …): {parts[bad].reason}")
        return _statement(text, source, "alter table actions", parts)
    action = actions[0].strip()
    words = action.upper().replace("(", " ( ").split()
    m = _CHECK.match(action)
    if m:
        body = action[m.end():]
        toks = _POSTGRES.tokenize(body)
        end = _balanced(toks, 0)
        check = sqlglot.parse_one(body[toks[0].end + 1: toks[end - 1].start], read=DIALECT)
        node = CheckStmt(table, _name(m.group(2)) if m.group(2) else None, check, if_exists)
        return _statement(text, source, "alter table add check", node)
    if any(" ".join(words[:len(w.split())]) == w for w in _NO_EFFECT) or _COLUMN_NO_EFFECT.match(action):
        return _statement(text, source, "alter table option", TableOptionStmt(table, " ".join(words[:2]), if_exists))
    if words[:2] in (["ATTACH", "PARTITION"], ["DETACH", "PARTITION"]):
        child, _ = _read_table(tokens, i + 2)
        return _statement(text, source, "alter table partition", PartitionStmt(table, child, words[0] == "ATTACH",
                                                                               if_exists=if_exists))
    m = _USING_INDEX.match(action)
    if m:
        node = UsingIndexStmt(table, " ".join(m.group(2).lower().split()), _name(m.group(3)),
                              _name(m.group(1)) if m.group(1) else None, if_exists)
        return _statement(text, source, "alter table using index", node)
    if keyword_name:  # sqlglot keeps ``ALTER TABLE comment …`` opaque; with the name quoted it reads it
        return replace(parse_statement(prefix + actions[0], source), text=text)
    return None


# ALTER FUNCTION / TYPE / VIEW / SEQUENCE / INDEX ---------------------------------------------


def alter_function(text: str, tokens: list[Token], source: Source) -> Statement | None:
    up = _upper(tokens)
    kind = up[1].lower()
    i = 2
    j = i
    while j < len(tokens) and tokens[j].token_type not in (TokenType.L_PAREN,) and up[j] not in (
            "RENAME", "OWNER", "SET", "SECURITY", "RESET", "STABLE", "IMMUTABLE", "VOLATILE", "STRICT", "CALLED",
            "PARALLEL", "COST", "ROWS", "LEAKPROOF", "NOT", "DEPENDS", "NO", "EXTERNAL", "SUPPORT"):
        j += 1
    name = ".".join(_token_name(t) for t in tokens[i:j] if t.token_type != TokenType.DOT)
    arguments = None
    if j < len(tokens) and tokens[j].token_type == TokenType.L_PAREN:
        k = _balanced(tokens, j)
        arguments = inner_text(text, tokens, j, k)
        j = k
    rest = up[j:]
    fields: dict = {}
    if rest[:2] == ["RENAME", "TO"] and len(rest) == 3:
        fields["rename_to"] = _token_name(tokens[j + 2])
    elif rest[:2] == ["SET", "SCHEMA"] and len(rest) == 3:
        fields["set_schema"] = _token_name(tokens[j + 2])
    else:
        tail = [w for word in rest for w in word.split()]  # "sql SECURITY" can be one token
        for a, b in itertools.pairwise(tail):
            if a == "SECURITY" and b in ("DEFINER", "INVOKER"):
                fields["security_definer"] = b == "DEFINER"
    return _statement(text, source, f"alter {kind}", AlterFunctionStmt(name, arguments, **fields))


def alter_type(text: str, tokens: list[Token], source: Source) -> Statement | None:
    """``ALTER TYPE t RENAME TO n`` (ADD/RENAME VALUE stay with parse's reader); OWNER TO and the like
    change nothing the model holds."""
    up = _upper(tokens)
    target, i = _read_table(tokens, 2)
    rest = up[i:]
    if rest[:2] == ["RENAME", "TO"] and len(rest) == 3:
        return _statement(text, source, "alter type rename", RenameStmt("type", target, _token_name(tokens[i + 2])))
    if rest[:2] == ["OWNER", "TO"] or rest[:2] == ["RENAME", "ATTRIBUTE"] or rest[:1] in (["ADD"], ["ALTER"]) \
            and rest[1:2] == ["ATTRIBUTE"]:
        return _statement(text, source, "alter type option", None)
    return None


def alter_view(text: str, tokens: list[Token], source: Source) -> Statement | None:
    up = _upper(tokens)
    kind = "materialized view" if up[1] == "MATERIALIZED" else "view"
    i = 3 if kind == "materialized view" else 2
    if_exists = up[i:i + 2] == ["IF", "EXISTS"]
    i += 2 if if_exists else 0
    target, i = _read_table(tokens, i)
    rest = up[i:]
    if rest[:2] == ["RENAME", "TO"] and len(rest) == 3:
        return _statement(text, source, "alter view rename", RenameStmt("view", target, _token_name(tokens[i + 2]),
                                                                        if_exists=if_exists))
    if rest[:1] == ["RENAME"] and rest[-2:-1] == ["TO"]:
        col = tokens[i + 2] if rest[1] == "COLUMN" else tokens[i + 1]
        return _statement(text, source, "alter view rename", RenameStmt(
            "view", target, _token_name(tokens[-1]), _token_name(col), if_exists))
    if rest[:1] in (["SET"], ["RESET"]) and rest[1:2] == ["("]:
        options = []
        for group in _comma_groups(tokens[i + 2: _balanced(tokens, i + 1) - 1]):
            key = group[0].text.lower()
            value = group[2].text.lower() if rest[0] == "SET" and len(group) > 2 else ("true" if rest[0] == "SET"
                                                                                      else None)
            options.append((key, value))
        return _statement(text, source, "alter view options", ViewOptionsStmt(target, tuple(options), if_exists))
    return _statement(text, source, "alter view option", None)  # OWNER TO, ALTER COLUMN … SET DEFAULT, SET SCHEMA


def create_view(text: str, tokens: list[Token], source: Source) -> Statement | None:
    up = _upper(tokens)
    or_replace = up[1] == "OR"
    i = 3 if or_replace else 1
    if up[i] in ("TEMP", "TEMPORARY", "RECURSIVE"):
        return None  # left to sqlglot (a temporary view is gone after the session)
    materialized = up[i] == "MATERIALIZED"
    i += 2 if materialized else 1
    if_not_exists = up[i:i + 3] == ["IF", "NOT", "EXISTS"]
    i += 3 if if_not_exists else 0
    target, i = _read_table(tokens, i)
    columns: tuple[str, ...] = ()
    if i < len(tokens) and tokens[i].token_type == TokenType.L_PAREN:
        end = _balanced(tokens, i)
        columns = tuple(_token_name(g[0]) for g in _comma_groups(tokens[i + 1:end - 1]))
        i = end
    options: list[tuple[str, str]] = []
    while i < len(tokens) and up[i] != "AS":
        if up[i] == "WITH" and i + 1 < len(tokens) and tokens[i + 1].token_type == TokenType.L_PAREN:
            end = _balanced(tokens, i + 1)
            for group in _comma_groups(tokens[i + 2:end - 1]):
                options.append((group[0].text.lower(), group[2].text.lower() if len(group) > 2 else "true"))
            i = end
        else:
            i += 1  # USING method, TABLESPACE name
    if i >= len(tokens):
        return None
    end = len(tokens)
    tail = up[-4:]
    if tail[-2:] == ["NO", "DATA"] and up[-3] == "WITH":
        end -= 3
    elif tail[-1:] == ["DATA"] and up[-2] == "WITH":
        end -= 2
    elif tail[-2:] == ["CHECK", "OPTION"]:
        end -= 4 if up[-3] in ("CASCADED", "LOCAL") else 3
    base = tokens[0].start
    start = tokens[i + 1].start - base
    # the query's lines are the statement's (as if parsed whole): the lines before it stay, blank
    query = sqlglot.parse_one("\n" * text.count("\n", 0, start) + text[start: tokens[end - 1].end + 1 - base],
                              read=DIALECT)
    props = [exp.MaterializedProperty()] if materialized else []
    props += [exp.Property(this=exp.var(k), value=exp.var(v)) for k, v in options]
    this = exp.Schema(this=target, expressions=[exp.to_identifier(c) for c in columns]) if columns else target
    node = exp.Create(this=this, kind="VIEW", expression=query, replace=or_replace, exists=if_not_exists,
                      properties=exp.Properties(expressions=props) if props else None)
    return _statement(text, source, "create view", node)


def understood_no_effect(text: str, tokens: list[Token], source: Source) -> Statement:
    """Statements about objects the model does not hold (sequences, index partitions, comments)."""
    up = _upper(tokens)
    kind = "comment" if up[0] == "COMMENT" else " ".join(w.lower() for w in up[:2])  # as sqlglot's Comment is named
    return _statement(text, source, kind, None)


def alter_index(text: str, tokens: list[Token], source: Source) -> Statement | None:
    up = _upper(tokens)
    i = 4 if up[2:4] == ["IF", "EXISTS"] else 2
    parent, i = _read_table(tokens, i)
    if up[i:i + 2] == ["ATTACH", "PARTITION"]:
        child, _ = _read_table(tokens, i + 2)
        return _statement(text, source, "alter index partition", PartitionStmt(parent, child, index=True))
    if up[i:i + 1] in (["SET"], ["RESET"], ["ALTER"]):
        return _statement(text, source, "alter index option", None)
    return None


def create_index(text: str, tokens: list[Token], source: Source, parse_statement: Parse) -> Statement | None:
    """``NULLS NOT DISTINCT`` (PostgreSQL 15) is unknown to sqlglot; the index is the same for the model."""
    m = re.search(r"\bNULLS\s+NOT\s+DISTINCT\b", text, re.IGNORECASE)
    if m is None:
        return None
    return replace(parse_statement(text[:m.start()] + text[m.end():], source), text=text)


def not_modelled(text: str, tokens: list[Token], source: Source) -> Statement:
    up = _upper(tokens)
    kind = " ".join(w.lower() for w in up[:2])
    what = {"statistics": "extended statistics", "publication": "publications"}.get(up[1].lower(), up[1].lower())
    return _statement(text, source, kind, None, NOT_ANALYSED, f"recognised; {what} are not part of the schema model")


def handlers(parse_statement: Parse) -> tuple[tuple[str, Callable[[str, list[Token], Source], Statement | None]], ...]:
    """The readers by statement head, for :mod:`schemalens.read.parse` to dispatch on. The two that read a
    part of the statement again as a statement of its own (each action of a several-action ALTER TABLE; a
    CREATE INDEX without ``NULLS NOT DISTINCT``) do it with ``parse_statement``, the parser's own entry."""
    return tuple((head, partial(read, parse_statement=parse_statement) if read in (alter_table, create_index) else read)
                 for head, read in HANDLERS)


HANDLERS = (
    (r"ALTER TABLE\b", alter_table),
    (r"ALTER (FUNCTION|PROCEDURE|ROUTINE)\b", alter_function),
    (r"ALTER TYPE\b", alter_type),
    (r"ALTER (MATERIALIZED )?VIEW\b", alter_view),
    (r"CREATE (OR REPLACE )?(MATERIALIZED )?VIEW\b", create_view),
    (r"ALTER SEQUENCE\b|COMMENT ON\b|DROP EXTENSION\b", understood_no_effect),
    (r"CREATE (UNIQUE )?INDEX\b", create_index),
    (r"ALTER INDEX\b", alter_index),
    (r"(CREATE|ALTER|DROP) (STATISTICS|PUBLICATION)\b", not_modelled),
)
