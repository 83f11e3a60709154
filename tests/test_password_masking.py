"""No part of a password is ever printed, whatever the DSN's shape (issue 11, section 4).

The property: masking a DSN (or a message quoting one) gives the same text whatever the password is, so
nothing of it can show. Fuzzed with hypothesis over passwords made of any characters, in every shape libpq
reads: a URI with a raw password (``@``, ``:``, ``/``, ``?``, ``#`` inside), percent-encoded, in the query
string, and key=value quoted and unquoted with backslash escapes; and the CLI on a raw ``@``.
"""

from __future__ import annotations

from urllib.parse import quote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from psycopg.conninfo import make_conninfo

from schemalens.cli import main
from schemalens.db.postgres import mask_dsn
from schemalens.db.verify import parse_target

ANY = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), min_size=1, max_size=24)
NO_SPACE = st.text(st.characters(blacklist_categories=("Cs", "Zs", "Zl", "Zp", "Cc")), min_size=1, max_size=24)


def quoted(pw: str) -> str:
    return "'" + pw.replace("\\", "\\\\").replace("'", "\\'") + "'"


def escaped(pw: str) -> str:
    return "".join("\\" + c if c.isspace() or c in "'\\" else c for c in pw)


SHAPES = {
    "uri raw": (NO_SPACE, lambda pw: f"postgresql://app:{pw}@db.example.com:5432/main?sslmode=require"),
    "uri encoded": (ANY, lambda pw: f"postgres://app:{quote(pw, safe='')}@db.example.com/main"),
    "uri query": (ANY, lambda pw: f"postgresql://db.example.com/main?user=app&password={quote(pw, safe='')}&sslmode=require"),
    "key=value quoted": (ANY, lambda pw: f"host=db user=app password={quoted(pw)} dbname=prod"),
    "key=value unquoted": (ANY, lambda pw: f"host=db user=app password={escaped(pw)} dbname=prod"),
    "key = value": (ANY, lambda pw: f"host=db password = {quoted(pw)} user=app"),
    "make_conninfo": (ANY, lambda pw: make_conninfo(host="db", user="app", password=pw, dbname="prod")),
    "in a message": (NO_SPACE, lambda pw: f'cannot connect to postgresql://app:{pw}@db:5432/x: timeout ("db")'),
}


@pytest.mark.parametrize("shape", SHAPES)
@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_the_masked_text_does_not_depend_on_the_password(shape: str, data) -> None:
    strategy, build = SHAPES[shape]
    password = data.draw(strategy, label="password")
    assert mask_dsn(build(password)) == mask_dsn(build("\u2603")), build(password)


@pytest.mark.parametrize("shape", ["uri encoded", "uri query", "key=value quoted", "key=value unquoted",
                                   "make_conninfo"])
@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_a_parsed_target_never_holds_the_password(shape: str, data) -> None:
    strategy, build = SHAPES[shape]
    password = data.draw(strategy, label="password")
    # two password-free forms: masked in place, or (when the password also occurs elsewhere in the
    # masked text, e.g. "app" as the user too) rebuilt without it
    forms = {parse_target(build("\u2603")).masked, parse_target(build("app")).masked}
    assert parse_target(build(password)).masked in forms


@pytest.mark.parametrize("password", ["Pw@Leak-7Q", "a@b@Leak-7Q", "Leak-7Q/x@y", "Leak-7Q:1@2?3#4"])
def test_the_cli_never_shows_a_raw_at_password(password: str, capsys) -> None:
    dsn = f"postgresql://app:{password}@127.0.0.1:1/main"
    assert main(["verify", "data/revos/migrations", "--dsn", dsn, "--connect-timeout", "1"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Leak-7Q" not in err and password.split("@")[0] + "@" not in err
