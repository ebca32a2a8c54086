"""Run tap-invoca as a real process against the Invoca emulator."""

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
from sandbox.invoca import InvocaEmulator
from sandbox.server import EmulatorServer

NOW = dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC)
TOKEN = "sandbox-invoca-token"
TAP = str(Path(sys.executable).parent / "tap-invoca")


@dataclass
class Run:
    """What one tap process printed."""

    records: list[dict[str, Any]] = field(default_factory=list)
    states: list[dict[str, Any]] = field(default_factory=list)
    schemas: list[dict[str, Any]] = field(default_factory=list)
    stderr: str = ""
    stdout: str = ""
    returncode: int = 0

    @property
    def ids(self) -> list[str]:
        return [r["transaction_id"] for r in self.records]


def parse(stdout: str) -> Run:
    run = Run(stdout=stdout)
    for line in stdout.splitlines():
        message = json.loads(line)
        kind = message["type"]
        if kind == "RECORD":
            run.records.append(message["record"])
        elif kind == "STATE":
            run.states.append(message["value"])
        elif kind == "SCHEMA":
            run.schemas.append(message)
    return run


def run_tap(
    tmp_path: Path,
    config: dict[str, Any],
    state: dict | None = None,
    check: bool = True,
    catalog: dict | None = None,
) -> Run:
    config_file = tmp_path / "config.json"
    config_file.write_text(json.dumps(config))
    args = [TAP, "--config", str(config_file)]
    if state is not None:
        state_file = tmp_path / "state.json"
        state_file.write_text(json.dumps(state))
        args += ["--state", str(state_file)]
    if catalog is not None:
        catalog_file = tmp_path / "catalog.json"
        catalog_file.write_text(json.dumps(catalog))
        args += ["--catalog", str(catalog_file)]
    result = subprocess.run(args, capture_output=True, text=True, timeout=300, check=False)
    run = parse(result.stdout) if result.returncode == 0 else Run()
    run.stderr, run.stdout, run.returncode = result.stderr, result.stdout, result.returncode
    if check and result.returncode != 0:
        pytest.fail(f"tap-invoca failed ({result.returncode}):\n{result.stderr[-3000:]}")
    return run


def discover(tmp_path: Path, config: dict[str, Any]) -> dict[str, Any]:
    """The catalog ``--discover`` prints."""
    config_file = tmp_path / "config.json"
    config_file.write_text(json.dumps(config))
    result = subprocess.run(
        [TAP, "--config", str(config_file), "--discover"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(result.stdout)


def select(catalog: dict[str, Any], deselected: tuple[str, ...] = ()) -> dict[str, Any]:
    """``catalog`` with its stream selected and the ``deselected`` properties not."""
    for entry in catalog["streams"]:
        for item in entry["metadata"]:
            breadcrumb = tuple(item["breadcrumb"])
            if not breadcrumb:
                item["metadata"]["selected"] = True
            elif breadcrumb[-1] in deselected:
                item["metadata"]["selected"] = False
    return catalog


def tap_config(server: EmulatorServer, **overrides: Any) -> dict[str, Any]:
    return {"api_url": server.url, "auth_token": TOKEN, "account_id": "33", **overrides}


@pytest.fixture
def invoca() -> Iterator[EmulatorServer]:
    """A fresh emulator (its data may be changed by the test)."""
    with EmulatorServer(InvocaEmulator(clock=VirtualClock(NOW), seed=7, size=1200, days=20)) as server:
        yield server
