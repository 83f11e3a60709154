"""The per-statement build on a real PostgreSQL: platform objects, runner conventions, refused statements.

Every folder here is a small fixture written for the test, shaped like the real histories that needed it
(Supabase apps, supabase/auth's Go templates, supabase/storage's markers, diesel, Rails, golang-migrate,
Flyway, a Rails structure.sql with pg_partman).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest

from schemalens.db import build as building
from schemalens.read.migrations import discover


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


@contextmanager
def built(pg_server, folder: Path, **kw) -> Iterator[tuple[building.Build, psycopg.Connection]]:
    files, _ = discover(folder)
    with building.throwaway(pg_server, files, folder, **kw) as db:
        yield db.build, db.conn


def one(conn: psycopg.Connection, query: str, *args):
    return conn.execute(query, args).fetchone()[0]


# ------------------------------------------------------------------------------------------- Supabase

SUPABASE_APP = {
    "supabase/migrations/20240101000000_init.sql": """\
create extension if not exists pg_net with schema extensions;
create extension if not exists pg_cron with schema extensions;
create extension if not exists http with schema extensions;
create extension if not exists vector with schema extensions;

create table public.profiles (
    id uuid primary key default extensions.uuid_generate_v4(),
    user_id uuid references auth.users (id) on delete cascade,
    token text not null default encode(gen_random_bytes(16), 'hex'),
    digest text default encode(digest('x', 'sha256'), 'hex'),
    embedding extensions.vector(3)
);
alter table public.profiles enable row level security;
create policy "own" on public.profiles for select to authenticated using (auth.uid() = user_id);

create function public.handle_new_user() returns trigger language plpgsql security definer
set search_path = '' as $$
begin
  insert into public.profiles (user_id) values (new.id);
  perform net.http_post(url := 'https://example.com/hook', body := jsonb_build_object('email', new.email));
  return new;
end $$;
create trigger on_auth_user_created after insert on auth.users
    for each row execute procedure public.handle_new_user();

insert into storage.buckets (id, name, public) values ('avatars', 'avatars', true);
alter publication supabase_realtime add table public.profiles;
select cron.schedule('nightly', '0 3 * * *', $$delete from public.profiles where user_id is null$$);
select vault.create_secret('s3cr3t', 'api_key', 'a key');
grant usage on schema graphql_public to anon;
select graphql.resolve('{ __typename }');
""",
}


def test_a_supabase_app_builds_on_the_platform_stand_ins(pg_server, tmp_path):
    folder = write(tmp_path, SUPABASE_APP) / "supabase" / "migrations"
    with built(pg_server, folder) as (made, conn):
        assert made.refused == (), made.markdown()
        assert (made.platform.name, made.runner.name) == ("supabase", "supabase")
        assert made.applied == made.statements == 15
        # the stand-ins work, not just exist
        conn.execute("insert into auth.users (id, email, raw_user_meta_data) values "
                     "('00000000-0000-0000-0000-000000000001', 'a@example.com', '{}')")
        assert one(conn, "select length(token) from public.profiles") == 32
        assert one(conn, "select digest from public.profiles") == \
            "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881"
        assert one(conn, "select url from net.http_request_queue") == "https://example.com/hook"
        assert one(conn, "select jobname || ' ' || schedule from cron.job") == "nightly 0 3 * * *"
        assert one(conn, "select decrypted_secret from vault.decrypted_secrets where name = 'api_key'") == "s3cr3t"
        assert one(conn, "select count(*) from pg_publication_tables where pubname = 'supabase_realtime'") == 1
        assert one(conn, "select public from storage.buckets where id = 'avatars'") is True
        assert one(conn, "select extversion from pg_extension where extname = 'vector'")  # real, from the wheel
        assert one(conn, "show search_path") == '"$user", public, extensions'
        # Supabase's real auth.users columns, and the rest of auth
        columns = {r[0] for r in conn.execute(
            "select column_name from information_schema.columns where table_schema = 'auth' and table_name = 'users'")}
        assert {"raw_user_meta_data", "email", "phone", "is_anonymous", "confirmed_at", "banned_until"} <= columns
        assert one(conn, "select count(*) from pg_tables where schemaname = 'auth' and tablename in "
                   "('identities', 'sessions', 'refresh_tokens', 'mfa_factors', 'audit_log_entries')") == 5
        assert one(conn, "select count(*) from pg_roles where rolname in ('authenticator', 'supabase_admin', "
                   "'supabase_auth_admin', 'supabase_storage_admin', 'dashboard_user')") == 5
    said = "\n".join(made.standins)
    for name in ("pg_net", "pg_cron", "http", "pgcrypto", "uuid-ossp", "supabase_vault", "pgjwt", "pg_graphql"):
        assert f"{name}:" in said and "stand-in" in said.split(f"{name}:")[1].split("\n")[0], name
    assert made.extensions == ("vector",)
    assert "schemalens stand-in" in made.markdown() and "PostgreSQL refused" not in made.markdown()


def test_stand_in_functions_have_the_real_signatures(pg_server, tmp_path):
    folder = write(tmp_path, {"supabase/migrations/20240101000000_x.sql": "select auth.uid();"})
    with built(pg_server, folder / "supabase" / "migrations") as (_, conn):
        conn.execute("create extension pg_net; create extension pg_cron; create extension pgsodium; "
                     "create extension http with schema extensions")
        conn.execute("set search_path = pg_catalog")  # every signature with its schema
        signatures = {r[0] for r in conn.execute(
            "select p.oid::regprocedure::text from pg_proc p join pg_namespace n on n.oid = p.pronamespace "
            "where n.nspname in ('net', 'cron', 'vault', 'extensions', 'pgsodium', 'public', 'graphql')")}
    for expected in ("net.http_get(text,jsonb,jsonb,integer)", "net.http_post(text,jsonb,jsonb,jsonb,integer)",
                     "cron.schedule(text,text)", "cron.schedule(text,text,text)", "cron.unschedule(bigint)",
                     "cron.unschedule(text)", "vault.create_secret(text,text,text,uuid)",
                     "extensions.sign(json,text,text)", "extensions.uuid_generate_v1()",
                     "extensions.gen_random_bytes(integer)", "extensions.crypt(text,text)",
                     "extensions.gen_salt(text)", "graphql.resolve(text,jsonb,text,jsonb)",
                     "pgsodium.crypto_aead_det_encrypt(bytea,bytea,uuid,bytea)",
                     "extensions.http_get(character varying)",
                     "extensions.http_post(character varying,character varying,character varying)"):
        assert expected in signatures, expected


def test_pgcrypto_hmac_crypt_and_pgjwt_work_on_the_stand_ins(pg_server, tmp_path):
    import base64
    import hmac

    folder = write(tmp_path, {"supabase/migrations/20240101000000_x.sql": "select auth.uid();"})
    with built(pg_server, folder / "supabase" / "migrations") as (_, conn):
        for algorithm in ("md5", "sha224", "sha256", "sha384", "sha512"):
            for key in (b"key", b"k" * 200):  # a key longer than the block is hashed first
                got = one(conn, "select hmac('The message'::bytea, %s::bytea, %s)", key, algorithm)
                assert got == hmac.new(key, b"The message", algorithm).digest(), algorithm
        bf, md5 = conn.execute("select gen_salt('bf'), gen_salt('md5')").fetchone()
        assert len(bf) == 29 and bf.startswith("$2a$06$") and md5.startswith("$1$") and len(md5) == 11
        for salt in (bf, md5):
            stored = one(conn, "select crypt('pw', %s)", salt)
            assert stored.startswith(salt) and one(conn, "select crypt('pw', %s) = %s", stored, stored)
            assert not one(conn, "select crypt('other', %s) = %s", stored, stored)
        assert len(one(conn, "select crypt('pw', gen_salt('bf', 10))")) == 60  # bcrypt's length
        token = one(conn, """select extensions.sign('{"sub": "1"}'::json, 'secret')""")
        header, payload, signature = token.split(".")
        expected = hmac.new(b"secret", f"{header}.{payload}".encode(), "sha256").digest()
        assert signature == base64.urlsafe_b64encode(expected).rstrip(b"=").decode()
        assert one(conn, "select valid from extensions.verify(%s, 'secret')", token) is True


def test_a_plain_project_gets_no_supabase_objects(pg_server, tmp_path):
    folder = write(tmp_path, {"001_init.sql": "CREATE TABLE t (id int PRIMARY KEY);\nCREATE SCHEMA app;\n"})
    with built(pg_server, folder) as (made, conn):
        assert made.platform.name == "postgres" and made.standins == ()
        schemas = {r[0] for r in conn.execute("select nspname from pg_namespace")}
        assert not schemas & {"auth", "storage", "extensions", "net", "vault", "graphql_public"}
        assert one(conn, "select count(*) from pg_publication") == 0
        assert one(conn, "select count(*) from pg_extension where extname <> 'plpgsql'") == 0


def test_the_platform_can_be_given(pg_server, tmp_path):
    folder = write(tmp_path, {"001_init.sql": "CREATE TABLE t (id uuid DEFAULT extensions.uuid_generate_v4());\n"})
    with built(pg_server, folder) as (made, _):
        assert len(made.refused) == 1 and "schema \"extensions\" does not exist" in made.refused[0].error
    with built(pg_server, folder, platform="supabase") as (made, _):
        assert made.platform.given and made.refused == ()
    write(tmp_path, {"manifest.yaml": "root: t\nplatform: supabase\n"})
    with built(pg_server, folder, manifest=tmp_path / "manifest.yaml") as (made, _):
        assert made.platform.name == "supabase" and made.refused == ()


def test_a_service_that_creates_auth_gets_no_stand_in_auth(pg_server, tmp_path):
    # hasura-auth: golang-migrate files creating auth.users with their own columns; the runner makes the schema
    folder = write(tmp_path, {
        "00001_init.up.sql": "BEGIN;\nCREATE TABLE auth.users (id uuid PRIMARY KEY, display_name text);\n"
                             "COMMENT ON TABLE auth.schema_migrations IS 'runner';\nCOMMIT;\n"})
    with built(pg_server, folder) as (made, conn):
        assert made.refused == () and made.platform.name == "postgres"
        columns = [r[0] for r in conn.execute("select column_name from information_schema.columns where "
                                              "table_schema = 'auth' and table_name = 'users' order by 1")]
        assert columns == ["display_name", "id"]
        assert "auth.schema_migrations" not in made.bookkeeping and "schema_migrations" in made.bookkeeping


# ------------------------------------------------------------------------------------------- extensions

def test_an_extension_nobody_ships_is_an_empty_stand_in_and_what_uses_it_is_refused(pg_server, tmp_path):
    write(tmp_path, {"db/structure.sql": """\
CREATE SCHEMA partman;
CREATE EXTENSION IF NOT EXISTS pg_partman WITH SCHEMA partman;
CREATE TABLE events (id bigint, at timestamptz NOT NULL) PARTITION BY RANGE (at);
SELECT partman.create_parent(p_parent_table := 'public.events', p_control := 'at', p_interval := '1 day');
CREATE TABLE places (id int PRIMARY KEY, spot geometry(Point, 4326));
CREATE INDEX places_spot ON places (spot);
CREATE TABLE after_all (id int);
"""})
    write(tmp_path, {"db/more.sql": "CREATE EXTENSION postgis;\n"})
    with built(pg_server, tmp_path / "db") as (made, conn):
        assert one(conn, "select count(*) from pg_tables where tablename in ('events', 'after_all')") == 2
        assert one(conn, "select extversion from pg_extension where extname = 'pg_partman'") == "0"
    refused = {(r.file, r.line): r for r in made.refused}
    assert sorted(refused) == [("structure.sql", 4), ("structure.sql", 5), ("structure.sql", 6)]
    assert "function partman.create_parent" in refused["structure.sql", 4].error
    assert "pg_partman" in refused["structure.sql", 4].cause and "empty stand-in" in refused["structure.sql", 4].cause
    assert 'type "geometry" does not exist' in refused["structure.sql", 5].error
    assert refused["structure.sql", 5].leaves_out == "table places"
    assert refused["structure.sql", 6].cause == "needs table places, refused at structure.sql:5"
    assert any(s.startswith("pg_partman: empty stand-in") for s in made.standins)
    assert any(s.startswith("postgis: empty stand-in") for s in made.standins)
    text = made.markdown()
    assert "## PostgreSQL refused 3 statements" in text and "`structure.sql:4`" in text


# ---------------------------------------------------------------------------------------- runners

STAMPS = ("CREATE TABLE stamps (at timestamptz);\nINSERT INTO stamps SELECT clock_timestamp();\n"
          "SELECT pg_sleep(0.01);\nINSERT INTO stamps SELECT now();\nINSERT INTO stamps SELECT now();\n")


def _one_transaction(conn) -> bool:
    """The two now() rows are one timestamp (the transaction's start) only when the file ran in one
    transaction; the clock_timestamp() row always differs from them."""
    return one(conn, "select count(distinct at) from stamps") == 2


@pytest.mark.parametrize(("files", "runner", "transaction", "bookkeeping"), [
    ({"supabase/migrations/20240101000000_a.sql": STAMPS}, "supabase", True,
     ("supabase_migrations.schema_migrations",)),
    ({"2019-02-26-002946_a/up.sql": STAMPS}, "diesel", True, ("__diesel_schema_migrations",)),
    ({"2019-02-26-002946_a/up.sql": STAMPS, "2019-02-26-002946_a/metadata.toml": "run_in_transaction = false\n"},
     "diesel", False, ("__diesel_schema_migrations",)),
    ({"1_a.up.sql": STAMPS, "1_a.down.sql": "DROP TABLE stamps;"}, "golang-migrate", False, ("schema_migrations",)),
    ({"V1__a.sql": STAMPS}, "flyway", True, ("flyway_schema_history",)),
    ({"V1__a.sql": STAMPS, "V1__a.sql.conf": "executeInTransaction=false\n"}, "flyway", False,
     ("flyway_schema_history",)),
    ({"db/structure.sql": STAMPS}, "rails", False, ("schema_migrations", "ar_internal_metadata")),
    ({"20240101000000_a/migration.sql": STAMPS, "migration_lock.toml": ""}, "prisma", True, ("_prisma_migrations",)),
    ({"0000_a.sql": STAMPS.replace(";\n", ";\n--> statement-breakpoint\n")}, "drizzle", True,
     ("drizzle.__drizzle_migrations",)),
    ({"0001-a.sql": "-- postgres-migrations disable-transaction\n" + STAMPS, "0002-b.sql": "SELECT 1;\n"},
     "postgres-migrations", False, ("migrations",)),
    ({"001_a.sql": STAMPS}, "plain", True, ()),
])
def test_each_runner_applies_files_as_it_does(pg_server, tmp_path, files, runner, transaction, bookkeeping):
    folder = write(tmp_path, files)
    root = folder / "supabase" / "migrations" if runner == "supabase" else folder
    with built(pg_server, root, platform="postgres") as (made, conn):
        assert made.runner.name == runner and made.refused == ()
        assert made.bookkeeping == bookkeeping
        for table in bookkeeping:
            assert one(conn, "select to_regclass(%s) is not null", table)
        assert _one_transaction(conn) is transaction


def test_statements_refused_inside_a_transaction_run_between_the_files_transactions(pg_server, tmp_path):
    folder = write(tmp_path, {"V1__a.sql": """\
CREATE TABLE t (id int, state text);
CREATE INDEX CONCURRENTLY t_id ON t (id);
CREATE TYPE mood AS ENUM ('ok');
ALTER TYPE mood ADD VALUE 'great';
CREATE TABLE m (feeling mood DEFAULT 'great');
INSERT INTO m VALUES ('great');
VACUUM t;
DROP INDEX CONCURRENTLY t_id;
"""})
    with built(pg_server, folder) as (made, conn):
        assert made.refused == (), made.markdown()
        assert one(conn, "select feeling::text from m") == "great"
    assert [n.split(":")[1] for n in made.notes] == ["2", "7", "8"]
    assert "ran outside the file's transaction" in made.notes[0]


def test_supabase_auth_go_templates_are_rendered_and_its_schema_comes_first(pg_server, tmp_path):
    ns = '{{ index .Options "Namespace" }}'
    folder = write(tmp_path, {
        "00_init_auth_schema.up.sql": f"CREATE TABLE IF NOT EXISTS {ns}.users (id uuid PRIMARY KEY, email text);\n"
                                      f"CREATE TABLE IF NOT EXISTS {ns}.schema_migrations (version varchar(255));\n",
        "20210710035447_alter_users.up.sql": "ALTER TABLE users ADD COLUMN phone text;\n"})
    with built(pg_server, folder) as (made, conn):
        assert made.runner.name == "pop" and made.platform.name == "postgres" and made.refused == ()
        assert one(conn, "select count(*) from information_schema.columns where table_schema = 'auth' "
                   "and table_name = 'users'") == 3
        assert made.bookkeeping == ()  # the files create auth.schema_migrations themselves
    assert "schema auth created before the files, as the service's own runner does" in made.notes


def test_the_runner_can_be_given(pg_server, tmp_path):
    folder = write(tmp_path, {"001_a.sql": STAMPS})
    with built(pg_server, folder, runner="golang-migrate") as (made, conn):
        assert made.runner.given and made.bookkeeping == ("schema_migrations",)
        assert _one_transaction(conn) is False
    with pytest.raises(ValueError, match="not one of"):
        building.detect(folder, discover(folder)[0], runner="liquibase")


# ---------------------------------------------------------------------------------- per statement

def test_each_refused_statement_is_recorded_and_the_build_goes_on(pg_server, tmp_path):
    folder = write(tmp_path, {
        "001_a.sql": "CREATE TABLE a (id int PRIMARY KEY);\n\nALTER TABLE nowhere\n    ADD COLUMN x int;\n"
                     "CREATE TABLE b (id int REFERENCES a);\n",
        "002_b.sql": "INSERT INTO a VALUES (1);\nINSERT INTO a VALUES (1);\nCREATE VIEW v AS SELECT * FROM b;\n"})
    with built(pg_server, folder) as (made, conn):
        assert one(conn, "select count(*) from a") == 1
        assert one(conn, "select to_regclass('v') is not null")
    assert (made.statements, made.applied, made.partial) == (6, 4, True)
    first, second = made.refused
    assert (first.file, first.line, first.statement) == ("001_a.sql", 3, "ALTER TABLE nowhere")
    assert first.error == 'relation "nowhere" does not exist' and first.sqlstate == "42P01"
    assert first.leaves_out == "a change to table nowhere"
    assert "no file of the folder creates" in first.cause
    assert (second.file, second.line, second.sqlstate) == ("002_b.sql", 2, "23505")
    assert second.error.startswith('duplicate key value violates unique constraint "a_pkey"')
    assert second.cause == "PostgreSQL error 23505 (constraint violation)"
    assert made.to_dict()["refused"][0] == {
        "file": "001_a.sql", "line": 3, "statement": "ALTER TABLE nowhere", "error": first.error,
        "sqlstate": "42P01", "leaves_out": "a change to table nowhere", "cause": first.cause}


def test_hostile_names_stay_cells_in_the_markdown(pg_server, tmp_path):
    folder = write(tmp_path, {"001_a.sql": 'ALTER TABLE "x|`y" ADD COLUMN z int;\n'})
    with built(pg_server, folder) as (made, _):
        text = made.markdown()
    row = next(line for line in text.splitlines() if line.startswith("| `001_a.sql:1`"))
    assert row.count(" | ") == 4 and "x\\|'y" in row


# ------------------------------------------------------------------------------------ the commands

ROOT = Path(__file__).resolve().parent.parent
ACME = ROOT / "data" / "acme"


def test_verify_built_reports_a_partial_build_and_exits_3(tmp_path, capsys):
    from schemalens.cli import main

    folder = write(tmp_path, {"001_a.sql": "CREATE TABLE a (id int PRIMARY KEY);\nCREATE INDEX ON missing (x);\n"})
    assert main(["verify", str(folder), "--built", "--date", "2026-12-01"]) == 3
    out, err = capsys.readouterr()
    assert "## PostgreSQL refused 1 statement\n" in out and "| `001_a.sql:2` |" in out
    assert 'relation "missing" does not exist' in out and "Platform: postgres" in out
    assert "partial build: PostgreSQL refused 1 of 2 statements" in err
    assert main(["verify", str(folder), "--built", "--format", "json", "--platform", "supabase",
                 "--runner", "golang-migrate"]) == 3
    build = json.loads(capsys.readouterr().out)["verify"]["build"]
    assert build["partial"] and build["refused"][0]["line"] == 2
    assert (build["platform"], build["runner"]) == ("supabase (given)", "golang-migrate (given)")
    assert build["bookkeeping"] == ["schema_migrations"]


def test_decisions_are_written_even_when_the_rehearsal_build_is_partial(tmp_path, capsys):
    from schemalens.cli import main

    seed = write(tmp_path, {"rows.sql": "INSERT INTO no_such_table VALUES (1);\n"}) / "rows.sql"
    args = ["decisions", str(ACME / "migrations"), "--manifest", str(ACME / "manifest.yaml"),
            "--write", str(tmp_path / "sql"), "--rehearse", "--seed", str(seed)]
    assert main(args) == 3
    out, err = capsys.readouterr()
    assert "## PostgreSQL refused 1 statement\n" in out and f"`{seed}:1`" in out
    assert "schemalens: wrote" in err and any((tmp_path / "sql").rglob("up.sql"))
    # a rehearsal that cannot start at all (a seed that does not exist) still leaves the decisions written
    shutil.rmtree(tmp_path / "sql")
    assert main([*args[:-1], str(tmp_path / "nope.sql")]) == 2
    assert any((tmp_path / "sql").rglob("up.sql")) and "nope.sql" in capsys.readouterr().err


def test_notebooks_runs_every_notebook_and_names_the_one_that_failed(tmp_path, capsys):
    from schemalens.cli import main

    missing, notebook = tmp_path / "0.9-missing.ipynb", ROOT / "notebooks" / "1.0-explore-schema.ipynb"
    args = ["notebooks", str(ACME / "migrations"), str(missing), str(notebook), "--manifest",
            str(ACME / "manifest.yaml"), "--output", str(tmp_path / "out"), "-p", "focus=tasks"]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert f"1 of 2 notebooks failed: {missing}" in err
    assert (tmp_path / "out" / "1.0-explore-schema.html").exists()
