"""Generated rows: a project without seed.sql is rehearsed on rows, not on empty tables.

A small schema shaped like the real ones (enum, CHECK, varchar(n), identity, composite and
self-referencing keys, an optional key, a soft ``…_id`` reference without a key, Supabase's
``auth.users``): every table gets its rows, every key points at a row that exists, the same rows on
every run, the edge rows (unmappable, orphan) are there and said, and a row the schema refuses is
reported with PostgreSQL's reason, never dropped silently.
"""

from __future__ import annotations

import psycopg
import pytest

from schemalens.db import live
from schemalens.db.rehearse import created_tables, row_checksums
from schemalens.decide.rowgen import ORPHAN_UUID, ROWS, generate_rows, signed_in_tables

SCHEMA = """
CREATE TYPE public.plan AS ENUM ('free', 'pro');
CREATE TABLE public.orgs (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), name text NOT NULL UNIQUE,
                          plan public.plan NOT NULL, code varchar(2) NOT NULL,
                          seats int NOT NULL CHECK (seats > 0));
CREATE TABLE public.teams (org_id uuid NOT NULL REFERENCES public.orgs (id), n int NOT NULL,
                           parent_n int, PRIMARY KEY (org_id, n));
CREATE TABLE public.members (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                             user_id uuid NOT NULL REFERENCES auth.users (id),
                             org_id uuid, team_n int,
                             mentor_id bigint REFERENCES public.members (id),
                             FOREIGN KEY (org_id, team_n) REFERENCES public.teams (org_id, n));
CREATE TABLE public.notes (id serial PRIMARY KEY, org_id uuid NOT NULL REFERENCES public.orgs (id),
                           author_id uuid, body text);
CREATE TABLE public.picky (id int PRIMARY KEY, v text CHECK (v = 'only this'));
"""


@pytest.fixture
def built(pg_db: psycopg.Connection):
    base = live.baseline(pg_db)
    pg_db.execute(SCHEMA)
    return pg_db, base


def q(conn, sql):
    return conn.execute(sql).fetchall()


def test_every_table_gets_rows_that_keep_every_key(built) -> None:
    conn, base = built
    g = generate_rows(conn, created_tables(conn, base))
    counts = dict(g.rows)
    # a referenced table gets two spare rows (so edge rows of a one-to-one child find a parent)
    assert counts["auth.users"] == ROWS + 2  # referenced by members: filled too
    assert counts["public.orgs"] == ROWS + 2 and counts["public.teams"] == ROWS + 2
    assert counts["public.members"] == ROWS + 3  # referenced by itself; + the unmappable row (composite key NULL)
    assert counts["public.notes"] == ROWS + 1  # + the orphan row
    assert q(conn, "SELECT count(*) FROM public.members WHERE org_id IS NOT NULL AND NOT EXISTS "
                   "(SELECT 1 FROM public.teams t WHERE t.org_id = members.org_id AND t.n = members.team_n)") == [(0,)]
    assert sorted(r[0] for r in q(conn, "SELECT plan::text FROM public.orgs")) == ["free"] * 3 + ["pro"] * 2
    assert all(len(r[0]) <= 2 for r in q(conn, "SELECT code FROM public.orgs"))
    # a self-reference points at the first row; identity and serial columns keep their sequence
    assert q(conn, "SELECT count(*) FROM public.members WHERE mentor_id IS NOT NULL") == [(ROWS + 2,)]
    assert q(conn, "SELECT max(id) FROM public.notes") == [(ROWS + 1,)]


def test_the_edge_rows_are_there_and_said(built) -> None:
    conn, base = built
    g = generate_rows(conn, created_tables(conn, base))
    assert "members: org_id, team_n NULL (unmappable)" in g.edges
    assert f"notes: author_id = {ORPHAN_UUID} (orphan: no row has it)" in g.edges
    assert q(conn, f"SELECT count(*) FROM public.notes WHERE author_id = '{ORPHAN_UUID}'") == [(1,)]
    assert "edge rows" in g.describe() and "notes 4" in g.describe()


def test_a_row_the_schema_refuses_is_reported(built) -> None:
    conn, base = built
    g = generate_rows(conn, created_tables(conn, base))
    # picky.v is optional: the row goes in with v NULL; nothing refused there
    assert dict(g.rows)["public.picky"] == ROWS
    conn.execute("TRUNCATE public.picky")
    conn.execute("ALTER TABLE public.picky ALTER COLUMN v SET NOT NULL")
    g = generate_rows(conn, [conn.execute("SELECT 'public.picky'::regclass::oid").fetchone()[0]])
    assert "public.picky" not in dict(g.rows)
    assert len(g.skipped) == ROWS and all("violates check constraint" in s for s in g.skipped)
    assert "rows refused" in g.describe()


def test_the_same_rows_on_every_run(pg_server) -> None:
    sums = []
    for _ in range(2):
        with pg_server.database(standins=True) as conn:
            base = live.baseline(conn)
            conn.execute(SCHEMA)
            generate_rows(conn, created_tables(conn, base))
            found, _ = row_checksums(conn)
            names = dict(conn.execute("SELECT oid, oid::regclass::text FROM pg_class WHERE oid = ANY(%s)",
                                      (list(found),)).fetchall())
            sums.append({names[o]: c for o, c in found.items()})
    assert sums[0] == sums[1] and sum(sum(c.values()) for c in sums[0].values()) > 15


def test_rows_a_trigger_wrote_are_kept_and_a_one_to_one_child_gets_its_edge_row(pg_db: psycopg.Connection) -> None:
    """Shaped like a Supabase app: a profile row per auth user, written by a trigger; a customer row per
    user (its key is the user's id) with a soft ``…_id`` reference."""
    base = live.baseline(pg_db)
    pg_db.execute("""
        CREATE TABLE public.profiles (id uuid PRIMARY KEY REFERENCES auth.users (id), name text);
        CREATE FUNCTION public.on_user() RETURNS trigger LANGUAGE plpgsql AS
        $$ BEGIN INSERT INTO public.profiles (id) VALUES (NEW.id); RETURN NEW; END $$;
        CREATE TRIGGER on_user AFTER INSERT ON auth.users FOR EACH ROW EXECUTE FUNCTION public.on_user();
        CREATE TABLE public.customers (id uuid PRIMARY KEY REFERENCES auth.users (id), stripe_customer_id text);
    """)
    g = generate_rows(pg_db, created_tables(pg_db, base))
    assert g.skipped == () and g.present == ("public.profiles",) and "rows a trigger wrote, kept: profiles" in g.describe()
    assert q(pg_db, "SELECT count(*) FROM public.profiles") == [(ROWS + 2,)]
    assert dict(g.rows)["public.customers"] == ROWS + 1
    assert "customers: stripe_customer_id = orphan (orphan: no row has it)" in g.edges


def test_a_required_soft_reference_to_no_table_gets_a_value_of_its_type(pg_db: psycopg.Connection) -> None:
    """``models.provider_id uuid NOT NULL`` with no key and no ``providers`` table (as in chatbot-ui's
    ``models`` or basejump's ``invitations``): left NULL, every row was refused."""
    base = live.baseline(pg_db)
    pg_db.execute("CREATE TABLE public.models (id serial PRIMARY KEY, provider_id uuid NOT NULL, "
                  "api_key_id int NOT NULL, note_id uuid)")
    g = generate_rows(pg_db, created_tables(pg_db, base))
    assert g.skipped == () and dict(g.rows)["public.models"] >= ROWS
    assert q(pg_db, "SELECT count(*) FROM public.models WHERE provider_id IS NULL OR api_key_id IS NULL") == [(0,)]
    assert q(pg_db, "SELECT count(DISTINCT provider_id) FROM public.models")[0][0] >= ROWS


SIGNED_IN = """
CREATE TABLE public.teams (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), name text NOT NULL,
                           owner_id uuid NOT NULL REFERENCES auth.users (id));
CREATE FUNCTION public.personal_team() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$
BEGIN INSERT INTO public.teams VALUES (md5('team' || NEW.id)::uuid, 'mine', NEW.id); RETURN NEW; END $$;
CREATE TRIGGER on_signup AFTER INSERT ON auth.users FOR EACH ROW EXECUTE FUNCTION public.personal_team();
CREATE TABLE public.invites (id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
                             team_id uuid NOT NULL REFERENCES public.teams (id),
                             sent_by uuid NOT NULL REFERENCES auth.users (id), email text);
CREATE FUNCTION public.stamp_sender() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN NEW.sent_by = auth.uid(); RETURN NEW; END $$;
CREATE TRIGGER invites_sender BEFORE INSERT ON public.invites FOR EACH ROW EXECUTE FUNCTION public.stamp_sender();
CREATE TABLE public.notes (id int PRIMARY KEY, team_id uuid NOT NULL REFERENCES public.teams (id),
                           author uuid NOT NULL DEFAULT auth.uid(), body text);
"""


def test_a_trigger_that_reads_the_signed_in_user_gets_the_rows_user(pg_db: psycopg.Connection) -> None:
    """As basejump's invitations: a trigger sets the sender to ``auth.uid()``, NULL for the owner: every row
    was refused. The teams are a trigger's (one per user, in their own order), so the user an invite names
    is not its team's owner. Each row is now inserted with the claims of the user its parent belongs to (else the one it
    names)."""
    base = live.baseline(pg_db)
    pg_db.execute(SIGNED_IN)
    oids = created_tables(pg_db, base)
    assert signed_in_tables(pg_db, oids) == {pg_db.execute(f"SELECT 'public.{t}'::regclass::oid").fetchone()[0]
                                             for t in ("invites", "notes")}
    g = generate_rows(pg_db, oids)
    assert dict(g.rows)["public.invites"] == ROWS and not [s for s in g.skipped if "invites" in s]
    # every sender is the owner of the invite's team (the user the policies let invite), not NULL, not another
    assert pg_db.execute("SELECT count(*) FROM public.invites i JOIN public.teams t ON t.id = i.team_id "
                         "WHERE i.sent_by = t.owner_id").fetchone()[0] == ROWS
    # a column default that reads auth.uid() gets the row's user too (the notes name no user: their team's owner)
    assert pg_db.execute("SELECT count(*) FROM public.notes n JOIN public.teams t ON t.id = n.team_id "
                         "WHERE n.author = t.owner_id").fetchone()[0] == dict(g.rows)["public.notes"]
    # the claims were set for each insert only: the session is the owner with no claims afterwards
    assert pg_db.execute("SELECT auth.uid()").fetchone()[0] is None


EDGES = """
CREATE TABLE public.profiles (id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
                              user_id uuid NOT NULL UNIQUE REFERENCES auth.users (id), org_id text);
CREATE FUNCTION public.new_profile() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$
BEGIN INSERT INTO public.profiles (user_id) VALUES (NEW.id); RETURN NEW; END $$;
CREATE TRIGGER on_signup AFTER INSERT ON auth.users FOR EACH ROW EXECUTE FUNCTION public.new_profile();
CREATE TABLE public.folders (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), name text NOT NULL);
CREATE TABLE public.helpers (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), name text NOT NULL);
CREATE TABLE public.models (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), model_id text NOT NULL);
CREATE TABLE public.chats (id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
                           folder_id uuid REFERENCES public.folders (id), helper_id uuid REFERENCES public.helpers (id));
"""


def test_edge_rows_of_chats_and_profiles_are_neither_duplicated_nor_refused(pg_db: psycopg.Connection) -> None:
    """As chatbot-ui: two optional keys on chats gave two edge rows one number (the second refused: its id
    taken); every profile is a trigger's, one per user, so an orphan profile row took a user who had one
    (refused); `models.model_id` was read as a reference to `models` itself and repeated the first row's id."""
    base = live.baseline(pg_db)
    pg_db.execute(EDGES)
    g = generate_rows(pg_db, created_tables(pg_db, base))
    assert g.skipped == ()
    assert "chats: folder_id NULL (unmappable)" in g.edges and "chats: helper_id NULL (unmappable)" in g.edges
    assert q(pg_db, "SELECT count(*) FILTER (WHERE folder_id IS NULL), count(*) FILTER (WHERE helper_id IS NULL) "
                    "FROM public.chats") == [(1, 1)]
    # the orphan is on an existing profile, and there is still one profile per user
    assert "profiles: org_id = orphan (orphan: no row has it) (on an existing row: every parent has its row)" in g.edges
    assert q(pg_db, "SELECT count(*), count(DISTINCT user_id), count(*) FILTER (WHERE org_id = 'orphan') "
                    "FROM public.profiles") == [(ROWS + 2, ROWS + 2, 1)]
    models = q(pg_db, "SELECT model_id FROM public.models")
    assert len(models) == len(set(models)) == dict(g.rows)["public.models"]
