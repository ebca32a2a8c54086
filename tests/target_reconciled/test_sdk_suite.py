"""The Meltano SDK's standard target tests, against a DuckDB file."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from singer_sdk.testing import get_target_test_class

from target_reconciled.target import TargetReconciled

_DB = Path(tempfile.mkdtemp(prefix="target-reconciled-sdk-")) / "sdk.duckdb"

TestTargetReconciled = get_target_test_class(TargetReconciled, config={"duckdb_path": str(_DB)})


@pytest.fixture(scope="module", autouse=True)
def _remove_database() -> Iterator[None]:
    """The suite's database folder goes once the module's tests are done."""
    yield
    shutil.rmtree(_DB.parent, ignore_errors=True)
