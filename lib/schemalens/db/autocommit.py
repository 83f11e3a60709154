"""Run a script that is not one transaction (:mod:`schemalens.decide.phased`) as its file says: in autocommit.

:func:`run_script` runs the steps of one script of an option one by one on an autocommit session, with the
file's ``lock_timeout`` for the session, as ``psql -f`` would: each statement commits on its own (a batched
backfill commits inside its ``DO`` block). A failure stops the script; what committed before it stays
(the scripts are written so that running them again finishes the work). The error names the script and
the line of the statement that failed, as :class:`~schemalens.core.errors.ApplyError` does for a file.
"""

from __future__ import annotations

from collections.abc import Callable

import psycopg

from schemalens.core.errors import ApplyError
from schemalens.decide.decisions import LOCK_TIMEOUT, Option
from schemalens.decide.sqlgen import Step


def line_of(option: Option, name: str, index: int) -> int:
    """The 1-based line of step ``index``'s statement in script ``name``'s text."""
    text = option.script(name)
    at, start = -1, 0
    for s in option.steps(name)[: index + 1]:
        at = text.find(s.sql, start)
        start = at + len(s.sql) if at >= 0 else start
    return text.count("\n", 0, max(at, 0)) + 1


def _run(conn: psycopg.Connection, option: Option, name: str, each: Callable[[int, Step], object] | None,
         label: str) -> tuple[ApplyError | None, str, int]:
    saved = conn.autocommit
    conn.autocommit = True
    done = 0
    try:
        conn.execute(f"SET lock_timeout = '{LOCK_TIMEOUT}'")
        for i, s in enumerate(option.steps(name)):
            try:
                if each is None:
                    conn.execute(s.sql)
                else:
                    each(i, s)
            except psycopg.Error as e:
                from schemalens.db.postgres import _message

                return ApplyError(_message(e), label, line_of(option, name, i)), e.sqlstate or "", done
            done += 1
        return None, "", done
    finally:
        conn.execute("RESET lock_timeout")
        conn.autocommit = saved


def run_script(conn: psycopg.Connection, option: Option, name: str,
               each: Callable[[int, Step], object] | None = None) -> tuple[str, str, int]:
    """Run script ``name`` of ``option`` in autocommit on ``conn`` (idle); ``each(i, step)`` runs each step
    (default: ``conn.execute(step.sql)``). Returns ``(error, sqlstate, steps done)``: the error worded as
    :class:`ApplyError` words a file's (empty when the script ran)."""
    error, state, done = _run(conn, option, name, each, f"{option.slug}/{name}.sql")
    return ("" if error is None else str(error)), state, done


def apply_script(conn: psycopg.Connection, option: Option, name: str, label: str | None = None) -> None:
    """Run script ``name`` of ``option`` as its file runs: one transaction
    (:func:`schemalens.db.postgres.apply_sql`), or in autocommit when it says so; :class:`ApplyError` (naming
    ``label``, default ``<name>.sql``, and the line) when it fails."""
    from schemalens.db.postgres import apply_sql

    label = label or f"{name}.sql"
    if not option.autocommit(name):
        apply_sql(conn, option.script(name), label)
        return
    error, _, _ = _run(conn, option, name, None, label)
    if error is not None:
        raise error


__all__ = ["apply_script", "line_of", "run_script"]
