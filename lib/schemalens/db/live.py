"""A PostgreSQL catalog -> the same frozen :class:`~schemalens.core.model.Schema` the migration files give.

The catalog queries live in ``sql/introspect_*.sql`` and are loaded once; values go in as bind
parameters, never into the SQL text. :func:`introspect` reads tables (and the parent of a
partition), columns (type as ``format_type`` prints it, default as ``pg_get_expr`` does), primary
key and unique constraints, indexes made by ``CREATE INDEX``, foreign keys, RLS flags, policies,
enums, functions, triggers and views, all in one read-only transaction.

Only what the migrations created counts: the system schemas, objects an extension owns, and the
objects of a :func:`baseline` (a snapshot taken right after the Supabase stand-ins were installed)
are left out. Copies PostgreSQL makes on partitions (foreign keys, unique constraints, indexes,
triggers) are left out too; a partition's own primary key is kept, as replay models it.

It refuses to write: every transaction it opens is ``READ ONLY``, sessions that
:func:`connect_readonly` opens default to read-only with statement and lock timeouts, and
connection strings are printed only through :func:`mask_dsn`.

>>> mask_dsn("host=db user=app password='s e c' dbname=prod")
'host=db user=app password=*** dbname=prod'
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from typing import Any, Iterable, Iterator

import psycopg
from psycopg.rows import dict_row

from schemalens.core.errors import DatabaseError
from schemalens.core.model import (
    Column,
    EnumType,
    ForeignKey,
    Function,
    Index,
    Policy,
    Schema,
    Source,
    Table,
    Trigger,
    UniqueConstraint,
    View,
    build_schema,
)
from schemalens.db.postgres import apply_files, check_uri, mask_dsn

_QUERY_NAMES = ("baseline", "tables", "columns", "constraints", "indexes", "policies", "enums", "functions",
                "triggers", "views")


def _load_queries() -> dict[str, str]:
    folder = resources.files("schemalens") / "sql"
    return {name: (folder / f"introspect_{name}.sql").read_text(encoding="utf-8") for name in _QUERY_NAMES}


QUERIES: dict[str, str] = _load_queries()

FK_ACTIONS = {"a": "NO ACTION", "r": "RESTRICT", "c": "CASCADE", "n": "SET NULL", "d": "SET DEFAULT"}
POLICY_COMMANDS = {"*": "ALL", "r": "SELECT", "a": "INSERT", "w": "UPDATE", "d": "DELETE"}
CATALOG = Source("catalog", 0)


# Connections -----------------------------------------------------------------------------


CATALOG_SEARCH_PATH = "pg_catalog, pg_temp"


def readonly_options(statement_timeout_ms: int = 30_000, lock_timeout_ms: int = 5_000) -> str:
    """The libpq ``options`` that make a session read-only with statement and lock timeouts, and with
    only ``pg_catalog`` on the search_path: a function or operator someone planted in ``public`` (say
    ``public.unnest(smallint[])``, a better match than ``pg_catalog.unnest(anyarray)``) is never called.

    >>> readonly_options(1000, 200)
    '-c default_transaction_read_only=on -c statement_timeout=1000 -c lock_timeout=200 -c search_path=pg_catalog,pg_temp'
    """
    return (f"-c default_transaction_read_only=on -c statement_timeout={int(statement_timeout_ms)}"
            f" -c lock_timeout={int(lock_timeout_ms)} -c search_path={CATALOG_SEARCH_PATH.replace(' ', '')}")


def connect_readonly(dsn: str, statement_timeout_ms: int = 30_000, lock_timeout_ms: int = 5_000,
                     **kwargs: Any) -> psycopg.Connection:
    """A session whose transactions are read-only by default, with timeouts; errors never show a password."""
    check_uri(dsn)
    try:
        params = psycopg.conninfo.conninfo_to_dict(dsn, **kwargs)
    except psycopg.Error:  # its message may quote the DSN, password included
        raise DatabaseError(f"not a valid connection string: {mask_dsn(dsn)}") from None
    ours = readonly_options(statement_timeout_ms, lock_timeout_ms)
    params["options"] = f"{params['options']} {ours}" if params.get("options") else ours
    params.setdefault("application_name", "schemalens")
    try:
        return psycopg.connect(psycopg.conninfo.make_conninfo(**params))
    except psycopg.Error as e:
        message = str(e).replace(dsn, mask_dsn(dsn)).strip().splitlines()[0] if str(e) else type(e).__name__
        raise DatabaseError(f"cannot connect to {mask_dsn(dsn)}: {mask_dsn(message)}") from None


# Baseline --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Baseline:
    """Object identities (catalog name -> oids) that existed before the migrations ran."""

    oids: tuple[tuple[str, frozenset[int]], ...] = ()

    def excluded(self, catalog: str) -> list[int]:
        return sorted(dict(self.oids).get(catalog, frozenset()))

    def __len__(self) -> int:
        return sum(len(o) for _, o in self.oids)


def baseline(conn: psycopg.Connection) -> Baseline:
    """A snapshot of every user object's identity now (call it right after the stand-ins are installed)."""
    found: dict[str, set[int]] = {}
    for row in _query(conn, "baseline", {}):
        found.setdefault(row["catalog"], set()).add(int(row["oid"]))
    return Baseline(tuple(sorted((k, frozenset(v)) for k, v in found.items())))


def schema_after(conn: psycopg.Connection, files: Iterable[Any], root: Any = None) -> Schema:
    """Apply migration files to the (fresh, stand-ins installed) database of ``conn`` and introspect
    what they created: a baseline first, then :func:`~schemalens.db.postgres.apply_files`, then
    :func:`introspect` without the baseline. Raises :class:`~schemalens.core.errors.ApplyError`."""
    before = baseline(conn)
    apply_files(conn, files, root)
    return introspect(conn, before)


# Introspection ---------------------------------------------------------------------------


def _query(conn: psycopg.Connection, name: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    with readonly_transaction(conn, CATALOG_SEARCH_PATH):
        return _fetch(conn, name, params)


@contextmanager
def readonly_transaction(conn: psycopg.Connection, search_path: str = "public") -> Iterator[None]:
    """A transaction that is ``READ ONLY`` when it is the session's own (inside a caller's open
    transaction it is a savepoint, which cannot change that), with ``search_path`` for its duration:
    ``public`` (the default) for stable names in queries on the user's tables, :data:`CATALOG_SEARCH_PATH`
    for catalog queries, so that nothing planted in ``public`` takes part in resolving their calls."""
    outermost = conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
    with conn.transaction():
        if outermost:
            conn.execute("SET TRANSACTION READ ONLY")
        conn.execute("SELECT pg_catalog.set_config('search_path', %s, true)", (search_path,))
        yield


def introspect(conn: psycopg.Connection, baseline: Baseline | None = None) -> Schema:
    """The Schema a PostgreSQL database holds, without the objects of ``baseline``; read-only."""
    base = baseline or Baseline()
    with readonly_transaction(conn, CATALOG_SEARCH_PATH):
        rows = {name: _rows(conn, name, base) for name in ("tables", "enums", "functions", "triggers", "views",
                                                              "policies")}
        tables = [r["oid"] for r in rows["tables"]]
        views = [r["oid"] for r in rows["views"]]
        rows["columns"] = _fetch(conn, "columns", {"tables": tables + views})
        rows["constraints"] = _fetch(conn, "constraints", {"tables": tables, "excluded": base.excluded("pg_constraint")})
        rows["indexes"] = _fetch(conn, "indexes", {"tables": tables + views, "excluded": base.excluded("pg_class")})
    return _assemble(rows)


_EXCLUDED_CATALOG = {"tables": "pg_class", "views": "pg_class", "policies": "pg_policy", "enums": "pg_type",
                     "functions": "pg_proc", "triggers": "pg_trigger"}


def _rows(conn: psycopg.Connection, name: str, base: Baseline) -> list[dict[str, Any]]:
    return _fetch(conn, name, {"excluded": base.excluded(_EXCLUDED_CATALOG[name])})


def _fetch(conn: psycopg.Connection, name: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    with conn.cursor(row_factory=dict_row) as cur:
        cur.execute(QUERIES[name], params)
        return cur.fetchall()


# Rows -> Schema --------------------------------------------------------------------------


def _qualified(schema: str, name: str) -> str:
    return f"{schema}.{name}"


def _assemble(rows: dict[str, list[dict[str, Any]]]) -> Schema:
    names = {r["oid"]: _qualified(r["schema"], r["name"]) for r in rows["tables"] + rows["views"]}
    columns: dict[int, list[Column]] = {}
    for r in rows["columns"]:
        columns.setdefault(r["table_oid"], []).append(Column(r["name"], r["type"], r["nullable"], r["default"], CATALOG))
    keys: dict[int, dict[str, Any]] = {}
    uniques: dict[int, list[UniqueConstraint]] = {}
    fks = []
    for r in rows["constraints"]:
        if r["kind"] == "p":
            keys[r["table_oid"]] = r
        elif r["inherited"]:
            continue  # the copy of a parent's constraint on a partition
        elif r["kind"] == "u":
            uniques.setdefault(r["table_oid"], []).append(UniqueConstraint(r["name"], tuple(r["columns"]), CATALOG))
        else:
            fks.append(_foreign_key(r, names[r["table_oid"]]))
    tables = [_table(r, names, columns.get(r["oid"], []), keys.get(r["oid"]), uniques.get(r["oid"], []))
              for r in rows["tables"]]
    return build_schema(
        tables=tables, foreign_keys=fks,
        policies=[_policy(r) for r in rows["policies"]],
        indexes=[Index(r["name"], names[r["table_oid"]], tuple(r["columns"]), r["is_unique"], CATALOG)
                 for r in rows["indexes"]],
        enums=[EnumType(_qualified(r["schema"], r["name"]), tuple(r["values"]), CATALOG) for r in rows["enums"]],
        functions=[Function(_qualified(r["schema"], r["name"]), r["arguments"], r["returns"], r["language"],
                            r["security_definer"], source=CATALOG) for r in rows["functions"]],
        triggers=[_trigger(r) for r in rows["triggers"]],
        views=[View(names[r["oid"]], CATALOG, tuple(columns.get(r["oid"], [])), tuple(r["reads"]),
                    r["security_invoker"], r["materialized"]) for r in rows["views"]],
    )


def _table(r: dict[str, Any], names: dict[int, str], columns: Iterable[Column], key: dict[str, Any] | None,
           uniques: Iterable[UniqueConstraint]) -> Table:
    parent = _qualified(r["parent_schema"], r["parent_name"]) if r["parent_name"] else None
    return Table(names[r["oid"]], tuple(columns), tuple(key["columns"]) if key else (), key["name"] if key else None,
                 tuple(sorted(uniques, key=lambda u: u.name)), r["rls_enabled"], r["rls_forced"], parent, CATALOG)


def _foreign_key(r: dict[str, Any], table: str) -> ForeignKey:
    return ForeignKey(r["name"], table, tuple(r["columns"]), _qualified(r["ref_schema"], r["ref_name"]),
                      tuple(r["ref_columns"]), FK_ACTIONS[r["on_delete"]], FK_ACTIONS[r["on_update"]],
                      r["validated"], CATALOG)


def _policy(r: dict[str, Any]) -> Policy:
    return Policy(r["name"], _qualified(r["schema"], r["table_name"]), POLICY_COMMANDS[r["command"]],
                  r["permissive"], tuple(r["roles"]) or ("public",), r["using"], r["with_check"], CATALOG)


# pg_trigger.tgtype bits (src/include/catalog/pg_trigger.h)
_TRIGGER_BEFORE, _TRIGGER_INSTEAD = 1 << 1, 1 << 6
_TRIGGER_EVENTS = ((1 << 2, "INSERT"), (1 << 3, "DELETE"), (1 << 4, "UPDATE"), (1 << 5, "TRUNCATE"))


def _trigger(r: dict[str, Any]) -> Trigger:
    bits = r["type_bits"]
    timing = "BEFORE" if bits & _TRIGGER_BEFORE else "INSTEAD OF" if bits & _TRIGGER_INSTEAD else "AFTER"
    events = tuple(word for bit, word in _TRIGGER_EVENTS if bits & bit)
    return Trigger(r["name"], _qualified(r["schema"], r["table_name"]),
                   _qualified(r["function_schema"], r["function_name"]), timing, events, CATALOG)


__all__ = ["CATALOG_SEARCH_PATH", "Baseline", "QUERIES", "baseline", "connect_readonly", "introspect", "mask_dsn", "readonly_options",
           "readonly_transaction", "schema_after"]
