"""The 0.5 kB limit: measured as the gateway measures it, and refused before sending."""

from __future__ import annotations

from pathlib import Path

import requests

from sandbox.server import EmulatorServer
from tap_veinvoicing.request_size import MAX_REQUEST_BYTES, oversize_message, request_bytes
from tests.tap_veinvoicing.conftest import KEY, run_tap, tap_config


def gateway_size(entry: dict) -> int:
    """What the emulator counts for a logged request (request line + headers + blank line)."""
    line = f"{entry['method']} {entry['path_qs']} HTTP/1.1\r\n"
    return len(line) + sum(len(k) + len(v) + 4 for k, v in entry["headers"].items()) + 2


def test_size_is_counted_as_the_gateway_counts_it(ve: EmulatorServer, tmp_path: Path) -> None:
    run_tap(
        tmp_path,
        tap_config(ve, domains=["fashion.example"], countries=["GB"], transaction_types=["Click / Email"]),
    )
    entry = ve.emulator.request_log[0]
    session = requests.Session()
    session.headers.clear()
    session.headers.update({"User-Agent": entry["headers"]["User-Agent"], "Accept-Encoding": "gzip"})
    prepared = session.prepare_request(
        requests.Request("GET", ve.url + entry["path_qs"], headers={"Ocp-Apim-Subscription-Key": KEY})
    )
    assert request_bytes(prepared) == gateway_size(entry)
    assert gateway_size(entry) < 400, "normal requests fit comfortably"


def test_an_oversized_request_is_refused_before_sending(ve: EmulatorServer, tmp_path: Path) -> None:
    long_type = " ".join(["Newsletter Click / Email"] * 12)
    run = run_tap(tmp_path, tap_config(ve, transaction_types=[long_type]), check=False)
    assert run.returncode != 0
    assert f"transaction_types value {long_type!r}" in run.stderr
    assert "over the API's limit of 512 bytes" in run.stderr
    assert ve.emulator.request_log == []


def test_the_message_names_the_longest_setting() -> None:
    message = oversize_message(
        600, "shop/GB", {"api_url": 30, "domains entry 'a.example'": 9, "subscription_key": 32}
    )
    assert "600 bytes" in message
    assert str(MAX_REQUEST_BYTES) in message
    assert "subscription_key (32 bytes)" in message
