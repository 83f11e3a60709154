"""Tenant checks: as each signed-in user, which other people's rows an option lets them read, change,
delete or move to another tenant; an undeclared widening fails the rehearsal.

A small schema of our own (two agencies, three users, notes owned by their author) shows what
``FOR ALL`` with a membership condition does (every member of the agency changes and deletes every
note: the generated policies of scope B/C/D and proposed-hierarchy B before issue 20), and that the
per-command policies with the deriving trigger widen reading only. Then the sample's scope options.
"""

from __future__ import annotations

import psycopg
import pytest

from schemalens import live
from schemalens.decisions import Option
from schemalens.options.policies import derive_trigger, member_policies
from schemalens.rehearse import rehearse_option
from schemalens.sqlgen import Step, add_column, drop_column
from schemalens.tenancy import measure, table_oids

U1, U2, U3 = (f"00000000-0000-0000-0000-00000000000{n}" for n in (1, 2, 3))
SCHEMA = f"""
CREATE TABLE public.agencies (id int PRIMARY KEY);
CREATE TABLE public.users (id uuid PRIMARY KEY, agency_id int REFERENCES public.agencies (id));
CREATE TABLE public.notes (id int PRIMARY KEY, user_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
                           body text);
ALTER TABLE public.notes ENABLE ROW LEVEL SECURITY;
CREATE POLICY "own notes" ON public.notes FOR ALL TO authenticated USING (auth.uid() = user_id);
INSERT INTO auth.users (id, email) VALUES ('{U1}', 'a@x.example'), ('{U2}', 'b@x.example'), ('{U3}', 'c@y.example');
INSERT INTO public.agencies VALUES (1), (2);
INSERT INTO public.users VALUES ('{U1}', 1), ('{U2}', 1), ('{U3}', 2);
INSERT INTO public.notes VALUES (1, '{U1}', 'one'), (2, '{U2}', 'two'), (3, '{U3}', 'three');
"""
CHAIN = "SELECT users.agency_id FROM public.users WHERE users.id = auth.uid()"


@pytest.fixture
def notes(pg_db: psycopg.Connection):
    base = live.baseline(pg_db)
    pg_db.execute(SCHEMA)
    return pg_db, base


def _rescope(policies: list[Step], extra_down: list[Step], widens: tuple[str, ...] = ()) -> Option:
    backfill = Step("UPDATE public.notes AS t SET agency_id = users.agency_id FROM public.users "
                    "WHERE users.id = t.user_id;", ())
    up = (add_column("public.notes", "agency_id", "int", "public.agencies", "id", "CASCADE"), backfill, *policies)
    down = (*extra_down, drop_column("public.notes", "agency_id", "public.agencies"))
    return Option("tenants", "B", "b-re-scope", "Re-scope notes to agencies", "", up=up, down=down, widens=widens)


def test_measure_signs_in_as_each_user(notes) -> None:
    conn, _ = notes
    access = measure(conn, table_oids(conn, ["public.notes"]))
    assert access.users == 3
    assert {access.row(r) for r in access.rows["read"][U1]} == {"notes:1"}
    assert {access.row(r) for r in access.rows["delete"][U3]} == {"notes:3"}
    assert access.count("move") == 0  # the owner policy's check keeps user_id on the signed-in user
    assert conn.execute("SELECT count(*) FROM public.notes").fetchone()[0] == 3  # nothing it tried was kept


def test_a_for_all_membership_policy_widens_writes_and_fails(notes) -> None:
    conn, base = notes
    member = "agency_id IN (" + CHAIN + ")"
    policy = Step(f'CREATE POLICY "members" ON public.notes FOR ALL TO authenticated USING ({member}) '
                  f"WITH CHECK ({member});", ())
    r = rehearse_option(conn, _rescope([policy], [Step('DROP POLICY "members" ON public.notes;', ())],
                                       widens=("read",)), base)
    assert r.tenants is not None and r.verdict == "failed"
    widened = {w.action: w for w in r.tenants.widenings}
    assert set(widened) == {"read", "update", "delete", "move"}
    assert widened["read"].declared and not widened["update"].declared
    # U1 and U2 share agency 1: each can now change and delete the other's note, and a user can put
    # their own note into agency 2 (the owner policy is permissive and does not look at agency_id)
    assert (U1, "notes:2") in widened["delete"].pairs and (U2, "notes:1") in widened["update"].pairs
    assert (U1, "notes:1") in widened["move"].pairs
    assert "membership: agency_id" in widened["update"].explanation
    assert "NOT DECLARED update" in r.tenants.summary()
    assert "❌ not declared: update: 2 rows for 2 users" in r.markdown()


def test_per_command_policies_and_the_deriving_trigger_widen_reading_only(notes) -> None:
    conn, base = notes
    pol_up, pol_down = member_policies("public.notes", "public.agencies", "agency_id", CHAIN, ["public.users"],
                                       writes="none")
    value = "SELECT users.agency_id FROM public.users WHERE users.id = NEW.user_id"
    trg_up, trg_down = derive_trigger("public.notes", "agency_id", "user_id", value, "set_notes_agency_id", "public.set_notes_agency_id")
    r = rehearse_option(conn, _rescope(trg_up + pol_up, pol_down + trg_down, widens=("read",)), base)
    assert r.verdict == "proven", (r.scripts, r.tenants)
    assert [w.action for w in r.tenants.widenings] == ["read"]
    assert {p for p in r.tenants.widenings[0].pairs} == {(U1, "notes:2"), (U2, "notes:1")}
    assert r.tenants.after.count("move") == 0
    # down.sql dropped the function; made again, it cannot be called through the API
    assert conn.execute("SELECT to_regprocedure('public.set_notes_agency_id()')").fetchone()[0] is None
    conn.execute("ALTER TABLE public.notes ADD COLUMN agency_id int")
    for st in trg_up:
        conn.execute(st.sql)
    for role in ("anon", "authenticated"):
        assert conn.execute("SELECT has_function_privilege(%s, 'public.set_notes_agency_id()', 'EXECUTE')",
                            (role,)).fetchone()[0] is False


@pytest.mark.parametrize("key", ["B", "C"])
def test_sample_scope_options_widen_reading_only(scope_options, revos_db, key) -> None:
    conn, base = revos_db
    r = rehearse_option(conn, scope_options[key], base)
    assert r.verdict == "proven", r.tenants and r.tenants.summary()
    assert [w.action for w in r.tenants.widenings] == ["read"] and r.tenants.ok
    assert scope_options[key].widens == ("read",)
    assert any(risk.kind == "security" and "Widens reading" in risk.text for risk in scope_options[key].risks)


def test_sample_scope_d_once_every_row_maps(scope_options, revos_db) -> None:
    conn, base = revos_db
    # the seed's two unmappable cartridges (owners without a public.users row) would make D refuse
    conn.execute("DELETE FROM public.style_cartridges WHERE user_id = 'da000000-0000-0000-0000-000000000001'")
    conn.execute("DELETE FROM public.voice_cartridges WHERE user_id = 'da000000-0000-0000-0000-000000000002'")
    r = rehearse_option(conn, scope_options["D"], base)
    assert r.verdict == "proven", (r.scripts, r.tenants and r.tenants.summary())
    assert [w.action for w in r.tenants.widenings] == ["read"]


def test_generated_policies_are_per_command_and_the_trigger_function_is_not_callable(scope_options) -> None:
    for key in "BCD":
        up = "\n".join(s.sql for s in scope_options[key].up)
        assert "FOR ALL" not in up, key
        assert "SECURITY DEFINER" in up and "REVOKE EXECUTE ON FUNCTION" in up, key
    c = "\n".join(s.sql for s in scope_options["C"].up)
    assert "FOR UPDATE TO authenticated\n  USING (user_id = auth.uid())" in c
    assert "ON DELETE SET NULL" not in c and "ON DELETE CASCADE" in c  # the old tables' user_id action
