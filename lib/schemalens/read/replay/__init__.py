"""Typed statements -> :class:`~schemalens.core.model.Schema`, applied in order as PostgreSQL would.

Creates, alters, renames and drops of tables, columns and constraints; RLS flags and policies;
enums, functions, triggers, indexes and views. What cannot be applied (an ``ALTER`` of a table that
does not exist, a column that is not there) becomes a warning with the statement's file:line;
statements the parser did not understand are carried into ``Schema.unparsed``.

>>> from schemalens.read.parse import split_and_parse
>>> s = replay(split_and_parse("CREATE TABLE a (id int PRIMARY KEY); CREATE TABLE b (a_id int REFERENCES a);", "1.sql"))
>>> s.foreign_keys[0].name, s.foreign_keys[0].ref_columns
('b_a_id_fkey', ('id',))
"""

from __future__ import annotations

from collections.abc import Iterable

from schemalens.core.model import Schema, Unparsed
from schemalens.read.parse import Statement
from schemalens.read.replay.queries import figure_name
from schemalens.read.replay.replayer import HANDLERS, _Replayer
from schemalens.read.replay.state import (  # noqa: F401 - importable from here, as before the split
    EXTERNAL_PRIMARY_KEYS,
    ReplayWarning,
    _Store,
    _TableState,
    _type_text,
    make_object_name,
)


def new_state(search_path: tuple[str, ...] = ("public",)) -> _Replayer:
    """An empty replay state: ``apply`` statements to it, ``freeze`` it into a Schema. It pickles whole
    (everything replay knows, search_path included), so a run can resume from a saved one
    (:mod:`schemalens.read.snapshots`)."""
    r = _Replayer()
    r.search_path = search_path
    return r


def replay(statements: Iterable[Statement], headers=(), warnings: Iterable[Unparsed] = (),
           search_path: tuple[str, ...] = ("public",)) -> Schema:
    """Apply statements in order and freeze the result; ``search_path`` is the runner's, before the files."""
    r = new_state(search_path)
    for st in statements:
        r.apply(st)
    return r.freeze(headers, warnings)


__all__ = ["EXTERNAL_PRIMARY_KEYS", "HANDLERS", "ReplayWarning", "figure_name", "make_object_name", "new_state", "replay"]
