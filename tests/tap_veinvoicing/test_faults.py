"""Interrupted runs, injected faults, fatal answers and secrecy of the subscription key."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import signal
import subprocess
from pathlib import Path
from typing import Any

import pytest

from sandbox.server import EmulatorServer
from tap_veinvoicing.retry import retry_delay
from tests.tap_veinvoicing.conftest import (
    KEY,
    TAP,
    account_config,
    parse,
    run_tap,
    tap_config,
    truth_versions,
)


def test_killed_run_resumes_from_its_last_state(ve: EmulatorServer, tmp_path: Path) -> None:
    ve.emulator.set_faults(["slow:every=1,delay=0.2"])
    config = account_config(ve, "fashion.example", window_days=10)
    config_file = tmp_path / "config.json"
    config_file.write_text(json.dumps(config))
    process = subprocess.Popen([TAP, "--config", str(config_file)], stdout=subprocess.PIPE, text=True)
    lines: list[str] = []
    assert process.stdout is not None
    while sum('"STATE"' in line for line in lines) < 6:
        lines.append(process.stdout.readline())
    process.send_signal(signal.SIGKILL)
    process.wait()
    killed = parse("".join(lines))
    progress = killed.last_state["bookmarks"]["transactions"]["partitions"][0]
    assert "pass" in progress, "the killed pass left its progress in the state"
    ve.emulator.set_faults([])
    sent = len(ve.emulator.request_log)
    resumed = run_tap(tmp_path, config, state=killed.last_state)
    assert set(killed.versions) | set(resumed.versions) == truth_versions(
        ve.emulator, domain="fashion.example"
    )
    assert len(set(killed.versions) & set(resumed.versions)) <= 15, "at most the window in flight repeats"
    first_resumed = ve.emulator.request_log[sent]["path_qs"]
    assert progress["pass"]["window_end"][:19].replace(":", "%3A") in first_resumed
    assert all("pass" not in p for p in resumed.last_state["bookmarks"]["transactions"]["partitions"])


def test_a_run_ended_by_quota_resumes_without_loss(ve: EmulatorServer, tmp_path: Path) -> None:
    config = account_config(ve, "travel.example", window_days=10)
    ve.emulator.set_faults(["quota:at=7,retry_after=1802"])
    failed = run_tap(tmp_path, config, check=False)
    assert failed.returncode != 0
    assert "quota" in failed.stderr
    assert "subscription_key" in failed.stderr
    assert "00:30:02" in failed.stderr
    ve.emulator.set_faults([])
    resumed = run_tap(tmp_path, config, state=failed.last_state)
    assert set(failed.versions) | set(resumed.versions) == truth_versions(
        ve.emulator, domain="travel.example"
    )
    assert not set(failed.versions) & set(resumed.versions)


@pytest.mark.parametrize(
    "fault",
    [
        "429:at=2+5,retry_after=1",
        "500:every=3",
        "504:at=2+5,delay=0.2",
        "reset:at=2+5",
        "truncate:at=2+5",
        "slow:every=2,delay=0.2",
    ],
)
def test_every_fault_kind_recovers(ve: EmulatorServer, tmp_path: Path, fault: str) -> None:
    ve.emulator.set_faults([fault])
    run = run_tap(tmp_path, account_config(ve, "electronics.example"))
    assert sorted(run.versions) == sorted(truth_versions(ve.emulator, domain="electronics.example"))
    assert len(run.versions) == len(set(run.versions))
    assert ve.emulator.faults.injected, "the fault was injected"
    log = ve.emulator.request_log
    for before, after in itertools.pairwise(log):
        if before["fault"] == "429":
            assert after["wall_time"] - before["wall_time"] >= 1.0, "Retry-After: 1 is honoured"


def test_retry_waits() -> None:
    assert retry_delay("57", "", 0) == 57.0
    assert (
        retry_delay(
            None, '{ "statusCode": 429, "message": "Rate limit is exceeded. Try again in 1 seconds." }', 3
        )
        == 1
    )
    assert retry_delay("9999", "", 0) == 300.0
    assert [retry_delay(None, "", n) for n in (0, 1, 2, 10)] == [1.0, 2.0, 4.0, 60.0]


def test_a_window_failing_at_the_minimum_size_ends_the_run(serve: Any, tmp_path: Path) -> None:
    ve: EmulatorServer = serve(max_results=0)
    row = ve.emulator.truth()[0]
    created = dt.datetime.fromisoformat(row["creationDate"])
    config = tap_config(ve, domains=[row["domain"]], countries=[row["country"]], window_days=1)
    config["start_date"] = (created - dt.timedelta(minutes=1)).isoformat()
    config["end_date"] = (created + dt.timedelta(minutes=2)).isoformat()
    run = run_tap(tmp_path, config, check=False)
    assert run.returncode != 0
    assert "still fails after splitting down to 0:01:00" in run.stderr
    assert len(ve.emulator.request_log) == 2, "3 minutes: one split, then the failing 1.5-minute half"


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"subscription_key": "not-the-key"}, "check subscription_key, and environment ('sandbox')"),
        ({"environment": "production"}, "check subscription_key, and environment ('production')"),
        ({"domains": ["unknown.example"]}, "check domains and countries"),
        ({"domains": ["travel.example"], "countries": ["GB"]}, "check domains and countries"),
    ],
)
def test_401_ends_the_run_naming_the_setting(
    ve: EmulatorServer, tmp_path: Path, overrides: dict, expected: str
) -> None:
    run = run_tap(tmp_path, tap_config(ve, **overrides), check=False)
    assert run.returncode != 0
    assert expected in run.stderr
    assert len(ve.emulator.request_log) == 1, "a 401 is not retried"


def test_the_key_appears_nowhere_but_its_header(ve: EmulatorServer, tmp_path: Path) -> None:
    ve.emulator.set_faults(["429:at=2,retry_after=1", "500:at=3"])
    run = run_tap(tmp_path, account_config(ve, "fashion.example"))
    bad = run_tap(tmp_path, tap_config(ve, subscription_key=KEY + "x"), check=False)
    for text in (run.stdout, run.stderr, bad.stdout, bad.stderr, json.dumps(run.states)):
        assert KEY not in text
    log = ve.emulator.request_log
    assert all(KEY not in entry["path_qs"] for entry in log)
    assert all(entry["headers"].get("Ocp-Apim-Subscription-Key", "").startswith(KEY) for entry in log)
    assert dt.datetime.now(dt.UTC).isoformat()[:4] not in KEY
