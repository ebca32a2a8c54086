"""Every capability a plugin's Hub definition claims is exercised here, against the emulators."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml

from sandbox.clock import VirtualClock
from sandbox.invoca import InvocaEmulator
from sandbox.server import EmulatorServer
from sandbox.ve import VeEmulator

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
NOW = dt.datetime(2026, 3, 2, 12, tzinfo=dt.UTC)
Messages = list[dict[str, Any]]


@pytest.fixture(scope="module")
def configs() -> Iterator[dict[str, dict[str, Any]]]:
    """A config per tap, each pointing at its own small emulator."""
    invoca = InvocaEmulator(clock=VirtualClock(NOW), seed=2, size=30, days=1)
    ve = VeEmulator(clock=VirtualClock(NOW), seed=2, size=30, days=5, rate_limit=600)
    with EmulatorServer(invoca) as invoca_server, EmulatorServer(ve) as ve_server:
        yield {
            "tap-invoca": {
                "api_url": invoca_server.url,
                "auth_token": "sandbox-invoca-token",
                "account_id": "33",
            },
            "tap-veinvoicing": {
                "api_url": ve_server.url,
                "subscription_key": "sandbox-ve-key",
                "start_date": (NOW - dt.timedelta(days=6)).isoformat(),
                "end_date": NOW.isoformat(),
                "requests_per_minute": 600,
            },
        }


def run(tmp_path: Path, plugin: str, config: dict[str, Any], *args: str, stdin: str | None = None) -> Any:
    path = tmp_path / f"{plugin}-{len(list(tmp_path.iterdir()))}.json"
    path.write_text(json.dumps(config))
    return subprocess.run(
        [str(BIN / plugin), "--config", str(path), *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def messages(result: Any) -> Messages:
    assert result.returncode == 0, result.stderr[-2000:]
    return [json.loads(line) for line in result.stdout.splitlines()]


def records(result: Any) -> list[dict[str, Any]]:
    return [m["record"] for m in messages(result) if m["type"] == "RECORD"]


KEYS = {"tap-invoca": "transaction_id", "tap-veinvoicing": "transactionId"}
DROPPED = {"tap-invoca": "calling_phone_number", "tap-veinvoicing": "email"}


def tap_about(tmp_path: Path, tap: str, config: dict[str, Any]) -> None:
    about = json.loads(run(tmp_path, tap, {}, "--about", "--format=json").stdout)
    assert about["name"] == tap


def tap_discover(tmp_path: Path, tap: str, config: dict[str, Any]) -> None:
    catalog = json.loads(run(tmp_path, tap, config, "--discover").stdout)
    assert [s["tap_stream_id"] for s in catalog["streams"]] == ["transactions"]


def tap_catalog(tmp_path: Path, tap: str, config: dict[str, Any]) -> None:
    """A catalog that deselects a property: the records come without it."""
    catalog = json.loads(run(tmp_path, tap, config, "--discover").stdout)
    for entry in catalog["streams"][0]["metadata"]:
        if entry["breadcrumb"] == ["properties", DROPPED[tap]]:
            entry["metadata"]["selected"] = False
    path = tmp_path / "catalog.json"
    path.write_text(json.dumps(catalog))
    rows = records(run(tmp_path, tap, config, "--catalog", str(path)))
    assert rows
    assert all(DROPPED[tap] not in row for row in rows)


def tap_state(tmp_path: Path, tap: str, config: dict[str, Any]) -> None:
    """A run given the last STATE of a full run emits fewer rows (none that it already read)."""
    full = messages(run(tmp_path, tap, config))
    state = next(m["value"] for m in reversed(full) if m["type"] == "STATE")
    path = tmp_path / "state.json"
    path.write_text(json.dumps(state))
    again = records(run(tmp_path, tap, config, "--state", str(path)))
    first = [m["record"] for m in full if m["type"] == "RECORD"]
    assert len(again) < len(first)


def tap_stream_maps(tmp_path: Path, tap: str, config: dict[str, Any]) -> None:
    maps = {"transactions": {DROPPED[tap]: None, "source_system": "'ours'"}}
    rows = records(run(tmp_path, tap, {**config, "stream_maps": maps}))
    assert rows
    assert all(DROPPED[tap] not in row and row["source_system"] == "ours" for row in rows)


def tap_schema_flattening(tmp_path: Path, tap: str, config: dict[str, Any]) -> None:
    """Flattened: no record value is an object or an array (tap-invoca's custom_data becomes JSON text)."""
    rows = records(run(tmp_path, tap, {**config, "flattening_enabled": True, "flattening_max_depth": 1}))
    assert rows
    assert all(not isinstance(value, dict | list) for row in rows for value in row.values())
    if tap == "tap-invoca":
        assert any(isinstance(row.get("custom_data"), str) for row in rows)


TAP_CHECKS: dict[str, Callable[[Path, str, dict[str, Any]], None]] = {
    "about": tap_about,
    "discover": tap_discover,
    "catalog": tap_catalog,
    "state": tap_state,
    "stream-maps": tap_stream_maps,
    "schema-flattening": tap_schema_flattening,
}

TARGET_INPUT = [
    {
        "type": "SCHEMA",
        "stream": "transactions",
        "key_properties": ["transaction_id"],
        "schema": {
            "type": "object",
            "properties": {
                "transaction_id": {"type": "string"},
                "corrects_transaction_id": {"type": ["string", "null"]},
                "secret": {"type": ["string", "null"]},
                "call": {
                    "type": ["object", "null"],
                    "properties": {"seconds": {"type": ["integer", "null"]}},
                },
            },
        },
    },
    {
        "type": "RECORD",
        "stream": "transactions",
        "record": {"transaction_id": "A", "secret": "s", "call": {"seconds": 5}},
    },
    {
        "type": "RECORD",
        "stream": "transactions",
        "record": {
            "transaction_id": "B",
            "corrects_transaction_id": "A",
            "secret": "t",
            "call": {"seconds": 7},
        },
    },
]


def load(tmp_path: Path, config: dict[str, Any], lines: Messages = TARGET_INPUT) -> tuple[Any, Path]:
    database = tmp_path / f"target-{len(list(tmp_path.iterdir()))}.duckdb"
    text = "\n".join(json.dumps(m) for m in lines) + "\n"
    return run(tmp_path, "target-reconciled", {"duckdb_path": str(database), **config}, stdin=text), database


def current(database: Path) -> list[dict[str, Any]]:
    with duckdb.connect(str(database), read_only=True) as con:
        cursor = con.execute("select * exclude (_reconciled_at) from main.transactions")
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def target_about(tmp_path: Path) -> None:
    about = json.loads(run(tmp_path, "target-reconciled", {}, "--about", "--format=json").stdout)
    assert about["name"] == "target-reconciled"


def target_stream_maps(tmp_path: Path) -> None:
    """A mapped stream is reconciled as mapped: the dropped column is gone, the new one is there."""
    maps = {"transactions": {"secret": None, "seconds_text": "str(call['seconds'])"}}
    result, database = load(tmp_path, {"stream_maps": maps})
    assert result.returncode == 0, result.stderr[-2000:]
    (row,) = current(database)
    assert "secret" not in row
    assert (row["transaction_id"], row["_reconciled_source_key"], row["seconds_text"]) == ("A", "B", "7")


def target_schema_flattening(tmp_path: Path) -> None:
    result, database = load(tmp_path, {"flattening_enabled": True, "flattening_max_depth": 1})
    assert result.returncode == 0, result.stderr[-2000:]
    (row,) = current(database)
    assert "call" not in row
    assert row["call__seconds"] == 7


def target_validate_records(tmp_path: Path) -> None:
    """A record that breaks its schema ends the run, unless validate_records is false."""
    record = {"transaction_id": "C", "secret": 5}  # an integer in a string column
    bad = [*TARGET_INPUT, {"type": "RECORD", "stream": "transactions", "record": record}]
    refused, _ = load(tmp_path, {}, bad)
    assert refused.returncode != 0
    assert "line 4 (stream 'transactions')" in refused.stderr
    accepted, database = load(tmp_path, {"validate_records": False}, bad)
    assert accepted.returncode == 0, accepted.stderr[-2000:]
    assert {row["transaction_id"]: row["secret"] for row in current(database)} == {"A": "t", "C": "5"}


TARGET_CHECKS: dict[str, Callable[[Path], None]] = {
    "about": target_about,
    "stream-maps": target_stream_maps,
    "schema-flattening": target_schema_flattening,
    "validate-records": target_validate_records,
}


def claimed(plugin: str) -> list[str]:
    return yaml.safe_load((ROOT / plugin / "meltano-hub.yml").read_text())["capabilities"]


@pytest.mark.parametrize(
    ("tap", "capability"), [(tap, c) for tap in ("tap-invoca", "tap-veinvoicing") for c in claimed(tap)]
)
def test_a_tap_capability_works(
    tmp_path: Path, configs: dict[str, dict[str, Any]], tap: str, capability: str
) -> None:
    TAP_CHECKS[capability](tmp_path, tap, configs[tap])


@pytest.mark.parametrize("capability", claimed("target-reconciled"))
def test_a_target_capability_works(tmp_path: Path, capability: str) -> None:
    TARGET_CHECKS[capability](tmp_path)
