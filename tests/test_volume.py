"""Generated volume (issue 20, big tables): rows copied with new keys, and an option measured on them.

:func:`schemalens.db.volume.multiply` on small schemas of its own: an identity key, a text key, a
one-to-one table whose key is its parent's (its parent is multiplied too), a self-reference, a composite
unique key, a trigger that must not fire; every foreign key is enforced, so a copy that named a missing
parent would fail the insert. Keys two tables share without a foreign key still match after; a column an
option makes unique gets distinct values; a table whose copies PostgreSQL refuses is listed with its reason.
:func:`schemalens.db.volume.measure` runs the sample's scope-of-cartridges B on 12,000 rows per table (no
lock that blocks writes while rows are written) and C on 5,000 (the table it creates is not its longest hold).
"""

from __future__ import annotations

import psycopg
from conftest import REVOS

from schemalens.db.concurrent import STRONG
from schemalens.db.rehearse import seed_file
from schemalens.db.volume import measure, multiply, touched
from schemalens.decide.sqlgen import ACCESS_EXCLUSIVE
from schemalens.read.migrations import discover

SCHEMA = """
CREATE TABLE public.org (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY, slug text NOT NULL UNIQUE);
CREATE TABLE public.profile (id int PRIMARY KEY REFERENCES public.org (id), bio text);
CREATE TABLE public.item (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  org_id int NOT NULL REFERENCES public.org (id),
  parent_id uuid REFERENCES public.item (id),
  name text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('a', 'b')),
  UNIQUE (org_id, name));
CREATE TABLE public.log (n serial PRIMARY KEY, what text);
CREATE FUNCTION public.log_item() RETURNS trigger LANGUAGE plpgsql AS
  $$ BEGIN INSERT INTO public.log (what) VALUES (NEW.name); RETURN NEW; END $$;
CREATE TRIGGER item_log AFTER INSERT ON public.item FOR EACH ROW EXECUTE FUNCTION public.log_item();
INSERT INTO public.org (slug) VALUES ('north'), ('south');
INSERT INTO public.profile VALUES (1, 'n'), (2, 's');
INSERT INTO public.item (id, org_id, parent_id, name, kind) VALUES
  ('00000000-0000-0000-0000-000000000001', 1, NULL, 'root', 'a'),
  ('00000000-0000-0000-0000-000000000002', 1, '00000000-0000-0000-0000-000000000001', 'leaf', 'b'),
  ('00000000-0000-0000-0000-000000000003', 2, NULL, 'root', 'a');
TRUNCATE public.log;
"""


def _count(conn: psycopg.Connection, name: str) -> int:
    return conn.execute(f"SELECT count(*) FROM {name}").fetchone()[0]


def test_multiply_copies_rows_with_new_keys_and_every_foreign_key_holds(pg_db: psycopg.Connection) -> None:
    pg_db.execute(SCHEMA)
    filled = multiply(pg_db, ["public.item", "public.profile", "public.missing"], 100)
    assert filled.refused == ()
    counts = dict(filled.rows)
    assert counts["public.item"] == 102 and counts["public.profile"] == 100  # whole copies: 3 × 34, 2 × 50
    assert counts["public.org"] >= 100  # the one-to-one profile needs as many orgs
    assert _count(pg_db, "public.item") == 102 and _count(pg_db, "public.log") == 0  # the trigger did not fire
    # a copy names its original's parent; the one-to-one profile names a copied org, each its own
    assert pg_db.execute("SELECT count(DISTINCT org_id) FROM public.item").fetchone()[0] == 2
    assert pg_db.execute("SELECT count(DISTINCT id) FROM public.profile").fetchone()[0] == 100
    # a copied leaf names the original root
    assert pg_db.execute("SELECT count(*) FROM public.item c JOIN public.item p ON p.id = c.parent_id "
                         "WHERE p.name = 'root'").fetchone()[0] == 34
    # the identity sequence is past the copies: the application's next insert works
    pg_db.execute("INSERT INTO public.org (slug) VALUES ('east')")
    assert pg_db.execute("SELECT reltuples FROM pg_class WHERE oid = 'public.item'::regclass").fetchone()[0] == 102
    assert pg_db.execute("SELECT tgenabled FROM pg_trigger WHERE tgname = 'item_log'").fetchone()[0] == "O"


def test_keys_two_tables_share_without_a_foreign_key_still_match(pg_db: psycopg.Connection) -> None:
    # revos's users.id and auth.users.id: the same values, no foreign key (user-mapping A validates one)
    pg_db.execute("CREATE TABLE public.account (id uuid PRIMARY KEY); CREATE TABLE public.member (id uuid PRIMARY KEY);"
                  "INSERT INTO public.account SELECT md5(g::text)::uuid FROM generate_series(1, 3) AS g;"
                  "INSERT INTO public.member SELECT md5(g::text)::uuid FROM generate_series(1, 2) AS g;")
    filled = multiply(pg_db, ["public.account", "public.member"], 60)
    assert dict(filled.rows) == {"public.account": 90, "public.member": 60}  # as many copies each: 29
    assert pg_db.execute("SELECT count(*) FROM public.member m WHERE NOT EXISTS "
                         "(SELECT 1 FROM public.account a WHERE a.id = m.id)").fetchone()[0] == 0


def test_a_column_the_option_makes_unique_gets_distinct_values(pg_db: psycopg.Connection) -> None:
    pg_db.execute("CREATE TABLE public.model (id int PRIMARY KEY, code text);"
                  "INSERT INTO public.model VALUES (1, 'gpt'), (2, 'gpt'), (3, 'gpt'), (4, NULL);")
    filled = multiply(pg_db, ["public.model"], 40, [("public.model", ("code",))])
    assert filled.distinct == ("model.code: 2",) and dict(filled.rows) == {"public.model": 40}
    assert pg_db.execute("SELECT count(DISTINCT code), count(code) FROM public.model").fetchone() == (30, 30)


def test_a_table_postgresql_refuses_to_fill_is_listed_with_the_reason(pg_db: psycopg.Connection) -> None:
    pg_db.execute("CREATE TABLE public.code (c varchar(4) PRIMARY KEY); INSERT INTO public.code VALUES ('ab');")
    filled = multiply(pg_db, ["public.code"], 50)
    assert len(filled.refused) == 1 and filled.refused[0].startswith("code: value too long")
    assert dict(filled.rows) == {"public.code": 1} and "not filled: code: value too long" in filled.describe()


def test_b_measured_on_volume_holds_no_write_blocking_lock_while_it_fills_rows(pg_server, scope_options) -> None:
    b = scope_options["B"]
    assert set(touched(b)) >= {"public.style_cartridges", "public.agencies"}
    assert not set(touched(b)) & set(b.creates)
    folder = REVOS / "migrations"
    files, _ = discover(folder)
    m = measure(pg_server, files, folder, seed_file(folder), b, 12_000, down=True)
    assert not m.error and m.filled.refused == ()
    assert all(n >= 12_000 for t, n in m.filled.rows if t.endswith("_cartridges"))
    # backfills (batched) and index builds (CONCURRENTLY) hold nothing that blocks writes; up.sql and
    # policies.sql change the catalog only
    assert not [h for h in m.run.held if h.script.startswith("backfill-") or h.script == "index"]
    assert m.run.seconds["backfill-style_cartridges"] > 0
    assert all(h.seconds < 1 for h in m.run.held), m.run.held
    assert m.down_seconds is not None and any(ACCESS_EXCLUSIVE in lk for lk in m.down_locks)
    assert all(h.mode in STRONG for h in m.run.held)


def test_the_table_an_option_creates_is_not_its_longest_hold_in_the_script_that_creates_it(pg_server,
                                                                                          scope_options) -> None:
    c = scope_options["C"]  # creates cartridges and copies every row into it in up.sql
    folder = REVOS / "migrations"
    files, _ = discover(folder)
    m = measure(pg_server, files, folder, seed_file(folder), c, 5_000)
    assert not m.error
    new = [h for h in m.run.held if h.table == "public.cartridges" and h.script == "up"]
    assert new and m.longest() is not None and m.longest().table != "public.cartridges"
    assert m.longest().seconds <= max(h.seconds for h in new)
