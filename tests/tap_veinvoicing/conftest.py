"""Run tap-veinvoicing against the Ve emulator, as a process or in-process."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from sandbox.clock import VirtualClock
from sandbox.server import EmulatorServer
from sandbox.ve import VeEmulator

NOW = dt.datetime(2024, 6, 15, 12, tzinfo=dt.UTC)
KEY = "sandbox-ve-key"
TAP = str(Path(sys.executable).parent / "tap-veinvoicing")
ACCOUNTS = {
    "myshop.example": ("GB",),
    "fashion.example": ("GB", "FR", "DE"),
    "travel.example": ("US", "BR"),
    "electronics.example": ("ES", "IT"),
}


@dataclass
class Run:
    """What one tap run printed."""

    records: list[dict[str, Any]] = field(default_factory=list)
    states: list[dict[str, Any]] = field(default_factory=list)
    stderr: str = ""
    stdout: str = ""
    returncode: int = 0

    @property
    def versions(self) -> list[tuple[int, str]]:
        return [(r["transactionId"], r["modifiedDate"]) for r in self.records]

    @property
    def last_state(self) -> dict[str, Any]:
        return self.states[-1]


def parse(stdout: str) -> Run:
    run = Run(stdout=stdout)
    for line in stdout.splitlines():
        if not line.strip():
            continue
        message = json.loads(line)
        if message["type"] == "RECORD":
            run.records.append(message["record"])
        elif message["type"] == "STATE":
            run.states.append(message["value"])
    return run


def run_tap(tmp_path: Path, config: dict[str, Any], state: dict | None = None, check: bool = True) -> Run:
    config_file = tmp_path / "config.json"
    config_file.write_text(json.dumps(config))
    args = [TAP, "--config", str(config_file)]
    if state is not None:
        state_file = tmp_path / "state.json"
        state_file.write_text(json.dumps(state))
        args += ["--state", str(state_file)]
    result = subprocess.run(args, capture_output=True, text=True, timeout=300, check=False)
    run = parse(result.stdout)
    run.stderr, run.returncode = result.stderr, result.returncode
    if check and result.returncode != 0:
        pytest.fail(f"tap-veinvoicing failed ({result.returncode}):\n{result.stderr[-3000:]}")
    return run


def tap_config(server: EmulatorServer, **overrides: Any) -> dict[str, Any]:
    """Every partition of the emulator, 90 days back, up to the emulator's now, no rate limit."""
    return {
        "subscription_key": KEY,
        "api_url": server.url,
        "start_date": (NOW - dt.timedelta(days=91)).isoformat(),
        "end_date": NOW.isoformat(),
        "requests_per_minute": 100000,
        "window_days": 15,
        "lookback_days": 0,
        **overrides,
    }


def account_config(server: EmulatorServer, domain: str, **overrides: Any) -> dict[str, Any]:
    """One account with each of its countries as partitions."""
    return tap_config(server, domains=[domain], countries=list(ACCOUNTS[domain]), **overrides)


def truth_versions(emulator: VeEmulator, **where: Any) -> set[tuple[int, str]]:
    return {
        (row["transactionId"], row["modifiedDate"])
        for row in emulator.truth()
        if all(row[k] == v for k, v in where.items())
    }


def make_emulator(now: dt.datetime = NOW, **options: Any) -> VeEmulator:
    options.setdefault("rate_limit", 0)
    return VeEmulator(clock=VirtualClock(now), seed=3, **options)


@pytest.fixture
def serve() -> Iterator[Any]:
    """``serve(**options)`` starts an emulator server (stopped after the test)."""
    servers: list[EmulatorServer] = []

    def start(**options: Any) -> EmulatorServer:
        server = EmulatorServer(make_emulator(**options)).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def ve(serve: Any) -> EmulatorServer:
    """An emulator with default options (no rate limit)."""
    return serve()
