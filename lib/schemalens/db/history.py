"""Applied migrations: the history table a database keeps (Supabase, golang-migrate/Rails, Flyway,
diesel), read through a read-only session, against the migration files; ``migration-not-applied`` and
``migration-unknown`` findings. Versions compare as tuples of numbers (``'3.1'`` is ``(3, 1)``).

>>> version_key("20240101120000"), version_key("001"), version_key("3.1"), version_key("1.0")
((20240101120000,), (1,), (3, 1), (1,))
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import psycopg
from psycopg import sql

from schemalens.assess.findings import Evidence, Finding, Sources
from schemalens.core.errors import InputError
from schemalens.core.model import Source
from schemalens.db import live
from schemalens.read.migrations import MigrationFile


def version_key(text: str) -> tuple[int, ...] | None:
    """A history version as a tuple of numbers (split on ``.``, ``_``, ``-``; trailing ``.0`` dropped)."""
    parts = re.split(r"[._-]", text.strip())
    if not all(p.isdigit() for p in parts):
        return None
    key = tuple(int(p) for p in parts)
    while len(key) > 1 and key[-1] == 0:
        key = key[:-1]
    return key

HISTORY_TABLES = (
    "supabase_migrations.schema_migrations",
    "schema_migrations",
    "flyway_schema_history",
    "__diesel_schema_migrations",
)


def _version_text(f: MigrationFile) -> str:
    """A file's version as its name writes it (``031``, ``3_1``, ``2020-01-01-000000``)."""
    for name in (f.path.name, f.path.parent.name):
        m = re.match(r"[Vv]?(\d+(?:[-_]\d+)*)", name)
        if m:
            return m.group(1)
    return ".".join(map(str, f.version or ()))


def _file_keys(f: MigrationFile) -> tuple[tuple[int, ...], int] | None:
    """A file's version as a tuple (trailing zeros dropped) and as one number of all its digits."""
    if f.version is None:
        return None
    return version_key(".".join(map(str, f.version))) or f.version, int(
        re.sub(r"\D", "", _version_text(f)) or 0
    )


@dataclass(frozen=True)
class HistoryRow:
    version: str
    name: str = ""
    status: str = "applied"  # applied | failed | baseline | latest (golang-migrate: every file up to it)


@dataclass(frozen=True)
class History:
    """The rows of a migration history table (``table`` qualified), in the table's order."""

    table: str
    rows: tuple[HistoryRow, ...] = ()
    dirty: bool = False
    error: str = ""  # why the rows could not be read (e.g. no SELECT privilege): then nothing is compared


def find_history_table(conn: psycopg.Connection, name: str | None = None) -> tuple[str, str] | None:
    """``(schema, table)`` of ``name`` or of the first known history table that exists; read-only."""
    for candidate in (name,) if name else HISTORY_TABLES:
        with live.readonly_transaction(conn, live.CATALOG_SEARCH_PATH):
            row = conn.execute(
                "SELECT n.nspname, c.relname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n"
                " ON n.oid = c.relnamespace WHERE c.oid = pg_catalog.to_regclass(%(name)s)"
                " AND c.relkind IN ('r', 'p')",  # not a view: reading one runs whatever it calls
                {"name": candidate if "." in candidate else f"public.{candidate}"},
            ).fetchone()
        if row:
            return row[0], row[1]
    if name:
        raise InputError(f"history table {name!r} does not exist in the database (or is not a table)")
    return None


FIRST_USER_OID = 16384  # PostgreSQL's FirstNormalObjectId: below it, the built-in types


def read_history(conn: psycopg.Connection, table: tuple[str, str]) -> History:
    """Every version the history table records, with its status; read-only. Only columns of built-in
    types are read (cast to text, ordered): a column of a user-defined type is left out, as its casts
    and operators may be anyone's code; a ``version`` of such a type leaves the history unread (``error``)."""
    with live.readonly_transaction(conn, live.CATALOG_SEARCH_PATH):
        types = dict(
            conn.execute(
                "SELECT attname, atttypid FROM pg_catalog.pg_attribute"
                " WHERE attrelid = %(oid)s::regclass AND attnum > 0 AND NOT attisdropped",
                {"oid": sql.Identifier(*table).as_string(conn)},
            ).fetchall()
        )
        columns = {name for name, type_oid in types.items() if type_oid < FIRST_USER_OID}
        if "version" not in types:
            raise InputError(f"{'.'.join(table)} has no column 'version': not a migration history table")
        if "version" not in columns:  # a cast or ordering of a type someone made could run their code
            return History(".".join(table), error="its column 'version' has a user-defined type: not read")

        def col(*names: str) -> sql.Composable:
            found = next((n for n in names if n in columns), None)
            return sql.SQL("{}::text").format(sql.Identifier(found)) if found else sql.SQL("NULL")

        query = sql.SQL("SELECT version::text, {}, {}, {}, {} FROM {} ORDER BY {}").format(
            col("name", "description"),
            col("success"),
            col("type"),
            col("dirty"),
            sql.Identifier(*table),
            sql.Identifier("installed_rank") if "installed_rank" in columns else sql.SQL("1"),
        )
        raw = conn.execute(query).fetchall()
    rows, dirty = [], False
    for version, name, success, kind, is_dirty in raw:
        if version is None or kind in ("SCHEMA", "DELETE"):
            continue  # Flyway: repeatable migrations, schema creation, deleted entries
        status = "baseline" if kind == "BASELINE" else "failed" if success == "false" else "applied"
        if is_dirty is not None:  # golang-migrate keeps one row: the latest version
            status, dirty = "latest", dirty or is_dirty == "true"
        rows.append(HistoryRow(version.strip(), name or "", status))
    return History(".".join(table), tuple(rows), dirty)


def migration_findings(files: Sequence[MigrationFile], history: History, sources: Sources) -> list[Finding]:
    """``migration-not-applied`` for each file the history does not record as applied, and
    ``migration-unknown`` for each recorded version no file has."""
    keyed = [(f, _file_keys(f)) for f in files]
    applied: set[str] = set()
    out = []
    for row in history.rows:
        key = version_key(row.version)
        digits = int(re.sub(r"\D", "", row.version)) if re.search(r"\d", row.version) else -1
        if row.status in ("latest", "baseline") and key is not None:
            applied |= {f.name for f, k in keyed if k and k[0] <= key}
        matched = [f for f, k in keyed if k and (k[0] == key or k[1] == digits)]
        if row.status == "applied":
            applied |= {f.name for f in matched}
        if matched or row.status == "baseline":
            continue
        ev = Evidence(
            history.table,
            0,
            f"version = {row.version!r}" + (f", name = {row.name!r}" if row.name else ""),
            "a row of the migration history",
            "database",
        )
        out.append(
            Finding(
                code="migration-unknown",
                severity="warning",
                title=f"The database recorded migration `{row.version}`{f' ({row.name})' if row.name else ''}, "
                "which no file has",
                assumed="every applied migration is in the folder",
                actual=f"`{history.table}` holds version `{row.version}`",
                evidence=(ev,),
                impact="The database holds changes the folder cannot rebuild: a fresh database built from the files "
                "differs from this one, and drift findings may come from this migration.",
                decision="migration-history",
                options=(
                    "Option A: Find the file (another branch or repository) and add it to the folder",
                    "Option B: If it was reverted, remove its row after checking its objects are gone",
                ),
                subject=f"version {row.version}",
                data={"version": row.version, "name": row.name, "table": history.table},
            )
        )
    failed = {
        f.name
        for row in history.rows
        if row.status == "failed"
        for f, k in keyed
        if k and k[0] == version_key(row.version)
    }
    for f, k in keyed:
        if k is None or f.name in applied:
            continue
        reason = "recorded as failed" if f.name in failed else "not recorded"
        out.append(
            Finding(
                code="migration-not-applied",
                severity="warning",
                title=f"`{f.name}` was never applied to the database ({reason})",
                assumed="every file in the folder is applied",
                actual=f"`{history.table}` has no successful row for version `{_version_text(f)}`",
                evidence=(sources.evidence(Source(f.name, 1), "the migration file", whole=False),),
                impact="What this file builds is missing unless it was made by hand (see the drift findings); "
                "applying it later may fail on objects that already exist.",
                decision="migration-history",
                options=(
                    f"Option A: Apply `{f.name}`",
                    "Option B: If its changes were made another way, record its version in the history table",
                ),
                subject=f.name,
                data={"file": f.name, "version": list(f.version or ()), "reason": reason, "table": history.table},
            )
        )
    return out




def record_history(conn: psycopg.Connection, files: Sequence[MigrationFile]) -> None:
    """Record ``files`` in ``supabase_migrations.schema_migrations`` as ``supabase db push`` does.
    Only for a throwaway database schemalens created (:func:`verify_built`)."""
    conn.execute("CREATE SCHEMA IF NOT EXISTS supabase_migrations")
    conn.execute(
        "CREATE TABLE IF NOT EXISTS supabase_migrations.schema_migrations "
        "(version text PRIMARY KEY, statements text[], name text)"
    )
    for f in files:
        if f.version is not None:
            conn.execute(
                "INSERT INTO supabase_migrations.schema_migrations (version, name) VALUES (%s, %s) "
                "ON CONFLICT DO NOTHING",
                (re.sub(r"\D", "", _version_text(f)), f.name),
            )
