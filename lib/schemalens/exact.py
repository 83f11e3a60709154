"""Exact mode: what only PostgreSQL could see (DDL run inside ``DO`` blocks), read back from the catalog.

The static model leaves a ``DO`` block "not analysed": its DDL runs conditionally. Where a database is
built anyway, :func:`exact_schema` applies the files statement by statement on a throwaway database,
reads the catalog before and after each not-analysed statement, and joins what that statement changed
to the static model, attributed to the statement (its file:line) and listed in
``Schema.from_database`` as ``(kind, name)``. Nothing is guessed: without a build such objects stay
"not analysed" with the reason.

The interface is narrow on purpose (a per-statement build with its outcomes is the build's own
business): :func:`read_back` gives, for each not-analysed statement, the differences it made and the
catalog after it; :func:`join` adds them to a Schema.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import psycopg

from schemalens import live, postgres
from schemalens.diff import CHANGED, REMOVED, Difference, diff_schemas, normalise_arguments
from schemalens.errors import ApplyError
from schemalens.migrations import discover
from schemalens.model import Schema, Source, Unparsed, build_schema
from schemalens.parse import NOT_ANALYSED, split_and_parse

FROM_DATABASE = "from the database"
_TRANSACTION = ("transaction", "commit", "rollback")  # each statement runs in its own transaction here


@dataclass(frozen=True)
class ReadBack:
    """What one not-analysed statement changed in the catalog, and the catalog after it."""

    statement: Unparsed
    differences: tuple[Difference, ...]
    after: Schema


def read_back(folder: str | Path, conn: psycopg.Connection) -> tuple[list[ReadBack], list[Unparsed]]:
    """Apply the files of ``folder`` statement by statement to the (fresh, stand-ins installed) database
    of ``conn``; the read-backs of the not-analysed statements that changed something, and the statements
    PostgreSQL refused (each with its error; the build goes on without them)."""
    files, _ = discover(folder)
    base = live.baseline(conn)
    out: list[ReadBack] = []
    refused: list[Unparsed] = []
    before: Schema | None = None
    for f in files:
        for st in split_and_parse(f.text, f.name):
            if st.kind in _TRANSACTION:
                continue
            watched = st.status == NOT_ANALYSED
            if watched and before is None:
                before = live.introspect(conn, base)
            try:
                postgres.apply_sql(conn, st.text, f.name)
            except ApplyError as e:
                refused.append(Unparsed(st.source, st.text, f"PostgreSQL refused it: {e}"))
                continue
            if not watched:
                before = None  # the catalog moved on
                continue
            after = live.introspect(conn, base)
            differences = tuple(diff_schemas(before, after, labels=("before", "after")))
            if differences:
                out.append(ReadBack(Unparsed(st.source, st.text, st.reason), differences, after))
            before = after
    return out, refused


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


def exact_schema(folder: str | Path, server: postgres.Server, static: Schema | None = None) -> Schema:
    """The static model of ``folder`` with what its not-analysed statements did, read back from a
    throwaway database of ``server``; statements PostgreSQL refused become warnings."""
    from schemalens import load_schema

    static = static if static is not None else load_schema(folder)
    with server.database() as conn:
        read_backs, refused = read_back(folder, conn)
    joined = join(static, read_backs)
    return replace(joined, warnings=joined.warnings + tuple(refused))


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


__all__ = ["FROM_DATABASE", "ReadBack", "exact_schema", "join", "read_back"]
