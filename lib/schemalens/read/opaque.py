"""Token readers for the statements sqlglot keeps opaque (``Command``): policies, row-level security,
``VALIDATE CONSTRAINT``, functions, ``DROP FUNCTION|INDEX|PROCEDURE``, ``ALTER TYPE … ADD VALUE``,
``ALTER TRIGGER … RENAME``, privileges, extensions, ``DO`` blocks, ``SET search_path``, each read into a
typed record of :mod:`schemalens.read.statements`. :data:`HANDLERS`: (head pattern, reader); a reader returns
None to leave the statement to the next."""

from __future__ import annotations

import re
from typing import Any

import sqlglot
from sqlglot import exp
from sqlglot.tokens import Token, TokenType

from schemalens.core.model import Source
from schemalens.read.dialect import (
    DIALECT,
    _token_name,
    _tokens_table,
    lower_unquoted,
)
from schemalens.read.statements import (
    NOT_ANALYSED,
    UNDERSTOOD,
    AlterTypeStmt,
    ConstraintStmt,
    DropNamesStmt,
    FunctionStmt,
    PolicyStmt,
    PrivilegeStmt,
    RlsStmt,
    Statement,
)


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


HANDLERS = (
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
