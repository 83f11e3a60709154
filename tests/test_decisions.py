"""Every option of every decision, proved on PostgreSQL: preflight, forward, intended change, rows, rollback.

For each option of the samples (RevOS with ``seed.sql``, acme without rows): a fresh database gets the
migrations (and the seed); the preflight queries give the counts the seed's header predicts; ``up.sql``
(and any later script) applies in one transaction; the catalog shows the intended change; every row of
every table that existed keeps its content (a checksum per row over the columns it had, by table oid,
so renames and moves do not hide a change); ``down.sql`` gives back the original catalog
(``live.introspect`` + ``diff.diff_schemas``, as the agreement tests compare) and the original rows.
Running ``up.sql`` twice fails clearly or changes nothing; it never half-applies. The lock each statement
says it takes is the lock PostgreSQL records in ``pg_locks``.
"""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

import psycopg
import pytest

from schemalens import cli
from schemalens.assess.compare import analyse
from schemalens.core.errors import ApplyError
from schemalens.db import live, postgres, sampled
from schemalens.db.autocommit import apply_script
from schemalens.db.locks import mode_name
from schemalens.db.rehearse import privileges
from schemalens.db.rehearse import row_checksums as checksums
from schemalens.decide.decisions import Decisions
from schemalens.decide.options import decide
from schemalens.decide.sqlgen import LOCK_MODES, RESERVED, ident, literal, table
from schemalens.present import views
from schemalens.present.display import shown
from schemalens.read.diff import diff_schemas
from schemalens.read.migrations import discover

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
SAMPLES = ("revos", "acme")


def _analyse(sample: str):
    return analyse(DATA / sample / "migrations", DATA / sample / "manifest.yaml")


FINDINGS = {s: _analyse(s) for s in SAMPLES}
DECISIONS: dict[str, Decisions] = {s: decide(f) for s, f in FINDINGS.items()}
OPTIONS = [(s, o) for s in SAMPLES for o in DECISIONS[s].options()]
IDS = [f"{s}:{o.decision}:{o.key}" for s, o in OPTIONS]

# Ids from data/revos/seed.sql (see its header).
ORPHAN_USERS = {f"d0000000-0000-0000-0000-00000000000{n}" for n in (3, 6, 9)}
AUTH_ONLY = {"da000000-0000-0000-0000-000000000001", "da000000-0000-0000-0000-000000000002"}
AGENCY = {n: f"a0000000-0000-0000-0000-00000000000{n}" for n in (1, 2, 3)}
MAYA, PRIYA = "d0000000-0000-0000-0000-000000000001", "d0000000-0000-0000-0000-000000000004"

# What the sample's data must be changed to before a blocking check is clean (test data, not generated SQL).
RESOLVE = {
    # the 3 users without an auth row get one (e.g. they finally signed up)
    ("revos", "user-mapping", "A"): (
        "validate",
        """
        INSERT INTO auth.users (id, email) VALUES
          ('d0000000-0000-0000-0000-000000000003', 'rachel@brightline.example'),
          ('d0000000-0000-0000-0000-000000000006', 'omar@delta-logistics.example'),
          ('d0000000-0000-0000-0000-000000000009', 'lena@evergreen.example');""",
    ),
    # the 2 auth-only owners get a profile row under a client, so their cartridges map to an agency
    ("revos", "scope-of-cartridges", "D"): (
        "up",
        """
        INSERT INTO users (id, client_id, email, full_name) VALUES
          ('da000000-0000-0000-0000-000000000001', 'c0000000-0000-0000-0000-000000000001',
           'ava@growthforge.example', 'Ava Kim'),
          ('da000000-0000-0000-0000-000000000002', 'c0000000-0000-0000-0000-000000000005',
           'noah@freelance.example', 'Noah Adams');""",
    ),
}

# A few acme rows (acme ships no seed), so that every statement of its options touches data.
ACME_ROWS = """
INSERT INTO auth.users (id, email) VALUES
  ('0a000000-0000-0000-0000-000000000001', 'ann@acme.example'),
  ('0a000000-0000-0000-0000-000000000002', 'bob@acme.example');
INSERT INTO organisations (id, name) VALUES ('0b000000-0000-0000-0000-000000000001', 'Acme');
INSERT INTO workspaces (id, organisation_id, name) VALUES
  ('0c000000-0000-0000-0000-000000000001', '0b000000-0000-0000-0000-000000000001', 'Ops');
INSERT INTO members (id, workspace_id, display_name) VALUES
  ('0a000000-0000-0000-0000-000000000001', '0c000000-0000-0000-0000-000000000001', 'Ann'),
  ('0a000000-0000-0000-0000-000000000002', '0c000000-0000-0000-0000-000000000001', 'Bob');
INSERT INTO api_keys (member_id, label, key_hash) VALUES
  ('0a000000-0000-0000-0000-000000000001', 'ci', 'hash-1');
INSERT INTO projects (id, workspace_id, name) VALUES
  ('0d000000-0000-0000-0000-000000000001', '0c000000-0000-0000-0000-000000000001', 'Launch');
INSERT INTO tasks (project_id, title, assignee_id) VALUES
  ('0d000000-0000-0000-0000-000000000001', 'Ship', '0a000000-0000-0000-0000-000000000002'),
  ('0d000000-0000-0000-0000-000000000001', 'Plan', NULL);
"""

# Rows each preflight check lists on the sample, before anything is resolved.
EXPECTED_CHECKS = {
    ("root-entity", "A"): {"name-free": 0, "function-bodies": 0, "rows": 1},
    ("root-entity", "B"): {},
    ("user-mapping", "A"): {"name-free": 0, "orphans-now": 3, "orphans": 3},
    ("user-mapping", "B"): {"unmatched": 3, "unmatched-reverse": 2},
    ("user-mapping", "C"): {"existing-without-row": 2, "without-email": 0, "email-taken": 0, "invited-ambiguous-email": 0},
    ("proposed-hierarchy", "A"): {"names-free": 0, "rows": 0},
    ("proposed-hierarchy", "B"): {"names-free": 0, "rows": 0},
    ("scope-of-cartridges", "A"): {},
    ("scope-of-cartridges", "B"): {"column-free": 0, "unmappable": 2, "per-entity": 3, "volume": 4,
                                   "invalid-index": 0},
    ("scope-of-cartridges", "C"): {
        "name-free": 0,
        "unmappable": 2,
        "per-entity": 3,
        "new-rows": 0,
        "changed-rows": 0,
    },
    ("scope-of-cartridges", "D"): {
        "name-free": 0,
        "unmappable": 2,
        "per-entity": 3,
        "new-rows": 0,
        "changed-rows": 0,
        "deleted-rows": 0,
    },
    # acme, with ACME_ROWS
    ("foreign-key-tasks-assignee_id", "A"): {"name-free": 0, "orphans-now": 0, "orphans": 0},
    ("foreign-key-tasks-assignee_id", "B"): {"unmatched": 0},
    ("scope-of-api_keys", "A"): {},
    ("scope-of-api_keys", "B"): {"column-free": 0, "unmappable": 0, "per-entity": 1, "volume": 1,
                                 "invalid-index": 0},
    ("document-table-teams", "A"): {"name-free": 0, "rows": 0},
    ("document-column-workspaces-owner_id", "A"): {"name-free": 0, "rows-without-value": 1, "values": 0},
}


# Helpers -----------------------------------------------------------------------------------------------


def prepare(conn: psycopg.Connection, sample: str, seed: bool = True) -> live.Baseline:
    """Apply the sample's migrations (and seed) to a fresh database; the baseline of the stand-ins."""
    base = live.baseline(conn)
    folder = DATA / sample / "migrations"
    postgres.apply_files(conn, discover(folder)[0], folder)
    if seed and (DATA / sample / "seed.sql").exists():
        postgres.apply_sql(conn, (DATA / sample / "seed.sql").read_text(), "seed.sql")
    elif seed and sample == "acme":
        postgres.apply_sql(conn, ACME_ROWS, "acme rows")
    return base


def rows(conn: psycopg.Connection, sql: str) -> list[tuple]:
    return conn.execute(sql).fetchall()


def count(conn: psycopg.Connection, sql: str) -> int:
    return rows(conn, f"SELECT count(*) FROM ({sql.rstrip(';')}) AS q")[0][0]


def as_user(conn: psycopg.Connection, user: str, sql: str):
    """``sql`` run as the API role ``authenticated`` signed in as ``user`` (rolled back)."""
    conn.execute("BEGIN")
    try:
        conn.execute("SET LOCAL ROLE authenticated")
        claims = json.dumps({"sub": user, "role": "authenticated"})
        conn.execute(f"SELECT set_config('request.jwt.claims', {literal(claims)}, true)")
        return conn.execute(sql).fetchall()
    finally:
        conn.execute("ROLLBACK")


def run_checks(conn, option, when: str) -> dict[str, int]:
    return {c.name: count(conn, c.sql) for c in option.checks_for(when)}


# What each option must have changed --------------------------------------------------------------------


def _columns(conn, rel: str) -> set[str]:
    return {
        r[0]
        for r in rows(
            conn,
            f"SELECT attname FROM pg_attribute WHERE attrelid = to_regclass("
            f"{literal(rel)}) AND attnum > 0 AND NOT attisdropped",
        )
    }


def _fk(conn, name: str) -> tuple | None:
    found = rows(
        conn,
        f"SELECT conrelid::regclass::text, confrelid::regclass::text, convalidated "
        f"FROM pg_constraint WHERE conname = {literal(name)} AND contype = 'f'",
    )
    return found[0] if found else None


def _api_access(conn, rel: str) -> set[tuple[str, str]]:
    return {(role, p) for role in ("anon", "authenticated") for p in ("SELECT", "INSERT", "UPDATE", "DELETE")
            if rows(conn, f"SELECT has_table_privilege('{role}', '{rel}', '{p}')")[0][0]}


def intended(sample: str, option, conn, before, after) -> None:
    key = (option.decision, option.key)
    if sample == "acme":
        if key == ("foreign-key-tasks-assignee_id", "A"):
            assert _fk(conn, "tasks_assignee_id_fkey") == ("tasks", "members", True)
        elif key == ("foreign-key-tasks-assignee_id", "B"):
            text = rows(conn, "SELECT col_description('public.tasks'::regclass, 5)")[0][0]
            assert text.startswith("Soft reference to members.id")
        elif key == ("scope-of-api_keys", "B"):
            assert rows(conn, "SELECT count(workspace_id) FROM api_keys") == [(1,)]
        elif key == ("enable-rls", "A"):  # exposed: RLS on, and a policy along audit_log's route to the root
            assert after.table("audit_log").rls_enabled
            [policy] = after.policies_on("audit_log")
            assert policy.using.startswith("(organisation_id IN ( SELECT workspaces.organisation_id")
            assert "(members.id = auth.uid())" in policy.using and policy.command == "ALL"
        elif key == ("enable-rls", "B"):
            assert _api_access(conn, "public.audit_log") == set()
        elif option.decision == "proposed-hierarchy":
            parent = {"A": "public.workspaces", "B": "public.organisations"}[option.key]
            assert [fk.ref_table for fk in after.foreign_keys_from("invoices")] == [parent]
            assert "team_id" in after.table("invoices").column_names  # kept, without its missing reference
        return
    if key == ("root-entity", "A"):
        assert after.table("tenants") is not None and after.table("agencies") is None
        assert (
            "tenant_id" in after.table("clients").column_names
            and "agency_id" not in after.table("clients").column_names
        )
        assert _fk(conn, "clients_tenant_id_fkey") == ("clients", "tenants", True)
        assert rows(conn, "SELECT count(*) FROM tenants")[0][0] == 3
    elif key == ("enable-rls", "A"):  # webhook_events has no route to the root: RLS on, no policy
        assert after.table("webhook_events").rls_enabled and not after.policies_on("webhook_events")
    elif key == ("enable-rls", "B"):  # already revoked: nothing changes
        assert _api_access(conn, "public.webhook_events") == set()
    elif key == ("add-policies", "A"):
        [policy] = after.policies_on("campaign_daily_stats")
        assert policy.command == "SELECT" and "users.client_id" in policy.using
    elif key == ("index-foreign-keys", "A"):
        assert [i.columns for i in after.indexes if i.table == "public.instruction_cartridges"] == [("user_id",)]
    elif key == ("user-mapping", "A"):
        assert _fk(conn, "users_id_fkey") == ("users", "auth.users", True)  # validated after the resolve
    elif key == ("user-mapping", "B"):
        text = rows(conn, "SELECT col_description('public.users'::regclass, 1)")[0][0]
        assert text.startswith("Soft reference to auth.users.id")
    elif key == ("user-mapping", "C"):
        assert [t.name for t in after.triggers_on("auth.users")] == ["on_auth_user_created"]
    elif option.decision == "proposed-hierarchy":
        parent = {"A": "clients", "B": "agencies"}[option.key]
        for t in ("communications", "alerts", "tickets", "documents"):
            assert after.table(t).rls_enabled and after.policies_on(t)
            assert [fk.ref_table for fk in after.foreign_keys_from(t) if fk.ref_table != "public.users"] == [
                f"public.{parent}"
            ]
    elif key == ("scope-of-cartridges", "B"):
        for t in ("style", "voice", "brand", "instruction"):
            assert "agency_id" in _columns(conn, f"public.{t}_cartridges")
        mapped = sum(
            rows(conn, f"SELECT count(agency_id) FROM {t}_cartridges")[0][0]
            for t in ("style", "voice", "brand", "instruction")
        )
        assert mapped == 10
    elif key in (("scope-of-cartridges", "C"), ("scope-of-cartridges", "D")):
        where = "cartridges_archive" if option.key == "D" else "public"
        moved = 12 if option.key == "D" else 10
        assert rows(conn, "SELECT count(*) FROM cartridges")[0][0] == moved
        assert dict(rows(conn, "SELECT type, count(*) FROM cartridges GROUP BY type")) == (
            {"style": 4, "voice": 3, "brand": 3, "instruction": 2}
            if option.key == "D"
            else {"style": 3, "voice": 2, "brand": 3, "instruction": 2}
        )
        # every copied row rebuilds its old row exactly (per-row checksums), and no copied row is missing
        for t in ("style", "voice", "brand", "instruction"):
            old = Counter(
                r[0]
                for r in rows(
                    conn,
                    f"SELECT md5(to_jsonb(t)::text) FROM {where}.{t}_cartridges t "
                    f"WHERE t.id IN (SELECT legacy_id FROM cartridges)",
                )
            )
            new = Counter(
                r[0]
                for r in rows(
                    conn,
                    f"SELECT md5((u.config || jsonb_build_object('id', u.legacy_id, "
                    "'name', u.name, 'is_default', u.is_default, 'created_at', "
                    "u.created_at, 'updated_at', u.updated_at, 'user_id', u.user_id))"
                    f"::text) FROM cartridges u WHERE u.type = '{t}'",
                )
            )
            assert old == new and sum(new.values()) > 0
        if option.key == "D":
            assert after.table("style_cartridges") is None and after.table(
                "cartridges_archive.style_cartridges"
            )


# The proofs ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("sample,option", OPTIONS, ids=IDS)
def test_option_forward_and_back(sample: str, option, pg_db: psycopg.Connection) -> None:
    base = prepare(pg_db, sample)
    before = live.introspect(pg_db, base)
    checked = run_checks(pg_db, option, "before up")
    if (option.decision, option.key) in EXPECTED_CHECKS and (
        sample == "revos" or option.decision != "proposed-hierarchy"
    ):
        expected = EXPECTED_CHECKS[(option.decision, option.key)]
        assert checked == {k: v for k, v in expected.items() if k in checked}
        assert set(checked) | {c.name for c in option.checks if c.when != "before up"} == set(expected)
    resolve = RESOLVE.get((sample, option.decision, option.key))
    if resolve and resolve[0] == "up":
        with pytest.raises(ApplyError, match="cannot be mapped"):
            apply_script(pg_db, option, "up", "up.sql")
        assert not diff_schemas(before, live.introspect(pg_db, base)), "a failed up.sql left changes behind"
        postgres.apply_sql(pg_db, resolve[1], "resolve.sql")
    assert all(n == 0 for c in option.checks_for("before up") if c.blocking for n in [count(pg_db, c.sql)])
    sums, columns = checksums(pg_db)
    granted = privileges(pg_db)
    apply_script(pg_db, option, "up", "up.sql")
    for stage in option.stages:
        if resolve and resolve[0] == stage.name:
            assert run_checks(pg_db, option, f"before {stage.name}") == {"orphans": 3}
            with pytest.raises(ApplyError, match="violates foreign key constraint"):
                apply_script(pg_db, option, stage.name, f"{stage.name}.sql")
            postgres.apply_sql(pg_db, resolve[1], "resolve.sql")
            sums, columns = checksums(pg_db)
        assert all(n == 0 for n in run_checks(pg_db, option, f"before {stage.name}").values())
        apply_script(pg_db, option, stage.name, f"{stage.name}.sql")
    after = live.introspect(pg_db, base)
    intended(sample, option, pg_db, before, after)
    schema_changes = [s for s in option.up if not s.sql.startswith(("COMMENT", "GRANT", "REVOKE"))]
    assert bool(diff_schemas(before, after)) == bool(schema_changes)
    assert checksums(pg_db, columns)[0] == sums, "up.sql changed the rows it should keep"
    assert all(n == 0 for c in option.checks_for("before down") if c.blocking for n in [count(pg_db, c.sql)])
    apply_script(pg_db, option, "down", "down.sql")
    restored = live.introspect(pg_db, base)
    assert not diff_schemas(before, restored), (
        f"down.sql did not restore the catalog:\n{diff_schemas(before, restored)}"
    )
    assert checksums(pg_db, columns)[0] == sums, "down.sql did not give back the rows"
    assert privileges(pg_db) == granted, "down.sql did not give back the privileges"
    if option.decision == "user-mapping" and option.key == "B":
        assert rows(pg_db, "SELECT col_description('public.users'::regclass, 1)")[0][0] is None


@pytest.mark.parametrize("sample,option", OPTIONS, ids=IDS)
def test_forward_twice_fails_clearly_or_changes_nothing(
    sample: str, option, pg_db: psycopg.Connection
) -> None:
    base = prepare(pg_db, sample, seed=False)
    apply_script(pg_db, option, "up", "up.sql")
    once = live.introspect(pg_db, base)
    sums, columns = checksums(pg_db)
    try:
        apply_script(pg_db, option, "up", "up.sql")
    except ApplyError as e:
        assert e.file == "up.sql" and ("already exists" in str(e) or "does not exist" in str(e)), str(e)
    assert not diff_schemas(once, live.introspect(pg_db, base)), "the second up.sql half-applied"
    assert checksums(pg_db, columns)[0] == sums


LOCKS = """
SELECT l.relation, l.mode FROM pg_locks l
WHERE l.pid = pg_backend_pid() AND l.locktype = 'relation' AND l.granted"""
RELATIONS = """
SELECT c.oid, n.nspname || '.' || c.relname, c.relkind
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')"""


def watched_locks(conn: psycopg.Connection, sql: str) -> dict[str, str]:
    """Run ``sql`` in autocommit on ``conn`` while a second session samples its table locks (granted or awaited,
    :func:`schemalens.db.sampled.sample`) until it ends: the strongest mode seen per table."""
    with sampled.watcher(conn) as monitor:
        found = sampled.sample(conn, monitor, sql)
    seen: dict[str, str] = {}
    for s in found.seen:
        mode = mode_name(s.mode)
        if s.table not in seen or LOCK_MODES.index(mode) > LOCK_MODES.index(seen[s.table]):
            seen[s.table] = mode
    return seen


@pytest.mark.parametrize("sample,option", OPTIONS, ids=IDS)
def test_declared_locks_are_the_locks_postgres_takes(sample: str, option, pg_db: psycopg.Connection) -> None:
    """Each statement alone in a transaction on the sample rows: its table and view locks in pg_locks (the
    strongest mode per table) are exactly the ones it declares."""
    prepare(pg_db, sample)
    resolve = RESOLVE.get((sample, option.decision, option.key))
    for script in option.scripts:
        if resolve and resolve[0] == script:
            postgres.apply_sql(pg_db, resolve[1], "resolve.sql")
        for step in option.steps(script):
            if step.outside:  # it cannot run in a transaction: watched from a second session (test_phased.py)
                seen = watched_locks(pg_db, step.sql)
                declared = {lk.table: lk.mode for lk in step.locks}
                assert all(t in declared and LOCK_MODES.index(m) <= LOCK_MODES.index(declared[t])
                           for t, m in seen.items()), (script, step.sql.splitlines()[0], seen)
                continue
            names = {oid: (name, kind) for oid, name, kind in rows(pg_db, RELATIONS)}
            pg_db.execute("BEGIN")
            pg_db.execute(step.sql)
            taken: dict[str, str] = {}
            after = {oid: (name, kind) for oid, name, kind in rows(pg_db, RELATIONS)}
            for oid, mode in rows(pg_db, LOCKS):
                name, kind = names.get(oid) or after.get(oid) or ("", "")
                if kind in ("r", "p", "v") and name:  # tables and views
                    mode = mode_name(mode)
                    if name not in taken or LOCK_MODES.index(mode) > LOCK_MODES.index(taken[name]):
                        taken[name] = mode
            pg_db.execute("ROLLBACK")
            declared = {lk.table: lk.mode for lk in step.locks}
            assert taken == declared, f"{script}.sql: {step.sql.splitlines()[0]}"
            postgres.apply_sql(pg_db, step.sql, f"{script}.sql")


# The sample's decisions, and what they are made of ---------------------------------------------------------


def test_the_seeds_decisions_and_options() -> None:
    got = {d.id: [o.key for o in d.options] for d in DECISIONS["revos"]}
    assert got == {
        "root-entity": ["A", "B"],
        "user-mapping": ["A", "B", "C"],
        "proposed-hierarchy": ["A", "B"],
        "scope-of-cartridges": ["A", "B", "C", "D"],
        "enable-rls": ["A", "B"],
        "add-policies": ["A", "B"],
        "index-foreign-keys": ["A", "B"],
    }
    assert {d.id: d.recommended for d in DECISIONS["revos"]} == {
        "root-entity": "B",
        "user-mapping": "B",
        "proposed-hierarchy": "A",
        "scope-of-cartridges": "C",
        "enable-rls": "B",  # webhook_events: the API roles hold nothing already
        "add-policies": "B",
        "index-foreign-keys": "A",
    }
    unsafe = {(o.decision, o.key) for o in DECISIONS["revos"].options() if o.is_unsafe}
    assert unsafe == {("scope-of-cartridges", k) for k in "BCD"}
    acme = {d.id: [o.key for o in d.options] for d in DECISIONS["acme"]}
    assert acme == {
        "foreign-key-tasks-assignee_id": ["A", "B"],
        "proposed-hierarchy": ["A", "B"],
        "scope-of-api_keys": ["A", "B"],
        "enable-rls": ["A", "B"],
        "document-table-teams": ["A", "B"],  # names only the planned documents use (issue 16)
        "document-column-workspaces-owner_id": ["A", "B"],
    }
    assert DECISIONS["acme"]["enable-rls"].recommended == "A"  # audit_log is exposed
    skipped = dict(DECISIONS["revos"].skipped)
    assert skipped.keys() == {"project-ref", "rewrite-documents", "scope-of-webhook_events"}
    assert "not by SQL" in skipped["project-ref"] and "which entity owns a row" in skipped["scope-of-webhook_events"]


def test_options_carry_locks_risks_checks_and_impact() -> None:
    for o in DECISIONS["revos"].options():
        assert {r.kind for r in o.risks} >= {"breaking", "data", "lock", "reversibility"}, o.slug
        assert o.impact is not None and o.impact.tables
        assert all(
            s.locks or "FUNCTION" in s.sql or "INDEX" in s.sql or "SCHEMA" in s.sql or s.sql.startswith("DO")
            or s.sql.startswith("DROP VIEW")
            for name in o.scripts
            for s in o.steps(name)
        ), o.slug
    rename = DECISIONS["revos"]["root-entity"].option("A")
    assert {lk.mode for s in rename.up for lk in s.locks} == {"ACCESS EXCLUSIVE", "ACCESS SHARE"}
    # every lock is taken by the first statement, in one order; the view under the old name comes last
    assert [str(lk) for lk in rename.up[0].locks] == ["ACCESS EXCLUSIVE on agencies", "ACCESS EXCLUSIVE on clients"]
    assert rename.up[-1].sql.startswith("CREATE VIEW public.agencies WITH (security_invoker = true)")
    fk = DECISIONS["revos"]["user-mapping"].option("A")
    assert [str(lk) for lk in fk.up[0].locks] == [
        "SHARE ROW EXCLUSIVE on users",
        "SHARE ROW EXCLUSIVE on auth.users",
    ]
    assert [str(lk) for lk in fk.stages[0].steps[0].locks] == [
        "SHARE UPDATE EXCLUSIVE on users",
        "ROW SHARE on auth.users",
    ]
    assert "NOT VALID" in fk.up[0].sql and "VALIDATE CONSTRAINT" in fk.stages[0].steps[0].sql
    assert [c.name for c in fk.checks if c.when == "before validate" and c.blocking] == ["orphans"]
    # impact: what references the renamed table, including the documents that use the plan's name
    kinds = rename.impact.counts()
    assert (
        kinds["foreign key"] == 1 and kinds["document"] == 3 and kinds["policy"] >= 1
    )  # CC4 names no tenants
    assert any(i.kind == "view" for i in DECISIONS["revos"]["user-mapping"].option("A").impact.items) is False
    trigger = DECISIONS["revos"]["user-mapping"].option("C")
    body = trigger.up[0].sql
    assert "SECURITY DEFINER" in body and "SET search_path = ''" in body and "ON CONFLICT DO NOTHING" in body
    assert "IF NEW.email IS NULL" in body  # users.email is NOT NULL


def test_orphans_are_the_three_users_without_auth_row(pg_db: psycopg.Connection) -> None:
    prepare(pg_db, "revos")
    fk = DECISIONS["revos"]["user-mapping"].option("A")
    orphans = next(c for c in fk.checks if c.name == "orphans")
    assert {str(r[0]) for r in rows(pg_db, orphans.sql)} == ORPHAN_USERS
    reverse = next(
        c for c in DECISIONS["revos"]["user-mapping"].option("B").checks if c.name == "unmatched-reverse"
    )
    cur = pg_db.execute(reverse.sql)
    assert [d.name for d in cur.description] == ["id", "email", "created_at"]  # no password hash, no token
    assert {str(r[0]) for r in cur.fetchall()} == AUTH_ONLY
    unify = DECISIONS["revos"]["scope-of-cartridges"].option("C")
    unmappable = next(c for c in unify.checks if c.name == "unmappable")
    assert sorted((r[0], str(r[1])) for r in rows(pg_db, unmappable.sql)) == [
        ("style_cartridges", "da000000-0000-0000-0000-000000000001"),
        ("voice_cartridges", "da000000-0000-0000-0000-000000000002"),
    ]
    per_entity = next(c for c in unify.checks if c.name == "per-entity")
    assert {str(a): n for a, n in rows(pg_db, per_entity.sql)} == {AGENCY[1]: 4, AGENCY[2]: 3, AGENCY[3]: 3}


def test_unified_cartridges_follow_the_agency_chain_under_rls(pg_db: psycopg.Connection) -> None:
    prepare(pg_db, "revos")
    postgres.apply_sql(pg_db, DECISIONS["revos"]["scope-of-cartridges"].option("C").script("up"), "up.sql")
    assert as_user(pg_db, MAYA, "SELECT count(*) FROM cartridges") == [(4,)]
    assert as_user(pg_db, PRIYA, "SELECT count(*) FROM cartridges") == [(3,)]
    assert as_user(
        pg_db, MAYA, f"SELECT count(*) FROM cartridges WHERE agency_id <> {literal(AGENCY[1])}"
    ) == [(0,)]


def test_new_tables_under_clients_are_visible_to_that_clients_users_only(pg_db: psycopg.Connection) -> None:
    prepare(pg_db, "revos")
    postgres.apply_sql(pg_db, DECISIONS["revos"]["proposed-hierarchy"].option("A").script("up"), "up.sql")
    pg_db.execute(
        "INSERT INTO alerts (client_id, severity, title) VALUES "
        "('c0000000-0000-0000-0000-000000000001', 'high', 'churn risk')"
    )
    assert as_user(pg_db, MAYA, "SELECT title FROM alerts") == [("churn risk",)]
    assert as_user(pg_db, PRIYA, "SELECT title FROM alerts") == []


def test_read_policies_scope_by_the_users_client_as_the_existing_ones(pg_db: psycopg.Connection) -> None:
    prepare(pg_db, "revos")
    pg_db.execute(
        "INSERT INTO campaign_daily_stats (campaign_id, stat_date, replies) VALUES "
        "('ca000000-0000-0000-0000-000000000001', '2025-06-01', 3), "
        "('ca000000-0000-0000-0000-000000000003', '2025-06-01', 5)"
    )
    read = "SELECT replies FROM campaign_daily_stats"
    assert as_user(pg_db, MAYA, read) == [] and as_user(pg_db, PRIYA, read) == []  # RLS on, no policy
    postgres.apply_sql(pg_db, DECISIONS["revos"]["add-policies"].option("A").script("up"), "up.sql")
    assert as_user(pg_db, MAYA, read) == [(3,)] and as_user(pg_db, PRIYA, read) == [(5,)]
    with pytest.raises(psycopg.errors.InsufficientPrivilege):  # reads only: writes stay with service_role
        as_user(pg_db, MAYA, "INSERT INTO campaign_daily_stats (campaign_id, stat_date) VALUES "
                             "('ca000000-0000-0000-0000-000000000001', '2025-06-02')")


def test_auth_trigger_creates_rows_for_new_users_only(pg_db: psycopg.Connection) -> None:
    prepare(pg_db, "revos")
    postgres.apply_sql(pg_db, DECISIONS["revos"]["user-mapping"].option("C").script("up"), "up.sql")
    assert rows(pg_db, "SELECT count(*) FROM users")[0][0] == 9  # the 2 auth-only users are not backfilled
    pg_db.execute(
        "INSERT INTO auth.users (id, email) VALUES ('e1000000-0000-0000-0000-000000000001', 'new@x.example')"
    )
    assert rows(
        pg_db, "SELECT email, client_id FROM users WHERE id = 'e1000000-0000-0000-0000-000000000001'"
    ) == [("new@x.example", None)]
    # no email (phone sign-up): no row, and the sign-up still succeeds
    pg_db.execute(
        "INSERT INTO auth.users (id, phone) VALUES ('e1000000-0000-0000-0000-000000000002', '+100')"
    )
    # an email a users row already has (an invited user): no second row, no error
    pg_db.execute(
        "INSERT INTO auth.users (id, email) VALUES ('e1000000-0000-0000-0000-000000000003', "
        "'rachel@brightline.example')"
    )
    assert rows(pg_db, "SELECT count(*) FROM users")[0][0] == 10


def test_decisions_are_derived_not_hard_coded(tmp_path: Path) -> None:
    """The same migrations with agencies called firms: the options follow the new names."""
    copy = tmp_path / "revos"
    shutil.copytree(DATA / "revos", copy)
    for f in (copy / "migrations").glob("*.sql"):
        f.write_text(f.read_text().replace("agencies", "firms").replace("agency_id", "firm_id"))
    ds = decide(analyse(copy / "migrations", copy / "manifest.yaml"))
    rename = ds["root-entity"].option("A")
    assert rename.up[1].sql == "ALTER TABLE public.firms RENAME TO tenants;"  # after the up-front locks
    assert "ALTER TABLE public.clients RENAME COLUMN firm_id TO tenant_id;" in [s.sql for s in rename.up]
    assert "firm_id IN (SELECT clients.firm_id" in ds["scope-of-cartridges"].option("C").script("up")


def test_reserved_words_are_quoted(pg_db: psycopg.Connection) -> None:
    words = {r[0] for r in rows(pg_db, "SELECT word FROM pg_get_keywords() WHERE catcode IN ('R', 'T')")}
    assert words == RESERVED
    assert (
        table("public.order") == 'public."order"' and ident("Mixed") == '"Mixed"' and ident('a"b') == '"a""b"'
    )


# Output: Jupyter, files, CLI --------------------------------------------------------------------------------


def test_options_and_decisions_render_in_jupyter() -> None:
    d = DECISIONS["revos"]["user-mapping"]
    md = shown(d)
    assert md.startswith("## Decision: User Mapping (`user-mapping`)") and "**Recommended: option B.**" in md
    assert md.count("```sql") == 7  # A: up, validate, down; B: up, down; C: up, down
    unsafe = shown(DECISIONS["revos"]["scope-of-cartridges"].option("D"))
    assert "⚠️ **unsafe**" in unsafe and "| `changed-rows` | before down | must list no row |" in unsafe
    assert shown(DECISIONS["acme"]).startswith("# Decisions")


def test_committed_sql_folder_is_current(tmp_path: Path) -> None:
    """``sql/`` at the top of the repository is what ``schemalens decisions … --write sql/`` writes now."""
    code = cli.main(
        [
            "decisions",
            str(DATA / "revos" / "migrations"),
            "--manifest",
            str(DATA / "revos" / "manifest.yaml"),
            "--write",
            str(tmp_path),
            "-o",
            str(tmp_path / "out.md"),
        ]
    )
    assert code == 0
    fresh = {p.relative_to(tmp_path).as_posix(): p.read_text() for p in tmp_path.rglob("*") if p.is_file()}
    fresh.pop("out.md")
    committed = {
        p.relative_to(ROOT / "sql").as_posix(): p.read_text()
        for p in (ROOT / "sql").rglob("*")
        if p.is_file()
    }
    assert sorted(fresh) == sorted(committed), (
        "regenerate: schemalens decisions data/revos/migrations --manifest "
        "data/revos/manifest.yaml --write sql/"
    )
    stale = [name for name in fresh if fresh[name] != committed[name]]
    assert not stale, f"stale files in sql/: {stale}"
    assert "user-mapping/a-add-the-foreign-key/validate.sql" in fresh


def test_cli_decisions_bad_input_exits_2(tmp_path: Path, capsys) -> None:
    manifest = str(DATA / "revos" / "manifest.yaml")
    assert cli.main(["decisions", str(tmp_path / "missing"), "--manifest", manifest]) == 2
    assert (
        cli.main(
            [
                "decisions",
                str(DATA / "revos" / "migrations"),
                "--manifest",
                manifest,
                "--choose",
                "root-entity=Z",
            ]
        )
        == 2
    )
    assert "no such decision and option" in capsys.readouterr().err
    assert cli.main(["decisions"]) == 2


def test_cli_decisions_prints_and_chooses(capsys) -> None:
    code = cli.main(
        [
            "decisions",
            str(DATA / "revos" / "migrations"),
            "--manifest",
            str(DATA / "revos" / "manifest.yaml"),
            "--choose",
            "root-entity=B",
            "--choose",
            "proposed-hierarchy=A",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0 and out.startswith("# Decisions")
    assert "+  client_id UUID NOT NULL REFERENCES clients(id) ON DELETE CASCADE," in out


def test_a_failure_midway_leaves_nothing_behind(pg_db: psycopg.Connection) -> None:
    """up.sql is one transaction: when its third statement fails, the first two are gone too."""
    base = prepare(pg_db, "revos")
    pg_db.execute("CREATE INDEX idx_cartridges_agency_id_type ON users (email)")  # takes the name of the 2nd index
    before = live.introspect(pg_db, base)
    sums, columns = checksums(pg_db)
    unify = DECISIONS["revos"]["scope-of-cartridges"].option("C")
    with pytest.raises(ApplyError, match='relation "idx_cartridges_agency_id_type" already exists'):
        postgres.apply_sql(pg_db, unify.script("up"), "up.sql")
    assert not diff_schemas(before, live.introspect(pg_db, base))
    assert rows(pg_db, "SELECT to_regclass('public.cartridges')") == [(None,)]
    assert checksums(pg_db, columns)[0] == sums


def test_impact_draws_the_tables_that_reference_the_change() -> None:
    rename = DECISIONS["revos"]["root-entity"].option("A")
    fig = views.impact_figure(rename.impact)
    assert "Impact of a change to agencies" in fig.get_suptitle() or any(
        "agencies" in ax.get_title() for ax in fig.axes
    )
    frame = rename.impact.frame()
    assert list(frame.columns) == ["kind", "name", "on", "references", "source", "effect"]
    assert ("foreign key", "clients_agency_id_fkey") in set(zip(frame["kind"], frame["name"], strict=True))
