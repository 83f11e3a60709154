"""Shared pytest fixtures."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest

from schemalens import postgres


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
