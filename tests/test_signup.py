"""An invited user signs up: the sign-up trigger of user-mapping C links their profile row by email.

A small schema of our own: ``public.profiles`` (key = the auth user's id, a non-unique email, a client),
an invitation row written before the sign-up. The trigger as it was before issue 20 (``INSERT … ON
CONFLICT DO NOTHING`` only) leaves the invitation with its own key and the rehearsal fails; with
:func:`schemalens.decide.options.invited.link` first, the invitation takes the new id. Two invitations with one
email link neither; an invitation other rows point at cannot change its key and stays, the sign-up goes on.
"""

from __future__ import annotations

from pathlib import Path

import psycopg

from schemalens.core.names import dollar_quote
from schemalens.db.rehearse import rehearse_option
from schemalens.db.signup import EMAIL, invited_signup
from schemalens.decide.decisions import Option
from schemalens.decide.options.invited import link
from schemalens.decide.sqlgen import Step, create_trigger, drop_function, drop_trigger
from schemalens.present.display import shown

SCHEMA = """
CREATE TABLE public.clients (id int PRIMARY KEY);
CREATE TABLE public.profiles (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), email text NOT NULL,
                              client_id int REFERENCES public.clients (id));
CREATE TABLE public.notes (id int PRIMARY KEY, profile_id uuid REFERENCES public.profiles (id));
CREATE TABLE public.contacts (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), email text);  -- not the trigger's
INSERT INTO public.clients VALUES (1);
INSERT INTO auth.users (id, email) VALUES ('00000000-0000-0000-0000-000000000001', 'a@x.example');
INSERT INTO public.profiles VALUES ('00000000-0000-0000-0000-000000000001', 'a@x.example', 1);
"""
FN = "public.profile_for_new_user"
REVOS = Path(__file__).resolve().parent.parent / "data" / "revos"


def _option(linking: bool) -> Option:
    body = ("\nBEGIN\n" + (link("public.profiles", "id") if linking else "")
            + "  INSERT INTO public.profiles (id, email) VALUES (NEW.id, NEW.email) ON CONFLICT DO NOTHING;\n"
              "  RETURN NEW;\nEND;\n")
    fn = Step(f"CREATE FUNCTION {FN}() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' "
              f"AS {dollar_quote(body, 'fn')};")
    up = (fn, create_trigger("on_signup", "auth.users", "AFTER", "INSERT", FN))
    return Option("user-mapping", "C", "c-trigger", "Trigger for new users", "", up=up,
                  down=(drop_trigger("on_signup", "auth.users"), drop_function(FN)))


def test_the_trigger_without_a_link_leaves_an_invited_user_unlinked_and_fails(schema_db) -> None:
    conn, base = schema_db
    r = rehearse_option(conn, _option(linking=False), base)
    assert r.signup is not None and not r.signup.ok
    [t] = r.signup.tables
    assert (t.table, t.outcome) == ("profiles", "not linked")
    assert "the invited row keeps its own key" in t.detail and "a new row was inserted" in t.detail
    assert r.verdict == "failed"
    assert "❌ profiles: not linked" in shown(r)


def test_the_linking_trigger_gives_the_invited_row_the_new_id(schema_db) -> None:
    conn, base = schema_db
    r = rehearse_option(conn, _option(linking=True), base)
    assert r.verdict == "proven", (r.scripts, r.signup)
    assert [(t.table, t.outcome) for t in r.signup.tables] == [("profiles", "linked")]
    assert conn.execute("SELECT count(*) FROM public.profiles WHERE email = %s", (EMAIL,)).fetchone()[0] == 0


def test_an_option_without_a_trigger_on_auth_users_is_not_probed(schema_db) -> None:
    conn, base = schema_db
    r = rehearse_option(conn, Option("x", "A", "a", "Nothing", "", up=(Step("SELECT 1;"),), down=()), base)
    assert r.signup is None


def _signup(conn: psycopg.Connection, email: str) -> str:
    return str(conn.execute("INSERT INTO auth.users (id, email) VALUES (gen_random_uuid(), %s) RETURNING id",
                            (email,)).fetchone()[0])


def test_two_invitations_with_one_email_link_neither(schema_db) -> None:
    conn, _ = schema_db
    for st in _option(linking=True).up:
        conn.execute(st.sql)
    conn.execute("INSERT INTO public.profiles (email, client_id) VALUES ('twice@x.example', 1), ('twice@x.example', 1)")
    user = _signup(conn, "twice@x.example")
    keys = [str(r[0]) for r in conn.execute("SELECT id FROM public.profiles WHERE email = 'twice@x.example'")]
    assert len(keys) == 3 and keys.count(user) == 1  # both invitations kept their keys; a new row for the user


def test_an_invitation_other_rows_point_at_stays_and_the_sign_up_goes_on(schema_db) -> None:
    conn, _ = schema_db
    for st in _option(linking=True).up:
        conn.execute(st.sql)
    invited = conn.execute("INSERT INTO public.profiles (email, client_id) VALUES ('held@x.example', 1) "
                           "RETURNING id").fetchone()[0]
    conn.execute("INSERT INTO public.notes VALUES (1, %s)", (invited,))  # NO ACTION on update: the key cannot change
    notices: list[str] = []
    conn.add_notice_handler(lambda d: notices.append(d.message_primary or ""))
    user = _signup(conn, "held@x.example")
    keys = {str(r[0]) for r in conn.execute("SELECT id FROM public.profiles WHERE email = 'held@x.example'")}
    assert keys == {str(invited), user}
    assert any(n.startswith(f"invited row not linked to auth user {user}") for n in notices)


def test_the_probe_keeps_nothing(schema_db) -> None:
    conn, _ = schema_db
    for st in _option(linking=True).up:
        conn.execute(st.sql)
    assert invited_signup(conn).ok
    assert conn.execute("SELECT count(*) FROM auth.users").fetchone()[0] == 1


def test_the_sample_user_mapping_c_links_an_invited_user(revos_db) -> None:
    from schemalens.assess.compare import analyse
    from schemalens.decide.options import decide

    conn, base = revos_db
    option = next(o for o in decide(analyse(REVOS / "migrations", REVOS / "manifest.yaml")).options()
                  if (o.decision, o.key) == ("user-mapping", "C"))
    r = rehearse_option(conn, option, base)
    assert r.verdict == "proven", (r.scripts, r.signup)
    assert ("users", "linked") in [(t.table, t.outcome) for t in r.signup.tables]
    risk = " ".join(x.text for x in option.risks if x.kind == "data")
    assert "links that row: its id becomes the new auth user's id" in risk
    assert "invited-ambiguous-email" in [c.name for c in option.checks]
