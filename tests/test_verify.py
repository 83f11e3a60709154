"""``schemalens verify``: a live database against the migration files, on the embedded PostgreSQL.

Each drifted state is built on ``data/revos`` (all files applied, then one thing changed by hand, or
037 never applied, or a history table that disagrees) and must be reported exactly: the set of
(code, subject) pairs is asserted whole, so an extra or a missing finding fails. Safety: verify's
session cannot write and the catalog is unchanged after it; a password is absent from every output.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import make_conninfo

from schemalens import load_schema
from schemalens.assess.findings import Sources
from schemalens.cli import main
from schemalens.core.errors import DatabaseError, InputError
from schemalens.db import live, postgres, verify
from schemalens.present.verify_report import verification_markdown
from schemalens.read.manifest import load_manifest
from schemalens.read.migrations import discover

ROOT = Path(__file__).parents[1]
REVOS = ROOT / "data" / "revos" / "migrations"
MANIFEST = ROOT / "data" / "revos" / "manifest.yaml"
FILES, _ = discover(REVOS)
CARTRIDGES = {f"public.{k}_cartridges" for k in ("style", "voice", "brand", "instruction")}
OTHER_PROJECT_DSN = "postgresql://postgres:Secret-pw-1@db.kvjcidxbyimoswntpjcp.supabase.co:5432/postgres"
OWN_PROJECT_DSN = "postgresql://postgres:Secret-pw-1@db.trdoainmejxanrownbuz.supabase.co:5432/postgres"


def codes(result: verify.Verification) -> set[tuple[str, str]]:
    return {(f.code, f.subject) for f in result.findings}


def dsn_of(server: postgres.Server, conn: psycopg.Connection) -> str:
    return server.dsn(conn.info.dbname)


def apply(conn: psycopg.Connection, skip: tuple[str, ...] = ()) -> None:
    postgres.apply_files(conn, [f for f in FILES if not f.name.startswith(skip)], REVOS)


def history(conn: psycopg.Connection, versions: list[str]) -> None:
    conn.execute("CREATE SCHEMA supabase_migrations")
    conn.execute("CREATE TABLE supabase_migrations.schema_migrations (version text PRIMARY KEY, name text)")
    for v in versions:
        conn.execute("INSERT INTO supabase_migrations.schema_migrations VALUES (%s, %s)", (v, f"m{v}"))


@pytest.fixture
def revos(pg_server: postgres.Server, pg_db: psycopg.Connection) -> tuple[psycopg.Connection, str]:
    """A database with every revos migration applied (the Supabase stand-ins first), and its DSN."""
    apply(pg_db)
    return pg_db, dsn_of(pg_server, pg_db)


# ------------------------------------------------------------------------------ clean and drifted states


def test_a_database_built_from_the_files_verifies_clean(revos) -> None:
    _, dsn = revos
    result = verify.verify_database(REVOS, dsn, manifest=MANIFEST)
    assert codes(result) == set()
    assert result.history is None and result.target.project_ref is None
    assert {d.split(":")[0] for d, _, _ in result.explained} == {
        "+ column public.campaigns.daily_connection_limit",
        "+ enum public.message_direction",
    }
    cartridges = next(g for g in result.groups if g.name == "cartridges")
    assert (set(cartridges.present), cartridges.missing, cartridges.pattern) == (
        CARTRIDGES,
        (),
        "%cartridges%",
    )


def test_migration_037_never_applied(pg_server, pg_db) -> None:
    apply(pg_db, skip=("037", "038"))  # 038 adds triggers to 037's tables: it cannot run without it
    result = verify.verify_database(REVOS, dsn_of(pg_server, pg_db), manifest=MANIFEST)
    assert codes(result) == {("drift-missing", f"table {t}") for t in CARTRIDGES}
    style = next(f for f in result.findings if f.subject == "table public.style_cartridges")
    assert (style.severity, str(style.evidence[0])) == ("critical", "037_client_cartridges.sql:12")
    assert style.evidence[0].text.startswith("CREATE TABLE style_cartridges (")
    # its columns, key, FK, index, 4 policies and 038's trigger are folded into the table's finding
    assert sorted({p.split(" ")[0] for p in style.data["parts"]}) == [
        "column",
        "foreign",
        "index",
        "policy",
        "primary",
        "trigger",
    ]
    assert "public.style_cartridges.update_style_cartridges_updated_at" in " ".join(style.data["parts"])
    group = next(g for g in result.groups if g.name == "cartridges")
    assert (group.present, set(group.missing)) == ((), CARTRIDGES)


def test_a_column_added_by_hand(revos) -> None:
    conn, dsn = revos
    conn.execute("ALTER TABLE users ADD COLUMN nickname text")
    result = verify.verify_database(REVOS, dsn)
    assert codes(result) == {("drift-extra", "column public.users.nickname")}
    f = result.findings[0]
    assert (f.severity, str(f.evidence[0]), f.title) == (
        "warning",
        "001_initial_schema.sql:42",
        "Column `users.nickname` exists in the database but in no migration",
    )
    assert f.data["database"] == {"type": "text", "nullable": True}


def test_a_foreign_key_dropped_by_hand(revos) -> None:
    conn, dsn = revos
    conn.execute("ALTER TABLE users DROP CONSTRAINT users_client_id_fkey")
    result = verify.verify_database(REVOS, dsn)
    assert codes(result) == {("drift-missing", "foreign key public.users.users_client_id_fkey")}
    f = result.findings[0]
    assert (f.severity, str(f.evidence[0])) == ("critical", "001_initial_schema.sql:44")
    assert f.data["files"]["ref_table"] == "public.clients" and f.data["database"] is None


def test_a_column_dropped_by_hand_is_cited_inside_its_long_create_table(revos) -> None:
    conn, dsn = revos
    conn.execute("ALTER TABLE leads DROP COLUMN score")
    result = verify.verify_database(REVOS, dsn)
    assert codes(result) == {("drift-missing", "column public.leads.score")}
    assert str(result.findings[0].evidence[0]) == "004_leads.sql:18"
    md = verification_markdown(result, date="2026-01-03")
    assert "-- 004_leads.sql:18: defined here\nCREATE TABLE leads (\n  ...\n" in md
    assert "  score INTEGER DEFAULT 0,\n" in md and "\n);\n```" in md


def test_a_policy_changed_by_hand(revos) -> None:
    conn, dsn = revos
    conn.execute('ALTER POLICY "Users can view own record" ON users USING (true)')
    result = verify.verify_database(REVOS, dsn)
    assert codes(result) == {("drift-changed", "policy public.users.Users can view own record")}
    f = result.findings[0]
    assert (f.severity, str(f.evidence[0]), f.data["fields"]) == (
        "critical",
        "009_add_rls_policies_all_tables.sql:27",
        ["using"],
    )
    assert "auth.uid() = id" in f.assumed and f.actual == "using `true`"


def test_rls_disabled_by_hand(revos) -> None:
    conn, dsn = revos
    conn.execute("ALTER TABLE leads DISABLE ROW LEVEL SECURITY")
    result = verify.verify_database(REVOS, dsn)
    assert codes(result) == {("drift-changed", "table public.leads")}
    f = result.findings[0]
    assert f.title == "Row level security is off on `leads` in the database"
    # cited at the statement that enables RLS, not at CREATE TABLE
    assert (f.severity, str(f.evidence[0])) == ("critical", "009_add_rls_policies_all_tables.sql:16")


def test_history_missing_a_version_and_holding_an_unknown_one(revos) -> None:
    conn, dsn = revos
    versions = [f.name.split("_")[0] for f in FILES]
    assert "031" in versions and "035" not in versions
    history(conn, [v for v in versions if v != "031"] + ["035"])
    result = verify.verify_database(REVOS, dsn)
    assert codes(result) == {
        ("migration-not-applied", "031_lead_tags.sql"),
        ("migration-unknown", "version 035"),
    }
    assert result.history.table == "supabase_migrations.schema_migrations" and len(result.history.rows) == 27
    unknown = next(f for f in result.findings if f.code == "migration-unknown")
    assert unknown.evidence[0].kind == "database" and "'035'" in unknown.evidence[0].text


def test_history_that_agrees_and_the_history_table_is_not_drift(revos) -> None:
    conn, dsn = revos
    conn.execute("CREATE TABLE public.schema_migrations (version varchar PRIMARY KEY)")  # Rails/golang style
    conn.execute(
        "INSERT INTO public.schema_migrations SELECT unnest(%s::text[])",
        ([str(int(f.name.split("_")[0])) for f in FILES],),
    )
    result = verify.verify_database(REVOS, dsn, history_table="schema_migrations")
    assert codes(result) == set() and result.history.table == "public.schema_migrations"
    with pytest.raises(InputError, match="'nope' does not exist"):
        verify.verify_database(REVOS, dsn, history_table="nope")


def test_037_not_applied_with_a_history_table(pg_server, pg_db) -> None:
    apply(pg_db, skip=("037", "038"))
    history(pg_db, [f.name.split("_")[0] for f in FILES if not f.name.startswith(("037", "038"))])
    result = verify.verify_database(REVOS, dsn_of(pg_server, pg_db))
    assert codes(result) == {("drift-missing", f"table {t}") for t in CARTRIDGES} | {
        ("migration-not-applied", "037_client_cartridges.sql"),
        ("migration-not-applied", "038_cartridge_updated_at_triggers.sql"),
    }


@pytest.mark.parametrize(
    "text, key",
    [
        ("20240101120000", (20240101120000,)),
        ("001", (1,)),
        ("3.1", (3, 1)),
        ("1.0", (1,)),
        ("2019-02-26-002946", (2019, 2, 26, 2946)),
        ("v1", None),
    ],
)
def test_version_key(text: str, key) -> None:
    assert verify.version_key(text) == key


def test_history_versions_match_every_file_layout(tmp_path: Path) -> None:
    for name in (
        "V1__init.sql",
        "V3_1__x.sql",
        "20240101120000_y.sql",
        "2020-01-01-000000_z/up.sql",
        "007_w.sql",
    ):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text("SELECT 1;")
    files, _ = discover(tmp_path)
    rows = tuple(verify.HistoryRow(v) for v in ("1", "3.1", "20240101120000", "20200101000000", "9"))
    found = verify.migration_findings(files, verify.History("h", rows), Sources(tmp_path))
    assert {(f.code, f.subject) for f in found} == {
        ("migration-unknown", "version 9"),
        ("migration-not-applied", "007_w.sql"),
    }
    latest = verify.History("h", (verify.HistoryRow("20240101120000", status="latest"),))  # golang-migrate
    assert {f.subject for f in verify.migration_findings(files, latest, Sources(tmp_path))} == set()


# ------------------------------------------------------------------------------ project


@pytest.mark.parametrize(
    "dsn, ref, via, host",
    [
        (OTHER_PROJECT_DSN, "kvjcidxbyimoswntpjcp", "direct", "db.kvjcidxbyimoswntpjcp.supabase.co"),
        (
            "postgresql://postgres.trdoainmejxanrownbuz:p%40ss@aws-0-us.pooler.supabase.com:6543/postgres",
            "trdoainmejxanrownbuz",
            "pooler",
            "aws-0-us.pooler.supabase.com",
        ),
        (
            "host=db.trdoainmejxanrownbuz.supabase.co user=reader password='a b' dbname=postgres",
            "trdoainmejxanrownbuz",
            "direct",
            "db.trdoainmejxanrownbuz.supabase.co",
        ),
        (
            "postgresql://postgres:pw@aws-0-us-east-1.pooler.supabase.com:6543/postgres",
            None,
            "",
            "aws-0-us-east-1.pooler.supabase.com",
        ),  # a pooler user without .<ref>: unknown project
        ("postgresql://app:pw@localhost/app", None, "", "localhost"),
    ],
)
def test_parse_target(dsn: str, ref, via: str, host: str) -> None:
    t = verify.parse_target(dsn)
    assert (t.project_ref, t.via, t.host) == (ref, via, host)
    assert "***" in t.masked and not re.search(r"Secret-pw-1|p%40ss|'a b'|:pw@", t.masked)


def test_a_malformed_dsn_is_not_quoted() -> None:
    with pytest.raises(InputError) as e:
        verify.parse_target("host=x password='Secret-pw-1")
    assert "Secret" not in str(e.value)


def test_project_findings_for_a_dsn_of_another_project() -> None:
    schema, manifest, sources = load_schema(REVOS), load_manifest(MANIFEST), Sources(REVOS)
    other = verify.project_findings(verify.parse_target(OTHER_PROJECT_DSN), schema, manifest, sources)
    assert [(f.code, f.severity, f.subject) for f in other] == [
        ("project-ref-mismatch", "critical", "database")
    ]
    assert (
        other[0].data["found"] == "kvjcidxbyimoswntpjcp"
        and other[0].data["expected"] == "trdoainmejxanrownbuz"
    )
    assert [e.kind for e in other[0].evidence] == ["database", "manifest"]
    assert "Secret-pw-1" not in json.dumps(other[0].to_dict()) and ":***@db.kvj" in other[0].evidence[0].text
    own = verify.project_findings(verify.parse_target(OWN_PROJECT_DSN), schema, manifest, sources)
    assert [(f.code, f.severity, f.subject) for f in own] == [
        ("project-ref-mismatch", "warning", "037_client_cartridges.sql")
    ]
    assert str(own[0].evidence[0]) == "037_client_cartridges.sql:1"
    assert verify.project_findings(verify.parse_target("host=localhost"), schema, manifest, sources) == []


def test_the_seed_question_is_answered_for_the_own_project(revos) -> None:
    """Finding 5: 037 names another project; the database of the manifest's project has its tables."""
    conn, _ = revos
    with verify.open_session(dsn_of_conn(conn)) as session:
        other = verify.verify(
            REVOS, session, manifest=MANIFEST, target=verify.parse_target(OTHER_PROJECT_DSN)
        )
        own = verify.verify(REVOS, session, manifest=MANIFEST, target=verify.parse_target(OWN_PROJECT_DSN))
    assert codes(other) == {("project-ref-mismatch", "database")}
    assert codes(own) == {("project-ref-mismatch", "037_client_cartridges.sql")}
    assert (
        set(own.findings[0].data["present"]) == CARTRIDGES
        and "4 of its 4 tables exist" in own.findings[0].actual
    )


def dsn_of_conn(conn: psycopg.Connection) -> str:
    """The DSN of a test connection (the embedded server trusts local users: no password in it)."""
    info = conn.info
    return make_conninfo(host=info.host, port=info.port, user=info.user, dbname=info.dbname)


# ------------------------------------------------------------------------------ safety


def test_verify_writes_nothing(revos) -> None:
    conn, dsn = revos
    history(conn, [f.name.split("_")[0] for f in FILES])
    before = live.introspect(conn)
    rows_before = conn.execute("SELECT * FROM supabase_migrations.schema_migrations ORDER BY 1").fetchall()
    oids_before = conn.execute("SELECT count(*), max(oid::int8) FROM pg_class").fetchone()
    with verify.open_session(dsn) as session:
        result = verify.verify(REVOS, session)
        settings = session.execute(
            "SELECT current_setting('default_transaction_read_only'), "
            "current_setting('statement_timeout'), current_setting('lock_timeout')"
        ).fetchone()
        session.rollback()
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            session.execute("CREATE TABLE public.written_by_verify (id int)")
        session.rollback()
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            session.execute("DELETE FROM supabase_migrations.schema_migrations")
    assert codes(result) == set() and settings == ("on", "30s", "5s")
    assert live.introspect(conn) == before
    assert (
        conn.execute("SELECT * FROM supabase_migrations.schema_migrations ORDER BY 1").fetchall()
        == rows_before
    )
    assert conn.execute("SELECT count(*), max(oid::int8) FROM pg_class").fetchone() == oids_before


def test_verify_refuses_a_session_that_is_not_read_only(revos) -> None:
    conn, _ = revos
    with pytest.raises(DatabaseError, match="not read-only"):
        verify.verify(REVOS, conn)


@pytest.fixture
def password_role(pg_server: postgres.Server, revos) -> Iterator[tuple[str, str, str]]:
    """A login role with a password that the server checks (pg_hba: scram for this role only), allowed to
    read the history table; yields (role, password, dbname)."""
    conn, _ = revos
    role, password = f"verifier_{secrets.token_hex(4)}", f"Pw-{secrets.token_hex(8)}-x"
    history(conn, [f.name.split("_")[0] for f in FILES])
    conn.execute(
        sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(sql.Identifier(role), sql.Literal(password))
    )
    conn.execute(
        sql.SQL(
            "GRANT USAGE ON SCHEMA supabase_migrations TO {0}; "
            "GRANT SELECT ON supabase_migrations.schema_migrations TO {0}"
        ).format(sql.Identifier(role))
    )
    hba = Path(conn.execute("SHOW hba_file").fetchone()[0])
    original = hba.read_text() if hba.is_file() else None
    if original is not None:
        hba.write_text(f"local all {role} scram-sha-256\nhost all {role} all scram-sha-256\n{original}")
        conn.execute("SELECT pg_reload_conf()")
    wrong = make_conninfo(dsn_of_conn(conn), user=role, password="wrong")
    deadline = time.monotonic() + 5
    while True:  # until the server checks the password (the reload is asynchronous)
        try:
            psycopg.connect(wrong).close()
        except psycopg.OperationalError:
            break
        if time.monotonic() > deadline:
            pytest.fail(
                "the server accepts a wrong password for a new role: password tests need password auth"
            )
        time.sleep(0.05)
    try:
        yield role, password, conn.info.dbname
    finally:
        if original is not None:
            hba.write_text(original)
            conn.execute("SELECT pg_reload_conf()")
        conn.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(role)))
        conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))


@pytest.mark.parametrize("form", ["uri", "keywords"])
def test_a_password_never_appears_in_output(
    password_role, revos, tmp_path, capsys, caplog, form: str
) -> None:
    role, password, _ = password_role
    conn, _ = revos
    keywords = make_conninfo(dsn_of_conn(conn), user=role, password=password)
    info = conn.info
    dsn = (
        f"postgresql://{role}:{password}@/{info.dbname}?host={info.host}&port={info.port}"
        if form == "uri"
        else keywords
    )
    caplog.set_level(logging.DEBUG)
    texts = []
    for fmt in ("md", "json", "sarif"):
        out = tmp_path / f"report.{fmt}"
        assert (
            main(
                [
                    "verify",
                    str(REVOS),
                    "--dsn",
                    dsn,
                    "--manifest",
                    str(MANIFEST),
                    "--format",
                    fmt,
                    "--output",
                    str(out),
                ]
            )
            == 0
        )
        texts.append(out.read_text())
    assert main(["verify", str(REVOS), "--dsn", dsn, "--format", "json"]) == 0
    captured = capsys.readouterr()
    texts += [captured.out, captured.err, caplog.text]
    assert json.loads(texts[1])["verify"]["target"].count("***") == 1  # the masked DSN is shown
    assert all(password not in t for t in texts)
    assert json.loads(captured.out)["findings"] == []  # the role reads everything it needs


def test_a_wrong_password_ends_with_one_line_and_exit_2(password_role, revos, capsys) -> None:
    role, password, _ = password_role
    conn, _ = revos
    wrong = f"Wrong-{password}"
    dsn = make_conninfo(dsn_of_conn(conn), user=role, password=wrong)
    started = time.monotonic()
    assert main(["verify", str(REVOS), "--dsn", dsn, "--connect-timeout", "3"]) == 2
    captured = capsys.readouterr()
    assert time.monotonic() - started < 3 and captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1 and "password authentication failed" in lines[0] and "password=***" in lines[0]
    assert wrong not in captured.err and password not in captured.err


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A TCP port that accepts connections and never answers (to libpq: a host behind a black hole)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(8)
        yield s.getsockname()[1]


@pytest.mark.parametrize("case", ["never answers", "refuses"])
def test_an_unreachable_host_ends_with_one_line_and_exit_2_within_the_timeout(
    case, silent_port, capsys
) -> None:
    port = silent_port
    if case == "refuses":
        with socket.socket() as s:  # a port nothing listens on
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
    dsn = f"postgresql://reader:Secret-pw-1@127.0.0.1:{port}/postgres"
    started = time.monotonic()
    assert main(["verify", str(REVOS), "--dsn", dsn, "--connect-timeout", "2"]) == 2
    elapsed = time.monotonic() - started
    err = capsys.readouterr().err
    assert elapsed < 2 + 1, elapsed
    assert len(err.splitlines()) == 1 and err.startswith(
        f"schemalens: error: cannot connect to postgresql://reader:***@127.0.0.1:{port}/postgres: "
    )
    assert "Secret-pw-1" not in err
    assert ("timeout expired" in err) == (case == "never answers")


def test_a_malformed_dsn_ends_with_exit_2_and_no_password(capsys) -> None:
    assert main(["verify", str(REVOS), "--dsn", "host=x password='Secret-pw-1"]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "Secret" not in err


# ------------------------------------------------------------------------------ the CLI


def test_cli_without_a_dsn_builds_and_verifies_a_throwaway_database(monkeypatch, capsys) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert main(["verify", str(REVOS), "--manifest", str(MANIFEST), "--date", "2026-01-03"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# Runtime Verification: ") and "**Status:** DATABASE MATCHES THE MIGRATIONS" in out
    assert "`supabase_migrations.schema_migrations` records 27 migrations." in out
    assert (
        "| `cartridges` | `%cartridges%` | brand_cartridges, instruction_cartridges, style_cartridges, "
        "voice_cartridges | — | — |" in out
    )
    assert re.search(r"server \d+\.\d\d s, apply \d+\.\d\d s, .* total \d+\.\d\d s", out)


def test_cli_database_url_is_the_default_target_and_built_uses_its_server(
    pg_server, revos, monkeypatch, capsys
) -> None:
    conn, dsn = revos
    conn.execute("ALTER TABLE users ADD COLUMN nickname text")  # so the drifted database is recognisable
    monkeypatch.setenv("DATABASE_URL", dsn)
    assert main(["verify", str(REVOS), "--format", "json", "--fail-on", "warning"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert [f["subject"] for f in data["findings"]] == ["column public.users.nickname"]
    assert not data["verify"]["built"] and conn.info.dbname in data["verify"]["target"]
    monkeypatch.setenv("DATABASE_URL", pg_server.dsn("postgres"))  # --built: a throwaway db on that server
    assert main(["verify", str(REVOS), "--built", "--format", "json", "--fail-on", "warning"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["findings"] == [] and data["verify"]["built"] and data["verify"]["history"]["rows"] == 27
    assert set(data["verify"]["seconds"]) == {
        "server",
        "apply",
        "files",
        "introspect",
        "history",
        "compare",
        "total",
    }


def test_cli_exit_codes_and_sarif_for_drift(revos, tmp_path, capsys) -> None:
    conn, dsn = revos
    conn.execute("ALTER TABLE users DROP CONSTRAINT users_client_id_fkey")
    conn.execute("ALTER TABLE users ADD COLUMN nickname text")
    args = ["verify", str(REVOS), "--dsn", dsn]
    assert main(args) == 1
    md = capsys.readouterr().out
    assert "### 1. ❌ Foreign key `users_client_id_fkey` on `users` is missing from the database" in md
    assert "-- 001_initial_schema.sql:44: defined here" in md
    assert main(args + ["--fail-on", "never"]) == 0
    capsys.readouterr()
    assert (
        main(args + ["--fail-on", "critical", "--format", "sarif", "--output", str(tmp_path / "f.sarif")])
        == 1
    )
    run = json.loads((tmp_path / "f.sarif").read_text())["runs"][0]
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == ["drift-missing", "drift-extra"]
    located = {
        (r["ruleId"], r["locations"][0]["physicalLocation"]["region"]["startLine"]) for r in run["results"]
    }
    assert located == {("drift-missing", 44), ("drift-extra", 42)}
    conn.execute("ALTER TABLE users DROP COLUMN nickname")
    assert main(args + ["--fail-on", "warning", "--format", "json"]) == 1
    assert [f["code"] for f in json.loads(capsys.readouterr().out)["findings"]] == ["drift-missing"]


def test_cli_group_pattern(revos, capsys) -> None:
    conn, dsn = revos
    conn.execute("DROP TABLE voice_cartridges")
    assert main(["verify", str(REVOS), "--dsn", dsn, "--group", "%cartridge%", "--format", "json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["verify"]["groups"] == [
        {
            "name": "cartridge",
            "pattern": "%cartridge%",
            "expected": sorted(CARTRIDGES),
            "present": sorted(CARTRIDGES - {"public.voice_cartridges"}),
            "missing": ["public.voice_cartridges"],
            "database_only": [],
        }
    ]
    assert [(f["code"], f["subject"]) for f in data["findings"]] == [
        ("drift-missing", "table public.voice_cartridges")
    ]
