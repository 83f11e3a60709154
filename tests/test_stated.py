"""What an option's texts state, against what its rehearsal observed (schemalens.decide.stated).

Each false sentence below is planted in a small option on a real database and must fail the rehearsal with
the sentence and the observed fact; the same option with the true sentence is proven. The real options of
both samples state nothing false (tests/test_rehearse.py rehearses them).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import psycopg
import pytest

from schemalens.db import live
from schemalens.db.rehearse import rehearse_option
from schemalens.decide.decisions import Check, Option, Risk
from schemalens.decide.impact import impact
from schemalens.decide.sqlgen import ACCESS_EXCLUSIVE, ROW_EXCLUSIVE, SHARE_ROW_EXCLUSIVE, step
from schemalens.decide.stated import statements
from schemalens.present.display import shown

REVOS = Path(__file__).resolve().parent.parent / "data" / "revos"

SCHEMA = """
CREATE TABLE public.owners (id int PRIMARY KEY);
CREATE TABLE public.notes (id int PRIMARY KEY, owner int REFERENCES public.owners ON DELETE CASCADE, body text);
CREATE TABLE public.pins (id int PRIMARY KEY, note int REFERENCES public.notes);
CREATE INDEX notes_owner_idx ON public.notes (owner);
INSERT INTO public.owners VALUES (1), (2);
INSERT INTO public.notes VALUES (1, 1, 'a'), (2, 2, 'b');
"""


@pytest.fixture
def notes(pg_db: psycopg.Connection):
    base = live.baseline(pg_db)
    pg_db.execute(SCHEMA)
    return pg_db, base, live.introspect(pg_db, base)


def _option(schema, up, down, risks=(), effects=None, summary="x", creates=(), checks=()) -> Option:
    return Option("d", "A", "a", "A", summary, up=tuple(up), down=tuple(down), checks=tuple(checks),
                  risks=tuple(risks), impact=impact(schema, ["public.notes"], effects=effects), creates=creates)


def _lower(schema, data: str) -> Option:
    """A backfill of a new column: every kept value stays (the checksums see no change), every row is written."""
    up = [step("ALTER TABLE public.notes ADD COLUMN loud text", ("public.notes", ACCESS_EXCLUSIVE)),
          step("UPDATE public.notes SET loud = upper(body)", ("public.notes", ROW_EXCLUSIVE))]
    down = [step("ALTER TABLE public.notes DROP COLUMN loud", ("public.notes", ACCESS_EXCLUSIVE))]
    return _option(schema, up, down, [Risk("data", data)])


def test_no_row_changes_said_of_an_option_that_writes_rows_fails(notes) -> None:
    conn, base, schema = notes
    r = rehearse_option(conn, _lower(schema, "No row changes."), base)
    assert r.restored and r.rows_kept  # every kept value is as before: only the sentence is wrong
    assert r.false_statements == (
        'risk (data): "No row changes."; observed: the forward scripts wrote rows of notes',)
    assert r.verdict == "failed"
    report = shown(r)
    assert "The option's texts say what the rehearsal did not observe" in report
    assert "observed: the forward scripts wrote rows of notes" in report
    assert "(forward wrote rows of `notes`: in columns it added)" in report


def test_the_true_sentence_is_proven(notes) -> None:
    conn, base, schema = notes
    r = rehearse_option(conn, _lower(schema, "Rewrites every row's body; down.sql writes them back."), base)
    assert r.false_statements == () and r.verdict == "proven"
    assert "did not observe" not in shown(r)


def _archive(schema, effects) -> Option:
    up = [step("CREATE SCHEMA archive"), step("ALTER TABLE public.notes SET SCHEMA archive",
                                               ("public.notes", ACCESS_EXCLUSIVE))]
    down = [step("ALTER TABLE archive.notes SET SCHEMA public", ("archive.notes", ACCESS_EXCLUSIVE)),
            step("DROP SCHEMA archive")]
    return _option(schema, up, down, [Risk("breaking", "Clients of notes fail: the table moves to `archive`.")],
                   effects=effects)


def test_an_incoming_foreign_key_said_to_move_with_the_table_fails(notes) -> None:
    """Scope D said the foreign keys of other tables to the old tables 'move to' the archive: they stay."""
    conn, base, schema = notes
    r = rehearse_option(conn, _archive(schema, {k: "moves with its table to `archive`"
                                                for k in ("foreign key", "index")}), base)
    moved = 'impact, foreign key pins_note_fkey on pins: "moves with its table to `archive`"; observed: on pins after'
    assert r.false_statements == (moved + " forward",)
    assert r.verdict == "failed"
    said = {(s.says, s.name) for s in statements(r.option)}
    assert ("moves", "notes_owner_fkey") in said and ("move to", "") in said  # the outgoing key did move: true


def test_unchanged_said_of_a_dropped_index_and_a_missing_preflight_fail(notes) -> None:
    conn, base, schema = notes
    up = [step("DROP INDEX public.notes_owner_idx", ("public.notes", ACCESS_EXCLUSIVE))]
    down = [step("CREATE INDEX notes_owner_idx ON public.notes (owner)", ("public.notes", "SHARE"))]
    option = _option(schema, up, down, [Risk("data", "None: rows stay (preflight `rows`).")],
                     effects={"index": "unchanged", "foreign key": "unchanged"})
    r = rehearse_option(conn, option, base)
    assert r.false_statements == (
        'impact, index notes_owner_idx on notes: "unchanged"; observed: gone after forward',
        'risk (data): "None: rows stay (preflight `rows`)."; observed: no preflight check rows',
    )
    fixed = dataclasses.replace(option, checks=(Check("rows", "SELECT 1 FROM public.notes", "rows"),),
                                impact=impact(schema, ["public.notes"], effects={"index": "dropped",
                                                                                 "foreign key": "unchanged"}))
    assert rehearse_option(conn, fixed, base).false_statements == ()


def test_on_delete_said_of_a_created_key_must_be_its_action(notes) -> None:
    conn, base, schema = notes
    up = [step("CREATE TABLE public.copies (id int PRIMARY KEY, owner int REFERENCES public.owners ON DELETE SET NULL)",
               ("public.owners", SHARE_ROW_EXCLUSIVE))]
    down = [step("DROP TABLE public.copies", ("public.owners", ACCESS_EXCLUSIVE))]
    said = "Deleting an owner deletes its copies, as in notes (ON DELETE CASCADE on `owner`)."
    r = rehearse_option(conn, _option(schema, up, down, [Risk("data", said)], creates=("public.copies",)), base)
    assert r.false_statements == (f'risk (data): "{said}"; observed: copies_owner_fkey ON DELETE SET NULL after forward',)
    true = said.replace("CASCADE", "SET NULL")
    assert rehearse_option(conn, _option(schema, up, down, [Risk("data", true)], creates=("public.copies",)),
                           base).false_statements == ()


def test_no_schema_change_said_of_an_option_that_changes_the_catalog_fails(notes) -> None:
    conn, base, schema = notes
    up = [step("ALTER TABLE public.notes ADD COLUMN tag text", ("public.notes", ACCESS_EXCLUSIVE))]
    down = [step("ALTER TABLE public.notes DROP COLUMN tag", ("public.notes", ACCESS_EXCLUSIVE))]
    r = rehearse_option(conn, _option(schema, up, down, summary="No schema change: the manifest changes."), base)
    assert r.false_statements == (
        'summary: "No schema change: the manifest changes."; observed: the forward scripts changed the catalog',)


def test_scope_d_states_only_what_its_forward_does_once_its_rows_map(revos_db, scope_options) -> None:
    """The seed's two unmappable rows refuse D before its statements can be checked: without them D runs,
    and what its texts say of the archive, the keys and the rows holds; a planted wrong ON DELETE fails."""
    conn, base = revos_db
    d = scope_options["D"]
    unmappable = next(c for c in d.checks if c.name == "unmappable")
    for source, row in conn.execute(f"SELECT source, row_data FROM ({unmappable.sql}) AS u").fetchall():
        conn.execute(f"DELETE FROM public.{source} WHERE id = %s", (row["id"],))
    said = {s.says for s in statements(d)}
    assert {"moves", "move to", "on delete", "preflight"} <= said
    wrong = dataclasses.replace(d, risks=tuple(
        dataclasses.replace(r, text=r.text.replace("ON DELETE CASCADE", "ON DELETE SET NULL")) for r in d.risks))
    r = rehearse_option(conn, wrong, base)
    assert [f for f in r.false_statements if "ON DELETE SET NULL" in f and "ON DELETE CASCADE after forward" in f]
    assert r.verdict == "failed"
    r = rehearse_option(conn, d, base)
    assert r.verdict == "proven" and r.false_statements == ()


COPIES = """CREATE TABLE public.copies (id int PRIMARY KEY, note_id int NOT NULL REFERENCES public.notes ON DELETE CASCADE,
                                    owner_id uuid NOT NULL);
CREATE INDEX copies_note_id_idx ON public.copies (note_id);
ALTER TABLE public.copies ENABLE ROW LEVEL SECURITY;
CREATE POLICY "read" ON public.copies FOR SELECT USING (true);
CREATE POLICY "add" ON public.copies FOR INSERT WITH CHECK (owner_id = auth.uid());
CREATE POLICY "change" ON public.copies FOR UPDATE USING (owner_id = auth.uid());
CREATE POLICY "remove" ON public.copies FOR DELETE USING (owner_id = auth.uid());
CREATE FUNCTION public.stamp() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
BEGIN NEW.owner_id = auth.uid(); RETURN NEW; END $$;
REVOKE EXECUTE ON FUNCTION public.stamp() FROM PUBLIC, anon, authenticated;
CREATE TRIGGER copies_owner BEFORE INSERT ON public.copies FOR EACH ROW EXECUTE FUNCTION public.stamp();
CREATE VIEW public.notes_v AS SELECT * FROM public.notes"""
SAID = ("`copies` with `note_id` → `notes` (ON DELETE CASCADE), an index on each foreign key, row level security and "
        "policies per command; `stamp()` (SECURITY DEFINER, search_path fixed) and a trigger derives `owner_id`; "
        "clients read through the view `notes_v`.")
RISK = ("None: the new tables start empty. Writes stay the owner's (a policy per command, `owner_id = auth.uid()`); "
        "EXECUTE is revoked from PUBLIC and the API roles.")
SIGNED_IN = "SELECT set_config('request.jwt.claims', json_build_object('sub', gen_random_uuid())::text, true)"
BROKEN = {  # what each planted change makes false: (a replacement in COPIES, the fact reported)
    "ON DELETE CASCADE": ("ON DELETE CASCADE", "ON DELETE RESTRICT", "copies_note_id_fkey ON DELETE RESTRICT"),
    "an index on each foreign key": ("CREATE INDEX copies_note_id_idx ON public.copies (note_id);", "",
                                     "no index on copies (note_id)"),
    "policies per command": ('"read" ON public.copies FOR SELECT', '"read" ON public.copies FOR ALL', "FOR ALL policy"),
    "Writes stay the owner's": ("FOR UPDATE USING (owner_id = auth.uid())", "FOR UPDATE USING (true)",
                                "change (UPDATE) does not check owner_id = auth.uid()"),
    "SECURITY DEFINER": ("SECURITY DEFINER SET", "SECURITY INVOKER SET", "SECURITY INVOKER"),
    "start empty": ("CREATE VIEW", SIGNED_IN + ";\nINSERT INTO public.copies VALUES (1, 1, NULL);\nCREATE VIEW",
                    "rows after forward: copies 1"),
    "EXECUTE is revoked": ("REVOKE EXECUTE ON FUNCTION public.stamp() FROM PUBLIC, anon, authenticated;\n", "",
                           "public.stamp: PUBLIC may execute it"),
    "through the view": ("CREATE VIEW public.notes_v", "CREATE VIEW public.notes_w", "no such view after forward"),
}


def _copies(schema, sql: str) -> Option:
    up = [step(q) for q in sql.split(";\n")]
    down = [step("DROP VIEW IF EXISTS public.notes_v, public.notes_w"), step("DROP TABLE public.copies"),
            step("DROP FUNCTION public.stamp()")]
    return Option("d", "A", "a", "A", SAID, up=tuple(up), down=tuple(down), risks=(Risk("data", RISK),),
                  creates=("public.copies",))


def test_what_a_new_table_is_said_to_have_is_checked(notes) -> None:
    conn, base, schema = notes
    r = rehearse_option(conn, _copies(schema, COPIES), base)
    assert r.false_statements == () and r.verdict == "proven"
    said = {s.says for s in statements(r.option)}
    assert {"key action", "indexed", "per command", "write policies", "security definer", "derived", "view",
            "start empty", "execute revoked"} <= said
    for phrase, (old, new, fact) in BROKEN.items():
        r = rehearse_option(conn, _copies(schema, COPIES.replace(old, new)), base)
        assert [f for f in r.false_statements if phrase in f and fact in f], (phrase, r.false_statements)
        assert r.verdict == "failed"


def test_user_mapping_a_states_only_what_its_scripts_do_once_every_user_has_an_auth_user(revos_db) -> None:
    """The seed's three users without an auth user refuse A's validate.sql before its statements can be checked:
    with an auth user for each, A runs and what it says (every other key unchanged, ON DELETE CASCADE the
    choice, no row written) holds."""
    from schemalens.assess.compare import analyse
    from schemalens.decide.options import decide

    conn, base = revos_db
    decisions = decide(analyse(REVOS / "migrations", REVOS / "manifest.yaml"))
    a = next(o for o in decisions.options() if o.decision == "user-mapping" and o.key == "A")
    orphans = next(c for c in a.checks if c.name == "orphans")
    conn.execute(f"INSERT INTO auth.users (id, email) SELECT id, 'auth-' || id || '@example.test' FROM ({orphans.sql}) AS o")
    said = {s.says for s in statements(a)}
    assert {"unchanged", "on delete", "rows unchanged", "preflight"} <= said
    r = rehearse_option(conn, a, base)
    assert r.verdict == "proven" and r.false_statements == ()
