"""Fixtures shared by every test folder."""

from __future__ import annotations

import os

import pytest

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


VACUUM_EVERY = 50
"""Tests between two VACUUMs of the test database, once a test has used it (see ``vacuum``)."""
_state = {"used": False, "tests": 0}


def _vacuum() -> None:
    import psycopg

    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        conn.execute("VACUUM")


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """URL of the local PostgreSQL test database; fails (never skips) when it is down."""
    import psycopg

    try:
        _vacuum()
    except psycopg.OperationalError as exc:
        pytest.fail(f"PostgreSQL at {POSTGRES_URL} is not reachable ({exc}); run scripts/ensure-postgres")
    _state["used"] = True
    return POSTGRES_URL


@pytest.fixture(autouse=True)
def vacuum() -> None:
    """VACUUM the test database every ``VACUUM_EVERY`` tests once PostgreSQL is in use.

    Every batch the target writes there creates temp tables; with autovacuum off (as on the CI
    machine) their catalog rows stay dead and every later statement slows down. A VACUUM takes
    under a second.
    """
    _state["tests"] += 1
    if _state["used"] and _state["tests"] % VACUUM_EVERY == 0:
        _vacuum()
