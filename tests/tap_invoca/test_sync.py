"""tap-invoca against the emulator: full, incremental, resumed, faulted and per-account syncs."""

from __future__ import annotations

import datetime as dt
import json
import signal
import subprocess
from pathlib import Path

import jsonschema
import pytest
import requests

from sandbox.server import EmulatorServer
from tests.tap_invoca.conftest import TAP, TOKEN, discover, parse, run_tap, select, tap_config

PAGE = 250


def api_walk(
    server: EmulatorServer, account: str = "networks/transactions/33", token: str = TOKEN
) -> list[dict]:
    """Every row the API has, read independently of the tap."""
    rows: list[dict] = []
    cursor = ""
    while True:
        page = requests.get(
            f"{server.url}/api/2020-10-01/{account}.json",
            params={
                "limit": 4000,
                "start_after_transaction_id": cursor,
                "include_columns": "$invoca_default_columns,custom_data",
            },
            headers={"Authorization": token},
            timeout=30,
        ).json()
        rows += page
        if len(page) < 4000:
            return rows
        cursor = page[-1]["transaction_id"]


def test_full_sync_is_the_data_set_row_for_row(invoca: EmulatorServer, tmp_path: Path) -> None:
    run = run_tap(tmp_path, tap_config(invoca, page_size=PAGE))
    expected = api_walk(invoca)
    assert run.ids == [row["transaction_id"] for row in expected]
    assert len(set(run.ids)) == len(run.ids)
    schema = run.schemas[0]["schema"]
    validator = jsonschema.Draft7Validator(schema)
    for record in run.records:
        validator.validate(record)
    # A STATE per full page, each naming the last id of that page; the last is the last row.
    assert [s["bookmarks"]["transactions"]["replication_key_value"] for s in run.states[:-1]] == [
        run.ids[n * PAGE - 1] for n in range(1, len(run.ids) // PAGE + 1)
    ]
    assert run.states[-1]["bookmarks"]["transactions"]["replication_key_value"] == run.ids[-1]


def test_time_extracted_is_when_each_page_arrived(invoca: EmulatorServer, tmp_path: Path) -> None:
    before = dt.datetime.now(dt.UTC)
    run = run_tap(tmp_path, tap_config(invoca, page_size=PAGE))
    after = dt.datetime.now(dt.UTC)
    times = [
        dt.datetime.fromisoformat(message["time_extracted"])
        for message in map(json.loads, run.stdout.splitlines())
        if message["type"] == "RECORD"
    ]
    pages = [set(times[n : n + PAGE]) for n in range(0, len(times), PAGE)]
    assert len(pages) > 2
    assert all(len(page) == 1 for page in pages)
    arrivals = [page.pop() for page in pages]
    assert arrivals == sorted(set(arrivals))
    assert before < arrivals[0]
    assert arrivals[-1] < after


def test_a_deselected_column_is_dropped_and_the_rest_kept(invoca: EmulatorServer, tmp_path: Path) -> None:
    config = tap_config(invoca, page_size=PAGE)
    full = run_tap(tmp_path, config)
    catalog = discover(tmp_path, config)
    everything = run_tap(tmp_path, config, catalog=select(catalog))
    assert everything.records == full.records, "a catalog selecting every column changes nothing"
    dropped = ("transaction_type", "city")
    assert all(column in record for record in full.records for column in dropped)
    run = run_tap(tmp_path, config, catalog=select(discover(tmp_path, config), deselected=dropped))
    assert run.records == [
        {key: value for key, value in record.items() if key not in dropped} for record in full.records
    ]
    assert not set(dropped) & set(run.schemas[0]["schema"]["properties"])
    assert run.states[-1] == full.states[-1]


def test_incremental_run_returns_only_new_rows_and_corrections(
    invoca: EmulatorServer, tmp_path: Path
) -> None:
    first = run_tap(tmp_path, tap_config(invoca, page_size=PAGE))
    summary = invoca.emulator.advance(dt.timedelta(hours=12))
    second = run_tap(tmp_path, tap_config(invoca, page_size=PAGE), state=first.states[-1])
    assert second.records, "the advance created rows"
    assert not set(second.ids) & set(first.ids)
    assert first.ids + second.ids == [row["transaction_id"] for row in api_walk(invoca)]
    corrections = [r for r in second.records if r["corrects_transaction_id"]]
    assert len(corrections) == summary["corrections"]
    assert any(r["corrects_transaction_id"] in set(first.ids) for r in corrections), "old rows corrected"
    third = run_tap(tmp_path, tap_config(invoca, page_size=PAGE), state=second.states[-1])
    assert third.records == []


def test_killed_run_resumes_at_the_next_page(invoca: EmulatorServer, tmp_path: Path) -> None:
    invoca.emulator.set_faults(["slow:every=1,delay=0.3"])
    config_file = tmp_path / "config.json"
    config_file.write_text(json.dumps(tap_config(invoca, page_size=PAGE)))
    process = subprocess.Popen([TAP, "--config", str(config_file)], stdout=subprocess.PIPE, text=True)
    lines: list[str] = []
    assert process.stdout is not None
    while sum('"STATE"' in line for line in lines) < 2:
        lines.append(process.stdout.readline())
    process.send_signal(signal.SIGKILL)
    process.wait()
    killed = parse("".join(line for line in lines if line.strip()))
    invoca.emulator.set_faults([])
    resumed = run_tap(tmp_path, tap_config(invoca, page_size=PAGE), state=killed.states[-1])
    everything = [row["transaction_id"] for row in api_walk(invoca)]
    assert set(killed.ids) | set(resumed.ids) == set(everything)
    repeated = set(killed.ids) & set(resumed.ids)
    assert len(repeated) < PAGE, "only the page in flight may repeat"
    assert (
        resumed.ids
        == everything[
            everything.index(killed.states[-1]["bookmarks"]["transactions"]["replication_key_value"]) + 1 :
        ]
    )


@pytest.mark.parametrize(
    "fault",
    [
        "429:every=3,retry_after=1",
        "500:every=3",
        "504:every=4,delay=0.2",
        "reset:every=3",
        "truncate:every=3",
        "slow:every=2,delay=0.5",
    ],
)
def test_every_fault_kind_ends_in_the_clean_rows(invoca: EmulatorServer, tmp_path: Path, fault: str) -> None:
    clean = [row["transaction_id"] for row in api_walk(invoca)]
    invoca.emulator.set_faults([fault])
    run = run_tap(tmp_path, tap_config(invoca, page_size=400))
    assert run.ids == clean
    assert invoca.emulator.faults.injected, "the fault was injected"


@pytest.mark.parametrize("account_type", ["advertiser", "affiliate"])
def test_advertiser_and_affiliate_accounts(invoca: EmulatorServer, tmp_path: Path, account_type: str) -> None:
    account = invoca.emulator.accounts()
    scope = f"{account_type}s"
    account_id = account[scope][0]["id"]
    token = invoca.emulator.token_for(account_type, account_id)
    run = run_tap(
        tmp_path, tap_config(invoca, account_type=account_type, account_id=account_id, auth_token=token)
    )
    expected = api_walk(invoca, f"{scope}/transactions/{account_id}", token)
    assert run.ids == [row["transaction_id"] for row in expected]
    assert run.records


def test_backfill_window_keeps_the_incremental_cursor(invoca: EmulatorServer, tmp_path: Path) -> None:
    first = run_tap(tmp_path, tap_config(invoca, page_size=PAGE))
    bookmark = first.states[-1]
    backfill = run_tap(
        tmp_path,
        tap_config(invoca, page_size=PAGE, from_date="2026-02-20", to_date="2026-02-22"),
        state=bookmark,
    )
    assert backfill.records
    assert all(r["start_time_local"][:10] >= "2026-02-20" for r in backfill.records)
    final = backfill.states[-1]["bookmarks"]["transactions"]
    assert final["replication_key_value"] == bookmark["bookmarks"]["transactions"]["replication_key_value"]
    assert final["partitions"][0]["context"] == {"from_date": "2026-02-20", "to_date": "2026-02-22"}


def test_the_token_appears_nowhere(invoca: EmulatorServer, tmp_path: Path) -> None:
    run = run_tap(tmp_path, tap_config(invoca, page_size=PAGE))
    assert TOKEN not in run.stdout + run.stderr
    bad = run_tap(tmp_path, tap_config(invoca, auth_token="wrong-secret-token"), check=False)
    assert bad.returncode != 0
    assert "auth_token" in bad.stderr
    assert "wrong-secret-token" not in bad.stderr + bad.stdout
    log = invoca.emulator.request_log
    assert all(TOKEN not in entry["path_qs"] for entry in log)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"page_size": 4001}, "page_size"),
        ({"from_date": "2026-02-01"}, "to_date"),
        ({"account_type": "publisher"}, "account_type"),
        ({"from_date": "2026-02-03", "to_date": "2026-02-01"}, "after to_date"),
    ],
)
def test_bad_settings_are_named(
    invoca: EmulatorServer, tmp_path: Path, overrides: dict, message: str
) -> None:
    run = run_tap(tmp_path, tap_config(invoca, **overrides), check=False)
    assert run.returncode != 0
    assert message in run.stderr
