"""Options valid against the schema: a foreign key option checks what PostgreSQL needs before it is written.

Shaped like the failures seen on public apps: a plan assumes ``orders.customer_code -> customers.code``
where ``code`` has no unique constraint ("there is no unique constraint matching given keys"), and
``payments.user_id -> auth.users.id`` where ``user_id`` is ``text`` (a Stripe-style id, not a uuid).
The first option adapts (the unique constraint is its own step, with its lock, rollback and a blocking
check for duplicates) and is proven, or refused by that check when two customers share a code; the
second is not offered, and the decision says why.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from schemalens.assess.compare import analyse
from schemalens.db.rehearse import rehearse
from schemalens.db.volume import measure
from schemalens.decide.claims import wrong_claims
from schemalens.decide.options import decide
from schemalens.decide.options.valid import (
    column_free,
    comparable,
    family,
    reference_types,
    scope_column,
    unique_target,
)
from schemalens.decide.sqlgen import ACCESS_EXCLUSIVE, ACCESS_SHARE
from schemalens.present.display import shown
from schemalens.read.migrations import discover

MIGRATION = """
CREATE TABLE public.customers (id uuid PRIMARY KEY, code text NOT NULL, name text);
CREATE TABLE public.orders (id uuid PRIMARY KEY, customer_code text, total int);
CREATE TABLE public.payments (id uuid PRIMARY KEY, user_id text NOT NULL, amount int);
"""
MANIFEST = """
root: customers
foreign_keys:
  - orders.customer_code -> customers.code
  - payments.user_id -> auth.users.id
"""
ROWS = """
INSERT INTO public.customers VALUES ('c0000000-0000-0000-0000-000000000001', 'ACME', 'Acme'),
  ('c0000000-0000-0000-0000-000000000002', 'INITECH', 'Initech');
INSERT INTO public.orders VALUES ('d0000000-0000-0000-0000-000000000001', 'ACME', 10);
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("shop")
    (root / "migrations").mkdir()
    (root / "migrations" / "001_init.sql").write_text(MIGRATION)
    (root / "manifest.yaml").write_text(MANIFEST)
    (root / "rows.sql").write_text(ROWS)
    (root / "duplicates.sql").write_text(ROWS + "INSERT INTO public.customers VALUES "
                                         "('c0000000-0000-0000-0000-000000000003', 'ACME', 'Acme again');\n")
    return root


@pytest.fixture(scope="module")
def decisions(project: Path):
    return decide(analyse(project / "migrations", project / "manifest.yaml"))


def test_a_key_to_a_column_without_unique_constraint_adds_it_first(decisions) -> None:
    add = decisions["foreign-key-orders-customer_code"].option("A")
    guard, build = add.up  # in autocommit: the guard refuses duplicates, then the index is built CONCURRENTLY
    assert add.autocommit("up") and "RAISE EXCEPTION" in guard.sql and guard.strongest == ACCESS_SHARE
    assert build.sql == "CREATE UNIQUE INDEX CONCURRENTLY customers_code_key ON public.customers (code);"
    assert add.scripts == ("up", "key", "validate", "down") and not add.autocommit("key")
    first, fk = add.steps("key")
    assert first.sql == ("ALTER TABLE public.customers ADD CONSTRAINT customers_code_key UNIQUE USING INDEX "
                         "customers_code_key;")
    assert [(lk.table, lk.mode) for lk in first.locks] == [("public.customers", ACCESS_EXCLUSIVE)]
    assert "FOREIGN KEY (customer_code) REFERENCES public.customers (code)" in fk.sql
    assert add.down[-1].sql == "ALTER TABLE public.customers DROP CONSTRAINT customers_code_key;"
    dup = next(c for c in add.checks if c.name == "duplicates")
    assert dup.blocking and dup.when == "before up"
    assert any("unique index `customers_code_key` CONCURRENTLY" in r.text for r in add.risks)


def test_the_adapted_option_is_proven_and_its_locks_observed(project: Path, decisions, pg_server) -> None:
    option = decisions["foreign-key-orders-customer_code"].option("A")
    r = rehearse(decisions, project / "migrations", seed=project / "rows.sql", server=pg_server, options=[option])[0]
    assert r.verdict == "proven" and r.lock_mismatches == (), shown(r)
    assert wrong_claims(r) == ()
    key = next(s for s in r.locks if s.script == "key")
    assert key.observed[0].mode == ACCESS_EXCLUSIVE


def test_duplicate_values_refuse_it_where_the_preflight_said(project: Path, decisions, pg_server) -> None:
    option = decisions["foreign-key-orders-customer_code"].option("A")
    r = rehearse(decisions, project / "migrations", seed=project / "duplicates.sql", server=pg_server,
                 options=[option])[0]
    assert r.verdict == "refused" and [c.check.name for c in r.predicted] == ["duplicates"]
    assert "has duplicate values: see preflight.sql (duplicates); nothing was changed" in r.scripts[0].error
    assert r.restored  # the guard refused before the build: no INVALID index is left behind


def test_the_unique_target_holds_no_write_blocking_lock_while_its_index_reads_the_rows(project: Path, decisions,
                                                                                       pg_server) -> None:
    # issue 20, volume: before, ADD CONSTRAINT … UNIQUE held ACCESS EXCLUSIVE on customers for the whole build
    option = decisions["foreign-key-orders-customer_code"].option("A")
    files, _ = discover(project / "migrations")
    m = measure(pg_server, files, project / "migrations", project / "rows.sql", option, 20_000)
    assert not m.error and dict(m.filled.rows)["public.customers"] >= 20_000, m.error
    assert [h for h in m.run.held if h.script == "up"] == []  # the build: SHARE UPDATE EXCLUSIVE only
    assert ("public.customers", ACCESS_EXCLUSIVE) in {(h.table, h.mode) for h in m.run.held if h.script == "key"}
    assert m.run.seconds["up"] > max(h.seconds for h in m.run.held if h.script == "key")


def test_a_key_between_incomparable_types_is_not_offered(decisions) -> None:
    d = decisions["user-mapping"]  # a key to auth.users opens the user-mapping decision
    assert "A" not in [o.key for o in d.options] and "B" in [o.key for o in d.options]
    assert "A (a foreign key) does not apply: `payments.user_id` is text and `auth.users.id` is uuid" in d.why


def test_the_soft_reference_checks_of_incomparable_types_compare_as_text(project: Path, decisions, pg_server) -> None:
    # chatgpt-your-files: documents.storage_object_id (uuid) against storage.objects.name (text); a preflight
    # PostgreSQL refuses ("operator does not exist: text = uuid") checks nothing and fails the option
    option = decisions["user-mapping"].option("B")
    assert "r.id::text = t.user_id::text" in option.checks[0].sql
    r = rehearse(decisions, project / "migrations", server=pg_server, options=[option], platform="supabase")[0]
    assert all(not c.error for c in r.checks) and r.verdict == "proven", shown(r)


def test_the_checks_themselves(decisions) -> None:
    schema = decisions.findings.schema
    assert unique_target(schema, "public.customers", ["id"]) == ""
    assert "no primary key or unique constraint on code" in unique_target(schema, "public.customers", ["code"])
    assert unique_target(schema, "auth.users", ["id"]) == ""
    assert reference_types(schema, "public.orders", ["customer_code"], "public.customers", ["code"]) == ""
    assert column_free(schema, "public.orders", "total") == "`orders` already has a column `total`"
    assert comparable(schema, "public.orders", ["customer_code"], "public.customers", ["code"])
    assert not comparable(schema, "public.payments", ["user_id"], "auth.users", ["id"])  # text and uuid
    assert not comparable(schema, "public.payments", ["id"], "storage.objects", ["name"])  # a type not known here
    assert column_free(schema, "public.orders", "agency_id") == ""
    assert (family("character varying(3)"), family("int8"), family("vector(3)")) == ("text", "integer", None)


SCOPED = """
CREATE TABLE public.teams (id uuid PRIMARY KEY, name text NOT NULL);
CREATE TABLE public.members (id uuid PRIMARY KEY REFERENCES auth.users (id),
                             team_id uuid NOT NULL REFERENCES public.teams (id));
CREATE TABLE public.notes (id uuid PRIMARY KEY, user_id uuid NOT NULL REFERENCES public.members (id), body text);
CREATE TABLE public.invites (id uuid PRIMARY KEY, invited_by uuid NOT NULL REFERENCES public.members (id),
                             team_id uuid, email text);
"""


@pytest.fixture(scope="module")
def scoped(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("teams")
    (root / "migrations").mkdir()
    (root / "migrations" / "001_init.sql").write_text(SCOPED)
    (root / "manifest.yaml").write_text("root: teams\nhierarchy:\n  - members -> teams\n"
                                        "scoping:\n  notes: teams\n  invites: teams\n")
    return root


def test_a_re_scope_leaves_out_a_table_that_has_the_column_and_is_proven_on_generated_rows(scoped, pg_server) -> None:
    decisions = decide(analyse(scoped / "migrations", scoped / "manifest.yaml"))
    d = decisions["scope-of-notes"]
    rescope = d.option("B")
    # each table is its own finding (issue 15): the invites decision says why it has no option B
    assert "B leaves out invites: `invites` already has a column `team_id`." in decisions["scope-of-invites"].why
    assert [o.key for o in decisions["scope-of-invites"].options] == ["A"]
    assert [s.sql.split("\n")[0] for s in rescope.up if "ADD COLUMN" in s.sql] == [
        "ALTER TABLE public.notes ADD COLUMN team_id uuid;"]  # nullable first, its key NOT VALID (issue 20)
    assert [s.sql for s in rescope.up if "FOREIGN KEY" in s.sql] == [
        "ALTER TABLE public.notes ADD CONSTRAINT notes_team_id_fkey FOREIGN KEY (team_id) REFERENCES public.teams (id) "
        "ON DELETE CASCADE NOT VALID;"]
    rs = rehearse(decisions, scoped / "migrations", server=pg_server, options=[rescope])
    assert rs.seed is None and dict(rs.generated.rows)["public.notes"] == 3  # no seed: generated rows
    r = rs[0]
    assert r.verdict == "proven" and r.rows_kept and r.lock_mismatches == (), shown(r)
    assert any(lk.mode == "ACCESS EXCLUSIVE" for s in r.locks for lk in s.observed if lk.table == "public.notes")


def test_no_second_key_to_an_entity_a_table_already_references(scoped) -> None:
    schema = analyse(scoped / "migrations", scoped / "manifest.yaml").schema
    assert scope_column(schema, "public.invites", "public.members", "created_by") == (
        "`invites` already references `members` through `invited_by`")
    assert scope_column(schema, "public.notes", "public.teams", "team_id") == ""


def test_a_planned_table_keeps_its_keys_on_the_column_that_replaced_the_parent_key(pg_db) -> None:
    """A hierarchy option rewrites a planned ``CREATE TABLE`` whose parent changes: the table-level
    primary key and unique constraint follow the renamed column (PostgreSQL rejects a key on a column
    the table no longer has), and the table is created."""
    from schemalens.core.model import Column, ForeignKey, Schema, Table
    from schemalens.decide.rewrite import Renames, Rewriter
    from schemalens.read.documents import parse_document

    schema = Schema(tables=(Table("public.orgs", (Column("id", "uuid"),), ("id",)),
                            Table("public.teams", (Column("id", "uuid"), Column("org_id", "uuid")), ("id",))),
                    foreign_keys=(ForeignKey("f1", "public.teams", ("org_id",), "public.orgs", ("id",)),))
    planned = ("CREATE TABLE stats (tenant_id uuid NOT NULL REFERENCES tenants (id), month date NOT NULL, n int,\n"
               "  PRIMARY KEY (tenant_id, month), UNIQUE (tenant_id, n));")
    doc = parse_document(f"# Stats\n\n```sql\n{planned}\n```\n", "stats.md")
    renames = Renames(tables=(("public.tenants", "public.orgs"),),
                      parents=(("public.stats", "public.tenants", "public.teams"),))
    sql, _ = Rewriter(schema, renames, [doc], drop_missing_references=True).sql(planned)
    assert sql == ("CREATE TABLE stats (team_id uuid NOT NULL REFERENCES teams (id), month date NOT NULL, n int,\n"
                   "  PRIMARY KEY (team_id, month), UNIQUE (team_id, n));")
    pg_db.execute("CREATE TABLE public.orgs (id uuid PRIMARY KEY); CREATE TABLE public.teams (id uuid PRIMARY KEY, "
                  "org_id uuid REFERENCES public.orgs (id));")
    pg_db.execute(sql)
    assert pg_db.execute("SELECT count(*) FROM pg_constraint WHERE conrelid = 'public.stats'::regclass "
                         "AND contype IN ('p', 'u')").fetchone()[0] == 2
