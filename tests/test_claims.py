"""An option's lock risk against the locks its rehearsal observed (schemalens.decide.claims)."""

from __future__ import annotations

import psycopg
import pytest

from schemalens.db import live
from schemalens.db.rehearse import rehearse_option
from schemalens.decide.claims import wrong_claims
from schemalens.decide.decisions import Option, Risk
from schemalens.decide.sqlgen import ACCESS_EXCLUSIVE, SHARE, step
from schemalens.present.display import shown


@pytest.fixture
def notes(pg_db: psycopg.Connection):
    base = live.baseline(pg_db)
    pg_db.execute("CREATE TABLE public.notes (id int PRIMARY KEY, author int)")
    return pg_db, base


def _index(risk: str) -> Option:
    up = (step("CREATE INDEX notes_author_idx ON public.notes (author)", ("public.notes", SHARE)),)
    down = (step("DROP INDEX public.notes_author_idx", ("public.notes", ACCESS_EXCLUSIVE)),)
    return Option("index-foreign-keys", "A", "a", "Create the index", "", up=up, down=down,
                  risks=(Risk("lock", risk),))


def test_a_lock_the_script_does_not_take_is_reported(notes) -> None:
    conn, base = notes
    r = rehearse_option(conn, _index("up.sql: ACCESS EXCLUSIVE on notes while it builds. down.sql: ACCESS "
                                     "EXCLUSIVE on notes, briefly."), base)
    assert wrong_claims(r) == ("up.sql: says ACCESS EXCLUSIVE on notes; observed SHARE",)
    assert "The lock risk says what the scripts do not" in shown(r)


def test_true_claims_are_not_reported(notes) -> None:
    conn, base = notes
    r = rehearse_option(conn, _index("up.sql: SHARE on notes while it builds (writes wait). down.sql: ACCESS "
                                     "EXCLUSIVE on notes, briefly."), base)
    assert wrong_claims(r) == ()
    assert "The lock risk says" not in shown(r)
