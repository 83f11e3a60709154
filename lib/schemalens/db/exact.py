"""Exact mode: what only PostgreSQL could see (DDL run inside ``DO`` blocks), read back from the catalog.

The static model leaves a ``DO`` block "not analysed": its DDL runs conditionally. Where a database is
built anyway, :func:`exact_schema` applies the files statement by statement on a throwaway database,
reads the catalog before and after each not-analysed statement, and joins what that statement changed
to the static model, attributed to the statement (its file:line) and listed in
``Schema.from_database`` as ``(kind, name)``. Nothing is guessed: without a build such objects stay
"not analysed" with the reason.

There is one apply path, the build's (:func:`schemalens.db.build.build`: platform, runner conventions,
savepoints): :class:`Watcher` is its ``observe`` hook and gives, for each not-analysed statement, the
differences it made and the catalog after it; :func:`join` adds them to a Schema. Wherever a build
happens anyway (``verify --built``, ``decisions --rehearse``) the same hook joins them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import psycopg

from schemalens.core.model import Schema, Source, Unparsed, build_schema
from schemalens.db import live, postgres
from schemalens.read.diff import CHANGED, REMOVED, Difference, diff_schemas, normalise_arguments

FROM_DATABASE = "from the database"


@dataclass(frozen=True)
class ReadBack:
    """What one not-analysed statement changed in the catalog, and the catalog after it."""

    statement: Unparsed
    differences: tuple[Difference, ...]
    after: Schema


class Watcher:
    """The ``observe`` hook of :func:`schemalens.db.build.build`: reads the catalog before and after each
    not-analysed statement (``watched``: its file and line) and keeps what it changed. One apply path:
    the build's own, statement by statement, as the runner applies the files."""

    def __init__(self, watched: dict[tuple[str, int], Unparsed]):
        self.watched = watched
        self.read_backs: list[ReadBack] = []
        self._base: live.Baseline | None = None
        self._before: Schema | None = None

    def __call__(self, conn: psycopg.Connection, file: str, piece, applied: bool | None) -> None:
        if self._base is None:  # before the first statement: what the files did not make
            self._base = _keeping_search_path(conn, live.baseline, conn)
        statement = self.watched.get((file, piece.line))
        if statement is None:
            if applied:
                self._before = None  # the catalog moved on
            return
        if applied is None:
            if self._before is None:
                self._before = _keeping_search_path(conn, live.introspect, conn, self._base)
            return
        if not applied or self._before is None:
            return
        after = _keeping_search_path(conn, live.introspect, conn, self._base)
        differences = tuple(diff_schemas(self._before, after, labels=("before", "after")))
        if differences:
            self.read_backs.append(ReadBack(statement, differences, after))
        self._before = after


def _keeping_search_path(conn: psycopg.Connection, read, *args):
    """``read(*args)`` inside the build's open transaction, whose search_path (the runner's, the files' own
    ``SET``) the catalog reading would otherwise leave at ``pg_catalog`` until the transaction ends."""
    if conn.info.transaction_status != psycopg.pq.TransactionStatus.INTRANS:
        return read(*args)
    path = conn.execute("SELECT pg_catalog.current_setting('search_path')").fetchone()[0]
    try:
        return read(*args)
    finally:
        conn.execute("SELECT pg_catalog.set_config('search_path', %s, true)", (path,))


def watched(static: Schema) -> dict[tuple[str, int], Unparsed]:
    """The statements exact mode reads back: the static model's not-analysed ones, by file and line."""
    return {(u.source.file, u.source.line): u for u in static.not_analysed}


def join(schema: Schema, read_backs: list[ReadBack]) -> Schema:
    """``schema`` with what each read-back statement created, changed or dropped, attributed to it."""
    parts = {name: {_key(name, o): o for o in getattr(schema, name)} for name in _COLLECTIONS}
    marked = list(schema.from_database)
    for rb in read_backs:
        source = rb.statement.source
        for d in rb.differences:
            name = _COLLECTION[d.kind]
            if name == "tables" and d.kind != "table":
                _join_table_part(parts["tables"], d, rb.after, source)
            else:
                ours = {k: o for k, o in parts[name].items() if _matches(d, o)}
                found = next((o for o in getattr(rb.after, name) if _matches(d, o)), None)
                for k in ours:
                    del parts[name][k]
                if d.change == REMOVED or found is None:
                    continue
                if d.kind == "table" and d.change == CHANGED and ours:  # RLS flags, partition: the rest is ours
                    found = replace(next(iter(ours.values())), rls_enabled=found.rls_enabled,
                                    rls_forced=found.rls_forced, partition_of=found.partition_of)
                else:
                    found = replace(found, source=source)
                parts[name][_key(name, found)] = found
            marked.append((d.kind, ".".join(d.key)))
    read = {str(rb.statement.source) for rb in read_backs}
    not_analysed = tuple(replace(u, reason=f"{u.reason}; read back {FROM_DATABASE} after running it")
                         if str(u.source) in read else u for u in schema.not_analysed)
    return replace(build_schema(**{n: list(v.values()) for n, v in parts.items()}), unparsed=schema.unparsed,
                   not_analysed=not_analysed, warnings=schema.warnings, headers=schema.headers,
                   coverage=schema.coverage, from_database=tuple(dict.fromkeys(marked)))


def _join_table_part(tables: dict, d: Difference, after: Schema, source: Source) -> None:
    """A column, primary key or unique constraint a statement changed on a table both sides have."""
    table = ".".join(d.key[:2])
    ours, theirs = tables.get((table,)), _first(after.tables, table)
    if ours is None or theirs is None:
        return
    if d.kind == "column":
        columns = {c.name: c for c in ours.columns}
        if d.change == REMOVED:
            columns.pop(d.key[2], None)
        else:
            columns[d.key[2]] = replace(theirs.column(d.key[2]), source=source)
        tables[(table,)] = replace(ours, columns=tuple(columns.values()))
    elif d.kind == "primary key":
        tables[(table,)] = replace(ours, primary_key=theirs.primary_key, primary_key_name=theirs.primary_key_name)
    else:
        tables[(table,)] = replace(ours, uniques=tuple(replace(u, source=source) if u.name == d.key[2] else u
                                                       for u in theirs.uniques))


def _first(tables, name: str):
    return next((t for t in tables if t.name == name), None)


def exact_schema(folder: str | Path, server: postgres.Server, static: Schema | None = None, *,
                 platform: str | None = None, runner: str | None = None) -> Schema:
    """The static model of ``folder`` with what its not-analysed statements did, read back from a
    throwaway database of ``server`` built as the folder's runner applies it
    (:func:`schemalens.db.build.throwaway`; what PostgreSQL refused is the build's report, not the model's)."""
    from schemalens.db.build import throwaway
    from schemalens.read.project import load_project, load_schema

    static = static if static is not None else load_schema(folder)
    files = load_project(folder).files
    watcher = Watcher(watched(static))
    with throwaway(server, files, folder, platform=platform, runner=runner, observe=watcher):
        pass
    return join(static, watcher.read_backs)


_COLLECTIONS = ("tables", "foreign_keys", "policies", "indexes", "enums", "functions", "triggers", "views")
_COLLECTION = {"table": "tables", "foreign key": "foreign_keys", "policy": "policies", "index": "indexes",
               "enum": "enums", "function": "functions", "trigger": "triggers", "view": "views",
               "column": "tables", "primary key": "tables", "unique": "tables"}


def _key(collection: str, o) -> tuple[str, ...]:
    if collection in ("foreign_keys", "policies", "triggers"):
        return (o.table, o.name)
    if collection == "indexes":
        return (o.table.split(".", 1)[0], o.name)
    if collection == "functions":
        return (o.name, o.arguments)
    return (o.name,)


def _matches(d: Difference, o) -> bool:
    """Whether the object ``o`` is the one the difference ``d`` is about."""
    if d.kind in ("foreign key", "policy", "trigger"):
        return (o.table, o.name) == (".".join(d.key[:2]), d.key[2])
    if d.kind == "index":
        return (o.table.split(".", 1)[0], o.name) == d.key
    if d.kind == "function":
        return o.name == ".".join(d.key[:2]) and normalise_arguments(o.arguments) == d.key[2]
    return o.name == ".".join(d.key[:2])


__all__ = ["FROM_DATABASE", "ReadBack", "Watcher", "exact_schema", "join", "watched"]
