"""The ``dest`` fixture: each destination-level test runs on DuckDB and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.target_reconciled.harness import DESTINATIONS, Dest


@pytest.fixture(params=DESTINATIONS)
def dest(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Dest]:
    url = request.getfixturevalue("postgres_url") if request.param == "postgres" else None
    destination = Dest(request.param, tmp_path, url)
    yield destination
    destination.drop()
