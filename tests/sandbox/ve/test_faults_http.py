"""Injected faults reach the client with the Ve/APIM bodies."""

from __future__ import annotations

import time

import pytest
import requests

from sandbox.faults import FaultKind, FaultSpecError
from sandbox.ve import VeEmulator


def test_every_fault_kind_is_supported() -> None:
    assert VeEmulator.supported_faults == frozenset(FaultKind)


def test_injected_429_is_the_apim_body(client) -> None:
    client.emulator.set_faults(["429:at=1,retry_after=7"])
    answer = client.get()
    assert (answer.status_code, answer.headers["Retry-After"]) == (429, "7")
    assert (
        answer.text == '{ "statusCode": 429, "message": "Rate limit is exceeded. Try again in 7 seconds." }'
    )
    assert client.get().status_code == 200


def test_quota_is_the_apim_403_with_a_timespan(client) -> None:
    client.emulator.set_faults(["quota:at=1,retry_after=1802", "quota:at=2,retry_after=1231496"])
    answer = client.get()
    assert (answer.status_code, answer.headers["Retry-After"]) == (403, "1802")
    assert answer.text == (
        '{ "statusCode": 403, "message": "Out of call volume quota. Quota will be replenished in 00:30:02." }'
    )
    assert client.get().json()["message"].endswith("replenished in 14.06:04:56.")


def test_injected_500_502_and_504(client) -> None:
    client.emulator.set_faults(["500:at=1", "504:at=2", "502:at=3"])
    failed = client.get()
    assert (failed.status_code, failed.text) == (500, '{"message":"An error has occurred."}')
    assert failed.headers["Content-Type"] == "application/json"
    timed_out = client.get()
    assert (timed_out.status_code, timed_out.text) == (
        504,
        '{ "statusCode": 504, "message": "Gateway Timeout" }',
    )
    bad_gateway = client.get()
    assert (bad_gateway.status_code, bad_gateway.text) == (
        502,
        '{ "statusCode": 502, "message": "Bad Gateway" }',
    )
    assert client.get().status_code == 200


def test_reset_and_truncate_break_the_connection(client) -> None:
    client.emulator.set_faults(["reset:at=1", "truncate:at=2"])
    with pytest.raises(requests.ConnectionError):
        client.get()
    with pytest.raises((requests.exceptions.ChunkedEncodingError, requests.ConnectionError)):
        client.get()
    assert client.get().status_code == 200


def test_slow_body_arrives_whole_but_late(client) -> None:
    expected = client.get().json()
    client.emulator.set_faults(["slow:at=1,delay=0.3"])
    started = time.monotonic()
    assert client.get().json() == expected
    assert time.monotonic() - started >= 0.25  # ten pieces, the last pause after the last piece


def test_fault_specs_are_validated(client) -> None:
    with pytest.raises(FaultSpecError):
        client.emulator.set_faults(["teapot:at=1"])
    answer = requests.put(client.url + "/_sandbox/faults", json={"rules": ["quota:every=2"]}, timeout=5)
    assert answer.json()["rules"] == ["quota:every=2,retry_after=1"]
