"""The replayer's base: its stores, names resolved through the search_path, default constraint names
(numbered when taken), a statement's file:line, and the frozen :class:`~schemalens.core.model.Schema`."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from sqlglot import exp

from schemalens.core.model import EnumType, Function, Schema, Source, Unparsed, View, build_schema
from schemalens.read.parse import Statement, table_name
from schemalens.read.replay.state import (
    ReplayWarning,
    _fk_name,
    _fk_tables,
    _index_name,
    _on_table,
    _Policies,
    _schema_of,
    _Store,
    _TableState,
    make_object_name,
)


class ReplayerBase:
    """State and names every kind of statement uses; the handlers live in the other modules."""

    def __init__(self) -> None:
        self.tables: dict[str, _TableState] = {}
        self._taken: Counter = Counter()  # (schema, name) of constraints and indexes
        self.fks = _Store(_fk_tables, _fk_name, self._taken)
        self.policies = _Policies()
        self.indexes = _Store(_on_table, _index_name, self._taken)
        self.enums: dict[str, EnumType] = {}
        self.functions: dict[tuple[str, str], Function] = {}
        self.triggers = _Store(_on_table)
        self.views: dict[str, View] = {}
        self.checks: dict[tuple[str, str], frozenset[str]] = {}  # CHECK constraints: (table, name) -> columns
        self.partition_indexes: dict[str, dict[str, str]] = {}  # partition -> {parent index: its part's name}
        self.view_uses: dict[str, set[tuple[str, str]]] = {}  # view -> (table, column) its query uses
        self.search_path: tuple[str, ...] = ("public",)
        self.collations: dict[tuple[str, str], str] = {}  # (table, column) -> its COLLATE, when one is given
        self.warnings: list[Unparsed] = []
        self.unparsed: list[Unparsed] = []
        self.not_analysed: list[Unparsed] = []
        self.coverage: Counter = Counter()

    @property
    def default_schema(self) -> str:
        return next((s for s in self.search_path if s not in ("$user", "pg_catalog")), "public")

    def qname(self, node: exp.Table | exp.Schema, *, existing: bool = True) -> str:
        """``schema.table``: an unqualified name resolves through the search_path as PostgreSQL does."""
        schema, name = table_name(node)
        if schema:
            return f"{schema}.{name}"
        if existing:
            for s in self.search_path:
                if f"{s}.{name}" in self.tables or f"{s}.{name}" in self.views:
                    return f"{s}.{name}"
        return f"{self.default_schema}.{name}"

    def plain_qname(self, name: str) -> str:
        return name if "." in name else f"{self.default_schema}.{name}"

    def table(self, name: str, missing_ok: bool = False) -> _TableState | None:
        state = self.tables.get(name)
        if state is None and not missing_ok:
            raise ReplayWarning(f"table {name} does not exist")
        return state

    def claim(self, table: str, name: str | None) -> None:
        """A key or unique constraint takes ``name`` in its schema (FKs and indexes count themselves)."""
        if name:
            self._taken[(_schema_of(table), name)] += 1

    def release(self, table: str, name: str | None) -> None:
        if name:
            self._taken[(_schema_of(table), name)] -= 1

    def choose_name(self, table: str, columns: Iterable[str], label: str) -> str:
        """PostgreSQL's ChooseConstraintName: a default name, numbered when taken in the schema."""
        schema, rel = table.split(".", 1)
        cols = "_".join(columns)
        name, n = make_object_name(rel, cols, label), 0
        while self._taken[(schema, name)] > 0:
            n += 1
            name = make_object_name(rel, cols, f"{label}{n}")
        return name

    def src(self, st: Statement, node: exp.Expression | None = None) -> Source:
        """The file:line of ``node`` inside the statement (its first identifier), else the statement's."""
        if node is not None:
            first = node if isinstance(node, exp.Identifier) else node.find(exp.Identifier)
            line = first.meta.get("line") if first is not None else None
            if line:
                return Source(st.source.file, st.line_offset + line)
        return st.source

    def columns_of(self, table: str) -> set[str]:
        state = self.tables.get(table)
        return set(state.columns) if state is not None else set()

    def _set_search_path(self, node: tuple[str, ...], st: Statement) -> None:
        self.search_path = tuple(node) or ("public",)

    def freeze(self, headers, extra_warnings: Iterable[Unparsed]) -> Schema:
        return build_schema(
            tables=[t.freeze() for t in self.tables.values()],
            foreign_keys=self.fks.values(), policies=self.policies.values(), indexes=self.indexes.values(),
            enums=self.enums.values(), functions=self.functions.values(), triggers=self.triggers.values(),
            views=self.views.values(), unparsed=self.unparsed, not_analysed=self.not_analysed,
            warnings=list(extra_warnings) + self.warnings, headers=headers,
            coverage=sorted(self.coverage.items()),
        )


HANDLERS = {"set search_path": ReplayerBase._set_search_path}
