"""The tap's pure logic: page planning, retry waits, cross-setting checks."""

from __future__ import annotations

import datetime as dt

import pytest

from tap_invoca.paging import PageRequest, Window, is_last_page
from tap_invoca.retry import retry_delay
from tap_invoca.settings import config_errors


def test_first_page_params_and_next_page() -> None:
    page = PageRequest(
        limit=4000, cursor=None, window=None, include_columns=("$invoca_default_columns", "custom_data")
    )
    assert page.params() == [("limit", "4000"), ("include_columns", "$invoca_default_columns,custom_data")]
    after = page.after("C624DA2C-CF3367C3")
    assert ("start_after_transaction_id", "C624DA2C-CF3367C3") in after.params()
    assert after.include_columns == page.include_columns


def test_window_and_type_params() -> None:
    window = Window(dt.date(2015, 3, 24), dt.date(2015, 3, 27))
    one = PageRequest(limit=50, cursor=None, window=window, transaction_types=("PostCallEvent",))
    assert one.params() == [
        ("limit", "50"),
        ("from", "2015-03-24"),
        ("to", "2015-03-27"),
        ("transaction_type", "PostCallEvent"),
    ]
    two = PageRequest(limit=50, cursor="X", window=None, transaction_types=("Call", "Signal"))
    assert two.params()[-2:] == [("transaction_type[]", "Call"), ("transaction_type[]", "Signal")]
    assert Window.from_context(window.context) == window
    assert Window.from_context(None) is None
    assert Window.from_context({}) is None


@pytest.mark.parametrize(("rows", "last"), [(0, True), (1, True), (3999, True), (4000, False)])
def test_last_page(rows: int, last: bool) -> None:
    assert is_last_page(rows, 4000) is last


def test_retry_delay() -> None:
    assert retry_delay("7", 0) == 7.0
    assert retry_delay("100000", 0) == 300.0
    assert [retry_delay(None, n) for n in range(8)] == [1, 2, 4, 8, 16, 32, 60, 60]
    assert retry_delay("Wed, 21 Oct 2026 07:28:00 GMT", 2) == 4


@pytest.mark.parametrize(
    ("config", "fragment"),
    [
        ({"from_date": "2026-01-01"}, "to_date"),
        ({"to_date": "2026-01-01"}, "from_date"),
        ({"from_date": "2026-01-05", "to_date": "2026-01-01"}, "swap"),
        ({"include_columns": ["start_time_local"]}, "transaction_id"),
        ({"exclude_columns": ["transaction_id"]}, "primary key"),
    ],
)
def test_config_errors_name_the_settings(config: dict, fragment: str) -> None:
    errors = config_errors(config)
    assert len(errors) == 1
    assert fragment in errors[0]


def test_good_configs_pass() -> None:
    assert config_errors({}) == []
    assert config_errors({"from_date": "2026-01-01", "to_date": "2026-01-01"}) == []
    assert config_errors({"include_columns": ["transaction_id", "custom_data"]}) == []
