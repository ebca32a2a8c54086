"""The Meltano SDK's standard target tests, against a DuckDB file."""

from __future__ import annotations

import tempfile
from pathlib import Path

from singer_sdk.testing import get_target_test_class

from target_reconciled.target import TargetReconciled

_DB = Path(tempfile.mkdtemp(prefix="target-reconciled-sdk-")) / "sdk.duckdb"

TestTargetReconciled = get_target_test_class(TargetReconciled, config={"duckdb_path": str(_DB)})
