"""Settings validation and what the settings mean for requests."""

from __future__ import annotations

from typing import Any

import pytest
from singer_sdk.exceptions import ConfigValidationError

from tap_veinvoicing.settings import client_filter, config_errors, partition_contexts, server_filter
from tap_veinvoicing.tap import TapVeInvoicing

VALID = {
    "subscription_key": "k" * 32,
    "start_date": "2024-01-01T00:00:00Z",
    "api_url": "https://api.veinteractive.com",
}


def test_a_valid_config_has_no_errors() -> None:
    assert (
        config_errors(
            {**VALID, "end_date": "2024-02-01", "domains": ["", "Shop.Example"], "countries": ["gb"]}
        )
        == []
    )


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"end_date": "2023-12-31"}, "end_date 2023-12-31 is not after start_date"),
        ({"start_date": "yesterday"}, "start_date 'yesterday' is not a date"),
        ({"countries": ["GBR"]}, "countries entry 'GBR' is not an ISO 3166 alpha-2 code"),
        ({"countries": ["GB", "gb"]}, "countries lists 'GB' more than once"),
        ({"domains": ["https://shop.example/"]}, "domains entry 'https://shop.example/' is not a domain"),
        ({"environment": "staging"}, "environment 'staging' is unknown"),
        ({"window_days": 0}, "window_days is 0"),
        ({"window_days": 400}, "window_days is 400"),
        ({"lookback_days": -1}, "lookback_days is -1"),
        ({"api_url": "api.veinteractive.com"}, "api_url must be"),
        ({"subscription_key": "abc\n"}, "subscription_key contains spaces or line breaks"),
        ({"transaction_types": ["Click / Email", " "]}, "transaction_types has an empty entry"),
    ],
)
def test_each_problem_names_its_setting(overrides: dict[str, Any], expected: str) -> None:
    errors = config_errors({**VALID, **overrides})
    assert any(expected in error for error in errors), errors


def test_the_key_is_never_quoted_in_errors() -> None:
    assert not any("secret-key" in e for e in config_errors({**VALID, "subscription_key": "secret-key "}))


def test_the_tap_refuses_a_bad_config() -> None:
    with pytest.raises(ConfigValidationError) as info:
        TapVeInvoicing(config={**VALID, "end_date": "2023-06-01", "countries": ["XYZ"]})
    assert len(info.value.errors) == 2


def test_partitions_are_domains_by_countries() -> None:
    assert partition_contexts({}) == [{"domain": ""}]
    assert partition_contexts({"domains": ["A.example", ""]}) == [{"domain": "a.example"}, {"domain": ""}]
    assert partition_contexts({"domains": ["a.example"], "countries": ["gb", "FR"]}) == [
        {"domain": "a.example", "country": "GB"},
        {"domain": "a.example", "country": "FR"},
    ]
    assert partition_contexts({"countries": ["DE"]}) == [{"domain": "", "country": "DE"}]


def test_one_filter_value_goes_to_the_server_several_are_filtered_here() -> None:
    assert (server_filter(["Approved"]), client_filter(["Approved"])) == ("Approved", ())
    assert (server_filter(["Approved", "Pending"]), client_filter(["Approved", "Pending"])) == (
        None,
        ("Approved", "Pending"),
    )
    assert (server_filter(None), client_filter([])) == (None, ())
