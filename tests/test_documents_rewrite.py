"""The planned documents, rewritten to the actual schema (or the one after chosen options), run on PostgreSQL.

Static checks: only names change (every other character stays), nothing the rewritten documents use is
missing, and the chain a missing ``users.tenant_id`` stands for follows what it is compared with. On
PostgreSQL: the original documents fail on the sample; the rewritten ones run after the chosen
options' ``up.sql`` (and carry out the options whose tables they create), and give the results the
seed predicts (10 unified cartridges, 4/3/3 per agency, RLS per agency).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import psycopg
import pytest

from schemalens.assess.compare import analyse
from schemalens.core.errors import ApplyError
from schemalens.core.model import Column, ForeignKey, Schema, Table
from schemalens.db import postgres
from schemalens.decide.document_rewrite import rewrite_documents
from schemalens.decide.options import decide
from schemalens.decide.rewrite import Renames, Rewriter
from schemalens.read.document_references import missing_references
from schemalens.read.documents import parse_document, sql_blocks
from schemalens.read.migrations import discover

DATA = Path(__file__).resolve().parent.parent / "data"
REVOS = analyse(DATA / "revos" / "migrations", DATA / "revos" / "manifest.yaml")
ACME = analyse(DATA / "acme" / "migrations", DATA / "acme" / "manifest.yaml")
DECISIONS = decide(REVOS)
MAYA, PRIYA = "d0000000-0000-0000-0000-000000000001", "d0000000-0000-0000-0000-000000000004"

CONFIGS = {
    "keep-agencies": {"root-entity": "B"},
    "seed-decisions": {
        "root-entity": "B",
        "user-mapping": "B",
        "proposed-hierarchy": "A",
        "scope-of-cartridges": "C",
    },
    "rename-to-tenants": {
        "root-entity": "A",
        "user-mapping": "C",
        "proposed-hierarchy": "B",
        "scope-of-cartridges": "A",
    },
    "re-scope-and-fk": {
        "root-entity": "B",
        "user-mapping": "A",
        "proposed-hierarchy": "B",
        "scope-of-cartridges": "B",
    },
}


def _outside_sql(text: str) -> list[str]:
    lines = text.splitlines()
    inside = {n for a, b in sql_blocks(text) for n in range(a, b + 1)}
    return [ln for n, ln in enumerate(lines, 1) if n not in inside]


def _undone(after: str, changes) -> str:
    """``after`` with every change undone on its line (edits add no line), to compare with the original."""
    lines = after.split("\n")
    for c in sorted(changes, key=lambda c: -len(c.new)):
        lines[c.line - 1] = lines[c.line - 1].replace(c.new, c.old, 1)
    return "\n".join(lines)


# Static -----------------------------------------------------------------------------------------------


def test_keeping_agencies_rewrites_every_missing_name() -> None:
    rewrite = rewrite_documents(REVOS, {"root-entity": "B"})
    assert [d.name for d in rewrite] == [
        f"plans/{n}"
        for n in (
            "CC1-audienceos-core-tables.md",
            "CC2-unified-cartridges.md",
            "CC3-rls-policies.md",
            "CC4-user-mapping.md",
        )
    ]
    docs = [parse_document(d.text, d.name) for d in rewrite]
    assert missing_references(REVOS.schema, docs) == []  # before: 6 document-reference findings
    assert all(not d.unresolved for d in rewrite)
    for d in rewrite:
        sql = "\n".join(d.sql())
        assert not re.search(r"\btenants\b|\btenant_id\b", sql), d.name  # names in quotes/function names stay
        assert _outside_sql(d.text) == _outside_sql(d.original)
        assert len(d.text.splitlines()) == len(d.original.splitlines())
        assert _undone(d.text, d.changes) == d.original  # only the changed names differ
    cc1 = rewrite["CC1-audienceos-core-tables.md"]
    assert "+  agency_id UUID NOT NULL REFERENCES agencies(id) ON DELETE CASCADE," in cc1.diff
    assert "+CREATE INDEX idx_alerts_agency_id ON alerts(agency_id);" in cc1.diff
    assert cc1.diff.startswith(
        "--- a/plans/CC1-audienceos-core-tables.md\n+++ b/plans/CC1-audienceos-core-tables.md\n"
    )
    assert (
        "received_at TIMESTAMPTZ NOT NULL DEFAULT now()" in cc1.text
    )  # sqlglot would have written CURRENT_TIMESTAMP


def test_users_tenant_id_follows_what_it_is_compared_with() -> None:
    rewrite = rewrite_documents(REVOS, {"root-entity": "B", "proposed-hierarchy": "A"})
    cc3 = rewrite["CC3-rls-policies.md"].text
    # a client-scoped table compares with the user's client: one hop, a column
    assert "USING (client_id IN (SELECT client_id FROM users WHERE id = auth.uid()));" in cc3
    # an agency-scoped table (cartridges) and the agency itself: the chain is joined in
    chain = (
        "SELECT clients.agency_id FROM users JOIN clients ON clients.id = users.client_id "
        "WHERE users.id = auth.uid()"
    )
    assert (
        f"USING (agency_id IN ({chain}))" in cc3
        and f"ON agencies FOR SELECT\n  USING (id IN ({chain}));" in cc3
    )
    cc4 = rewrite["CC4-user-mapping.md"].text
    assert (
        "(SELECT clients.agency_id FROM clients WHERE clients.id = u.client_id) AS agency_id," in cc4
    )  # a join exists
    assert f"  {chain}\n$$;" in cc4
    assert [(o.decision, o.key) for o in rewrite.carried] == [("proposed-hierarchy", "A")]


def test_renaming_the_root_leaves_the_plans_names_and_rewrites_the_chain() -> None:
    rewrite = rewrite_documents(REVOS, {"root-entity": "A", "proposed-hierarchy": "B"})
    assert rewrite["CC1-audienceos-core-tables.md"].diff == ""  # tenants and tenant_id exist after the rename
    cc3 = rewrite["CC3-rls-policies.md"].text
    assert "SELECT clients.tenant_id FROM users JOIN clients ON clients.id = users.client_id" in cc3
    assert rewrite.schema.table("tenants") is not None and rewrite.schema.table("agencies") is None


def test_acme_documents_keep_what_cannot_be_resolved() -> None:
    rewrite = rewrite_documents(ACME, {"proposed-hierarchy": "A"})
    inv = rewrite["01-invoices.md"]
    assert "+    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE," in inv.diff
    assert any("teams" in u for u in inv.unresolved)
    access = rewrite["02-invoice-access.md"]
    assert access.diff and any("workspaces.owner_id" in u for u in access.unresolved)


def test_rewriter_on_its_own() -> None:
    s = Schema(
        tables=(
            Table("public.orgs", (Column("id", "uuid"),), ("id",)),
            Table("public.teams", (Column("id", "uuid"), Column("org_id", "uuid")), ("id",)),
            Table("public.users", (Column("id", "uuid"), Column("team_id", "uuid")), ("id",)),
        ),
        foreign_keys=(
            ForeignKey("f1", "public.teams", ("org_id",), "public.orgs", ("id",)),
            ForeignKey("f2", "public.users", ("team_id",), "public.teams", ("id",)),
        ),
    )
    r = Rewriter(s, Renames(tables=(("public.tenants", "public.orgs"),)))
    text, changes = r.sql(
        "SELECT u.tenant_id, 1 FROM users u JOIN x ON x.id = u.id;\nALTER TABLE tenants ENABLE ROW LEVEL "
        "SECURITY;"
    )
    assert text == (
        "SELECT (SELECT teams.org_id FROM teams WHERE teams.id = u.team_id) AS org_id, 1 FROM users u "
        "JOIN x ON x.id = u.id;\nALTER TABLE orgs ENABLE ROW LEVEL SECURITY;"
    )
    assert [c.line for c in changes] == [1, 2]
    assert (
        r.sql("SELECT nothing_id FROM users;")[0] == "SELECT nothing_id FROM users;"
    )  # no entity: left as is


# On PostgreSQL ---------------------------------------------------------------------------------------------


def _prepare(conn: psycopg.Connection) -> None:
    folder = DATA / "revos" / "migrations"
    postgres.apply_files(conn, discover(folder)[0], folder)
    postgres.apply_sql(conn, (DATA / "revos" / "seed.sql").read_text(), "seed.sql")


def _run(conn: psycopg.Connection, rewrite) -> None:
    for o in rewrite.applied:
        postgres.apply_sql(conn, o.script("up"), f"{o.decision}/{o.slug}/up.sql")
    for d in rewrite:
        for i, block in enumerate(d.sql(), 1):
            postgres.apply_sql(conn, block, f"{d.name} block {i}")


def _as(conn: psycopg.Connection, user: str, sql: str):
    conn.execute("BEGIN")
    try:
        conn.execute("SET LOCAL ROLE authenticated")
        conn.execute("SELECT set_config('request.jwt.claims', %s, true)", (json.dumps({"sub": user}),))
        return conn.execute(sql).fetchall()
    finally:
        conn.execute("ROLLBACK")


def test_the_original_documents_fail_on_the_sample(pg_db: psycopg.Connection) -> None:
    _prepare(pg_db)
    cc1 = next(d for d in REVOS.documents if d.name.endswith("CC1-audienceos-core-tables.md"))
    block = "\n".join(
        cc1.text.splitlines()[slice(sql_blocks(cc1.text)[0][0] - 1, sql_blocks(cc1.text)[0][1])]
    )
    with pytest.raises(ApplyError, match='relation "tenants" does not exist'):
        postgres.apply_sql(pg_db, block, "CC1")


@pytest.mark.parametrize("config", sorted(CONFIGS))
def test_rewritten_documents_run_after_the_chosen_options(config: str, pg_db: psycopg.Connection) -> None:
    _prepare(pg_db)
    rewrite = rewrite_documents(REVOS, CONFIGS[config], DECISIONS)
    _run(pg_db, rewrite)
    root, key = (
        ("tenants", "tenant_id") if CONFIGS[config]["root-entity"] == "A" else ("agencies", "agency_id")
    )
    # CC2 moved the 10 mappable cartridges to their agencies (its inner join drops the 2 unmappable ones)
    per_agency = pg_db.execute(f"SELECT {key}, count(*) FROM cartridges GROUP BY 1 ORDER BY 1").fetchall()
    assert [n for _, n in per_agency] == [4, 3, 3]
    # CC3: RLS per agency on the unified table, and the caller's own tenant row
    assert _as(pg_db, MAYA, "SELECT count(*) FROM cartridges") == [(4,)]
    assert _as(pg_db, PRIYA, "SELECT count(*) FROM cartridges") == [(3,)]
    assert _as(pg_db, MAYA, f"SELECT count(*) FROM {root}") == [(1,)]
    # CC4: the view and the helper read the agency through the chain
    cols = [
        r[0]
        for r in pg_db.execute(
            "SELECT attname FROM pg_attribute WHERE attrelid = 'user_profiles'::regclass "
            "AND attnum > 0 ORDER BY attnum"
        ).fetchall()
    ]
    assert cols[:2] == ["id", key]
    assert _as(pg_db, MAYA, "SELECT current_tenant_id()::text") == [("a0000000-0000-0000-0000-000000000001",)]
    # CC1: the new tables hang where the hierarchy decision says
    parent = {"A": "clients", "B": root}[CONFIGS[config].get("proposed-hierarchy", "B")]
    refs = pg_db.execute(
        "SELECT confrelid::regclass::text FROM pg_constraint WHERE conrelid = 'communications'::regclass "
        "AND contype = 'f'"
    ).fetchall()
    assert refs == [(parent,)]


def test_acme_hierarchy_option_drops_the_reference_to_a_missing_table(pg_db: psycopg.Connection) -> None:
    folder = DATA / "acme" / "migrations"
    postgres.apply_files(pg_db, discover(folder)[0], folder)
    option = decide(ACME)["proposed-hierarchy"].option("A")
    assert "REFERENCES teams" not in option.script("up") and "team_id         uuid," in option.script("up")
    postgres.apply_sql(pg_db, option.script("up"), "up.sql")
    assert pg_db.execute(
        "SELECT count(*) FROM pg_constraint WHERE conrelid = 'invoices'::regclass AND contype = 'f'"
    ).fetchone() == (1,)


def _org_schema() -> Schema:
    return Schema(
        tables=(
            Table("public.orgs", (Column("id", "uuid"),), ("id",)),
            Table("public.spaces", (Column("id", "uuid"), Column("org_id", "uuid"), Column("owner", "uuid")), ("id",)),
            Table("public.notes", (Column("id", "uuid"), Column("space_id", "uuid"), Column("org_id", "uuid")),
                  ("id",)),
            Table("public.logs", (Column("id", "uuid"), Column("org_id", "uuid")), ("id",)),
        ),
        foreign_keys=(
            ForeignKey("f1", "public.spaces", ("org_id",), "public.orgs", ("id",)),
            ForeignKey("f2", "public.notes", ("space_id",), "public.spaces", ("id",)),
            ForeignKey("f3", "public.notes", ("org_id",), "public.orgs", ("id",)),
            ForeignKey("f4", "public.logs", ("org_id",), "public.orgs", ("id",)),
        ),
    )


PLANNED = "CREATE TABLE bills (id uuid PRIMARY KEY, org_id uuid NOT NULL REFERENCES orgs (id));\n"


@pytest.mark.parametrize(
    ("policy", "expected", "unresolved"),
    [
        # the subquery selects from the chosen parent: its key
        ("org_id IN (SELECT s.org_id FROM spaces s WHERE s.owner = auth.uid())",
         "space_id IN (SELECT s.id FROM spaces s WHERE s.owner = auth.uid())", []),
        # from a table with one key to the chosen parent: that key
        ("org_id IN (SELECT n.org_id FROM notes n)", "space_id IN (SELECT n.space_id FROM notes n)", []),
        ("org_id = (SELECT s.org_id FROM spaces s LIMIT 1)",
         "space_id = (SELECT s.org_id FROM spaces s LIMIT 1)", []),  # not a column: left, as before
        # no way from that table to the chosen parent: left as written and said
        ("org_id IN (SELECT l.org_id FROM logs l)", "space_id IN (SELECT l.org_id FROM logs l)",
         ["bills.org_id now references spaces; it is compared with logs.org_id, a key of orgs"]),
    ],
)
def test_what_a_repointed_key_is_compared_with_follows_it(policy: str, expected: str, unresolved) -> None:
    """The plan adds bills under orgs; the option puts them under spaces: bills.org_id becomes space_id,
    and what it was compared with (an org id) must become a space id, not stay an org id."""
    from schemalens.read.documents import Document
    from schemalens.read.parse import split_and_parse

    doc = Document("plan.md", "plan.md", PLANNED, tuple(split_and_parse(PLANNED, "plan.md")))
    r = Rewriter(_org_schema(), Renames(parents=(("public.bills", "public.orgs", "public.spaces"),)), [doc])
    text, _ = r.sql(f"CREATE POLICY p ON bills FOR SELECT USING ({policy});")
    assert text == f"CREATE POLICY p ON bills FOR SELECT USING ({expected});"
    assert r.unresolved == unresolved


def test_acme_invoice_policy_compares_workspace_ids_after_the_hierarchy_option() -> None:
    access = rewrite_documents(ACME, {"proposed-hierarchy": "A"})["02-invoice-access.md"]
    assert "+    USING (workspace_id IN (" in access.diff and "+        SELECT w.id" in access.diff
