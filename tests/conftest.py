"""Shared pytest fixtures."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from schemalens.db import postgres

# The persistent cache (schemalens.read.cache) of the tests and of the commands they start goes to a folder
# of their own, never into the user's ~/.cache.
os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="schemalens-test-cache-")


@pytest.fixture(scope="session")
def pg_server() -> Iterator[postgres.Server]:
    """One PostgreSQL server for the test session: DATABASE_URL's, or an embedded one."""
    with postgres.server() as srv:
        yield srv


@pytest.fixture
def pg_db(pg_server: postgres.Server) -> Iterator[psycopg.Connection]:
    """A fresh database with the Supabase stand-ins, as an autocommit connection; dropped afterwards."""
    with pg_server.database(standins=True) as conn:
        yield conn


REVOS = Path(__file__).resolve().parent.parent / "data" / "revos"


@pytest.fixture(scope="module")
def scope_options() -> dict:
    """The sample's scope-of-cartridges options, by key."""
    from schemalens.assess.compare import analyse
    from schemalens.decide.options import decide

    decisions = decide(analyse(REVOS / "migrations", REVOS / "manifest.yaml"))
    return {o.key: o for o in decisions.options() if o.decision == "scope-of-cartridges"}


@pytest.fixture
def revos_db(pg_server: postgres.Server):
    """A fresh database with the sample's migrations and seed rows, as the rehearsal builds it: (conn, base)."""
    from schemalens.db.rehearse import prepared, seed_file
    from schemalens.read.migrations import discover

    folder = REVOS / "migrations"
    files, _ = discover(folder)
    with prepared(pg_server, files, folder, seed_file(folder)) as (conn, base):
        yield conn, base


@pytest.fixture
def schema_db(pg_db: psycopg.Connection, request):
    """:func:`pg_db` with the test module's ``SCHEMA`` run in it: ``(conn, the baseline before it)``."""
    from schemalens.db import live

    base = live.baseline(pg_db)
    pg_db.execute(request.module.SCHEMA)
    return pg_db, base
