"""A database under ``verify`` may hold code someone planted (issue 11, section 4), on the embedded server.

Functions, operators and a cast in ``public`` that raise when called, each a better match for some call in
the catalog queries than PostgreSQL's own (``public.unnest(smallint[])`` beats ``pg_catalog.unnest(anyarray)``
for ``conkey``; ``public.<>(oid, integer)`` beats ``pg_catalog.<>(oid, oid)`` for ``conparentid <> 0``).
``verify`` must read the database without calling any of them: every function is ``pg_catalog.``-qualified
and the session's search_path is ``pg_catalog, pg_temp``. The planted objects are reported as drift instead.
"""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from schemalens.db import history, live, postgres, verify

MIGRATION = """\
CREATE TABLE agencies (id uuid PRIMARY KEY, name text UNIQUE);
CREATE TABLE users (id uuid PRIMARY KEY, agency_id uuid NOT NULL REFERENCES agencies(id), email text);
CREATE INDEX users_agency_id_idx ON users (agency_id);
CREATE INDEX users_lower_email_idx ON users (lower(email));
ALTER TABLE users ENABLE ROW LEVEL SECURITY;
CREATE POLICY users_own ON users FOR SELECT TO authenticated USING (agency_id IS NOT NULL);
CREATE TYPE role AS ENUM ('owner', 'member');
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$;
CREATE TRIGGER users_touch BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION touch();
CREATE VIEW agency_names AS SELECT name FROM agencies;
"""

RAISE = "LANGUAGE plpgsql AS $$BEGIN RAISE EXCEPTION 'planted code ran: %', {name!r}; END$$"
PLANTED = [
    *(f"CREATE FUNCTION public.unnest({t}) RETURNS SETOF {e} " + RAISE.format(name=f"unnest({t})")
      for t, e in (("smallint[]", "smallint"), ("oid[]", "oid"), ("int2vector", "smallint"))),
    *(f"CREATE FUNCTION public.planted_{n}(oid, integer) RETURNS boolean " + RAISE.format(name=f"oid {op} int")
      for n, op in (("eq", "="), ("ne", "<>"), ("ge", ">="))),
    *(f"CREATE OPERATOR public.{op} (LEFTARG = oid, RIGHTARG = integer, FUNCTION = public.planted_{n})"
      for n, op in (("eq", "="), ("ne", "<>"), ("ge", ">="))),
    "CREATE FUNCTION public.planted_name_ne(name, text) RETURNS boolean " + RAISE.format(name="name !~ text"),
    "CREATE OPERATOR public.!~ (LEFTARG = name, RIGHTARG = text, FUNCTION = public.planted_name_ne)",
    "CREATE FUNCTION public.format_type(oid, integer) RETURNS text " + RAISE.format(name="format_type"),
    "CREATE FUNCTION public.current_setting(text) RETURNS text " + RAISE.format(name="current_setting"),
    "CREATE FUNCTION public.to_regclass(text) RETURNS regclass " + RAISE.format(name="to_regclass"),
    # a cast on a type the attacker owns: a history table whose version column has this type
    "CREATE TYPE public.planted_version AS (v text)",
    "CREATE FUNCTION public.planted_cast(public.planted_version) RETURNS text " + RAISE.format(name="cast"),
    "CREATE CAST (public.planted_version AS text) WITH FUNCTION public.planted_cast(public.planted_version)",
]


@pytest.fixture
def planted(tmp_path: Path, pg_server: postgres.Server, pg_db: psycopg.Connection) -> tuple[Path, str]:
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "001_init.sql").write_text(MIGRATION)
    postgres.apply_files(pg_db, [folder / "001_init.sql"], folder)
    for statement in PLANTED:
        pg_db.execute(statement)
    return folder, pg_server.dsn(pg_db.info.dbname)


def test_the_planted_code_would_run_where_public_is_on_the_search_path(planted, pg_db) -> None:
    """The trap is real: with ``public`` on the path, the catalog's own query text calls it."""
    pg_db.execute("SET search_path = public")
    with pytest.raises(psycopg.errors.RaiseException, match="planted code ran: unnest"):
        pg_db.execute("SELECT unnest(conkey) FROM pg_catalog.pg_constraint").fetchall()
    with pytest.raises(psycopg.errors.RaiseException, match="planted code ran: oid <> int"):
        pg_db.execute("SELECT 1 FROM pg_catalog.pg_constraint WHERE conparentid <> 0").fetchall()


def test_verify_reads_the_database_without_running_planted_code(planted) -> None:
    folder, dsn = planted
    result = verify.verify_database(folder, dsn)
    extra = " ".join(f.subject for f in result.findings if f.code == "drift-extra")
    assert all(f"function public.{name}(" in extra for name in ("unnest", "planted_cast", "format_type")), extra
    assert not [f for f in result.findings if f.code == "drift-missing"]  # everything the file made was read


def test_the_verify_session_searches_pg_catalog_only(planted) -> None:
    _, dsn = planted
    with verify.open_session(dsn) as conn:
        assert conn.execute("SHOW search_path").fetchone()[0].replace(" ", "") == "pg_catalog,pg_temp"
        schema = live.introspect(conn)
    assert {"public.agencies", "public.users"} <= {t.name for t in schema.tables}
    assert {i.name for i in schema.indexes} >= {"users_agency_id_idx", "users_lower_email_idx"}
    assert [p.name for p in schema.policies] == ["users_own"]


def test_a_history_table_of_a_planted_type_is_not_read(planted, pg_db) -> None:
    folder, dsn = planted
    pg_db.execute("CREATE TABLE public.schema_migrations (version public.planted_version)")
    pg_db.execute("INSERT INTO public.schema_migrations VALUES (ROW('001'))")
    result = verify.verify_database(folder, dsn)
    assert "user-defined type" in result.history.error


def test_a_history_view_is_not_a_history_table(planted, pg_db) -> None:
    folder, dsn = planted
    pg_db.execute("CREATE FUNCTION public.planted_rows() RETURNS SETOF text " + RAISE.format(name="view"))
    pg_db.execute("CREATE VIEW public.schema_migrations AS SELECT public.planted_rows() AS version")
    with verify.open_session(dsn) as conn:
        assert history.find_history_table(conn) is None
    assert verify.verify_database(folder, dsn).history is None
