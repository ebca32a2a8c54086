"""The shared emulator machinery: in-process server, admin routes, fault delivery."""

from __future__ import annotations

import datetime as dt
import threading
import time
from typing import Any

import pytest
import requests
from aiohttp import web

from sandbox.clock import VirtualClock
from sandbox.faults import FaultRule, FaultSpecError
from sandbox.server import Emulator, EmulatorServer, json_response

ROWS = [{"n": i, "text": "x" * 40} for i in range(300)]


class Echo(Emulator):
    """The smallest emulator: one route serving a fixed body."""

    name = "echo"

    def api_routes(self) -> list[web.RouteDef]:
        return [web.get("/rows", self._rows)]

    async def _rows(self, _: web.Request) -> web.Response:
        return json_response(ROWS)

    def fault_response(self, rule: FaultRule) -> web.Response:
        return json_response({"fault": rule.kind.value}, status=503, **{"Retry-After": str(rule.retry_after)})

    def advance(self, delta: dt.timedelta) -> dict[str, Any]:
        old, new = self.clock.advance(delta)
        return {"from": old.isoformat(), "to": new.isoformat()}

    def truth(self) -> list[dict[str, Any]]:
        return ROWS

    def served(self) -> list[dict[str, Any]]:
        return []


@pytest.fixture
def server():
    clock = VirtualClock(dt.datetime(2026, 3, 1, tzinfo=dt.UTC))
    with EmulatorServer(Echo(clock=clock)) as running:
        yield running


def test_stop_joins_the_thread_and_frees_the_port() -> None:
    before = set(threading.enumerate())
    running = EmulatorServer(Echo(clock=VirtualClock(dt.datetime(2026, 1, 1, tzinfo=dt.UTC)))).start()
    assert requests.get(running.url + "/rows", timeout=5).json() == ROWS
    running.stop()
    assert set(threading.enumerate()) == before
    with pytest.raises(requests.ConnectionError):
        requests.get(running.url + "/rows", timeout=2)


def test_admin_routes(server: EmulatorServer) -> None:
    assert requests.get(server.url + "/_sandbox/health", timeout=5).json()["emulator"] == "echo"
    moved = requests.post(server.url + "/_sandbox/advance?seconds=90", timeout=5).json()
    assert moved == {"from": "2026-03-01T00:00:00+00:00", "to": "2026-03-01T00:01:30+00:00"}
    assert requests.post(server.url + "/_sandbox/advance?seconds=-1", timeout=5).status_code == 400
    assert requests.get(server.url + "/_sandbox/truth", timeout=5).json() == ROWS


def test_faults_set_over_http_and_counted_per_api_request(server: EmulatorServer) -> None:
    answer = requests.put(server.url + "/_sandbox/faults", json={"rules": ["500:at=2"]}, timeout=5)
    assert answer.json() == {"rules": ["500:at=2"], "requests": 0, "injected": []}
    statuses = [requests.get(server.url + "/rows", timeout=5).status_code for _ in range(3)]
    requests.get(server.url + "/_sandbox/health", timeout=5)  # admin calls are not counted
    assert statuses == [200, 503, 200]
    state = requests.get(server.url + "/_sandbox/faults", timeout=5).json()
    assert state["requests"] == 3
    assert state["injected"] == [[2, "500"]]
    log = requests.get(server.url + "/_sandbox/requests", timeout=5).json()
    assert [entry["status"] for entry in log] == [200, 503, 200]
    bad = requests.put(server.url + "/_sandbox/faults", json={"rules": ["teapot:every=1"]}, timeout=5)
    assert bad.status_code == 400
    assert "unknown fault kind" in bad.json()["error"]


def test_quota_is_refused_where_the_api_has_none() -> None:
    emulator = Echo(clock=VirtualClock(dt.datetime(2026, 1, 1, tzinfo=dt.UTC)))
    with pytest.raises(FaultSpecError, match="cannot inject: quota"):
        emulator.set_faults(["quota:every=1"])


def test_reset_truncate_slow_and_gateway_timeout(server: EmulatorServer) -> None:
    server.emulator.set_faults(["reset:at=1", "truncate:at=2", "slow:at=3,delay=0.6", "504:at=4,delay=0.3"])
    with pytest.raises(requests.ConnectionError):
        requests.get(server.url + "/rows", timeout=5)
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        requests.get(server.url + "/rows", timeout=5)
    started = time.monotonic()
    slow = requests.get(server.url + "/rows", timeout=5)
    assert slow.json() == ROWS
    assert time.monotonic() - started >= 0.5
    started = time.monotonic()
    timeout = requests.get(server.url + "/rows", timeout=5)
    assert timeout.status_code == 503
    assert time.monotonic() - started >= 0.25
    assert requests.get(server.url + "/rows", timeout=5).json() == ROWS


def test_date_header_is_the_emulated_time(server: EmulatorServer) -> None:
    assert requests.get(server.url + "/rows", timeout=5).headers["Date"] == "Sun, 01 Mar 2026 00:00:00 GMT"
    requests.post(server.url + "/_sandbox/advance?seconds=90061", timeout=5)
    assert requests.get(server.url + "/rows", timeout=5).headers["Date"] == "Mon, 02 Mar 2026 01:01:01 GMT"
