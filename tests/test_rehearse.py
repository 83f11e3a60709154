"""Rehearsals: every option run on a throwaway copy, and a verdict that a broken option cannot pass.

The RevOS options are rehearsed with ``data/revos/seed.sql`` (found as Supabase's seed file beside the
migrations): the two options the seed's rows block (user-mapping A's ``validate``, scope D's ``up``) are
refused exactly where their preflight said, and leave nothing behind; every other option is proven.
Options written wrong on purpose (a rollback that forgets a table, an ``up`` that changes rows, an
``up`` that fails with no check predicting it) are reported failed, with what went wrong.
"""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from schemalens.assess.compare import analyse
from schemalens.core.errors import InputError
from schemalens.core.names import short
from schemalens.db import live, postgres
from schemalens.db.rehearse import rehearse, rehearse_option, row_checksums, seed_file
from schemalens.decide.decisions import Check, Decisions, Option
from schemalens.decide.options import KINDS, decide
from schemalens.decide.sqlgen import Step
from schemalens.present.display import shown
from schemalens.present.meeting import Meeting

ROOT = Path(__file__).resolve().parent.parent
REVOS, ACME = ROOT / "data" / "revos", ROOT / "data" / "acme"
ORPHANS = {f"d0000000-0000-0000-0000-00000000000{n}" for n in (3, 6, 9)}  # users without auth row (seed.sql)


def databases(srv: postgres.Server) -> set[str]:
    with srv._admin() as conn:
        return {r[0] for r in conn.execute("SELECT datname FROM pg_database")}


@pytest.fixture(scope="module")
def revos(pg_server: postgres.Server):
    decisions = decide(analyse(REVOS / "migrations", REVOS / "manifest.yaml"))
    before = databases(pg_server)
    rehearsals = rehearse(decisions, server=pg_server)
    assert databases(pg_server) == before, "a rehearsal database was left behind"
    return decisions, rehearsals


def test_every_revos_option_is_proven_or_refused_where_the_preflight_said(revos) -> None:
    decisions, rehearsals = revos
    assert rehearsals.seed == "seed.sql"
    assert len(rehearsals) == len(list(decisions.options())) == 17
    verdicts = {(r.option.decision, r.option.key): r.verdict for r in rehearsals}
    refused = {k for k, v in verdicts.items() if v != "proven"}
    assert refused == {("user-mapping", "A"), ("scope-of-cartridges", "D")}
    assert all(verdicts[k] == "refused" for k in refused)
    assert rehearsals.counts() == {"proven": 15, "refused": 2}
    for r in rehearsals:
        assert r.restored and r.rows_kept, r.option.slug


def test_a_refusal_names_the_rows_and_leaves_nothing_behind(revos) -> None:
    _, rehearsals = revos
    fk = rehearsals.of("user-mapping", "A")
    assert [(s.name, s.ok) for s in fk.scripts] == [("up", True), ("validate", False), ("down", True)]
    validate = fk.scripts[1]
    assert "violates foreign key constraint" in validate.error and validate.changes == 0
    assert validate.error.startswith("a-add-the-foreign-key/validate.sql:1:")
    orphans = next(c for c in fk.checks if c.check.name == "orphans")
    assert orphans.blocks and orphans.rows == 3 and {row[0] for row in orphans.sample} == ORPHANS
    assert [c.check.name for c in fk.predicted] == ["orphans"]
    assert len(fk.changed) == 1 and "users_id_fkey" in fk.changed[0]  # NOT VALID key, kept after the refusal

    archive = rehearsals.of("scope-of-cartridges", "D")
    assert [(s.name, s.ok) for s in archive.scripts] == [("up", False), ("copy", None), ("switch", None),
                                                                 ("validate", None), ("down", None)]
    assert "cannot be mapped" in archive.scripts[0].error and archive.changed == ()
    unmappable = next(c for c in archive.checks if c.check.name == "unmappable")
    assert unmappable.rows == 2 and unmappable.columns[:2] == ("source", "owner")
    assert not any(c.check.when == "before down" for c in archive.checks)  # up never ran


def test_proofs_show_what_changed_and_the_rows_the_checks_list(revos) -> None:
    _, rehearsals = revos
    rename = rehearsals.of("root-entity", "A")
    assert any(line.startswith("+ table public.tenants") for line in rename.changed)
    assert any(line.startswith("- table public.agencies") for line in rename.changed)
    unify = rehearsals.of("scope-of-cartridges", "C")
    per_agency = next(c for c in unify.checks if c.check.name == "per-entity")
    assert per_agency.rows == 3 and sorted(int(r[1]) for r in per_agency.sample) == [3, 3, 4]
    keep = rehearsals.of("root-entity", "B")
    assert keep.verdict == "proven" and keep.changed == () and all(s.statements == 0 for s in keep.scripts)
    text = shown(rehearsals)
    assert text.count("⛔ refused until the preflight is clean") == 1 + 2 + 2  # counts, table rows, headings
    assert "| d0000000-0000-0000-0000-000000000003 |" in text and "`orphans`" in text


# Options that are wrong on purpose -------------------------------------------------------------------------


def _option(up: str, down: str, checks: tuple[Check, ...] = ()) -> Option:
    return Option("broken", "Z", "z-broken", "Broken on purpose", "", up=(Step(up),) if up else (),
                  down=(Step(down),) if down else (), checks=checks)


@pytest.fixture
def shop(pg_db: psycopg.Connection):
    base = live.baseline(pg_db)
    pg_db.execute("CREATE TABLE public.items (id int PRIMARY KEY, name text NOT NULL)")
    pg_db.execute("INSERT INTO public.items VALUES (1, 'a'), (2, 'b')")
    return pg_db, base


def test_a_rollback_that_forgets_something_fails(shop) -> None:
    conn, base = shop
    r = rehearse_option(conn, _option("CREATE TABLE public.extra (id int);", "SELECT 1;"), base)
    assert r.verdict == "failed" and not r.restored and r.rows_kept
    assert any("public.extra" in line for line in r.left_behind)
    assert "❌ failed" in shown(r) and "+ table public.extra" in shown(r)


def test_an_up_that_changes_kept_rows_fails(shop) -> None:
    conn, base = shop
    r = rehearse_option(conn, _option("UPDATE public.items SET name = 'x' WHERE id = 1;", ""), base)
    assert r.verdict == "failed" and r.restored and not r.rows_kept and r.rows_changed == ("items",)


def test_a_failure_no_check_predicted_fails_and_a_predicted_one_is_refused(shop) -> None:
    conn, base = shop
    up = "INSERT INTO public.items VALUES (1, 'dup');"
    r = rehearse_option(conn, _option(up, ""), base)
    assert r.verdict == "failed" and r.scripts[0].ok is False and "duplicate key" in r.scripts[0].error
    taken = Check("id-free", "SELECT id FROM public.items WHERE id = 1", "the id is taken", blocking=True)
    r = rehearse_option(conn, _option(up, "", (taken,)), base)
    assert r.verdict == "refused" and r.checks[0].blocks and r.checks[0].sample == (("1",),)


def test_a_check_that_cannot_run_is_reported_not_raised_and_fails_the_option(shop) -> None:
    # a preflight PostgreSQL refuses checks nothing (chatgpt-your-files: text = uuid): never "clean"/"proven"
    conn, base = shop
    bad = Check("bad", "SELECT nope FROM public.items", "a typo")
    r = rehearse_option(conn, _option("", "", (bad,)), base)
    assert 'column "nope" does not exist' in r.checks[0].error and r.verdict == "failed"
    assert r.preflight == "failed: bad" and "the query failed" in shown(r)


def test_row_checksums_follow_a_renamed_table_and_see_a_changed_row(shop) -> None:
    conn, _ = shop
    sums, columns = row_checksums(conn)
    conn.execute("ALTER TABLE public.items RENAME TO goods")
    conn.execute("ALTER TABLE public.goods ADD COLUMN price int DEFAULT 3")
    assert row_checksums(conn, columns)[0] == sums  # same rows: renamed, a column added
    conn.execute("UPDATE public.goods SET name = 'c' WHERE id = 2")
    assert row_checksums(conn, columns)[0] != sums


def test_seed_file(tmp_path: Path) -> None:
    assert seed_file(REVOS / "migrations") == REVOS / "seed.sql"
    assert seed_file(ACME / "migrations") is None and seed_file(REVOS / "migrations", None) is None
    with pytest.raises(InputError, match="nope.sql: no such seed file"):
        seed_file(REVOS / "migrations", tmp_path / "nope.sql")


def test_a_seed_row_postgres_refuses_is_listed_with_its_file_and_line(pg_server, tmp_path: Path) -> None:
    # the rehearsal goes on without it: the build is partial, and the Markdown says what was refused
    seed = tmp_path / "rows.sql"
    seed.write_text("-- rows\nINSERT INTO no_such_table (id) VALUES (1);\n")
    decisions = decide(analyse(ACME / "migrations", ACME / "manifest.yaml"))
    done = rehearse(decisions, seed=seed, server=pg_server, options=list(decisions.options())[:1])
    assert len(done) == 1 and done.build.partial
    (refused,) = done.build.refused
    assert (refused.file, refused.line, refused.sqlstate) == (str(seed), 2, "42P01")
    assert refused.error == 'relation "no_such_table" does not exist'
    assert "## PostgreSQL refused 1 statement\n" in shown(done) and f"`{seed}:2`" in shown(done)
    agenda = Meeting(decisions, done).agenda().text  # the meeting (notebook 3.0) says so too
    assert "### PostgreSQL refused 1 statement\n" in agenda and f"`{seed}:2`" in agenda


# The meeting ----------------------------------------------------------------------------------------------


def test_the_meeting_walks_each_kind(revos) -> None:
    decisions, rehearsals = revos
    m = Meeting(decisions, rehearsals)
    assert [d.kind for d in decisions] == ["root", "keys", "hierarchy", "scope", "general", "general", "general"]
    frame = m.summary()
    assert len(frame) == 17 and list(frame.decision.unique()) == [d.id for d in decisions]
    assert frame[frame.recommended == "yes"].option.tolist() == ["B", "B", "A", "C", "B", "B", "A"]
    section = m.section("keys").text
    assert "(001_initial_schema.sql:43)" in section and "(009_add_rls_policies_all_tables.sql:27)" in section
    assert "| A | Add the foreign key `users.id` → `auth.users` | no | SHARE ROW EXCLUSIVE | blocked by orphans (3)" \
        in section
    assert "```sql" in m.options("scope").text and "ALTER TABLE" in m.options("scope").text
    assert m.proof("root").text.count("✅ proven") == 2
    fig = m.impact("keys")
    assert "Impact of a change to users" in fig.get_suptitle() + "".join(a.get_title() for a in fig.axes)
    assert "15 ✅ proven, 2 ⛔ refused" in m.agenda().text == m._repr_markdown_()
    assert repr(m) == "Meeting(7 decisions, 17 options, 17 rehearsed)"
    with pytest.raises(KeyError, match="tenant"):
        m.of("tenant")


def test_a_kind_the_comparison_does_not_open_says_so() -> None:
    m = Meeting(decide(analyse(ACME / "migrations", ACME / "manifest.yaml")))
    assert m.of("root") == () and "opens no decision of this kind" in m.section("root").text
    assert "No table to draw" in m.impact("root").text
    assert "Not rehearsed" in m.proof("keys").text and set(m.summary().rehearsal) == {"not rehearsed"}
    assert set(KINDS) == {"root", "keys", "hierarchy", "scope", "general", "documents"}
    assert isinstance(m.decisions, Decisions)


# The command -------------------------------------------------------------------------------------------


def test_cli_rehearses_and_exits_1_only_when_an_option_fails(tmp_path: Path, capsys) -> None:
    from schemalens import cli

    args = ["decisions", str(ACME / "migrations"), "--manifest", str(ACME / "manifest.yaml"), "--rehearse"]
    assert cli.main(args) == 0
    out, err = capsys.readouterr()
    # acme ships no seed: the rows are generated, with an orphan assignee that the FK option's preflight lists
    assert "# Rehearsals" in out and "generated rows in 10 tables" in out and "(no seed file)" in out
    assert "tasks: assignee_id = 00000000-0000-4000-8000-00000000dead (orphan: no row has it)" in out
    assert "schemalens: rehearsed 12 options: 11 proven, 1 refused" in err
    # A database whose event trigger refuses every ALTER TABLE: no preflight predicts that, so the options
    # that alter a table fail (exit 1); the comment-only and CREATE-only ones are still proven.
    seed = tmp_path / "guard.sql"
    seed.write_text("""
        CREATE FUNCTION no_alter() RETURNS event_trigger LANGUAGE plpgsql AS
        $$ BEGIN RAISE EXCEPTION 'ALTER TABLE is frozen here'; END $$;
        CREATE EVENT TRIGGER no_alter ON ddl_command_start WHEN TAG IN ('ALTER TABLE') EXECUTE FUNCTION no_alter();
    """)
    assert cli.main([*args, "--seed", str(seed)]) == 1
    out, err = capsys.readouterr()
    assert "ALTER TABLE is frozen here" in out and "❌ failed" in out
    assert "failed" in err.splitlines()[-1] and "proven" in err.splitlines()[-1]


def test_a_rollback_that_forgets_a_privilege_fails(shop) -> None:
    conn, base = shop
    r = rehearse_option(conn, _option("REVOKE SELECT ON public.items FROM anon;",
                                      "GRANT SELECT ON public.items TO anon;"), base)
    assert r.verdict == "proven" and r.changed == ("- privilege SELECT of anon on items",)
    r = rehearse_option(conn, _option("REVOKE ALL ON public.items FROM anon;", ""), base)
    assert r.verdict == "failed" and r.scripts[0].changes > 0
    assert "- privilege SELECT of anon on items" in r.changed and "- privilege SELECT of anon on items" in r.left_behind


# Locks observed and rows generated (schemalens.db.locks, schemalens.decide.rowgen) ---------------------------------


def test_observed_locks_match_the_predictions_on_every_revos_option(revos) -> None:
    _, rehearsals = revos
    assert {r.option.slug: r.lock_mismatches for r in rehearsals if r.lock_mismatches} == {}
    ran = [r for r in rehearsals if any(s.ok and s.statements for s in r.scripts)]
    assert all(r.locks for r in ran) and sum(len(r.locks) for r in rehearsals) > 100
    # unsafe by observation where the generator said nothing: the renames hold ACCESS EXCLUSIVE on agencies
    # and clients, which hold rows
    observed = {(r.option.decision, r.option.key) for r in rehearsals if r.unsafe[len(r.option.unsafe):]}
    assert observed == {("root-entity", "A"), ("scope-of-cartridges", "B")}
    assert rehearsals.of("root-entity", "A").row()["unsafe"] == "yes"
    assert "ACCESS EXCLUSIVE on agencies (3 rows)" in shown(rehearsals.of("root-entity", "A"))


def _down_claims_hold(rehearsals) -> int:
    """Every option whose down.sql takes ACCESS EXCLUSIVE says so in its lock risk, and every lock claim about a
    script the rehearsal ran (down.sql included) is what the rehearsal observed; returns the downs checked."""
    from schemalens.decide.claims import lock_claims, wrong_claims
    from schemalens.decide.sqlgen import ACCESS_EXCLUSIVE

    checked = 0
    for r in rehearsals:
        assert wrong_claims(r) == (), (r.option.slug, wrong_claims(r))
        down = [s for s in r.locks if s.script == "down"]
        if any(lk.mode == ACCESS_EXCLUSIVE for s in down for lk in s.observed):
            tables = {short(lk.table) for s in down for lk in s.observed}
            said = [c for risk in r.option.risks if risk.kind == "lock" for c in lock_claims(risk.text, tables)
                    if c[0] == "down"]
            assert said, r.option.slug
            checked += 1
    return checked


def test_every_down_that_takes_access_exclusive_says_so_and_the_rehearsal_agrees(revos) -> None:
    _, rehearsals = revos
    assert all(s.ok for r in rehearsals if r.verdict == "proven" for s in r.scripts if s.name == "down")
    assert _down_claims_hold(rehearsals) >= 8


def test_acme_without_seed_is_rehearsed_on_generated_rows(pg_server) -> None:
    decisions = decide(analyse(ACME / "migrations", ACME / "manifest.yaml"))
    rehearsals = rehearse(decisions, server=pg_server)
    g = rehearsals.generated
    assert rehearsals.seed is None and g is not None and g.total > 30 and g.skipped == ()
    assert rehearsals.counts() == {"proven": 11, "refused": 1}
    fk = rehearsals.of("foreign-key-tasks-assignee_id", "A")
    assert fk.verdict == "refused" and [c.check.name for c in fk.predicted] == ["orphans"]
    assert all(r.lock_mismatches == () for r in rehearsals)
    assert _down_claims_hold(rehearsals) >= 1
    assert rehearsals.of("enable-rls", "A").unsafe  # ENABLE ROW LEVEL SECURITY: ACCESS EXCLUSIVE on tables with rows
    rehearsals_off = rehearse(decisions, server=pg_server, options=[fk.option], generate=False)
    assert rehearsals_off.generated is None and rehearsals_off[0].verdict == "proven"  # on empty tables


def test_a_script_that_does_not_fit_the_schema_fails_whatever_rows_a_check_listed(shop) -> None:
    """A re-scope that adds a column the table already has was reported "refused … fix those rows": a
    schema error (class 42) is no refusal, whatever rows a blocking check listed; a data error is."""
    conn, base = shop
    check = Check("rows", "SELECT * FROM public.items", "Rows that would block it.", blocking=True)
    r = rehearse_option(conn, _option("ALTER TABLE public.items ADD COLUMN name text;", "", (check,)), base)
    assert r.scripts[0].sqlstate == "42701" and r.predicted and r.verdict == "failed"
    r = rehearse_option(conn, _option("ALTER TABLE public.items ADD CONSTRAINT one CHECK (id = 1);",
                                      "ALTER TABLE public.items DROP CONSTRAINT IF EXISTS one;", (check,)), base)
    assert r.scripts[0].sqlstate == "23514" and r.verdict == "refused"
