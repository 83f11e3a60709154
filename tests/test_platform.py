"""Platform and runner detection on layouts shaped like real histories (fixtures written here)."""

from __future__ import annotations

import pytest

from schemalens.platform import detect_platform, detect_runner


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
