"""The Singer SDK's standard tap tests, run against the Invoca emulator."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
from singer_sdk.testing import get_tap_test_class

from sandbox.clock import VirtualClock
from sandbox.invoca import InvocaEmulator
from sandbox.server import EmulatorServer
from tap_invoca.tap import TapInvoca
from tests.tap_invoca.conftest import NOW, TOKEN


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


SERVER = EmulatorServer(
    InvocaEmulator(clock=VirtualClock(NOW), seed=11, size=900, days=10), port=_free_port()
)
CONFIG = {"api_url": SERVER.url, "auth_token": TOKEN, "account_id": "33", "page_size": 250}


class TestTapInvocaStandard(get_tap_test_class(TapInvoca, config=CONFIG, parse_env_config=False)):
    """Every SDK standard test, with the emulator serving for the whole class."""

    @pytest.fixture(scope="class", autouse=True)
    @classmethod
    def emulator(cls) -> Iterator[EmulatorServer]:
        with SERVER:
            yield SERVER
