"""Text that the migration files and a PostgreSQL catalog write differently, written one way: types
(``int4`` = ``int``, ``character varying`` = ``varchar``, ``public.`` dropped), function
arguments and results, predicates and expressions (parsed and rendered canonically), intervals.

>>> normalise_type("INT4"), normalise_type("public.mood"), normalise_type("character varying(20)")
('int', 'mood', 'varchar(20)')
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Callable

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from schemalens.read.dialect import DIALECT, lower_unquoted

_SERIAL = {"serial": "integer", "serial4": "integer", "bigserial": "bigint", "serial8": "bigint",
           "smallserial": "smallint", "serial2": "smallint"}


@lru_cache(maxsize=4096)
def normalise_type(text: str) -> str:
    """A column type in one spelling for both sides.

    >>> [normalise_type(t) for t in ("timestamp with time zone", "TIMESTAMPTZ", "int4", "serial", "integer")]
    ['timestamptz', 'timestamptz', 'int', 'int', 'int']
    >>> normalise_type("character varying(255)") == normalise_type("varchar(255)")
    True
    >>> normalise_type("public.user_role"), normalise_type('"Mood"'), normalise_type("char"), normalise_type("int[][3]")
    ('user_role', '"Mood"', 'char(1)', 'int[]')
    >>> normalise_type("extensions.vector(384)") == normalise_type("vector(384)")
    True
    """
    if not text.strip():
        return ""
    cleaned = re.sub(r"(?i)^bit\s+varying\b", "varbit", " ".join(text.split()))
    base = cleaned.lower()
    if base in _SERIAL:
        cleaned = _SERIAL[base]
    try:
        out = exp.DataType.build(cleaned, dialect=DIALECT, udt=True).sql(DIALECT)
    except (SqlglotError, ValueError):
        out = cleaned
    out = re.sub(r'^(public|extensions)\.', "", out)  # on the search_path: Supabase's has extensions (vector)
    out = re.sub(r"(\[\d*\])+$", "[]", out)  # PostgreSQL keeps no array dimensions or sizes
    out = lower_unquoted(out)
    if out in ("char", "bit"):
        out += "(1)"  # PostgreSQL: char and bit without a length mean length 1
    return out


_ARG_MODES = ("IN", "OUT", "INOUT", "VARIADIC")


@lru_cache(maxsize=4096)
def normalise_arguments(text: str) -> str:
    """A function's identity arguments: ``OUT`` arguments and defaults dropped, types normalised.

    >>> normalise_arguments("p_user UUID DEFAULT NULL, OUT n integer, IN flag boolean = true")
    'p_user uuid, flag boolean'
    """
    return ", ".join(f"{prefix}{name} {typ}".replace("  ", " ").strip() for prefix, name, typ in _identity(text))


def identity_types(text: str) -> tuple[str, ...]:
    """The argument types that identify a function (``ALTER FUNCTION f(uuid)`` names ``f(p_user uuid)``).

    >>> identity_types("p_user UUID DEFAULT NULL, OUT n integer, VARIADIC xs int[]")
    ('uuid', 'int[]')
    """
    return tuple(typ for _, _, typ in _identity(text))


def _identity(text: str) -> list[tuple[str, str, str]]:
    """(``VARIADIC `` or "", name or "", normalised type) of each argument but the OUT ones."""
    out = []
    for arg in _split_top_level(text):
        words = arg.split()
        if not words:
            continue
        mode = words[0].upper() if words[0].upper() in _ARG_MODES and len(words) > 1 else "IN"
        if words[0].upper() == mode:
            words = words[1:]
        if mode == "OUT":
            continue
        arg = re.split(r"\s+DEFAULT\s+|\s*=\s*", " ".join(words), maxsplit=1, flags=re.IGNORECASE)[0]
        name, _, typ = arg.partition(" ") if _has_name(arg) else ("", "", arg)
        out.append(("VARIADIC " if mode == "VARIADIC" else "", lower_unquoted(name), normalise_type(_no_typmod(typ))))
    return out


def _no_typmod(typ: str) -> str:
    """A function's argument and result types keep no modifier: ``vector(384)`` is ``vector``.

    >>> _no_typmod("vector(384)"), _no_typmod("numeric(10, 2)[]"), _no_typmod('"Odd(1)"')
    ('vector', 'numeric[]', '"Odd(1)"')
    """
    return "".join(part if i % 2 else re.sub(r"\(\s*\d+(\s*,\s*\d+)?\s*\)", "", part)
                   for i, part in enumerate(re.split(r'("(?:[^"]|"")*")', typ)))


def _has_name(arg: str) -> bool:
    """Whether an argument starts with a parameter name (``x int``) rather than only a type (``int``)."""
    words = arg.split()
    if len(words) < 2:
        return False
    try:
        exp.DataType.build(arg, dialect=DIALECT, udt=False)
        return False  # the whole thing is a type (``double precision``, ``character varying(3)``)
    except (SqlglotError, ValueError):
        return True


def _split_top_level(text: str) -> list[str]:
    parts, depth, current = [], 0, []
    for ch in text:
        if ch == "," and depth == 0:
            parts.append("".join(current).strip())
            current = []
            continue
        depth += ch == "("
        depth -= ch == ")"
        current.append(ch)
    if "".join(current).strip():
        parts.append("".join(current).strip())
    return parts


@lru_cache(maxsize=4096)
def normalise_returns(text: str) -> str:
    """A function's result: ``SETOF t``, ``TABLE(a t, …)`` or a type, normalised.

    >>> normalise_returns("SETOF public.users"), normalise_returns("TABLE(id uuid, n integer)")
    ('setof users', 'table(id uuid, n int)')
    """
    cleaned = " ".join(text.split())
    m = re.match(r"(?i)setof\s+(.*)$", cleaned)
    if m:
        return f"setof {normalise_type(_no_typmod(m.group(1)))}"
    m = re.match(r"(?i)table\s*\((.*)\)$", cleaned)
    if m:
        return f"table({normalise_arguments(m.group(1))})"
    return normalise_type(_no_typmod(cleaned))


_TEXT_TYPES = {exp.DataType.Type.TEXT, exp.DataType.Type.VARCHAR, exp.DataType.Type.NAME, exp.DataType.Type.CHAR,
               exp.DataType.Type.BPCHAR}


@lru_cache(maxsize=4096)
def normalise_expression(text: str | None, table: str = "") -> str | None:
    """A predicate (policy USING / WITH CHECK) in one canonical form for both sides.

    PostgreSQL prints predicates its own way: each operation in parentheses, columns inside
    subqueries qualified by their table, implicit casts written out (``'admin'::user_role``,
    ``(role)::text``), ``IN (…)`` as ``= ANY (ARRAY[…])``, ``BETWEEN`` as two comparisons, joins
    in parentheses. Both sides are parsed with sqlglot and rewritten the same way: parentheses
    removed (the tree keeps the grouping) and then put back around every operation; qualifiers
    that are a table's own name (not an alias) dropped, as are ``public.``; casts of literals and
    casts to text types dropped; ``IN`` lists and ``BETWEEN`` rewritten as PostgreSQL does.
    The result is parsed and rewritten once more (without casts sqlglot reads some calls, e.g.
    ``date_trunc('day', …)``, as it reads them in the other side's text). Text sqlglot cannot parse is
    compared with its whitespace collapsed.

    >>> normalise_expression("auth.uid() = id") == normalise_expression("(auth.uid() = id)")
    True
    >>> a = "client_id IN (SELECT client_id FROM users WHERE id = auth.uid())"
    >>> b = "(client_id IN ( SELECT users.client_id FROM users WHERE (users.id = auth.uid())))"
    >>> normalise_expression(a) == normalise_expression(b)
    True
    >>> normalise_expression("role IN ('a', 'b')") == normalise_expression("(role = ANY (ARRAY['a'::r, 'b'::r]))")
    True
    >>> normalise_expression("a AND (b OR c)") == normalise_expression("(a AND b) OR c")
    False
    """
    if text is None:
        return None
    own = {table.rsplit(".", 1)[-1].lower()} if table else set()
    try:
        once = _canonical_sql(text, own)
        return _canonical_sql(once, own)  # again: sqlglot reads some calls differently once casts are gone
    except SqlglotError:
        return " ".join(text.split())


def _canonical_sql(text: str, own: set[str]) -> str:
    tree = sqlglot.parse_one(text, read=DIALECT)
    tree = _drop_generated_aliases(_flatten_joins(_bottom_up(tree, _unwrap)))
    names = own | {t.name.lower() for t in tree.find_all(exp.Table) if not t.alias}
    tree = _bottom_up(tree, lambda n: _wrap(_canonical(n, names)))
    return tree.sql(DIALECT)


def _bottom_up(node: exp.Expression, fn: Callable[[exp.Expression], exp.Expression]) -> exp.Expression:
    """Rewrite children first, then the node (sqlglot's ``transform`` skips what it replaced)."""
    for key, value in list(node.args.items()):
        if isinstance(value, exp.Expression):
            node.set(key, _bottom_up(value, fn))
        elif isinstance(value, list):
            node.set(key, [_bottom_up(v, fn) if isinstance(v, exp.Expression) else v for v in value])
    return fn(node)


def _unwrap(node: exp.Expression) -> exp.Expression:
    if isinstance(node, exp.Paren) and not isinstance(node.this, (exp.Select, exp.Union)):
        return node.this
    return node


def _flatten_joins(tree: exp.Expression) -> exp.Expression:
    """``FROM (a JOIN b ON …)``, as PostgreSQL prints joins, -> ``FROM a JOIN b ON …``."""
    for select in list(tree.find_all(exp.Select)):
        source = select.args.get("from_") or select.args.get("from")
        inner = source.this if source is not None else None
        if isinstance(inner, exp.Subquery) and isinstance(inner.this, exp.Table) and not inner.alias:
            table = inner.this
            joins = table.args.pop("joins", None) or []
            source.set("this", table)
            select.set("joins", joins + list(select.args.get("joins") or []))
    return tree


def _drop_generated_aliases(tree: exp.Expression) -> exp.Expression:
    """``users users_1``: PostgreSQL's alias for a table that appears twice -> ``users``, and
    ``users_1.col`` -> ``users.col`` (then dropped as an own-name qualifier)."""
    generated = {}
    for table in tree.find_all(exp.Table):
        alias = table.alias
        if alias and re.fullmatch(rf"{re.escape(table.name)}_\d+", alias):
            generated[alias] = table.name
            table.set("alias", None)
    for column in tree.find_all(exp.Column):
        if column.table in generated:
            column.set("table", exp.to_identifier(generated[column.table]))
    return tree


_PLAIN = re.compile(r"[a-z_][a-z0-9_$]*")


_INTERVAL_UNITS = {"microsecond": (0, 0, 1), "millisecond": (0, 0, 1000), "second": (0, 0, 10 ** 6),
                   "sec": (0, 0, 10 ** 6), "minute": (0, 0, 60 * 10 ** 6), "min": (0, 0, 60 * 10 ** 6),
                   "hour": (0, 0, 3600 * 10 ** 6), "hr": (0, 0, 3600 * 10 ** 6), "day": (0, 1, 0), "week": (0, 7, 0),
                   "month": (1, 0, 0), "mon": (1, 0, 0), "year": (12, 0, 0), "yr": (12, 0, 0)}


def interval_parts(text: str) -> tuple[int, int, int] | None:
    """(months, days, microseconds) of an interval literal as PostgreSQL reads it, or None.

    >>> interval_parts("24 hours") == interval_parts("24:00:00"), interval_parts("1 day") == interval_parts("24:00:00")
    (True, False)
    """
    months = days = micros = 0
    words = text.lower().replace("@", " ").split()
    sign = -1 if words[-1:] == ["ago"] else 1
    words = words[:-1] if sign < 0 else words
    i = 0
    try:
        while i < len(words):
            m = re.fullmatch(r"([+-]?)(\d+):(\d+)(?::(\d+(?:\.\d+)?))?", words[i])
            if m:
                total = (int(m.group(2)) * 3600 + int(m.group(3)) * 60) * 10 ** 6 + round(float(m.group(4) or 0) * 10 ** 6)
                micros += -total if m.group(1) == "-" else total
                i += 1
                continue
            number, unit = float(words[i]), words[i + 1].rstrip("s") if i + 1 < len(words) else ""
            mo, d, us = _INTERVAL_UNITS[unit]
            months, days, micros = months + round(number * mo), days + round(number * d), micros + round(number * us)
            i += 2
    except (ValueError, KeyError):
        return None
    return sign * months, sign * days, sign * micros


def _interval(node: exp.Expression) -> exp.Expression:
    """``interval '24 hours'`` and ``'24:00:00'::interval`` (as PostgreSQL prints it) -> one spelling."""
    text = node.this.this if isinstance(node.this, exp.Literal) else None
    if text is None:
        return node
    unit = node.args.get("unit") if isinstance(node, exp.Interval) else None
    parts = interval_parts(f"{text} {unit.name}" if unit is not None else text)
    return node if parts is None else exp.Interval(this=exp.Literal.string("{} mons {} days {} us".format(*parts)))


def _canonical(node: exp.Expression, own_names: set[str]) -> exp.Expression:
    if node.comments:  # a comment inside a predicate: PostgreSQL keeps none
        node.comments = None
    if isinstance(node, exp.Interval) or (isinstance(node, exp.Cast) and node.to.this == exp.DataType.Type.INTERVAL
                                          and isinstance(node.this, exp.Literal)):
        return _interval(node)
    if isinstance(node, exp.Identifier):  # ``"orders"`` and ``ORDERS`` both name orders
        name = node.this if node.quoted else node.this.lower()
        return exp.Identifier(this=name, quoted=not _PLAIN.fullmatch(name))
    if isinstance(node, exp.Column) and node.table and node.table.lower() in own_names and not node.args.get("db"):
        return exp.column(node.this.copy())
    if isinstance(node, exp.Table) and node.args.get("db") and node.db.lower() == "public":
        node = node.copy()
        node.set("db", None)
        return node
    if isinstance(node, exp.Dot) and isinstance(node.this, exp.Identifier) and node.this.name.lower() == "public":
        return node.expression
    if isinstance(node, exp.Cast) and (isinstance(node.this, (exp.Literal, exp.Boolean)) or _is_text(node.to)):
        return node.this
    if isinstance(node, exp.In) and node.expressions and not node.args.get("query"):
        return exp.EQ(this=node.this, expression=exp.Any(this=exp.Array(expressions=node.expressions)))
    if isinstance(node, exp.Between):
        return exp.And(this=exp.GTE(this=node.this.copy(), expression=node.args["low"]),
                       expression=exp.LTE(this=node.this.copy(), expression=node.args["high"]))
    return node


def _is_text(datatype: exp.DataType) -> bool:
    """A text type, or an array of one (PostgreSQL casts ``varchar`` arrays to ``text[]``)."""
    if datatype.this == exp.DataType.Type.ARRAY and datatype.expressions:
        return _is_text(datatype.expressions[0])
    return datatype.this in _TEXT_TYPES


def _is_operation(node: Any) -> bool:
    return isinstance(node, (exp.Binary, exp.Not, exp.Is, exp.In, exp.Exists, exp.Like, exp.ILike)) \
        and not isinstance(node, exp.Dot)


def _wrap(node: exp.Expression) -> exp.Expression:
    """Parentheses around every operation that is an operand of another: one printing per tree."""
    if _is_operation(node):
        for key in ("this", "expression"):
            child = node.args.get(key)
            if _is_operation(child):
                node.set(key, exp.Paren(this=child))
    return node
