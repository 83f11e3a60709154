"""The schema model: frozen dataclasses built from migration files or from a PostgreSQL catalog.

Every object carries a :class:`Source` (file, line) that is excluded from equality, so two
models are equal when their schemas are, wherever they came from. Tables are keyed by
``schema.table`` everywhere; :func:`qualify` is the one helper that makes such a name.

>>> users = Table("public.users", columns=(Column("id", "uuid", nullable=False),), primary_key=("id",))
>>> Schema(tables=(users,)).table("users").column("id").type
'uuid'
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Iterable

from schemalens.core.names import qualify, truncate_identifier
from schemalens.core.names import short as unqualify


@dataclass(frozen=True, order=True)
class Source:
    """Where something was defined: a file (relative to the migration folder) and a 1-based line."""

    file: str
    line: int = 1

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


NOWHERE = Source("", 0)


TABLE_PRIVILEGES = ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER", "MAINTAIN")
ROW_PRIVILEGES = TABLE_PRIVILEGES[:4]
API_ROLES = ("anon", "authenticated")  # Supabase's roles for requests through its API
SUPABASE_ROLES = ("anon", "authenticated", "service_role")


def default_grants(table: str) -> dict[str, tuple[str, ...]]:
    """The privileges a table has when created: Supabase's default privileges give its roles every
    privilege on new tables in ``public`` (``ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON
    TABLES TO anon, authenticated, service_role``); tables elsewhere belong to their owner only.

    >>> default_grants("public.t")["anon"][:2], default_grants("private.t")
    (('SELECT', 'INSERT'), {})
    """
    return {r: TABLE_PRIVILEGES for r in SUPABASE_ROLES} if table.startswith("public.") else {}


def _src() -> Source:
    return field(default=NOWHERE, compare=False, repr=False)


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    nullable: bool = True
    default: str | None = None
    source: Source = _src()


@dataclass(frozen=True)
class ForeignKey:
    """A foreign key from ``table(columns)`` to ``ref_table(ref_columns)``; actions in PostgreSQL's words."""

    name: str
    table: str
    columns: tuple[str, ...]
    ref_table: str
    ref_columns: tuple[str, ...]
    on_delete: str = "NO ACTION"
    on_update: str = "NO ACTION"
    validated: bool = True
    source: Source = _src()


@dataclass(frozen=True)
class UniqueConstraint:
    name: str
    columns: tuple[str, ...]
    source: Source = _src()


@dataclass(frozen=True)
class Index:
    name: str
    table: str
    columns: tuple[str, ...]
    unique: bool = False
    source: Source = _src()


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...] = ()
    primary_key: tuple[str, ...] = ()
    primary_key_name: str | None = None
    uniques: tuple[UniqueConstraint, ...] = ()
    rls_enabled: bool = False
    rls_forced: bool = False
    partition_of: str | None = None
    source: Source = _src()
    # ``(role, privileges)`` once a GRANT or REVOKE names the table (or every table of its schema);
    # None: nothing did, so the defaults hold (see :func:`default_grants`)
    grants: tuple[tuple[str, tuple[str, ...]], ...] | None = None
    grants_source: Source = _src()  # the last GRANT or REVOKE naming an API role (or PUBLIC) on it

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.name == name), None)

    @property
    def granted(self) -> dict[str, tuple[str, ...]]:
        """``{role: privileges}`` granted on the table: :attr:`grants`, or the defaults when nothing changed
        them (column privileges end in ``(columns)``)."""
        return default_grants(self.name) if self.grants is None else dict(self.grants)

    def privileges(self, role: str) -> tuple[str, ...]:
        """What ``role`` holds on the table, directly or through PUBLIC."""
        held = self.granted
        return tuple(sorted(set(held.get(role, ())) | set(held.get("public", ()))))

    @property
    def api_access(self) -> tuple[str, ...]:
        """The row privileges (SELECT, INSERT, UPDATE, DELETE) that Supabase's API roles hold on it."""
        return tuple(p for p in ROW_PRIVILEGES
                     if any(h.split()[0] == p for role in API_ROLES for h in self.privileges(role)))

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


@dataclass(frozen=True)
class Policy:
    """A row-level security policy; ``using``/``with_check`` are the predicates' SQL text as written."""

    name: str
    table: str
    command: str = "ALL"
    permissive: bool = True
    roles: tuple[str, ...] = ("public",)
    using: str | None = None
    with_check: str | None = None
    source: Source = _src()


@dataclass(frozen=True)
class EnumType:
    name: str
    values: tuple[str, ...]
    source: Source = _src()


@dataclass(frozen=True)
class Function:
    name: str
    arguments: str = ""
    returns: str = ""
    language: str = ""
    security_definer: bool = False
    body: str = field(default="", compare=False, repr=False)
    source: Source = _src()


@dataclass(frozen=True)
class Trigger:
    name: str
    table: str
    function: str
    timing: str = ""
    events: tuple[str, ...] = ()
    source: Source = _src()


@dataclass(frozen=True)
class View:
    """A view or materialized view: its columns (a type is "" where it could not be worked out from the
    query), the tables and views its query reads, and ``security_invoker`` (a view checks the caller's
    privileges and row-level security, instead of its owner's)."""

    name: str
    source: Source = _src()
    columns: tuple[Column, ...] = ()
    reads: tuple[str, ...] = ()
    security_invoker: bool = False
    materialized: bool = False

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


@dataclass(frozen=True)
class Unparsed:
    """A statement the parser did not understand (or understood but could not apply): never dropped."""

    source: Source
    statement: str
    reason: str


@dataclass(frozen=True)
class Schema:
    """The whole model; collections are tuples sorted by name so equal schemas compare equal."""

    tables: tuple[Table, ...] = ()
    foreign_keys: tuple[ForeignKey, ...] = ()
    policies: tuple[Policy, ...] = ()
    indexes: tuple[Index, ...] = ()
    enums: tuple[EnumType, ...] = ()
    functions: tuple[Function, ...] = ()
    triggers: tuple[Trigger, ...] = ()
    views: tuple[View, ...] = ()
    unparsed: tuple[Unparsed, ...] = field(default=(), compare=False)
    not_analysed: tuple[Unparsed, ...] = field(default=(), compare=False)
    warnings: tuple[Unparsed, ...] = field(default=(), compare=False)
    headers: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = field(default=(), compare=False)
    coverage: tuple[tuple[tuple[str, str], int], ...] = field(default=(), compare=False)  # ((kind, status), n)
    # (kind, name) of what exact mode read back from a built database (DDL a DO block ran): see schemalens.db.exact
    from_database: tuple[tuple[str, str], ...] = field(default=(), compare=False)

    @cached_property
    def _tables(self) -> dict[str, Table]:
        return {t.name: t for t in self.tables}

    def table(self, name: str) -> Table | None:
        """The table called ``name`` (``public.`` when unqualified), or None."""
        return self._tables.get(qualify(name))

    def foreign_keys_from(self, table: str) -> tuple[ForeignKey, ...]:
        table = qualify(table)
        return tuple(fk for fk in self.foreign_keys if fk.table == table)

    def foreign_keys_to(self, table: str) -> tuple[ForeignKey, ...]:
        table = qualify(table)
        return tuple(fk for fk in self.foreign_keys if fk.ref_table == table)

    def policies_on(self, table: str) -> tuple[Policy, ...]:
        table = qualify(table)
        return tuple(p for p in self.policies if p.table == table)

    def triggers_on(self, table: str) -> tuple[Trigger, ...]:
        table = qualify(table)
        return tuple(t for t in self.triggers if t.table == table)

    def header(self, key: str) -> dict[str, str]:
        """``{file: value}`` for a header key (e.g. ``"supabase project"``) read from migration files."""
        return {f: dict(h)[key] for f, h in self.headers if key in dict(h)}


def build_schema(**parts: Iterable) -> Schema:
    """A :class:`Schema` with every collection sorted, so construction order never matters."""
    keys = {
        "tables": lambda t: t.name,
        "foreign_keys": lambda f: (f.table, f.name),
        "policies": lambda p: (p.table, p.name),
        "indexes": lambda i: (i.table, i.name),
        "enums": lambda e: e.name,
        "functions": lambda f: (f.name, f.arguments),
        "triggers": lambda t: (t.table, t.name),
        "views": lambda v: v.name,
    }
    out = {}
    for name, value in parts.items():
        out[name] = tuple(sorted(value, key=keys[name])) if name in keys else tuple(value)
    return Schema(**out)


__all__ = [
    "Column", "EnumType", "ForeignKey", "Function", "Index", "Policy", "Schema", "Source", "Table",
    "Trigger", "Unparsed", "UniqueConstraint", "View", "build_schema", "qualify", "replace",
    "truncate_identifier", "unqualify",
]
