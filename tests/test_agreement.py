"""The project's main test: a real PostgreSQL, given the same migration files, agrees with the static model.

For the samples in ``data/``, every parse fixture PostgreSQL accepts (``tests/fixtures/parse``) and
every agreement fixture (``tests/fixtures/agreement``, examples the property-based test once
failed on), the Schema that ``load_schema`` builds from the files equals the Schema introspected
from a fresh database the files were applied to, under :func:`schemalens.read.diff.diff_schemas`.

A difference is allowed only when a statement the static analysis deliberately did not analyse
(DDL in a ``DO`` block) names the object; each excused difference is printed with its statement.
Fixtures PostgreSQL refuses are listed, with the reason, in
``tests/fixtures/agreement/refused_by_postgres.txt``, and each is checked to be still refused.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import psycopg
import pytest

from schemalens import load_schema
from schemalens.core.errors import ApplyError, DatabaseError
from schemalens.core.model import Schema, Source, Unparsed
from schemalens.db import live, postgres
from schemalens.read.diff import ADDED, REMOVED, Difference, diff_schemas, explained_by
from schemalens.read.migrations import discover

HERE = Path(__file__).parent
FIXTURES = HERE / "fixtures"
SAMPLES = sorted(p for p in (HERE.parent / "data").glob("*/migrations") if p.is_dir())
REFUSED_LIST = FIXTURES / "agreement" / "refused_by_postgres.txt"


def _refused() -> dict[str, str]:
    entries = {}
    for line in REFUSED_LIST.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, reason = line.partition(":")
            entries[name.strip()] = reason.strip()
    return entries


REFUSED = _refused()
FIXTURE_FILES = sorted([*FIXTURES.glob("parse/*.sql"), *FIXTURES.glob("agreement/*.sql")])
ACCEPTED = [f for f in FIXTURE_FILES if f.relative_to(FIXTURES).as_posix() not in REFUSED]


def as_folder(case: Path, tmp_path: Path) -> Path:
    """A fixture file as a one-file migration folder (as the parse fixture test does)."""
    folder = tmp_path / "migrations"
    folder.mkdir()
    shutil.copy(case, folder / f"001_{case.name}")
    return folder


def check_agreement(folder: Path, server: postgres.Server) -> list[tuple[Difference, Unparsed]]:
    """Assert that files and catalog agree; the excused differences, each with its statement."""
    static = load_schema(folder)
    files, _ = discover(folder)
    with server.database() as conn:
        catalog = live.schema_after(conn, files, folder)
    remaining, excused = diff_schemas(static, catalog).excuse(static.not_analysed)
    for difference, statement in excused:
        print(f"excused: {difference}\n    by {statement.source} ({statement.reason})")
    assert not remaining, f"the files and PostgreSQL disagree ({remaining.legend()}):\n{remaining}"
    return list(excused)


# ------------------------------------------------------------------------------ agreement

@pytest.mark.parametrize("folder", SAMPLES, ids=[p.parent.name for p in SAMPLES])
def test_sample_agrees_with_postgres(folder: Path, pg_server: postgres.Server) -> None:
    check_agreement(folder, pg_server)


@pytest.mark.parametrize("case", ACCEPTED, ids=[f.relative_to(FIXTURES).as_posix() for f in ACCEPTED])
def test_fixture_agrees_with_postgres(case: Path, tmp_path: Path, pg_server: postgres.Server) -> None:
    check_agreement(as_folder(case, tmp_path), pg_server)


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_listed_fixture_is_refused_by_postgres(name: str, tmp_path: Path, pg_db: psycopg.Connection) -> None:
    folder = as_folder(FIXTURES / name, tmp_path)
    files, _ = discover(folder)
    with pytest.raises(ApplyError):
        postgres.apply_files(pg_db, files, folder)


def test_samples_and_fixtures_are_found() -> None:
    assert {p.parent.name for p in SAMPLES} >= {"revos"}
    assert len(ACCEPTED) >= 10 and all((FIXTURES / name).exists() for name in REFUSED)


def test_revos_excuses_exactly_what_its_do_blocks_create(pg_server: postgres.Server) -> None:
    excused = check_agreement(HERE.parent / "data" / "revos" / "migrations", pg_server)
    assert {(d.kind, d.name, d.change) for d, _ in excused} == {
        ("column", "public.campaigns.daily_connection_limit", ADDED),
        ("enum", "public.message_direction", ADDED),
    }
    assert {str(st.source) for _, st in excused} == {"022_campaign_limits_and_message_direction.sql:6",
                                                     "022_campaign_limits_and_message_direction.sql:19"}


KNOWN_GAPS = {
    "default names": (
        "CREATE TABLE p (id int PRIMARY KEY);\n"
        "CREATE TABLE t (a int, b int);\n"
        "ALTER TABLE t ADD CONSTRAINT t_b_idx FOREIGN KEY (b) REFERENCES p;  -- a constraint, not a relation\n"
        "CREATE INDEX ON t (b);  -- PostgreSQL: t_b_idx (an index avoids relation names only)\n"
        "CREATE TABLE t_a_key (x int);  -- a relation\n"
        "ALTER TABLE t ADD UNIQUE (a);  -- PostgreSQL: t_a_key1 (a key avoids relation and constraint names)\n"),
    "partition columns": (
        "CREATE TABLE m (id int, k int, PRIMARY KEY (id, k)) PARTITION BY LIST (k);\n"
        "CREATE TABLE m1 PARTITION OF m FOR VALUES IN (1);\n"
        "ALTER TABLE m ADD COLUMN note text;  -- PostgreSQL adds it to m1 too\n"),
    "like": "CREATE TABLE a (id int PRIMARY KEY);\nCREATE TABLE b (LIKE a INCLUDING ALL, extra int);\n",
    "set schema": "CREATE SCHEMA app;\nCREATE TABLE c (id int);\nALTER TABLE c SET SCHEMA app;\n",
    "bit varying": "CREATE TABLE t (vb bit varying(5));\n",
}


@pytest.mark.xfail(strict=True, reason="known gaps of the static model, reported to the lead; remove a case once fixed")
@pytest.mark.parametrize("name", sorted(KNOWN_GAPS))
def test_known_gap(name: str, tmp_path: Path, pg_server: postgres.Server) -> None:
    (tmp_path / "001_gap.sql").write_text(KNOWN_GAPS[name])
    check_agreement(tmp_path, pg_server)


# --------------------------------------------------------------------- the excusing rule

DO = Unparsed(Source("1.sql", 3), "DO $$ BEGIN\n  ALTER TABLE Campaigns ADD COLUMN daily_limit int;\nEND $$",
              "DDL inside a DO block is not analysed")


@pytest.mark.parametrize("difference, excused", [
    (Difference("column", ("public", "campaigns", "daily_limit"), ADDED), True),
    (Difference("table", ("public", "campaigns"), ADDED), True),
    (Difference("column", ("public", "campaigns", "daily"), ADDED), False),  # a whole identifier only
    (Difference("column", ("public", "leads", "daily_limit"), ADDED), False),  # every part must be named
    (Difference("column", ("app", "campaigns", "daily_limit"), ADDED), False),  # a schema other than public too
    (Difference("function", ("public", "daily_limit", "integer"), REMOVED), True),  # arguments need not be named
])
def test_a_difference_is_excused_only_by_a_statement_naming_it(difference: Difference, excused: bool) -> None:
    assert (explained_by(difference, [DO]) is DO) is excused


def test_only_not_analysed_statements_excuse(pg_db: psycopg.Connection, tmp_path: Path) -> None:
    """A statement the parser failed on (``unparsed``) excuses nothing, even when it names the object."""
    (tmp_path / "001_x.sql").write_text("CREATE TABLE t (id int);\nCREATE TABLE u (id int) WITH (fillfactor = 70);\n")
    static = load_schema(tmp_path)
    catalog = live.schema_after(pg_db, discover(tmp_path)[0], tmp_path)
    # pretend the second statement went unparsed: its table is then missing from the static side
    crippled = Schema(tables=tuple(t for t in static.tables if t.name != "public.u"), unparsed=(DO,))
    remaining, excused = diff_schemas(crippled, catalog).excuse(crippled.not_analysed)
    assert not excused and [d.name for d in remaining] == ["public.u", "public.u.id"]


# ------------------------------------------------------------- the comparison can fail

def test_diff_reports_what_changed_behind_the_files_back(pg_db: psycopg.Connection, tmp_path: Path) -> None:
    folder = as_folder(FIXTURES / "parse" / "policies_rls.sql", tmp_path)
    static = load_schema(folder)
    before = live.baseline(pg_db)
    postgres.apply_files(pg_db, discover(folder)[0], folder)
    assert not diff_schemas(static, live.introspect(pg_db, before))
    pg_db.execute("ALTER TABLE notes ALTER COLUMN body SET NOT NULL")
    pg_db.execute("ALTER TABLE notes ALTER COLUMN body TYPE varchar(10)")
    pg_db.execute("ALTER POLICY notes_member ON notes USING (user_id = auth.uid())")
    pg_db.execute("ALTER TABLE notes DROP CONSTRAINT notes_user_id_fkey")
    pg_db.execute("ALTER TABLE users DISABLE ROW LEVEL SECURITY")
    pg_db.execute("CREATE TABLE extra (id int)")
    diff = diff_schemas(static, live.introspect(pg_db, before))
    assert [(d.kind, d.name, d.change) for d in diff] == [
        ("table", "public.extra", ADDED),
        ("table", "public.users", "changed"),
        ("column", "public.extra.id", ADDED),
        ("column", "public.notes.body", "changed"),
        ("foreign key", "public.notes.notes_user_id_fkey", REMOVED),
        ("policy", "public.notes.notes_member", "changed"),
    ]
    text = str(diff)
    assert "~ column public.notes.body: type: 'text' -> 'varchar(10)'; nullable: True -> False" in text
    assert "- foreign key public.notes.notes_user_id_fkey" in text


# ------------------------------------------------------------------ introspection itself

def test_baseline_hides_the_standins(pg_db: psycopg.Connection) -> None:
    everything = live.introspect(pg_db)
    assert everything.table("auth.users") is not None
    assert {"auth.uid", "storage.filename"} <= {f.name for f in everything.functions}
    assert live.introspect(pg_db, live.baseline(pg_db)) == Schema()


def test_objects_added_to_standin_tables_later_count(pg_db: psycopg.Connection) -> None:
    before = live.baseline(pg_db)
    pg_db.execute("CREATE FUNCTION public.on_signup() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$")
    pg_db.execute("CREATE TRIGGER on_auth_user_created AFTER INSERT ON auth.users "
                  "FOR EACH ROW EXECUTE FUNCTION public.on_signup()")
    pg_db.execute("CREATE POLICY own_files ON storage.objects FOR SELECT USING (owner = auth.uid())")
    found = live.introspect(pg_db, before)
    assert [(t.table, t.name, t.timing, t.events) for t in found.triggers] == [
        ("auth.users", "on_auth_user_created", "AFTER", ("INSERT",))]
    assert [(p.table, p.name, p.using) for p in found.policies] == [
        ("storage.objects", "own_files", "(owner = auth.uid())")]
    assert not found.tables


def test_partition_copies_are_left_out(pg_db: psycopg.Connection) -> None:
    pg_db.execute("""
        CREATE TABLE p (id int, k int, PRIMARY KEY (id, k), UNIQUE (k, id)) PARTITION BY RANGE (k);
        CREATE TABLE p1 PARTITION OF p FOR VALUES FROM (0) TO (10);
        CREATE TABLE r (id int PRIMARY KEY, pid int, pk int, FOREIGN KEY (pid, pk) REFERENCES p (id, k));
        CREATE INDEX p_k ON p (k);
    """)
    found = live.introspect(pg_db, None)
    p1 = found.table("p1")
    assert p1 is not None and p1.partition_of == "public.p" and p1.primary_key == ("id", "k")
    assert p1.primary_key_name == "p1_pkey" and p1.uniques == ()
    assert [(fk.table, fk.name) for fk in found.foreign_keys if fk.table.startswith("public.")] == [
        ("public.r", "r_pid_pk_fkey")]
    assert [i.name for i in found.indexes if i.table.startswith("public.")] == ["p_k"]


def test_introspection_runs_in_a_read_only_transaction(pg_db: psycopg.Connection) -> None:
    with live.readonly_transaction(pg_db):
        assert pg_db.execute("SHOW transaction_read_only").fetchone() == ("on",)
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            pg_db.execute("CREATE TABLE nope (id int)")


def test_connect_readonly_refuses_writes(pg_server: postgres.Server) -> None:
    name = pg_server.create_database()
    try:
        with live.connect_readonly(pg_server.dsn(name), statement_timeout_ms=1500) as conn:
            assert conn.execute("SHOW statement_timeout").fetchone() == ("1500ms",)
            assert conn.execute("SHOW default_transaction_read_only").fetchone() == ("on",)
            with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
                conn.execute("CREATE TABLE nope (id int)")
            conn.rollback()
            assert live.introspect(conn) == Schema()
    finally:
        pg_server.drop_database(name)


def test_connect_readonly_never_shows_the_password() -> None:
    with pytest.raises(DatabaseError) as caught:
        live.connect_readonly("postgresql://app:topsecret@127.0.0.1:1/db?connect_timeout=2")
    assert "topsecret" not in str(caught.value) and "***" in str(caught.value)
    assert "topsecret" not in live.mask_dsn("host=db user=app password=topsecret")


def test_a_malformed_dsn_never_shows_its_password() -> None:
    from schemalens.core.errors import DatabaseError
    from schemalens.db.live import connect_readonly

    with pytest.raises(DatabaseError) as e:
        connect_readonly("host=localhost password='s3cr3t-value")
    assert "s3cr3t-value" not in str(e.value) and "not a valid connection string" in str(e.value)
