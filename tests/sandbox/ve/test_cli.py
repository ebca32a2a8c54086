"""``python -m sandbox ve``: options map onto VeConfig, and the server runs as a process."""

from __future__ import annotations

import argparse
import datetime as dt
import socket
import subprocess
import sys
import time

import pytest
import requests

from sandbox import ve
from sandbox.clock import VirtualClock
from sandbox.ve import Account, VeConfig
from tests.sandbox.ve.conftest import START


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, default=1)
    ve.add_arguments(parser)
    return parser.parse_args(argv)


def test_unset_options_keep_the_config_defaults() -> None:
    emulator = ve.from_args(parse(), VirtualClock(START))
    assert emulator.config == VeConfig()
    assert emulator.seed == 1


def test_options_map_onto_the_config() -> None:
    args = parse(
        "--seed", "5", "--key", "a", "--key", "b", "--production-key", "p", "--account", "Me.Example:gb,ie",
        "--merchant", "m.example:US", "--size", "40", "--days", "10", "--rate-limit", "3", "--count-rejected",
        "--date-field", "modifiedDate", "--date-bounds", "half_open", "--max-results", "9",
        "--status-format", "name_stage", "--commission-types", "Percentage,Flat",
        "--server-tz", "Europe/London",
    )  # fmt: skip
    emulator = ve.from_args(args, VirtualClock(START))
    config = emulator.config
    assert emulator.seed == 5
    assert (config.keys, config.production_keys) == (("a", "b"), ("p",))
    assert config.own_account == Account("me.example", ("GB", "IE"))
    assert config.merchants == (Account("m.example", ("US",)),)
    assert (config.size, config.days, config.rate_limit, config.count_rejected) == (40, 10, 3, True)
    assert (config.date_field, config.date_bounds, config.max_results) == ("modifiedDate", "half_open", 9)
    assert config.commission_types == ("Percentage", "Flat")
    assert len(emulator.truth()) == 40


@pytest.mark.parametrize(
    "argv",
    [("--account", "nocountry.example"), ("--server-tz", "Mars/Olympus"), ("--key", "production-ve-key")],
)
def test_bad_options_are_refused(argv: tuple[str, ...]) -> None:
    with pytest.raises((ValueError, SystemExit)):
        ve.from_args(parse(*argv), VirtualClock(START))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_python_m_sandbox_ve_serves() -> None:
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "sandbox",
        "ve",
        "--port",
        str(port),
        "--size",
        "50",
        "--now",
        "2024-06-15T12:00",
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 20
        while True:
            try:
                health = requests.get(url + "/_sandbox/health", timeout=2).json()
                break
            except requests.ConnectionError:
                assert process.poll() is None, process.communicate()
                assert time.monotonic() < deadline, "the emulator did not start"
                time.sleep(0.1)
        assert health == {"emulator": "ve", "now": dt.datetime(2024, 6, 15, 12, tzinfo=dt.UTC).isoformat()}
        headers = {"Ocp-Apim-Subscription-Key": "sandbox-ve-key"}
        answer = requests.get(url + "/InvoicingApiSandbox/GetTransactions", headers=headers, timeout=5)
        assert answer.status_code == 200
        assert answer.json()["transactions"]
    finally:
        process.terminate()
        process.communicate(timeout=10)
