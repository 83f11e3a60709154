"""Throwaway databases that differ from their migrations on purpose: to show that verification catches drift.

:func:`drifted_database` builds a database the way :func:`schemalens.db.verify.verify_built` does (the
Supabase stand-ins, the files in version order, their versions recorded in
``supabase_migrations.schema_migrations`` as ``supabase db push`` records them), except that the
files named in ``skip`` are neither applied nor recorded; then it runs ``extra_sql`` by hand, as
someone in the SQL editor would. It yields the database's DSN and drops the database afterwards.
:func:`verify_drifted` verifies such a database through a read-only session, exactly as
:func:`schemalens.db.verify.verify_database` verifies a DSN, under a :func:`label` that says what was
changed, so no socket path, port or random database name shows in the result; ``project_ref`` lets
the database stand in for a Supabase project, so the project check runs too.

It refuses to leave out a file the folder does not have (a typo would demonstrate nothing), and it
builds only in a fresh database it creates on a throwaway server (``server``, or
:func:`schemalens.db.postgres.server`: an embedded PostgreSQL, or the server ``DATABASE_URL`` names),
never in a database being verified. A file that fails because a left-out file is missing (``038``
adds triggers to ``037``'s tables) ends the build with an :class:`~schemalens.core.errors.ApplyError`
naming it and its line: leave it out too.

:func:`suggest_drift` picks a drift worth showing in any folder, for what is not given: leave out the
last file that creates tables, with every later file that names one of them; add a column
``added_by_hand`` to the first table the remaining files create.

>>> label(["037_client_cartridges.sql", "038_cartridge_updated_at_triggers.sql"],
...       "ALTER TABLE users ADD COLUMN nickname text")
'throwaway database: 037_client_cartridges.sql, 038_cartridge_updated_at_triggers.sql left out; 1 statement run by hand'
>>> label([], [])
'throwaway database built from the migrations'
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

from schemalens.core.errors import InputError
from schemalens.core.names import quote_table
from schemalens.db import postgres, verify
from schemalens.read.parse import split
from schemalens.read.project import load_project, load_schema


def _texts(extra_sql: str | Sequence[str]) -> tuple[str, ...]:
    return (extra_sql,) if isinstance(extra_sql, str) else tuple(extra_sql)


def label(skip: Sequence[str] = (), extra_sql: str | Sequence[str] = ()) -> str:
    """How a drifted database differs from its files, in one line (the verification's target)."""
    statements = sum(len(split(t, "")) for t in _texts(extra_sql) if t.strip())
    parts = [f"{', '.join(skip)} left out"] if skip else []
    if statements:
        parts.append(f"{statements} statement{'s' if statements != 1 else ''} run by hand")
    return (
        "throwaway database: " + "; ".join(parts) if parts else "throwaway database built from the migrations"
    )


def suggest_drift(
    folder: str | Path, skip: Sequence[str] | None = None, extra_sql: str | Sequence[str] | None = None
) -> tuple[tuple[str, ...], str | tuple[str, ...]]:
    """``(skip, extra_sql)`` for :func:`drifted_database`: each one given is kept, each ``None`` suggested.

    ``skip``: the last file that creates tables and every later file that names one of them (it could
    not run without them); ``extra_sql``: ``ALTER TABLE … ADD COLUMN added_by_hand text`` on the first
    table the files that are not left out create (nothing when there is none)."""
    files = load_project(folder).files
    order = {f.name: i for i, f in enumerate(files)}
    tables = sorted(
        (t for t in load_schema(folder).tables if t.source.file in order),
        key=lambda t: (order[t.source.file], t.source.line),
    )
    if skip is None:
        last = tables[-1].source.file if tables else None
        names = [t.name.split(".", 1)[-1] for t in tables if t.source.file == last]
        uses = re.compile(r"\b(?:" + "|".join(map(re.escape, names)) + r")\b", re.IGNORECASE)
        skip = tuple(
            f.name
            for f in files
            if last and (f.name == last or (order[f.name] > order[last] and uses.search(f.text)))
        )
    if extra_sql is None:
        first = next((t for t in tables if t.source.file not in set(skip)), None)
        extra_sql = f"ALTER TABLE {quote_table(first.name)} ADD COLUMN added_by_hand text" if first else ()
    return tuple(skip), extra_sql


@contextmanager
def drifted_database(
    folder: str | Path,
    *,
    skip: Sequence[str] = (),
    extra_sql: str | Sequence[str] = (),
    server: postgres.Server | None = None,
    history: bool = True,
    timings: dict[str, float] | None = None,
) -> Iterator[str]:
    """A fresh database built from the files of ``folder`` but those named in ``skip`` (file names as
    the folder lists them), with ``extra_sql`` (one text or several, each in its own transaction) run
    after them; yields its DSN (it may hold a password: pass it on, never print it). ``history``:
    record the applied files in ``supabase_migrations.schema_migrations``; ``timings``, when given,
    receives the seconds taken to start the server (``server``) and to build the database (``apply``)."""
    files = load_project(folder).files
    unknown = sorted(set(skip) - {f.name for f in files})
    if unknown:
        raise InputError(
            f"no migration file named {', '.join(map(repr, unknown))} to leave out "
            f"(the folder has {', '.join(f.name for f in files)})",
            str(folder),
        )
    applied = [f for f in files if f.name not in set(skip)]
    clock = {} if timings is None else timings
    t0 = time.perf_counter()
    with postgres.using(server) as srv:
        clock["server"] = time.perf_counter() - t0
        name = srv.create_database()
        try:
            t1 = time.perf_counter()
            with srv.connect(name, autocommit=True) as admin:
                postgres.install_standins(admin)
                postgres.apply_files(admin, applied, folder)
                if history:
                    verify.record_history(admin, applied)
                for n, text in enumerate(_texts(extra_sql), 1):
                    postgres.apply_sql(admin, text, f"extra_sql[{n}]")
            clock["apply"] = time.perf_counter() - t1
            yield srv.dsn(name)
        finally:
            srv.drop_database(name)


def verify_drifted(
    folder: str | Path,
    *,
    skip: Sequence[str] = (),
    extra_sql: str | Sequence[str] = (),
    project_ref: str | None = None,
    server: postgres.Server | None = None,
    **kwargs: Any,
) -> verify.Verification:
    """Build a :func:`drifted_database` and :func:`~schemalens.db.verify.verify` it through a read-only
    session; ``kwargs`` (``manifest``, ``groups``, ``history_table``) go to ``verify``. The target is
    the :func:`label`, standing in for Supabase project ``project_ref`` when one is given."""
    t0 = time.perf_counter()
    built: dict[str, float] = {}
    target = verify.Target(label(skip, extra_sql), project_ref=project_ref)
    database = drifted_database(folder, skip=skip, extra_sql=extra_sql, server=server, timings=built)
    with database as dsn, verify.open_session(dsn) as conn:
        result = verify.verify(folder, conn, target=target, **kwargs)
    return replace(result, timings={**built, **result.timings, "total": time.perf_counter() - t0})


__all__ = ["drifted_database", "label", "suggest_drift", "verify_drifted"]
