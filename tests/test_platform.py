"""Platform and runner detection on layouts shaped like real histories (fixtures written here)."""

from __future__ import annotations

import pytest

from schemalens.read.platform import detect_platform, detect_runner, render_templates


@pytest.mark.parametrize(
    ("paths", "texts", "runner"),
    [
        (["migrations/2019-02-26-002946_create_users/up.sql", "migrations/2019-02-26-002946_create_users/down.sql"],
         [], "diesel"),
        (["db/structure.sql"], [], "rails"),
        (["db/migration/V1__init.sql", "db/migration/V1.1__index.sql"], [], "flyway"),
        (["migrations/1_init.up.sql", "migrations/1_init.down.sql", "migrations/2_x.up.sql"], [], "golang-migrate"),
        (["prisma/migrations/20230101000000_init/migration.sql", "prisma/migrations/migration_lock.toml"], [],
         "prisma"),
        (["supabase/migrations/20240101120000_init.sql"], [], "supabase"),
        (["drizzle/0000_init.sql", "drizzle/meta/_journal.json"],
         ["CREATE TABLE a (id int);\n--> statement-breakpoint\nCREATE TABLE b (id int);"], "drizzle"),
        (["sql/001_init.sql", "sql/002_users.sql"], ["CREATE TABLE a (id int);"], "plain"),
        # supabase/auth: numbered up.sql files (golang-migrate's shape) that are pop's Go templates
        (["migrations/00_init_auth_schema.up.sql"],
         ['CREATE TABLE IF NOT EXISTS {{ index .Options "Namespace" }}.users (id uuid);'], "pop"),
        (["migrations/tenant/0001-initialmigration.sql", "migrations/tenant/0028-x.sql"],
         ["CREATE TABLE t (id int);", "-- postgres-migrations disable-transaction\nCREATE INDEX CONCURRENTLY i ON t (id);"],
         "postgres-migrations"),
    ],
)
def test_runner_from_layout(paths, texts, runner):
    assert detect_runner(paths, texts).name == runner


def test_supabase_from_what_the_files_use_with_reasons():
    found = detect_platform(["001_init.sql"], ["GRANT SELECT ON t TO authenticated;", "SELECT auth.uid();"])
    assert found.name == "supabase"
    assert set(found.reasons) == {"calls auth.uid()/auth.jwt()", "grants to Supabase's API roles"}


def test_a_service_that_creates_auth_itself_is_plain_postgres():
    # hasura-auth and supabase/storage create the schema a Supabase project would get from the platform
    texts = ["CREATE SCHEMA storage;\nALTER TABLE storage.objects ENABLE ROW LEVEL SECURITY;"]
    found = detect_platform(["1_init.up.sql"], texts)
    assert (found.name, found.reasons) == ("postgres", ("the files create the storage schema themselves",))


def test_given_platform_wins_and_must_be_known():
    assert detect_platform(["supabase/migrations/1_x.sql"], ["SELECT auth.uid();"], given="postgres").given
    with pytest.raises(ValueError, match="not one of"):
        detect_platform([], [], given="oracle")


def test_pop_templates_are_rendered_for_the_static_analysis_too(tmp_path):
    from schemalens import load_schema

    (tmp_path / "00_init.up.sql").write_text(
        'CREATE TABLE IF NOT EXISTS {{ index .Options "Namespace" }}.users (id uuid PRIMARY KEY);\n'
        'CREATE INDEX u ON {{index .Options "Namespace" }}.users (id);\n')
    schema = load_schema(tmp_path)
    assert [t.name for t in schema.tables] == ["auth.users"] and not schema.unparsed
    assert detect_platform(["00_init.up.sql"], [render_templates((tmp_path / "00_init.up.sql").read_text())]).reasons \
        == ("the files create the auth schema themselves",)


@pytest.mark.parametrize("order", [0, 1, 2])
def test_marks_give_what_the_texts_give(order):
    """detect_platform from each file's text_marks (kept between runs by schemalens.read.marks) is the
    detection from the texts: the same name, and the reasons in the same order (by file, then expression)."""
    from schemalens.read.platform import text_marks

    texts = ["GRANT SELECT ON t TO authenticated;", "CREATE TABLE x (id int);",
             "CREATE POLICY p ON t USING (auth.uid() = owner); ALTER PUBLICATION supabase_realtime ADD TABLE t;",
             "SELECT * FROM storage.objects, auth.users;", "CREATE TABLE IF NOT EXISTS auth.sessions (id uuid);"]
    texts = texts[order:] + texts[:order]
    for paths in (["001_init.sql"], ["app/supabase/migrations/001_init.sql"]):
        from_texts = detect_platform(paths, texts)
        assert detect_platform(paths, [], marks=[text_marks(t) for t in texts]) == from_texts
        assert len(from_texts.reasons) >= 2 or from_texts.name == "postgres"
