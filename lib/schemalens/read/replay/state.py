"""The replayer's state: tables being built, stores of objects indexed by the tables they touch, and
the names PostgreSQL gives (``makeObjectName``); what every kind of statement shares."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field, replace

from sqlglot import exp

from schemalens.core.model import (
    NOWHERE,
    Column,
    ForeignKey,
    Index,
    Policy,
    Source,
    Table,
    UniqueConstraint,
    truncate_identifier,
)
from schemalens.read.parse import lower_unquoted, to_sql

EXTERNAL_PRIMARY_KEYS = {"auth.users": ("id",), "storage.objects": ("id",), "storage.buckets": ("id",)}


_SIMPLE_TYPES: dict[object, str] = {}


def _type_text(kind: exp.DataType) -> str:
    """A column type as stored: ``uuid``, ``varchar(20)``; a plain type (nothing set but the type) is
    rendered once."""
    simple = all(k == "this" or not v for k, v in kind.args.items())
    if simple and kind.this in _SIMPLE_TYPES:
        return _SIMPLE_TYPES[kind.this]
    text = lower_unquoted(to_sql(kind))
    if simple:
        _SIMPLE_TYPES[kind.this] = text
    return text


class ReplayWarning(Exception):
    """A statement that could not be applied to the model; becomes a warning."""


def make_object_name(name1: str, name2: str, label: str) -> str:
    """PostgreSQL's ``makeObjectName``: ``name1_name2_label`` shortened to fit 63 bytes.

    >>> make_object_name("users", "client_id", "fkey")
    'users_client_id_fkey'
    >>> len(make_object_name("a" * 40, "b" * 40, "fkey"))
    63
    """
    overhead = len(label) + 1 + (1 if name2 else 0)
    n1, n2 = len(name1.encode()), len(name2.encode()) if name2 else 0
    avail = 63 - overhead
    while n1 + n2 > avail:
        if n1 > n2:
            n1 -= 1
        else:
            n2 -= 1
    parts = [truncate_identifier(name1.encode()[:n1].decode(errors="ignore"))]
    if name2:
        parts.append(name2.encode()[:n2].decode(errors="ignore"))
    return "_".join(parts + [label])


def _schema_of(table: str) -> str:
    return table.split(".", 1)[0]


# What the stores below index by: module-level functions, not lambdas, so that a replay state pickles
# (:mod:`schemalens.read.snapshots` keeps it between runs).
def _fk_tables(fk: ForeignKey) -> set[str]:
    return {fk.table, fk.ref_table}


def _fk_name(fk: ForeignKey) -> tuple[str, str]:
    return _schema_of(fk.table), fk.name


def _on_table(item) -> tuple[str]:
    return (item.table,)


def _index_name(index: Index) -> tuple[str, str]:
    return _schema_of(index.table), index.name


class _Store:
    """Objects by key, indexed by the tables they touch, so that a rename or a drop visits only
    those; with ``taken``, it also counts the names it holds per schema (PostgreSQL's default names
    must avoid them)."""

    def __init__(self, tables_of, name_of=None, taken: Counter | None = None) -> None:
        self._by_key: dict = {}
        self._by_table: dict[str, set] = {}
        self._tables_of, self._name_of, self._taken = tables_of, name_of, taken

    def __setitem__(self, key, item) -> None:
        if key in self._by_key:
            del self[key]
        self._by_key[key] = item
        for table in self._tables_of(item):
            self._by_table.setdefault(table, set()).add(key)
        if self._taken is not None:
            self._taken[self._name_of(item)] += 1

    def __delitem__(self, key) -> None:
        item = self._by_key.pop(key)
        for table in self._tables_of(item):
            self._by_table[table].discard(key)
        if self._taken is not None:
            self._taken[self._name_of(item)] -= 1

    def __getitem__(self, key):
        return self._by_key[key]

    def __contains__(self, key: object) -> bool:
        return key in self._by_key

    def get(self, key, default=None):
        return self._by_key.get(key, default)

    def pop(self, key, default=None):
        if key not in self._by_key:
            return default
        item = self._by_key[key]
        del self[key]
        return item

    def items(self):
        return self._by_key.items()

    def values(self):
        return self._by_key.values()

    def touching(self, table: str) -> list:
        """(key, item) of every object that touches ``table``, in key order (a snapshot)."""
        return [(k, self._by_key[k]) for k in sorted(self._by_table.get(table, ()))]


class _Policies(_Store):
    """Policies by (table, name), also indexed by each word of their predicates."""

    def __init__(self) -> None:
        super().__init__(_on_table)
        self._by_word: dict[str, set[tuple[str, str]]] = {}

    @staticmethod
    def _words(policy: Policy) -> set[str]:
        return set(re.findall(r"[\w$]+", f"{policy.using or ''} {policy.with_check or ''}".lower()))

    def __setitem__(self, key: tuple[str, str], policy: Policy) -> None:
        super().__setitem__(key, policy)
        for word in self._words(policy):
            self._by_word.setdefault(word, set()).add(key)

    def __delitem__(self, key: tuple[str, str]) -> None:
        policy = self._by_key[key]
        super().__delitem__(key)
        for word in self._words(policy):
            self._by_word[word].discard(key)

    def mentioning(self, word: str) -> list[tuple[tuple[str, str], Policy]]:
        """The policies whose predicates contain ``word`` (its first word, for a quoted name with spaces)."""
        first = (re.findall(r"[\w$]+", word.lower()) or [""])[0]
        return [(k, self._by_key[k]) for k in sorted(self._by_word.get(first, ()))]

    def rekey_table(self, old: str, new: str) -> None:
        for key, policy in self.touching(old):
            del self[key]
            self[(new, key[1])] = replace(policy, table=new)

    def drop_table(self, name: str) -> None:
        for key, _ in self.touching(name):
            del self[key]


@dataclass
class _TableState:
    name: str
    columns: dict[str, Column]
    source: Source
    primary_key: tuple[str, ...] = ()
    primary_key_name: str | None = None
    uniques: dict[str, UniqueConstraint] = field(default_factory=dict)
    rls_enabled: bool = False
    rls_forced: bool = False
    partition_of: str | None = None
    partitioned: bool = False  # some table was created as a partition of this one
    grants: dict[str, set[str]] | None = None  # None: the defaults (model.default_grants)
    grants_source: Source | None = None

    def freeze(self) -> Table:
        grants = None if self.grants is None else tuple(
            (role, tuple(sorted(privs))) for role, privs in sorted(self.grants.items()) if privs)
        return Table(self.name, tuple(self.columns.values()), self.primary_key, self.primary_key_name,
                     tuple(sorted(self.uniques.values(), key=lambda u: u.name)), self.rls_enabled, self.rls_forced,
                     self.partition_of, self.source, grants, self.grants_source or NOWHERE)
