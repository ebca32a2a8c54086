"""invoca_calls does not depend on the order in which a call's rows arrive.

The model's SQL is compiled once by the dbt-duckdb utility Meltano installed; each example
feeds the same tap-invoca records to target-reconciled in another order (corrections before
their originals, split over several runs) and runs that SQL over the tables it wrote.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import os
import subprocess
import sys
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sandbox.clock import VirtualClock
from sandbox.invoca import InvocaEmulator
from sandbox.server import EmulatorServer
from tests.e2e.test_transform import assert_calls_match_truth
from tests.target_reconciled.harness import run_inline

pytestmark = pytest.mark.e2e

NOW = dt.datetime(2026, 3, 2, 12, tzinfo=dt.UTC)
DATABASE = "reconciled.duckdb"
"""dbt-duckdb names the catalog after the file: the compiled SQL reads ``reconciled.tap_invoca``."""


@pytest.fixture(scope="module")
def calls_sql(installed_project: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The compiled SELECT of ``invoca_calls`` (its ephemeral staging models inlined)."""
    work = tmp_path_factory.mktemp("dbt")
    env = {
        **os.environ,
        "DBT_PROJECT_DIR": str(installed_project / "transform"),
        "DBT_PROFILES_DIR": str(installed_project / "transform" / "profiles" / "duckdb"),
        "DBT_DUCKDB_PATH": str(work / DATABASE),
        "DBT_TARGET_PATH": str(work / "target"),
        "DBT_LOG_PATH": str(work / "logs"),
    }
    dbt = installed_project / ".meltano" / "utilities" / "dbt-duckdb" / "venv" / "bin" / "dbt"
    result = subprocess.run(
        [str(dbt), "compile", "--select", "invoca_calls"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:]
    return (
        work / "target" / "compiled" / "reconciled" / "models" / "invoca" / "invoca_calls.sql"
    ).read_text()


@pytest.fixture(scope="module")
def invoca() -> tuple[InvocaEmulator, list[str]]:
    """A small network whose calls have every shape, and tap-invoca's messages for all of it."""
    emulator = InvocaEmulator(
        clock=VirtualClock(NOW), seed=3, size=80, days=2, correction_rate=0.3, chain="previous"
    )
    emulator.advance(dt.timedelta(hours=6))
    calls = [c["call_transaction_id"] for c in emulator.complete_calls() if c["post_call_event_rows"]]
    for _ in range(2):  # a Purchase Made Signal added by AI, then retracted, a minute later
        emulator.advance(dt.timedelta(minutes=1))
        for transaction_id in calls:
            emulator.add_correction(transaction_id, change="signal")
    with tempfile.TemporaryDirectory() as work, EmulatorServer(emulator) as server:
        config = Path(work) / "tap.json"
        config.write_text(
            json.dumps({"api_url": server.url, "auth_token": "sandbox-invoca-token", "account_id": "33"})
        )
        tap = Path(sys.executable).parent / "tap-invoca"
        out = subprocess.run(
            [str(tap), "--config", str(config)], capture_output=True, text=True, check=True, timeout=120
        ).stdout
    lines = [line for line in out.splitlines() if json.loads(line)["type"] in ("SCHEMA", "RECORD")]
    return emulator, lines


def calls_after(calls_sql: str, schema_line: str, runs: list[list[str]]) -> list[dict[str, Any]]:
    """invoca_calls once target-reconciled has taken ``runs`` (RECORD lines), one run after another."""
    with tempfile.TemporaryDirectory() as work:
        path = Path(work) / DATABASE
        config = {"duckdb_path": str(path), "default_target_schema": "tap_invoca"}
        for records in runs:
            run_inline(config, [schema_line, *records])
        with duckdb.connect(str(path)) as con:
            cursor = con.execute(f"select * from ({calls_sql}) as calls order by complete_call_id")
            names = [d[0] for d in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


@pytest.fixture(scope="module")
def natural(invoca: tuple[InvocaEmulator, list[str]], calls_sql: str) -> list[dict[str, Any]]:
    """invoca_calls after the records in the tap's order, in one run."""
    _, lines = invoca
    return calls_after(calls_sql, lines[0], [lines[1:]])


def test_the_data_has_every_shape(invoca: tuple[InvocaEmulator, list[str]]) -> None:
    """Bundled calls with two Call rows, chained corrections, Signals set then cleared, sales."""
    emulator, lines = invoca
    records = [json.loads(line)["record"] for line in lines[1:]]
    ids = {r["transaction_id"]: r for r in records}
    calls = emulator.complete_calls()
    assert any(c["call_rows"] == 2 for c in calls)
    assert any(c["sale_rows"] for c in calls)
    assert any(
        ids.get(r["corrects_transaction_id"] or "", {}).get("corrects_transaction_id") for r in records
    )
    assert any(c["signal_values"].get("Purchase Made") is False and c["post_call_event_rows"] for c in calls)


def test_the_natural_order_gives_the_truth(
    invoca: tuple[InvocaEmulator, list[str]], natural: list[dict[str, Any]]
) -> None:
    emulator, _ = invoca

    def fetch(sql: str) -> list[dict[str, Any]]:
        return natural

    assert_calls_match_truth(fetch, emulator)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_arrival_order_gives_the_same_calls(
    invoca: tuple[InvocaEmulator, list[str]],
    calls_sql: str,
    natural: list[dict[str, Any]],
    data: st.DataObject,
) -> None:
    _, lines = invoca
    schema_line, records = lines[0], lines[1:]
    order = [records[i] for i in data.draw(st.permutations(range(len(records))), label="arrival order")]
    cuts = sorted(data.draw(st.lists(st.integers(0, len(order)), max_size=2), label="run boundaries"))
    bounds = [0, *cuts, len(order)]
    runs = [order[a:b] for a, b in itertools.pairwise(bounds)]
    assert calls_after(calls_sql, schema_line, runs) == natural


def test_a_call_before_its_call_row_then_complete(
    invoca: tuple[InvocaEmulator, list[str]], calls_sql: str, natural: list[dict[str, Any]]
) -> None:
    """Only a post-call event so far: a row without durations or a Call row; then the whole call."""
    emulator, lines = invoca
    schema_line, records = lines[0], lines[1:]
    call = next(c for c in emulator.complete_calls() if c["post_call_event_rows"] and c["call_rows"] == 1)
    ccid = call["complete_call_id"]
    mine = [line for line in records if json.loads(line)["record"]["complete_call_id"] == ccid]
    events = [line for line in mine if json.loads(line)["record"]["transaction_type"] == "Post Call Event"]
    early = [row for row in calls_after(calls_sql, schema_line, [events]) if row["complete_call_id"] == ccid]
    assert len(early) == 1
    row = early[0]
    assert (row["has_call_row"], row["call_rows"], row["post_call_event_rows"]) == (False, 0, 1)
    assert (row["duration"], row["connect_duration"], row["ivr_duration"]) == (None, None, None)
    assert row["call_transaction_id"] == json.loads(events[0])["record"]["transaction_id"]
    assert row["advertiser_id"] == call["advertiser_id"]
    complete = [
        r for r in calls_after(calls_sql, schema_line, [events, mine]) if r["complete_call_id"] == ccid
    ]
    assert complete == [r for r in natural if r["complete_call_id"] == ccid]
    assert complete[0]["has_call_row"] is True


def _row(transaction_id: str, kind: str, signals: dict[str, bool], **values: Any) -> str:
    record = {
        "transaction_id": transaction_id,
        "transaction_type": kind,
        "complete_call_id": "Z6E5-C7397356976E",
        "start_time_utc": 1772358900000,  # 2026-03-01 09:55:00 UTC
        "custom_data": [
            {"name": name, "data_type": "Signal", "source": "AI", "value": value}
            for name, value in signals.items()
        ],
        **values,
    }
    return json.dumps({"type": "RECORD", "stream": "transactions", "record": record})


WORKED_EXAMPLE = [
    # 10:00 the call ends: two Call rows (a bundled campaign), Quote true on one, false on the other
    _row(
        "A-1",
        "Call",
        {"Quote": True, "30 Seconds Plus Calls": True},
        duration=300,
        advertiser_payin_localized=20,
    ),
    _row("A-2", "Call", {"Quote": False}, duration=300, advertiser_payin_localized=0),
    # 12:00 a post-call event: Purchase Made true
    _row(
        "E-1",
        "Post Call Event",
        {"Purchase Made": True},
        signal_occurred_at=1772366400,
        advertiser_payin_localized=5,
    ),
    # 15:30 a correction of that event: the purchase is retracted
    _row(
        "E-1C",
        "Post Call Event",
        {"Purchase Made": False},
        corrects_transaction_id="E-1",
        corrected_at="2026-03-01T15:30:00+00:00",
        signal_occurred_at=1772366400,
        advertiser_payin_localized=0,
    ),
    # a sale: no Signals, so it changes nothing
    _row("S-1", "Reported Conversion", {}, advertiser_payin_localized=9.5),
]


def test_the_signal_rule_on_the_readme_example(
    invoca: tuple[InvocaEmulator, list[str]], calls_sql: str
) -> None:
    """README's worked example in four arrival orders: the tie at 10:00 keeps Quote; 15:30 drops Purchase."""
    schema_line = invoca[1][0]
    orders = [WORKED_EXAMPLE, WORKED_EXAMPLE[::-1], WORKED_EXAMPLE[3:] + WORKED_EXAMPLE[:3]]
    results = [calls_after(calls_sql, schema_line, [order]) for order in orders]
    results.append(calls_after(calls_sql, schema_line, [[line] for line in WORKED_EXAMPLE[::-1]]))
    assert all(result == results[0] for result in results)
    (call,) = results[0]
    assert call["signals"] == ["30 Seconds Plus Calls", "Quote"]
    assert json.loads(call["signal_values"]) == {
        "30 Seconds Plus Calls": True,
        "Purchase Made": False,
        "Quote": True,
    }
    assert (call["call_transaction_id"], call["call_rows"], call["is_bundled"]) == ("A-1", 2, True)
    assert (call["corrections_merged"], call["transactions"], call["duration"]) == (1, 4, 300)
    assert call["advertiser_payin_localized"] == Decimal("29.5")  # 20 + 0 + 0 (E-1 as corrected) + 9.5
    assert call["first_transaction_at"] == dt.datetime(
        2026, 3, 1, 9, 55, tzinfo=dt.UTC
    )  # the sale: at call start
    assert call["last_transaction_at"] == dt.datetime(2026, 3, 1, 15, 30, tzinfo=dt.UTC)
