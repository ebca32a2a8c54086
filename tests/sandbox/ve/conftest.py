"""Fixtures for the Ve emulator tests: a fixed virtual clock, a fake rate clock, servers."""

from __future__ import annotations

import contextlib
import datetime as dt
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests

from sandbox.clock import VirtualClock
from sandbox.server import EmulatorServer
from sandbox.ve import VeEmulator

START = dt.datetime(2024, 6, 15, 12, 0, tzinfo=dt.UTC)
KEY = "sandbox-ve-key"
PRODUCTION_KEY = "production-ve-key"
SANDBOX = "/InvoicingApiSandbox/GetTransactions"
PRODUCTION = "/InvoicingApi/GetTransactions"
OWN = ("myshop.example", ("GB",))
MERCHANTS = {
    "fashion.example": ("GB", "FR", "DE"),
    "travel.example": ("US", "BR"),
    "electronics.example": ("ES", "IT"),
}


class FakeClock:
    """A monotonic clock that moves only when told to."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def make_emulator(**options: Any) -> VeEmulator:
    """A Ve emulator at START; rate limiting is off unless asked for."""
    options.setdefault("rate_limit", 0)
    options.setdefault("size", 300)
    return VeEmulator(clock=VirtualClock(START), **options)


class Client:
    """A running server plus helpers to call it."""

    def __init__(self, server: EmulatorServer) -> None:
        self.server = server
        self.url = server.url
        self.emulator: VeEmulator = server.emulator  # type: ignore[assignment]

    def get(self, params: dict[str, Any] | None = None, key: str | None = KEY, path: str = SANDBOX):
        headers = {"Ocp-Apim-Subscription-Key": key} if key is not None else {}
        return requests.get(self.url + path, params=params, headers=headers, timeout=10)

    def rows(self, **params: Any) -> list[dict[str, Any]]:
        answer = self.get(params)
        assert answer.status_code == 200, answer.text
        return answer.json()["transactions"]


@pytest.fixture(autouse=True)
def _no_threads_left() -> Iterator[None]:
    before = set(threading.enumerate())
    yield
    assert set(threading.enumerate()) <= before


@pytest.fixture
def serve() -> Iterator[Callable[..., Client]]:
    """``serve(**options)`` starts a server (stopped after the test) and returns its client."""
    with contextlib.ExitStack() as stack:

        def start(emulator: VeEmulator | None = None, **options: Any) -> Client:
            return Client(stack.enter_context(EmulatorServer(emulator or make_emulator(**options))))

        yield start


@pytest.fixture
def client(serve: Callable[..., Client]) -> Client:
    """A server with default options (no rate limit)."""
    return serve()
