"""Fixtures: small Invoca emulators served in-process, and a client for them."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests

from sandbox.clock import VirtualClock
from sandbox.invoca import InvocaEmulator
from sandbox.server import EmulatorServer

NOW = dt.datetime(2015, 3, 28, 19, 0, tzinfo=dt.UTC)
"""Puts the docs' example dates (2015-03-24 .. 2015-03-27) inside a week of history."""
TOKEN = "sandbox-invoca-token"
SMALL = {"seed": 1, "size": 300, "days": 7}


@dataclass
class Api:
    """An emulator, its server and a session to call it."""

    emulator: InvocaEmulator
    server: EmulatorServer
    session: requests.Session = field(default_factory=requests.Session)

    @property
    def url(self) -> str:
        return self.server.url

    def get(
        self,
        params: dict[str, Any] | list[tuple[str, Any]] | str | None = None,
        *,
        scope: str = "networks",
        account: str = "33",
        version: str = "2020-10-01",
        fmt: str = "json",
        token: str | None = TOKEN,
    ) -> requests.Response:
        headers = {"Authorization": token} if token is not None else {}
        path = f"/api/{version}/{scope}/transactions/{account}.{fmt}"
        return self.session.get(self.url + path, params=params, headers=headers, timeout=30)

    def rows(self, params: dict[str, Any] | list[tuple[str, Any]] | str | None = None, **kwargs: Any) -> list:
        response = self.get(params, **kwargs)
        assert response.status_code == 200, response.text
        return response.json()

    def walk(self, params: dict[str, Any] | None = None, limit: int = 4000, **kwargs: Any) -> list[dict]:
        """Page with the cursor until an empty page, as a tap does."""
        rows: list[dict] = []
        cursor = ""
        while True:
            page = self.rows(
                {**(params or {}), "limit": limit, "start_after_transaction_id": cursor}, **kwargs
            )
            if not page:
                return rows
            rows += page
            cursor = page[-1]["transaction_id"]


@pytest.fixture(scope="module", autouse=True)
def no_threads_left() -> Iterator[None]:
    """Every server a test module starts is stopped, and its thread joined, by the module's end."""
    before = set(threading.enumerate())
    yield
    assert [t.name for t in threading.enumerate() if t not in before] == []


@pytest.fixture
def make_api() -> Iterator:
    """``make_api(**options)`` serves a fresh emulator; all are stopped after the test."""
    made: list[Api] = []

    def make(now: dt.datetime = NOW, **options: Any) -> Api:
        emulator = InvocaEmulator(clock=VirtualClock(now), **{**SMALL, **options})
        api = Api(emulator, EmulatorServer(emulator).start())
        made.append(api)
        return api

    yield make
    for api in made:
        api.session.close()
        api.server.stop()


def _shared(**options: Any) -> Iterator[Api]:
    emulator = InvocaEmulator(clock=VirtualClock(NOW), **{**SMALL, **options})
    with EmulatorServer(emulator) as server:
        shared = Api(emulator, server)
        yield shared
        shared.session.close()


@pytest.fixture(scope="module")
def api() -> Iterator[Api]:
    """A shared small emulator (about 450 rows) for tests that do not change it."""
    yield from _shared()


@pytest.fixture(scope="module")
def big_api() -> Iterator[Api]:
    """A shared emulator with more than 4000 rows, for limits."""
    yield from _shared(seed=2, size=3000, days=30)
