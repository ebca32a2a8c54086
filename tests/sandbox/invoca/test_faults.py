"""Injected faults through the HTTP layer, with Invoca-shaped bodies (api-notes §10)."""

from __future__ import annotations

import time

import pytest
import requests

from sandbox.faults import FaultSpecError


def test_429_has_retry_after_and_a_classed_body(make_api):
    api = make_api()
    api.emulator.set_faults(["429:at=1,retry_after=7"])
    response = api.get({"limit": 1})
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "7"
    assert response.json() == {
        "errors": {"class": "TooManyRequests", "invalid_data": "Rate limit exceeded; retry after 7 seconds"}
    }
    assert api.get({"limit": 1}).status_code == 200


def test_500_is_an_internal_service_error_with_a_handle(make_api):
    api = make_api()
    api.emulator.set_faults(["500:first=2"])
    handles = []
    for _ in range(2):
        response = api.get({"limit": 1})
        assert response.status_code == 500
        error = response.json()["errors"]
        assert error["class"] == "InternalServiceError"
        assert error["invalid_data"].startswith("refer to error handle ")
        handles.append(error["invalid_data"])
    assert handles[0] != handles[1]


def test_504_is_a_gateway_page(make_api):
    api = make_api()
    api.emulator.set_faults(["504:at=1,delay=0.1"])
    started = time.monotonic()
    response = api.get({"limit": 1})
    assert time.monotonic() - started >= 0.1
    assert response.status_code == 504
    assert response.headers["Content-Type"].startswith("text/html")
    assert "504 Gateway Time-out" in response.text


def test_502_is_a_gateway_page(make_api):
    api = make_api()
    api.emulator.set_faults(["502:at=1"])
    response = api.get({"limit": 1})
    assert response.status_code == 502
    assert response.headers["Content-Type"].startswith("text/html")
    assert "<title>502 Bad Gateway</title>" in response.text
    assert api.get({"limit": 1}).status_code == 200


def test_reset_drops_the_connection(make_api):
    api = make_api()
    api.emulator.set_faults(["reset:at=1"])
    with pytest.raises(requests.ConnectionError):
        api.get({"limit": 1})
    assert api.get({"limit": 1}).status_code == 200


def test_truncated_body_fails_to_read(make_api):
    api = make_api()
    api.emulator.set_faults(["truncate:at=1"])
    with pytest.raises((requests.exceptions.ChunkedEncodingError, requests.ConnectionError)):
        api.get({"limit": 200})
    assert len(api.get({"limit": 200}).json()) == 200


def test_slow_body_arrives_whole_but_late(make_api):
    api = make_api()
    api.emulator.set_faults(["slow:at=1,delay=0.5"])
    expected = api.emulator.data.rows[0].tid
    started = time.monotonic()
    response = api.get({"limit": 50})
    assert time.monotonic() - started >= 0.4, "ten pieces, the last one after nine pauses of 0.05 s"
    assert response.json()[0]["transaction_id"] == expected


def test_admin_routes_are_never_faulted(make_api):
    api = make_api()
    api.emulator.set_faults(["500:every=1"])
    assert requests.get(api.url + "/_sandbox/accounts", timeout=10).status_code == 200
    assert api.get({"limit": 1}).status_code == 500


def test_quota_faults_are_not_supported(api):
    with pytest.raises(FaultSpecError, match="quota"):
        api.emulator.set_faults(["quota:at=1"])
    assert api.emulator.faults.rules == []


def test_faults_can_be_set_over_http(make_api):
    api = make_api()
    response = requests.put(api.url + "/_sandbox/faults", json={"rules": ["429:every=2"]}, timeout=10)
    assert response.json()["rules"] == ["429:every=2,retry_after=1"]
    assert [api.get({"limit": 1}).status_code for _ in range(4)] == [200, 429, 200, 429]
