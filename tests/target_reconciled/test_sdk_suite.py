"""The Meltano SDK's standard target tests, against a DuckDB file and a PostgreSQL schema."""

from __future__ import annotations

import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from singer_sdk.testing import get_target_test_class

from target_reconciled.target import TargetReconciled
from tests.conftest import POSTGRES_URL

_DB = Path(tempfile.mkdtemp(prefix="target-reconciled-sdk-")) / "sdk.duckdb"
_SCHEMA = f"sdk_{uuid.uuid4().hex[:12]}"

TestTargetReconciled = get_target_test_class(TargetReconciled, config={"duckdb_path": str(_DB)})
TestTargetReconciledPostgres = get_target_test_class(
    TargetReconciled,
    config={"destination": "postgres", "postgres_url": POSTGRES_URL, "default_target_schema": _SCHEMA},
)


@pytest.fixture(scope="module", autouse=True)
def _remove_databases(postgres_url: str) -> Iterator[None]:
    """The suite's database folder and schema go once the module's tests are done."""
    yield
    shutil.rmtree(_DB.parent, ignore_errors=True)
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {_SCHEMA} CASCADE")
