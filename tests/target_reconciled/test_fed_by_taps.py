"""target-reconciled fed by our taps against the emulators: its current tables equal their truth,
in DuckDB and in PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import psycopg
import pytest

from sandbox.clock import VirtualClock
from sandbox.invoca import InvocaEmulator
from sandbox.server import EmulatorServer
from sandbox.ve import VeEmulator

BIN = Path(sys.executable).parent
NOW = dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC)


@pytest.fixture(params=["duckdb", "postgres"])
def target_config(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, Any]]:
    """The target's config: a DuckDB file, or a new schema of the PostgreSQL test database."""
    if request.param == "duckdb":
        yield {"duckdb_path": str(tmp_path / "r.duckdb")}
        return
    url = request.getfixturevalue("postgres_url")
    name = f"t_{uuid.uuid4().hex[:12]}"
    yield {"destination": "postgres", "postgres_url": url, "default_target_schema": name}
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')


def pipe(
    tmp_path: Path, tap: str, tap_config: dict[str, Any], state: dict | None, target_config: dict[str, Any]
) -> dict | None:
    """``tap | target-reconciled``; returns the last STATE the target emitted."""
    (tmp_path / "tap.json").write_text(json.dumps(tap_config))
    (tmp_path / "target.json").write_text(json.dumps(target_config))
    args = [str(BIN / tap), "--config", str(tmp_path / "tap.json")]
    if state is not None:
        (tmp_path / "state.json").write_text(json.dumps(state))
        args += ["--state", str(tmp_path / "state.json")]
    with subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL) as producer:
        target = subprocess.run(
            [str(BIN / "target-reconciled"), "--config", str(tmp_path / "target.json")],
            stdin=producer.stdout,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    assert producer.returncode == 0
    assert target.returncode == 0, target.stderr[-3000:]
    states = [json.loads(line) for line in target.stdout.splitlines() if line.strip()]
    return states[-1] if states else state


def current(target_config: dict[str, Any], query: str) -> set[tuple[Any, ...]]:
    if "duckdb_path" in target_config:
        with duckdb.connect(target_config["duckdb_path"], read_only=True) as con:
            return set(con.execute(query).fetchall())
    with psycopg.connect(target_config["postgres_url"]) as conn:
        conn.execute(f'SET search_path = "{target_config["default_target_schema"]}"')
        return set(conn.execute(query).fetchall())


def test_invoca_corrections_and_chains_end_as_the_truth(
    tmp_path: Path, target_config: dict[str, Any]
) -> None:
    emulator = InvocaEmulator(clock=VirtualClock(NOW), seed=21, size=500, days=10)
    query = "select transaction_id, _reconciled_source_key, advertiser_payin_localized from transactions"
    with EmulatorServer(emulator) as server:
        config = {"api_url": server.url, "auth_token": "sandbox-invoca-token", "account_id": "33"}
        state = pipe(tmp_path, "tap-invoca", config, None, target_config)
        first = emulator.served()[0]["transaction_id"]
        second = emulator.add_correction(first, change="payin")["transaction_id"]
        emulator.add_correction(second, change="payin")  # a correction of the correction
        emulator.advance(dt.timedelta(hours=12))
        pipe(tmp_path, "tap-invoca", config, state, target_config)
    truth = {
        (t["root_transaction_id"], t["transaction_id"], _decimal(t["advertiser_payin_localized"]))
        for t in emulator.truth()
    }
    assert current(target_config, query) == truth


def test_ve_status_changes_end_as_the_truth(tmp_path: Path, target_config: dict[str, Any]) -> None:
    emulator = VeEmulator(clock=VirtualClock(NOW), seed=21, size=300, days=60, rate_limit=0)
    query = 'select "transactionId", "transactionStatus", "modifiedDate", total from transactions'
    with EmulatorServer(emulator) as server:
        config = {
            "api_url": server.url,
            "subscription_key": "sandbox-ve-key",
            "start_date": (NOW - dt.timedelta(days=61)).isoformat(),
            "end_date": NOW.isoformat(),
            "domains": ["", "fashion.example", "travel.example", "electronics.example"],
            "requests_per_minute": 6000,
            "lookback_days": 110,
        }
        state = pipe(tmp_path, "tap-veinvoicing", config, None, target_config)
        emulator.advance(dt.timedelta(days=20))
        later = {**config, "end_date": (NOW + dt.timedelta(days=20)).isoformat()}
        pipe(tmp_path, "tap-veinvoicing", later, state, target_config)
    truth = {
        (
            t["transactionId"],
            t["transactionStatus"],
            dt.datetime.fromisoformat(t["modifiedDate"]),
            Decimal(str(t["total"])),
        )
        for t in emulator.truth()
    }
    assert current(target_config, query) == truth


def _decimal(value: str | None) -> Decimal | None:
    return Decimal(value) if value else None
