"""The Singer SDK's standard tap tests, against an emulator started for this module."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from singer_sdk.testing import SuiteConfig, get_tap_test_class

from sandbox.server import EmulatorServer
from tap_veinvoicing.tap import TapVeInvoicing
from tests.tap_veinvoicing.conftest import KEY, NOW, make_emulator

CONFIG: dict[str, Any] = {
    "subscription_key": KEY,
    "api_url": "http://127.0.0.1:9",  # replaced by the emulator's URL before any sync
    "start_date": (NOW - dt.timedelta(days=30)).isoformat(),
    "end_date": NOW.isoformat(),
    "domains": ["fashion.example"],
    "countries": ["GB", "FR"],
    "window_days": 15,
    "requests_per_minute": 100000,
}


@pytest.fixture(scope="module", autouse=True)
def emulator() -> Iterator[EmulatorServer]:
    """The suite's runner holds CONFIG itself: point it at this module's emulator."""
    with EmulatorServer(make_emulator()) as server:
        CONFIG["api_url"] = server.url
        yield server


TestTapVeInvoicing = get_tap_test_class(
    TapVeInvoicing, config=CONFIG, suite_config=SuiteConfig(max_records_limit=None)
)
