"""Privileges: what Supabase's API roles hold on each table, replayed from GRANT/REVOKE, against PostgreSQL.

A table starts with Supabase's default privileges (every privilege for anon, authenticated and
service_role in ``public``; the stand-ins set the same defaults); each GRANT and REVOKE is replayed on
top. For RevOS, acme and a folder of the tricky forms, what the model says each API role holds is what
``has_table_privilege`` / ``has_any_column_privilege`` answer on the database the files build.
"""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from schemalens import load_schema
from schemalens.assess.compare import analyse
from schemalens.core.model import API_ROLES, ROW_PRIVILEGES
from schemalens.db import live, postgres
from schemalens.read.migrations import discover

ROOT = Path(__file__).resolve().parent.parent

FORMS = """
CREATE TABLE a (id int PRIMARY KEY);
CREATE TABLE b (id int PRIMARY KEY);
CREATE TABLE d (id int PRIMARY KEY, secret text);
CREATE TABLE e (id int PRIMARY KEY);
CREATE TABLE f (id int PRIMARY KEY);
CREATE TABLE "Quoted" (id int PRIMARY KEY);
CREATE SCHEMA private;
CREATE TABLE private.c (id int PRIMARY KEY);
CREATE TABLE private.g (id int PRIMARY KEY);
REVOKE ALL ON a FROM anon;
REVOKE ALL PRIVILEGES ON TABLE b FROM anon, authenticated;
GRANT SELECT ON b TO authenticated;
REVOKE SELECT ON b FROM PUBLIC;
ALTER TABLE b RENAME TO b2;
REVOKE ALL ON d FROM anon, authenticated;
GRANT SELECT (id) ON d TO anon;
REVOKE GRANT OPTION FOR ALL ON e FROM anon;
REVOKE ALL ON f FROM anon, authenticated;
GRANT SELECT, INSERT ON f, "Quoted" TO PUBLIC;
REVOKE INSERT, UPDATE, DELETE ON "Quoted" FROM anon;
GRANT SELECT ON ALL TABLES IN SCHEMA private TO anon;
REVOKE SELECT ON private.g FROM anon;
CREATE VIEW v AS SELECT id FROM a;
GRANT SELECT ON v TO anon;
"""


def held(conn: psycopg.Connection, table: str, role: str) -> set[str]:
    """The row privileges ``role`` holds on ``table``; a column privilege only as ``P (columns)``."""
    out = set()
    for p in ROW_PRIVILEGES:
        whole = conn.execute("SELECT has_table_privilege(%s, %s::regclass, %s)", (role, table, p)).fetchone()[0]
        cols = p != "DELETE" and conn.execute("SELECT has_any_column_privilege(%s, %s::regclass, %s)",
                                              (role, table, p)).fetchone()[0]  # DELETE has no column form
        if whole:
            out.add(p)
        elif cols:
            out.add(f"{p} (columns)")
    return out


def modelled(table, role: str) -> set[str]:
    return {p for p in table.privileges(role) if p.split()[0] in ROW_PRIVILEGES}


def folder_of(tmp_path: Path, name: str) -> Path:
    if name == "forms":
        (tmp_path / "001_forms.sql").write_text(FORMS)
        return tmp_path
    return ROOT / "data" / name / "migrations"


@pytest.mark.parametrize("name", ["revos", "acme", "forms"])
def test_api_privileges_agree_with_postgres(name: str, tmp_path: Path, pg_db: psycopg.Connection) -> None:
    folder = folder_of(tmp_path, name)
    schema = load_schema(folder)
    postgres.apply_files(pg_db, discover(folder)[0], folder)
    compared = 0
    for t in schema.tables:
        quoted = ".".join(f'"{part}"' for part in t.name.split("."))
        for role in API_ROLES:
            assert modelled(t, role) == held(pg_db, quoted, role), (t.name, role)
            compared += 1
    assert compared == 2 * len(schema.tables) and compared >= 14
    if name == "forms":
        table = {t.name: t for t in schema.tables}
        assert table["public.a"].api_access == ROW_PRIVILEGES  # authenticated still holds them
        assert table["public.b2"].api_access == ("SELECT",) and table["public.d"].api_access == ("SELECT",)
        assert table["public.e"].grants is not None and table["public.e"].api_access == ROW_PRIVILEGES
        assert table["private.c"].api_access == ("SELECT",) and table["private.g"].api_access == ()
        assert modelled(table["public.Quoted"], "anon") == {"SELECT", "INSERT"}  # INSERT through PUBLIC
        assert modelled(table["public.d"], "anon") == {"SELECT (columns)"}
        assert not schema.warnings, schema.warnings


def test_a_revoked_table_without_rls_is_information_not_a_warning() -> None:
    found = analyse(ROOT / "data/revos/migrations", ROOT / "data/revos/manifest.yaml")
    [f] = found.by_code("rls-disabled")
    assert (f.subject, f.severity) == ("public.webhook_events", "info")
    assert [(e.file, e.line) for e in f.evidence] == [("024_webhook_events.sql", 6), ("024_webhook_events.sql", 24)]
    assert "only `service_role` holds privileges" in f.actual
    acme = analyse(ROOT / "data/acme/migrations", ROOT / "data/acme/manifest.yaml")
    [g] = acme.by_code("rls-disabled")  # audit_log: granted to service_role, the defaults still expose it
    assert (g.subject, g.severity, g.data["api_access"]) == ("public.audit_log", "warning", list(ROW_PRIVILEGES))


def test_live_introspection_is_not_asked_for_privileges(pg_db: psycopg.Connection) -> None:
    # Privileges are not part of drift (diff): a database's grants differ from the model only by intent.
    schema = live.introspect(pg_db)
    assert all(t.grants is None for t in schema.tables)
