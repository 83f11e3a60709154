"""Two Schemas -> their differences: what only one side has, and what both have but differently.

The core is :func:`diff_items` (added / removed / changed over sorted keys), used for every kind of
object. :func:`diff_schemas` projects both Schemas onto what the migration files and a PostgreSQL
catalog can both say, the same way on both sides, and diffs the projections:

- tables: RLS enabled / forced, the parent of a partition;
- columns: type (normalised: ``int`` = ``integer``, ``timestamptz`` = ``timestamp with time zone``,
  ``serial`` = ``integer``, ``public.`` dropped) and nullability;
- primary keys (name, columns), unique constraints (columns), indexes (table, columns, unique);
- foreign keys: columns, referenced table and columns, actions, validated;
- policies: command, permissive, roles (as a set), USING and WITH CHECK predicates normalised the
  same way on both sides (see :func:`normalise_expression`);
- enums (labels in order), views (materialized or not, column names, the tables and views they read,
  ``security_invoker``), functions (normalised identity arguments, result, language,
  security definer), triggers (function, timing, events).

It refuses to compare what one side cannot know: column defaults (PostgreSQL rewrites them, e.g.
``serial`` into ``nextval(...)`` and adds casts), CHECK constraints, grants, function bodies.

A difference may be excused only by a statement the static analysis deliberately did not analyse
(``Schema.not_analysed``, e.g. DDL in a ``DO`` block) whose text names the object: see
:func:`explained_by`.

>>> from schemalens.model import Column, Table, Schema
>>> a = Schema(tables=(Table("public.t", (Column("id", "int", False),)),))
>>> b = Schema(tables=(Table("public.t", (Column("id", "integer", False), Column("x", "text"))),))
>>> print(diff_schemas(a, b))
+ column public.t.x: type='text', nullable=True
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable, Iterable, Mapping, NamedTuple

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from schemalens.model import Schema, Unparsed

DIALECT = "postgres"
ADDED, REMOVED, CHANGED = "added", "removed", "changed"
Key = tuple[str, ...]


# Normalising text that both sides write differently ------------------------------------------

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
    out = _lower_unquoted(out)
    if out in ("char", "bit"):
        out += "(1)"  # PostgreSQL: char and bit without a length mean length 1
    return out


def _lower_unquoted(text: str) -> str:
    """Lower-case everything outside double quotes."""
    return "".join(part if i % 2 else part.lower() for i, part in enumerate(re.split(r'("(?:[^"]|"")*")', text)))


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
        out.append(("VARIADIC " if mode == "VARIADIC" else "", _lower_unquoted(name), normalise_type(_no_typmod(typ))))
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


# The diff core --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Difference:
    """One object that only one side has (``added``: only in b; ``removed``: only in a), or ``changed``."""

    kind: str
    key: Key
    change: str
    a: Any = None
    b: Any = None

    @property
    def name(self) -> str:
        if self.kind == "function":
            return ".".join(self.key[:-1]) + f"({self.key[-1]})"
        return ".".join(self.key)

    def __str__(self) -> str:
        if self.change == CHANGED:
            fields = [f for f in self.a._fields if getattr(self.a, f) != getattr(self.b, f)]
            detail = "; ".join(f"{f}: {getattr(self.a, f)!r} -> {getattr(self.b, f)!r}" for f in fields)
            return f"~ {self.kind} {self.name}: {detail}"
        value = self.b if self.change == ADDED else self.a
        detail = ", ".join(f"{k}={v!r}" for k, v in value._asdict().items()) if value is not None else ""
        return f"{'+' if self.change == ADDED else '-'} {self.kind} {self.name}" + (f": {detail}" if detail else "")


def diff_items(kind: str, a: Mapping[Key, Any], b: Mapping[Key, Any]) -> list[Difference]:
    """What is only in ``a`` (removed), only in ``b`` (added), or in both but unequal (changed); sorted by key."""
    out = []
    for key in sorted(a.keys() | b.keys()):
        if key not in b:
            out.append(Difference(kind, key, REMOVED, a[key], None))
        elif key not in a:
            out.append(Difference(kind, key, ADDED, None, b[key]))
        elif a[key] != b[key]:
            out.append(Difference(kind, key, CHANGED, a[key], b[key]))
    return out


@dataclass(frozen=True)
class SchemaDiff:
    """The differences between two Schemas; empty (and false) when they agree."""

    differences: tuple[Difference, ...] = ()
    labels: tuple[str, str] = ("files", "database")

    def __bool__(self) -> bool:
        return bool(self.differences)

    def __len__(self) -> int:
        return len(self.differences)

    def __iter__(self):
        return iter(self.differences)

    def __str__(self) -> str:
        return "\n".join(str(d) for d in self.differences)

    def legend(self) -> str:
        a, b = self.labels
        return f"- only in {a}, + only in {b}, ~ different ({a} -> {b})"

    def excuse(self, statements: Iterable[Unparsed]) -> tuple[SchemaDiff, tuple[tuple[Difference, Unparsed], ...]]:
        """The differences no statement explains, and each explained one with the statement that explains it."""
        statements = tuple(statements)
        kept, excused = [], []
        for d in self.differences:
            why = explained_by(d, statements)
            if why is None:
                kept.append(d)
            else:
                excused.append((d, why))
        return SchemaDiff(tuple(kept), self.labels), tuple(excused)


def explained_by(difference: Difference, statements: Iterable[Unparsed]) -> Unparsed | None:
    """The first not-analysed statement whose text names every part of the differing object, or None.

    ``public`` may go unnamed (it is the default schema); every other part must appear as a whole
    identifier (case-insensitive), e.g. a column ``public.campaigns.limit`` needs ``campaigns`` and
    ``limit``.

    >>> do = Unparsed(None, "DO $$ BEGIN ALTER TABLE campaigns ADD COLUMN daily_limit int; END $$", "DO block")
    >>> d = Difference("column", ("public", "campaigns", "daily_limit"), REMOVED)
    >>> explained_by(d, [do]) is do, explained_by(Difference("column", ("public", "leads", "daily_limit"), REMOVED), [do])
    (True, None)
    """
    key = difference.key[:-1] if difference.kind == "function" else difference.key  # not the arguments
    parts = [p for i, p in enumerate(key) if not (i == 0 and p == "public")]
    for st in statements:
        if all(_names(st.statement, p) for p in parts):
            return st
    return None


def _names(text: str, identifier: str) -> bool:
    return re.search(rf"(?<![\w$]){re.escape(identifier)}(?![\w$])", text, re.IGNORECASE) is not None


# Projection: what both sides can say, written the same way -----------------------------------


class Normaliser(NamedTuple):
    """How text that the two sides spell differently is brought to one spelling before comparing."""

    type: Callable[[str], str] = normalise_type
    expression: Callable[[str | None, str], str | None] = normalise_expression
    arguments: Callable[[str], str] = normalise_arguments
    returns: Callable[[str], str] = normalise_returns


VERBATIM = Normaliser(lambda t: t, lambda e, table="": e, lambda a: a, lambda r: r)
"""Compare text exactly as each side wrote it."""


class TableFacts(NamedTuple):
    rls_enabled: bool
    rls_forced: bool
    partition_of: str | None


class ColumnFacts(NamedTuple):
    type: str
    nullable: bool


class PrimaryKeyFacts(NamedTuple):
    name: str | None
    columns: tuple[str, ...]


class UniqueFacts(NamedTuple):
    columns: tuple[str, ...]


class IndexFacts(NamedTuple):
    table: str
    columns: tuple[str, ...]
    unique: bool


class ForeignKeyFacts(NamedTuple):
    columns: tuple[str, ...]
    ref_table: str
    ref_columns: tuple[str, ...]
    on_delete: str
    on_update: str
    validated: bool


class PolicyFacts(NamedTuple):
    command: str
    permissive: bool
    roles: tuple[str, ...]
    using: str | None
    with_check: str | None


class EnumFacts(NamedTuple):
    values: tuple[str, ...]


class ViewFacts(NamedTuple):
    materialized: bool
    columns: tuple[str, ...]  # names only: a type the query does not say is not known statically
    reads: tuple[str, ...]
    security_invoker: bool


class FunctionFacts(NamedTuple):
    returns: str
    language: str
    security_definer: bool


class TriggerFacts(NamedTuple):
    function: str
    timing: str
    events: tuple[str, ...]


def _split(name: str) -> Key:
    return tuple(name.split(".", 1)) if "." in name else ("public", name)


def project(schema: Schema, normalise: Normaliser = Normaliser()) -> dict[str, dict[Key, NamedTuple]]:
    """Every kind of object of ``schema`` as ``{key: facts}``, text normalised by ``normalise``."""
    n = normalise
    out: dict[str, dict[Key, Any]] = {k: {} for k in KINDS}
    for t in schema.tables:
        key = _split(t.name)
        out["table"][key] = TableFacts(t.rls_enabled, t.rls_forced, t.partition_of)
        for c in t.columns:
            out["column"][key + (c.name,)] = ColumnFacts(n.type(c.type), c.nullable)
        if t.primary_key:
            out["primary key"][key] = PrimaryKeyFacts(t.primary_key_name, t.primary_key)
        for u in t.uniques:
            out["unique"][key + (u.name,)] = UniqueFacts(u.columns)
    for i in schema.indexes:
        columns = tuple(n.expression(c, i.table) if not re.fullmatch(r'\w+|"[^"]+"', c) else c for c in i.columns)
        out["index"][(_split(i.table)[0], i.name)] = IndexFacts(i.table, columns, i.unique)
    for f in schema.foreign_keys:
        out["foreign key"][_split(f.table) + (f.name,)] = ForeignKeyFacts(
            f.columns, f.ref_table, f.ref_columns, f.on_delete, f.on_update, f.validated)
    for p in schema.policies:
        out["policy"][_split(p.table) + (p.name,)] = PolicyFacts(
            p.command, p.permissive, tuple(sorted(set(p.roles))), n.expression(p.using, p.table),
            n.expression(p.with_check, p.table))
    for e in schema.enums:
        out["enum"][_split(e.name)] = EnumFacts(e.values)
    for v in schema.views:
        out["view"][_split(v.name)] = ViewFacts(v.materialized, v.column_names, tuple(sorted(v.reads)),
                                                v.security_invoker)
    for f in schema.functions:
        out["function"][_split(f.name) + (n.arguments(f.arguments),)] = FunctionFacts(
            n.returns(f.returns), f.language.lower(), f.security_definer)
    for tr in schema.triggers:
        out["trigger"][_split(tr.table) + (tr.name,)] = TriggerFacts(
            tr.function, tr.timing.upper(), tuple(sorted(e.upper() for e in tr.events)))
    return out


KINDS = ("table", "column", "primary key", "unique", "index", "foreign key", "policy", "enum", "view", "function",
         "trigger")


def diff_schemas(a: Schema, b: Schema, normalise: Normaliser = Normaliser(), kinds: Iterable[str] = KINDS,
                 labels: tuple[str, str] = ("files", "database")) -> SchemaDiff:
    """The differences between ``a`` and ``b`` under the projection above (``kinds`` picks the sections)."""
    pa, pb = project(a, normalise), project(b, normalise)
    return SchemaDiff(tuple(d for kind in kinds for d in diff_items(kind, pa[kind], pb[kind])), labels)
