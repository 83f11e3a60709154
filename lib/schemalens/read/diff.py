"""Two Schemas -> their differences: what only one side has, and what both have but differently.

The core is :func:`diff_items` (added / removed / changed over sorted keys), used for every kind of
object. :func:`diff_schemas` projects both Schemas onto what the migration files and a PostgreSQL
catalog can both say, the same way on both sides, and diffs the projections:

- tables: RLS enabled / forced, the parent of a partition;
- columns: type (one spelling for both sides, :func:`normalise_type`: ``integer``, ``int4`` and
  ``serial`` compare equal, as do ``timestamp with time zone`` and ``timestamptz``; ``public.``
  dropped) and nullability;
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

>>> from schemalens.core.model import Column, Table, Schema
>>> a = Schema(tables=(Table("public.t", (Column("id", "int", False),)),))
>>> b = Schema(tables=(Table("public.t", (Column("id", "integer", False), Column("x", "text"))),))
>>> print(diff_schemas(a, b))
+ column public.t.x: type='text', nullable=True
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping, NamedTuple

from schemalens.core.model import Schema, Unparsed
from schemalens.read.normalise import (  # noqa: F401 - importable from here, as before the split
    identity_types,
    interval_parts,
    normalise_arguments,
    normalise_expression,
    normalise_returns,
    normalise_type,
)

ADDED, REMOVED, CHANGED = "added", "removed", "changed"
Key = tuple[str, ...]


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
