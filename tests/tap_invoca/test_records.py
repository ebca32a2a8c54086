"""normalize() and decode_page(): the documented example rows, conversions, errors, emulator pages."""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import jsonschema
import msgspec
import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from singer_sdk.contrib.msgspec import encoder as sdk_encoder

from sandbox.clock import VirtualClock
from sandbox.invoca import InvocaEmulator
from sandbox.server import EmulatorServer
from tap_invoca.records import InvalidValueError, Row, decode_page, normalize
from tap_invoca.schema import (
    DATETIME_FIELDS,
    DECIMAL_FIELDS,
    DESCRIPTIONS,
    INTEGER_FIELDS,
    TRANSACTIONS_SCHEMA,
)

NOW = dt.datetime(2019, 1, 28, 12, tzinfo=dt.UTC)
NETWORK_PATH = "/api/2020-10-01/networks/transactions/33.json"
TOKEN = "sandbox-invoca-token"
DEFAULT_COLUMNS = "$invoca_default_columns,custom_data"

RFC3339 = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)", re.ASCII)
FORMATS = jsonschema.FormatChecker(formats=())


@FORMATS.checks("date-time", raises=ValueError)
def is_rfc3339(value: object) -> bool:
    """RFC 3339 date-time (jsonschema checks it only with rfc3339-validator, not installed here)."""
    if not isinstance(value, str):
        return True
    return RFC3339.fullmatch(value) is not None and dt.datetime.fromisoformat(value).tzinfo is not None


VALIDATOR = jsonschema.Draft7Validator(TRANSACTIONS_SCHEMA, format_checker=FORMATS)


def assert_valid(row: dict[str, Any]) -> None:
    errors = [f"{list(e.path)}: {e.message}" for e in VALIDATOR.iter_errors(row)]
    assert not errors, (row.get("transaction_id"), errors[:5])


# -- api-notes/invoca.md §9.6 ---------------------------------------------------------------------
EXAMPLE_A = [
    {
        "transaction_id": "FE7F3A51-11111111",
        "start_time_local": "2019-01-24 06:43:15 -07:00",
        "custom_data": [
            {"name": "Quote", "data_type": "Signal", "source": "Expression", "value": True},
            {
                "name": "utm_medium",
                "data_type": "Category",
                "source": "DynamicAttribution",
                "value": "Search",
            },
        ],
    },
    {
        "transaction_id": "E9C4063A-22222222",
        "start_time_local": "2019-01-24 06:43:16 -07:00",
        "custom_data": [{"name": "Purchase Made", "data_type": "Signal", "source": "AI", "value": True}],
    },
]
EXAMPLE_A_FLAT = {
    "transaction_id": "FE7F3A51-11111111",
    "Quote": 1,
    "Quote.source": "Expression",
    "Purchase Made": None,
    "Purchase Made.source": None,
    "utm_medium": "Search",
}
EXAMPLE_B = [
    {
        "transaction_id": "C624DA2C-CF3367C3",
        "corrects_transaction_id": None,
        "corrected_at": None,
        "transaction_type": "Call",
        "complete_call_id": "Z6E5-C7397356976E",
        "start_time_local": "2019-01-24 06:43:15 -07:00",
        "start_time_utc": 1548337395000,
        "start_time_xml": "2019-01-24T06:43:15-07:00",
        "duration": 187,
        "connect_duration": 160,
        "ivr_duration": 27,
        "calling_phone_number": "866-555-1234",
        "mobile": "Mobile",
        "city": "Santa Barbara",
        "region": "CA",
        "advertiser_id": "1111",
        "advertiser_name": "Acme",
        "advertiser_campaign_id": "2222",
        "affiliate_id": "3333",
        "affiliate_name": "Pub Co",
        "affiliate_call_volume_ranking": "-1",
        "advertiser_payin_localized": "25.00",
        "affiliate_payout_localized": "15.00",
        "media_type": "Online: Search",
        "hangup_cause": "Caller: Hang-up",
        "custom_data": [
            {"name": "utm_source", "data_type": "Category", "source": "VirtualLine", "value": "google.com"}
        ],
    },
    {
        "transaction_id": "C624DA2C-CF3367D9",
        "corrects_transaction_id": "C624DA2C-CF3367C3",
        "corrected_at": "2019-01-25 10:02:11 -07:00",
        "transaction_type": "Call",
        "complete_call_id": "Z6E5-C7397356976E",
        "...": "full row with corrected values (e.g. new payin/payout)",
    },
]


def test_example_a_custom_data() -> None:
    first, second = (normalize(row) for row in EXAMPLE_A)
    assert first == {**EXAMPLE_A[0], "start_time_local": "2019-01-24T06:43:15-07:00"}
    assert second["start_time_local"] == "2019-01-24T06:43:16-07:00"
    assert second["custom_data"] == EXAMPLE_A[1]["custom_data"]
    for row in (first, second):
        assert_valid(row)


def test_example_a_flat_custom_columns_pass_through() -> None:
    row = normalize(EXAMPLE_A_FLAT)
    assert row == EXAMPLE_A_FLAT
    assert_valid(row)


def test_example_b_call_and_correction() -> None:
    call, correction = (normalize(row) for row in EXAMPLE_B)
    assert call["start_time_local"] == "2019-01-24T06:43:15-07:00"
    assert call["start_time_xml"] == "2019-01-24T06:43:15-07:00"
    assert call["start_time_utc"] == 1548337395000
    assert (call["duration"], call["connect_duration"], call["ivr_duration"]) == (187, 160, 27)
    assert call["advertiser_payin_localized"] == Decimal("25.00")
    assert str(call["affiliate_payout_localized"]) == "15.00"
    assert call["affiliate_call_volume_ranking"] == "-1"
    assert call["corrects_transaction_id"] is None
    assert call["custom_data"] == EXAMPLE_B[0]["custom_data"]
    assert correction["corrected_at"] == "2019-01-25T10:02:11-07:00"
    assert correction["..."] == EXAMPLE_B[1]["..."]  # an unknown column, untouched
    for row in (call, correction):
        assert_valid(row)


def test_sdk_writer_emits_money_as_json_numbers() -> None:
    line = sdk_encoder.encode(normalize(EXAMPLE_B[0]))
    assert b'"advertiser_payin_localized":25.00' in line
    assert b'"start_time_utc":1548337395000' in line


def test_input_row_is_not_modified() -> None:
    row = copy.deepcopy(EXAMPLE_B[0]) | {"notes": ""}
    before = copy.deepcopy(row)
    normalize(row)
    assert row == before


# -- conversions ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("duration", "187", 187),
        ("duration", "187.0", 187),
        ("duration", 187, 187),
        ("duration", 187.0, 187),
        ("duration", Decimal("187.0"), 187),
        ("ivr_duration", "0", 0),
        ("start_time_utc", "1548337395000", 1548337395000),
        ("signal_occurred_at", "1548337395", 1548337395),
        ("signal_occurred_at", 1548337395, 1548337395),
    ],
)
def test_integers(field: str, value: Any, expected: int) -> None:
    result = normalize({"transaction_id": "T-1", field: value})[field]
    assert result == expected
    assert type(result) is int


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("25.00", "25.00"),
        ("-3.10", "-3.10"),
        ("0", "0"),
        (25, "25"),
        (25.5, "25.5"),
        (0.1, "0.1"),  # from the float's string form, not its binary value
        (Decimal("25.00"), "25.00"),
    ],
)
@pytest.mark.parametrize("field", sorted(DECIMAL_FIELDS))
def test_decimals(field: str, value: Any, expected: str) -> None:
    result = normalize({"transaction_id": "T-1", field: value})[field]
    assert type(result) is Decimal
    assert str(result) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2019-01-24 06:43:15 -07:00", "2019-01-24T06:43:15-07:00"),
        ("2019-01-24T06:43:15-07:00", "2019-01-24T06:43:15-07:00"),
        ("2019-07-24 06:43:15 +05:30", "2019-07-24T06:43:15+05:30"),
        ("2019-01-24T13:43:15Z", "2019-01-24T13:43:15Z"),
        ("2019-01-24 06:43:15.250 -07:00", "2019-01-24T06:43:15.250-07:00"),
        ("2019-01-24T06:43:15.250-07:00", "2019-01-24T06:43:15.250-07:00"),
        ("2019-01-24 06:43:15 -0700", "2019-01-24T06:43:15-07:00"),
    ],
)
@pytest.mark.parametrize("field", sorted(DATETIME_FIELDS))
def test_datetimes(field: str, value: str, expected: str) -> None:
    row = normalize({"transaction_id": "T-1", field: value})
    assert row[field] == expected
    assert_valid(row)


def test_empty_strings_become_null_everywhere() -> None:
    row = {
        "transaction_id": "T-1",
        "corrects_transaction_id": "",
        "corrected_at": "",
        "duration": "",
        "revenue": "",
        "notes": "",
        "custom_data": "",
        "utm_medium": "",
        "keypress_1": None,
        "city": " ",
    }
    result = normalize(row)
    assert result == {"transaction_id": "T-1", "city": " "} | {
        k: None for k in row if k not in ("transaction_id", "city")
    }
    assert_valid(result)


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("advertiser_id", 1111, "1111"),
        ("affiliate_call_volume_ranking", -1, "-1"),
        ("opt_in_SMS", 0, "0"),
        ("dynamic_number_pool_id", 4321, "4321"),
        ("signal_value", True, "true"),
        ("signal_value", False, "false"),
        ("verified_zip", 93101.0, "93101.0"),
        ("transaction_id", 12345, "12345"),
    ],
)
def test_numbers_in_string_columns_become_strings(field: str, value: Any, expected: str) -> None:
    row = normalize({"transaction_id": "T-1", field: value})
    assert row[field] == expected
    assert_valid(row)


def test_unknown_columns_pass_through() -> None:
    row = {"transaction_id": "T-1", "Purchase Made": 1, "score": 2.5, "tags": ["a"], "meta": {"k": ""}}
    assert normalize(row) == row


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("duration", "abc"),
        ("duration", "187.5"),
        ("duration", 187.5),
        ("duration", True),
        ("duration", [187]),
        ("connect_duration", "NaN"),
        ("start_time_utc", "1548337395000ms"),
        ("signal_occurred_at", "2019-01-24 06:43:15 -07:00"),
        ("revenue", "25,00"),
        ("revenue", "$25.00"),
        ("revenue", "NaN"),
        ("revenue", "Infinity"),
        ("sale_amount", True),
        ("margin_localized", {"amount": "1"}),
        ("start_time_local", "2019-01-24 06:43:15"),
        ("start_time_local", "2019-01-24T06:43:15"),
        ("start_time_local", "2019-13-24 06:43:15 -07:00"),
        ("start_time_local", "2019-01-24 25:43:15 -07:00"),
        ("start_time_local", "24/01/2019 06:43:15 -07:00"),
        ("start_time_xml", "2019-W04-4T06:43:15-07:00"),
        ("corrected_at", "2019-01-24T06:43:15+07"),
        ("corrected_at", "yesterday"),
        ("start_time_network_timezone", 1548337395),
        ("custom_data", "Quote"),
        ("custom_data", {"name": "Quote", "value": True}),
        ("custom_data", [["Quote", True]]),
        ("notes", ["a note"]),
        ("city", {"name": "Santa Barbara"}),
    ],
)
def test_bad_values_raise_naming_field_id_and_value(field: str, value: Any) -> None:
    with pytest.raises(ValueError, match="C624DA2C-CF3367C3") as caught:
        normalize({"transaction_id": "C624DA2C-CF3367C3", "city": "Goleta", field: value})
    message = str(caught.value)
    assert repr(field) in message
    assert repr(value)[:40] in message
    assert isinstance(caught.value, InvalidValueError)
    assert (caught.value.field, caught.value.transaction_id) == (field, "C624DA2C-CF3367C3")


def test_long_bad_values_are_shortened() -> None:
    with pytest.raises(ValueError, match=r"'revenue'.*\.\.\.") as caught:
        normalize({"transaction_id": "T-1", "revenue": "x" * 10_000})
    assert len(str(caught.value)) < 200


@pytest.mark.parametrize("row", [{}, {"transaction_id": ""}, {"transaction_id": None}, {"city": "Goleta"}])
def test_a_row_without_transaction_id_raises(row: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="'transaction_id'"):
        normalize(row)


def test_the_format_checker_checks_date_times() -> None:
    assert not VALIDATOR.is_valid({"transaction_id": "T-1", "start_time_local": "2019-01-24 06:43:15 -07:00"})
    assert not VALIDATOR.is_valid({"transaction_id": "T-1", "corrected_at": "2019-01-24T06:43:15"})
    assert VALIDATOR.is_valid({"transaction_id": "T-1", "corrected_at": "2019-01-24T06:43:15-07:00"})


# -- pages from the emulator --------------------------------------------------------------------------
Decoder = Callable[[bytes], Any]
DECODERS: dict[str, Decoder] = {
    "json": json.loads,  # numbers with a fraction become floats
    "json-decimal": lambda body: json.loads(body, parse_float=Decimal),  # RESTStream.parse_response
    "msgspec": msgspec.json.Decoder(list[dict[str, Any]]).decode,
    "msgspec-decimal": msgspec.json.Decoder(list[dict[str, Any]], float_hook=Decimal).decode,
}
MODES = [
    {"money": money, "empty": empty, "integers": integers}
    for money in ("string", "number")
    for empty in ("string", "null")
    for integers in ("string", "number")
]


def fetch(options: dict[str, str], columns: str = DEFAULT_COLUMNS, size: int = 150) -> list[bytes]:
    """The bodies of the network page and of one advertiser and one affiliate page (limit 4000)."""
    emulator = InvocaEmulator(clock=VirtualClock(NOW), seed=3, size=size, days=10, **options)
    accounts = emulator.accounts()
    targets = [(NETWORK_PATH, TOKEN)]
    targets += [
        (accounts[kind][0]["path"], accounts[kind][0]["token"]) for kind in ("advertisers", "affiliates")
    ]
    bodies = []
    with EmulatorServer(emulator) as server:
        for path, token in targets:
            response = requests.get(
                server.url + path,
                headers={"Authorization": token},
                params={"limit": 4000, "include_columns": columns},
                timeout=60,
            )
            assert response.status_code == 200, response.text
            bodies.append(response.content)
    return bodies


@pytest.fixture(scope="module", params=MODES, ids=lambda m: "-".join(f"{k}={v}" for k, v in m.items()))
def mode(request: pytest.FixtureRequest) -> tuple[dict[str, str], list[bytes]]:
    return request.param, fetch(request.param)


def check_page(raw_rows: list[dict[str, Any]], options: dict[str, str]) -> None:
    assert raw_rows
    for raw in raw_rows:
        row = normalize(raw)
        assert_valid(row)
        assert list(row) == list(raw)
        assert "" not in row.values()
        for field in INTEGER_FIELDS & row.keys():
            assert row[field] is None or type(row[field]) is int, field
        for field in DECIMAL_FIELDS & row.keys():
            value = row[field]
            assert value is None or type(value) is Decimal, field
            if value is not None and isinstance(raw[field], str | Decimal):
                assert str(value) == str(raw[field])  # exact, trailing zeros kept
        for field in DATETIME_FIELDS & row.keys():
            assert row[field] is None or (" " not in row[field] and row[field][10] == "T"), field
        if "start_time_local" in row:
            assert row["start_time_local"] == raw["start_time_local"].replace(" ", "T", 1).replace(" ", "")
        if "advertiser_id" in row and raw["advertiser_id"] not in ("", None):
            assert row["advertiser_id"] == str(raw["advertiser_id"])
        if options["integers"] == "number" and raw.get("virtual_line_id") is not None:
            assert isinstance(raw["virtual_line_id"], int)  # the emulator mode is really in effect
        assert row.get("custom_data") == (raw.get("custom_data") or None)


@pytest.mark.parametrize("decoder", DECODERS)
def test_emulator_pages_validate(mode: tuple[dict[str, str], list[bytes]], decoder: str) -> None:
    options, bodies = mode
    for body in bodies:
        check_page(DECODERS[decoder](body), options)


def test_emulator_pages_decode_to_structs_like_dicts(mode: tuple[dict[str, str], list[bytes]]) -> None:
    """``decode_page`` reads documented columns into ``Row`` structs; normalized, they equal the dict path."""
    _, bodies = mode
    for body in bodies:
        rows = decode_page(body)
        assert rows
        assert all(type(row) is Row for row in rows)
        dicts = DECODERS["msgspec-decimal"](body)
        for row, raw in zip(rows, dicts, strict=True):
            normalized = normalize(row)
            assert normalized == normalize(raw)
            assert list(normalized) == list(raw)  # the response's columns, nothing added


def test_decode_page_leaves_out_columns_not_in_the_response() -> None:
    body = fetch({"money": "number"}, columns="transaction_id,advertiser_payin_localized")[0]
    rows = decode_page(body)
    assert type(rows[0]) is Row
    for row in rows:
        assert set(normalize(row)) == {"transaction_id", "advertiser_payin_localized"}


def test_decode_page_reads_undocumented_columns_as_dicts() -> None:
    columns = "$invoca_default_columns,$invoca_custom_columns,custom_data"
    body = fetch({}, columns=columns)[0]
    rows = decode_page(body)
    assert all(type(row) is dict for row in rows)
    assert rows == DECODERS["msgspec-decimal"](body)
    assert any("utm_medium" in normalize(row) for row in rows)


@pytest.mark.parametrize("body", [b'{"errors": {}}', b"[1]", b'[{"transaction_id": "T-1"', b"<html>"])
def test_decode_page_refuses_what_is_not_an_array_of_objects(body: bytes) -> None:
    with pytest.raises(msgspec.DecodeError):
        decode_page(body)


_VALUES = st.one_of(
    st.none(),
    st.just(""),
    st.text(max_size=5),
    st.integers(-(10**6), 10**6),
    st.booleans(),
    st.lists(st.fixed_dictionaries({"name": st.text(max_size=3), "value": st.booleans()}), max_size=2),
)


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])  # slow draws on a loaded CI machine
@given(
    st.lists(
        st.dictionaries(st.sampled_from([*sorted(DESCRIPTIONS), "Unknown Column"]), _VALUES, max_size=12).map(
            lambda row: {"transaction_id": "T-1", **row}
        ),
        min_size=1,
        max_size=4,
    )
)
def test_decode_page_then_normalize_is_the_dict_path(rows: list[dict[str, Any]]) -> None:
    """Any page: ``normalize`` of each decoded row gives what it gives for the row as a dict, or an error.

    With several bad columns either path may name another one first (the order of the columns).
    """
    body = json.dumps(rows).encode()
    for decoded, raw in zip(decode_page(body), DECODERS["msgspec-decimal"](body), strict=True):
        try:
            expected = normalize(raw)
        except InvalidValueError:
            with pytest.raises(InvalidValueError) as refused:
                normalize(decoded)
            with pytest.raises(InvalidValueError):  # the column named is bad on its own
                normalize({"transaction_id": "T-1", refused.value.field: raw[refused.value.field]})
            continue
        assert normalize(decoded) == expected
        assert set(expected) == set(raw)


def test_emulator_money_modes_really_differ() -> None:
    as_string = json.loads(fetch({"money": "string"}, columns="transaction_id,advertiser_payin_localized")[0])
    as_number = json.loads(fetch({"money": "number"}, columns="transaction_id,advertiser_payin_localized")[0])
    paid = [r for r in as_string if r["advertiser_payin_localized"]]
    assert paid
    assert all(isinstance(r["advertiser_payin_localized"], str) for r in paid)
    assert any(isinstance(r["advertiser_payin_localized"], float) for r in as_number)
    by_id = {r["transaction_id"]: normalize(r)["advertiser_payin_localized"] for r in as_string}
    for raw in as_number:
        assert normalize(raw)["advertiser_payin_localized"] == by_id[raw["transaction_id"]]


def test_emulator_flat_custom_columns_pass_through() -> None:
    columns = "$invoca_default_columns,$invoca_custom_columns,$invoca_custom_source_columns,custom_data"
    rows = json.loads(fetch({}, columns=columns)[0])
    unknown = {key for raw in rows for key in raw} - set(TRANSACTIONS_SCHEMA["properties"])
    assert {"Purchase Made", "Purchase Made.source", "utm_medium"} <= unknown
    for raw in rows:
        row = normalize(raw)
        assert_valid(row)
        for key in unknown & raw.keys():
            assert row[key] == (None if raw[key] == "" else raw[key])


def test_4000_emulator_rows_in_well_under_a_second() -> None:
    rows = json.loads(fetch({}, size=3000)[0])
    assert len(rows) == 4000
    elapsed = min(_timed(rows) for _ in range(3))
    assert elapsed < 0.5, f"normalize took {elapsed:.3f} s for 4000 rows"


def _timed(rows: list[dict[str, Any]]) -> float:
    start = time.perf_counter()
    for row in rows:
        normalize(row)
    return time.perf_counter() - start
