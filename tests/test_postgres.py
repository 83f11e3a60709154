"""schemalens.db.postgres on a real server: the embedded one, or DATABASE_URL's when that is set."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from types import SimpleNamespace

import psutil
import psycopg
import pytest

from schemalens.core.errors import ApplyError, DatabaseError
from schemalens.db import postgres

UNAVAILABLE = "is not available on the embedded server; set DATABASE_URL to a server with pgcrypto"


def scalar(conn: psycopg.Connection, query: str, params: tuple = ()) -> object:
    row = conn.execute(query, params).fetchone()
    assert row is not None
    return row[0]


# ---------------------------------------------------------------------------- stand-ins

def test_database_has_the_supabase_standins(pg_db):
    schemas = {r[0] for r in pg_db.execute("SELECT nspname FROM pg_namespace")}
    assert {"auth", "storage", "extensions"} <= schemas
    roles = {r[0] for r in pg_db.execute("SELECT rolname FROM pg_roles")}
    assert {"anon", "authenticated", "service_role"} <= roles
    columns = {r[0] for r in pg_db.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = 'auth' AND table_name = 'users'")}
    assert {"id", "instance_id", "aud", "role", "email", "encrypted_password", "email_confirmed_at",
            "raw_user_meta_data", "raw_app_meta_data", "created_at", "updated_at", "phone",
            "last_sign_in_at", "is_anonymous"} <= columns
    assert scalar(pg_db, "SELECT to_regclass('storage.buckets') IS NOT NULL AND to_regclass('storage.objects') IS NOT NULL")


def test_standins_are_idempotent(pg_db):
    postgres.install_standins(pg_db)
    postgres.install_standins(pg_db)
    assert scalar(pg_db, "SELECT count(*) FROM pg_roles WHERE rolname = 'anon'") == 1


def test_auth_users_takes_a_seed_row(pg_db):
    pg_db.execute("INSERT INTO auth.users (email, raw_user_meta_data) VALUES ('a@example.com', '{\"name\": \"A\"}')")
    row = pg_db.execute("SELECT id, is_anonymous, created_at IS NOT NULL FROM auth.users").fetchone()
    assert isinstance(row[0], uuid.UUID) and row[1:] == (False, True)


def test_auth_uid_role_and_jwt_read_the_request_claims(pg_db):
    user = uuid.uuid4()
    claims = json.dumps({"sub": str(user), "role": "authenticated", "email": "u@example.com"})
    with pg_db.transaction():
        pg_db.execute("SELECT set_config('request.jwt.claims', %s, true)", (claims,))
        assert pg_db.execute("SELECT auth.uid(), auth.role(), auth.email(), auth.jwt() ->> 'sub'").fetchone() == (
            user, "authenticated", "u@example.com", str(user))
    assert pg_db.execute("SELECT auth.uid(), auth.role(), auth.jwt()").fetchone() == (None, None, None)


def test_auth_uid_falls_back_to_the_legacy_claim_setting(pg_db):
    user = uuid.uuid4()
    with pg_db.transaction():
        pg_db.execute("SELECT set_config('request.jwt.claim.sub', %s, true)", (str(user),))
        assert scalar(pg_db, "SELECT auth.uid()") == user


def test_storage_path_helpers(pg_db):
    assert pg_db.execute("SELECT storage.foldername('a/b/c.PNG'), storage.filename('a/b/c.PNG'), "
                         "storage.extension('a/b/c.PNG')").fetchone() == (["a", "b"], "c.PNG", "PNG")


# ------------------------------------------------------------------ extension stand-ins

def test_uuid_ossp_works(pg_db):
    pg_db.execute('CREATE EXTENSION IF NOT EXISTS "uuid-ossp" WITH SCHEMA extensions')
    v4, v1, nil, dns = pg_db.execute("SELECT extensions.uuid_generate_v4(), extensions.uuid_generate_v1mc(), "
                                     "extensions.uuid_nil(), extensions.uuid_ns_dns()").fetchone()
    assert (v4.version, v1.version, nil, dns) == (4, 1, uuid.UUID(int=0), uuid.NAMESPACE_DNS)
    for name in ("", "www.example.com", "héllo wörld", "x" * 300):
        v3, v5 = pg_db.execute("SELECT extensions.uuid_generate_v3(extensions.uuid_ns_url(), %s), "
                               "extensions.uuid_generate_v5(extensions.uuid_ns_url(), %s)", (name, name)).fetchone()
        assert (v3, v5) == (uuid.uuid3(uuid.NAMESPACE_URL, name), uuid.uuid5(uuid.NAMESPACE_URL, name))


def test_uuid_ossp_default_in_a_migration(pg_db):
    postgres.apply_sql(pg_db, 'CREATE EXTENSION IF NOT EXISTS "uuid-ossp";\n'
                              "CREATE TABLE things (id uuid PRIMARY KEY DEFAULT uuid_generate_v4());\n"
                              "INSERT INTO things DEFAULT VALUES;", "ext.sql")
    assert scalar(pg_db, "SELECT count(*) FROM things") == 1


@pytest.mark.parametrize("size", [0, 3, 55, 56, 64, 65, 1000])
def test_pgcrypto_digest_matches_hashlib(pg_db, size):
    pg_db.execute("CREATE EXTENSION IF NOT EXISTS pgcrypto")
    data = bytes(range(256)) * 4
    data = data[:size]
    for algorithm in ("md5", "sha1", "sha224", "sha256", "sha384", "sha512"):
        assert scalar(pg_db, "SELECT digest(%s::bytea, %s)", (data, algorithm)) == hashlib.new(algorithm, data).digest()
    assert scalar(pg_db, "SELECT digest('x', 'sha256')") == hashlib.sha256(b"x").digest()
    assert scalar(pg_db, "SELECT digest('héllo', 'sha1')") == hashlib.sha1("héllo".encode()).digest()


def test_pgcrypto_random_bytes_and_uuid(pg_db):
    pg_db.execute("CREATE EXTENSION pgcrypto WITH SCHEMA extensions")
    first, second = pg_db.execute("SELECT extensions.gen_random_bytes(1024), extensions.gen_random_bytes(1024)").fetchone()
    assert len(first) == len(second) == 1024 and first != second
    assert scalar(pg_db, "SELECT length(extensions.gen_random_bytes(32))") == 32
    assert scalar(pg_db, "SELECT extensions.gen_random_uuid()").version == 4
    postgres.apply_sql(pg_db, "CREATE TABLE hooks (secret text NOT NULL DEFAULT "
                              "encode(extensions.gen_random_bytes(32), 'hex'));\n"
                              "INSERT INTO hooks DEFAULT VALUES;", "hooks.sql")
    assert len(scalar(pg_db, "SELECT secret FROM hooks")) == 64


@pytest.mark.parametrize("call", ["encrypt('data', 'key', 'aes')", "pgp_sym_encrypt('data', 'key')"])
def test_pgcrypto_unsupported_functions_say_so(pg_server, pg_db, call):
    pg_db.execute("CREATE EXTENSION IF NOT EXISTS pgcrypto")
    if not pg_server.embedded:  # a DATABASE_URL server has the real pgcrypto
        assert scalar(pg_db, f"SELECT {call} IS NOT NULL")
        return
    function = call.split("(")[0]
    with pytest.raises(psycopg.errors.FeatureNotSupported, match=rf"pgcrypto stand-in: {function}\(\) {UNAVAILABLE}"):
        pg_db.execute(f"SELECT {call}")


def test_extension_standins_are_marked(pg_server, pg_db):
    pg_db.execute('CREATE EXTENSION "uuid-ossp"')
    comment = scalar(pg_db, "SELECT obj_description(oid, 'pg_extension') FROM pg_extension WHERE extname = 'uuid-ossp'")
    assert ("stand-in" in comment) is pg_server.embedded


# ------------------------------------------------------------------------- apply_files

THIRD_LINE = 7


def write_migrations(folder: Path, third: str) -> list[Path]:
    """Four files; the third fails at its third statement, which starts on line 7."""
    texts = {
        "001_first.sql": "CREATE TABLE first (id int PRIMARY KEY);\n",
        "002_second.sql": "\ufeff-- a BOM, a comment, a % sign\nCREATE TABLE second (id int REFERENCES first (id), "
                          "note text DEFAULT format('%s', 'x'));\nCREATE TYPE mood AS ENUM ('ok');\n"
                          "ALTER TYPE mood ADD VALUE 'sad';\n",
        "003_third.sql": ("-- the third statement fails\n"
                          "CREATE TABLE third_a (id int);\n"
                          "\n"
                          "CREATE FUNCTION third_f() RETURNS int LANGUAGE plpgsql AS $$\n"
                          "BEGIN RETURN 1; END;\n"
                          "$$;\n"
                          f"{third}\n"
                          "CREATE TABLE third_d (id int);\n"),
        "004_fourth.sql": "CREATE TABLE fourth (id int);\n",
    }
    paths = []
    for name, text in texts.items():
        (folder / name).write_text(text, encoding="utf-8")
        paths.append(folder / name)
    return paths


def test_apply_files_applies_in_order(pg_db, tmp_path):
    paths = write_migrations(tmp_path, "CREATE TABLE third_c (id int);")
    assert postgres.apply_files(pg_db, paths, root=tmp_path) == [p.name for p in paths]
    tables = {r[0] for r in pg_db.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
    assert tables == {"first", "second", "third_a", "third_c", "third_d", "fourth"}
    assert scalar(pg_db, "SELECT enum_range(NULL::mood)::text") == "{ok,sad}"


@pytest.mark.parametrize("third, line, message", [
    ("CREATE TABLE third_c (id int,, x int);", THIRD_LINE, 'syntax error at or near ","'),
    ("ALTER TABLE no_such_table ADD COLUMN x int;", THIRD_LINE, 'relation "no_such_table" does not exist'),
    ("CREATE TABLE third_a (id int);", THIRD_LINE, 'relation "third_a" already exists'),
    ("INSERT INTO first (id)\nVALUES (no_such_column);", THIRD_LINE + 1, 'column "no_such_column" does not exist'),
], ids=["syntax-error", "no-position", "already-exists", "token-on-next-line"])
def test_apply_files_stops_at_the_failing_statement(pg_db, tmp_path, third, line, message):
    paths = write_migrations(tmp_path, third)
    with pytest.raises(ApplyError) as failure:
        postgres.apply_files(pg_db, paths, root=tmp_path)
    assert (failure.value.file, failure.value.line) == ("003_third.sql", line)
    assert failure.value.reason.startswith(message)
    assert str(failure.value).startswith(f"003_third.sql:{line}: {message}")
    tables = {r[0] for r in pg_db.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
    assert tables == {"first", "second"}
    assert scalar(pg_db, "SELECT to_regproc('third_f')") is None
    assert pg_db.info.transaction_status == psycopg.pq.TransactionStatus.IDLE


def test_apply_files_takes_objects_with_a_path(pg_db, tmp_path):
    paths = write_migrations(tmp_path, "SELECT 1;")
    files = [SimpleNamespace(path=p) for p in paths]
    assert postgres.apply_files(pg_db, files, root=tmp_path)[-1] == "004_fourth.sql"


def test_apply_sql_names_the_text_and_line(pg_db):
    with pytest.raises(ApplyError, match=r"^inline\.sql:2: table \"nowhere\" does not exist"):
        postgres.apply_sql(pg_db, "SELECT 1;\nDROP TABLE nowhere;", "inline.sql")


def test_apply_refuses_a_connection_inside_a_transaction(pg_db):
    with pg_db.transaction(), pytest.raises(DatabaseError, match="inside a transaction"):
        postgres.apply_sql(pg_db, "SELECT 1", "x.sql")


def test_apply_reports_a_file_that_is_not_utf8(pg_db, tmp_path):
    bad = tmp_path / "bad.sql"
    bad.write_bytes(b"SELECT 1;\nSELECT '\xff';\n")
    with pytest.raises(ApplyError, match=r"^bad\.sql:2: not UTF-8"):
        postgres.apply_files(pg_db, [bad], root=tmp_path)


# ------------------------------------------------------------------ server and lifecycle

def test_drop_database_refuses_what_it_did_not_create(pg_server):
    with pytest.raises(DatabaseError, match="did not create"):
        pg_server.drop_database("postgres")


def test_database_is_dropped_afterwards(pg_server):
    with pg_server.database(standins=False) as conn:
        name = scalar(conn, "SELECT current_database()")
        assert name.startswith("schemalens_")
    with pg_server.connect("postgres") as conn:
        assert scalar(conn, "SELECT count(*) FROM pg_database WHERE datname = %s", (name,)) == 0


@pytest.mark.parametrize("dsn", ["postgresql://app:s3cret@db.example.com/main",
                                 "postgresql://db.example.com/main?user=app&password=s3cret&sslmode=require",
                                 "host=db.example.com user=app password='s3cret' dbname=main"])
def test_passwords_are_masked(dsn):
    masked = postgres.mask_dsn(dsn)
    assert "s3cret" not in masked and "***" in masked and "db.example.com" in masked
    assert "s3cret" not in repr(postgres.Server(dsn, embedded=False))


def cluster_processes(folder: str) -> list[psutil.Process]:
    """Live (non-zombie) processes whose command line mentions ``folder``."""
    found = []
    for proc in psutil.process_iter(["cmdline", "status"]):
        if proc.info["status"] != psutil.STATUS_ZOMBIE and any(folder in arg for arg in proc.info["cmdline"] or ()):
            found.append(proc)
    return found


def test_embedded_server_leaves_nothing_behind(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    with postgres.server() as srv:
        with srv.connect("postgres") as conn:
            data_dir = scalar(conn, "SHOW data_directory")
        folder = str(Path(data_dir).parent)
        assert cluster_processes(folder), "the embedded postgres should be running"
        with srv.database() as conn:
            conn.execute('CREATE EXTENSION "uuid-ossp"')
    assert not Path(folder).exists()
    assert cluster_processes(folder) == []


CHILD = """
import signal, time
from schemalens.db import postgres
signal.signal(signal.SIGINT, signal.default_int_handler)  # a background parent may have ignored it
with postgres.server() as srv:
    with srv.connect("postgres") as conn:
        print(conn.execute("SHOW data_directory").fetchone()[0], flush=True)
    time.sleep(60)
"""


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL], ids=["INT", "TERM", "KILL"])
def test_a_killed_process_leaves_nothing_behind(signum):
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    child = subprocess.Popen([sys.executable, "-c", CHILD], stdout=subprocess.PIPE, text=True, env=env)
    try:
        folder = str(Path(child.stdout.readline().strip()).parent)
        assert cluster_processes(folder)
        child.send_signal(signum)
        child.wait(timeout=30)
        deadline = time.monotonic() + 15
        while (Path(folder).exists() or cluster_processes(folder)) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not Path(folder).exists()
        assert cluster_processes(folder) == []
    finally:
        child.kill()
        child.wait()
