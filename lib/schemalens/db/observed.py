"""What a rehearsal observes beyond the catalog model: the tables whose rows a script wrote, row counts, and who
may execute each function (:class:`schemalens.decide.stated.Observed` holds them for the option's statements).

Which existing tables a script wrote rows of: inserted, updated or deleted, whatever the values.

The rehearsal compares rows by checksum over the columns they had before up (:mod:`schemalens.db.rehearse`),
so a backfill of a new column leaves every checksum as it was although it wrote every row. Here each row
version's ``xmin`` (the transaction that wrote it) is counted per table before the scripts: a row the
scripts insert or update has a newer ``xmin``, a row they delete takes its ``xmin`` away, so any write
changes the counts (a table rewrite by ``ALTER TABLE`` counts too: it writes every row anew).
"""

from __future__ import annotations

from collections import Counter

import psycopg

from schemalens.decide.sqlgen import ident, table

Versions = dict[int, Counter]


def versions(conn: psycopg.Connection, oids) -> Versions:
    """``{table oid: Counter(xmin)}`` for the tables of ``oids`` that exist (read as the rehearsal's owner)."""
    out: Versions = {}
    for oid in oids:
        found = conn.execute("SELECT n.nspname, c.relname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n "
                             "ON n.oid = c.relnamespace WHERE c.oid = %s", (oid,)).fetchone()
        if found is None:
            continue
        rel = f"{ident(found[0])}.{ident(found[1])}"
        out[oid] = Counter(dict(conn.execute(f"SELECT xmin::text, count(*) FROM {rel} GROUP BY 1").fetchall()))
    return out


def written(conn: psycopg.Connection, before: Versions) -> list[str]:
    """The tables of ``before`` (as ``regclass`` text) whose rows were written since (a table dropped since counts)."""
    now = versions(conn, before)
    return [conn.execute("SELECT %s::oid::regclass::text", (oid,)).fetchone()[0] if oid in now else f"oid {oid}"
            for oid in sorted(before) if now.get(oid) != before[oid]]


def counts(conn: psycopg.Connection, tables) -> tuple[tuple[str, int], ...]:
    """``(table, rows)`` for each of ``tables`` (``schema.table`` names) that exists."""
    out = []
    for name in tables:
        if conn.execute("SELECT pg_catalog.to_regclass(%s)", (table(name),)).fetchone()[0] is not None:
            out.append((name, conn.execute(f"SELECT count(*) FROM {table(name)}").fetchone()[0]))
    return tuple(out)


_EXECUTE = """
SELECT n.nspname || '.' || p.proname, coalesce(r.rolname, 'PUBLIC')
FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
CROSS JOIN LATERAL pg_catalog.aclexplode(coalesce(p.proacl, pg_catalog.acldefault('f', p.proowner))) a
LEFT JOIN pg_catalog.pg_roles r ON r.oid = a.grantee
WHERE a.privilege_type = 'EXECUTE' AND n.nspname NOT IN ('pg_catalog', 'information_schema')"""


def executors(conn: psycopg.Connection) -> tuple[tuple[str, str], ...]:
    """``(schema.function, role)`` for every role that may execute a function (``PUBLIC`` as such; a function
    whose privileges were never changed has the default: PUBLIC and its owner)."""
    return tuple(sorted(set(conn.execute(_EXECUTE).fetchall())))


__all__ = ["Versions", "counts", "executors", "versions", "written"]
