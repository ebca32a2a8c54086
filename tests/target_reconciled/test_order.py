"""Order values: encoding round trip and the total order they decode to."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from target_reconciled.order import Kind, OrderValueError, decode_order, encode_order


def order(values: list[Any], kinds: list[Kind]) -> tuple[Any, ...]:
    return decode_order(encode_order(values, kinds))


def test_empty() -> None:
    assert encode_order([], []) == "[]"
    assert decode_order("[]") == ()


def test_date_times_compare_as_instants() -> None:
    kinds: list[Kind] = ["date-time"]
    assert order(["2024-01-01T10:00:00+02:00"], kinds) == order(["2024-01-01T08:00:00Z"], kinds)
    assert order(["2024-01-01T08:00:00"], kinds) == order(["2024-01-01T08:00:00.000+00:00"], kinds)
    assert order(["2024-01-01T10:00:00+02:00"], kinds) < order(["2024-01-01T09:00:00+00:00"], kinds)
    assert order(["2024-01-01T23:30:00-05:00"], kinds) > order(["2024-01-02T04:00:00+00:00"], kinds)
    assert order(["2024-01-01T00:00:00Z"], kinds) < order(["2024-01-01T00:00:00.000001Z"], kinds)
    assert order(["2024-01-01T00:00:00.999999Z"], kinds) < order(["2024-01-01T00:00:01Z"], kinds)
    assert order([dt.datetime(2024, 1, 1, 8, tzinfo=dt.UTC)], kinds) == order(["2024-01-01T08:00:00Z"], kinds)


def test_numbers_compare_numerically() -> None:
    kinds: list[Kind] = ["number"]
    assert order([9], kinds) < order([10], kinds)
    assert order(["9"], kinds) < order(["10"], kinds)
    assert order([Decimal("1.10")], kinds) == order([1.1], kinds) == order(["1.1"], kinds)
    assert order([-1], kinds) < order([Decimal("-0.5")], kinds) < order([0], kinds)
    assert order([0.1], kinds) == order([Decimal("0.1")], kinds)


def test_text_compares_lexicographically() -> None:
    kinds: list[Kind] = ["text"]
    assert order(["10"], kinds) < order(["9"], kinds)
    assert order([""], kinds) > order([None], kinds)


@pytest.mark.parametrize("kind", ["date-time", "number", "text"])
def test_null_is_lowest(kind: Kind) -> None:
    low = {"date-time": "0001-01-01T00:00:00Z", "number": -(10**30), "text": ""}[kind]
    assert order([None], [kind]) < order([low], [kind])
    assert order([None], [kind]) == order([None], [kind])


def test_empty_string_is_null_for_dates_and_numbers() -> None:
    assert order([""], ["date-time"]) == order([None], ["date-time"])
    assert order([""], ["number"]) == order([None], ["number"])


def test_columns_compare_in_turn() -> None:
    kinds: list[Kind] = ["number", "date-time"]
    assert order([1, "2030-01-01T00:00:00Z"], kinds) < order([2, None], kinds)
    assert order([2, None], kinds) < order([2, "1970-01-01T00:00:00Z"], kinds)


def test_a_column_whose_kind_changed_still_compares() -> None:
    assert order([5], ["number"]) < order(["5"], ["text"])
    assert order(["2024-01-01"], ["date-time"]) < order(["abc"], ["text"])


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("yesterday", "date-time"),
        (5, "date-time"),
        ("five", "number"),
        (True, "number"),
        (float("nan"), "number"),
    ],
)
def test_bad_values_name_the_column(value: Any, kind: Kind) -> None:
    with pytest.raises(OrderValueError, match="'rev'"):
        encode_order([value], [kind], ["rev"])


instants = st.datetimes(
    min_value=dt.datetime(1900, 1, 1),
    max_value=dt.datetime(2100, 1, 1),
    timezones=st.one_of(st.none(), st.timezones()),
)
fixed_offsets = st.integers(-14 * 60, 14 * 60).map(lambda m: dt.timezone(dt.timedelta(minutes=m)))


def as_utc(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


@given(st.lists(st.one_of(st.none(), instants), min_size=2, max_size=6), fixed_offsets)
def test_date_time_order_matches_instants(values: list[dt.datetime | None], offset: dt.tzinfo) -> None:
    texts = [None if v is None else as_utc(v).astimezone(offset).isoformat() for v in values]
    decoded = [order([t], ["date-time"]) for t in texts]
    reference = [(0,) if v is None else (1, as_utc(v)) for v in values]
    for i in range(len(values)):
        for j in range(len(values)):
            assert (decoded[i] < decoded[j]) == (reference[i] < reference[j])
            assert (decoded[i] == decoded[j]) == (reference[i] == reference[j])


numbers = st.one_of(
    st.integers(),
    st.decimals(allow_nan=False, allow_infinity=False),
    st.floats(allow_nan=False, allow_infinity=False),
)


@given(st.lists(st.one_of(st.none(), numbers), min_size=2, max_size=6))
def test_number_order_matches_values(values: list[Any]) -> None:
    decoded = [order([v], ["number"]) for v in values]
    exact = [None if v is None else Decimal(repr(v)) if isinstance(v, float) else Decimal(v) for v in values]
    reference = [(0,) if v is None else (1, v) for v in exact]
    assert sorted(range(len(values)), key=decoded.__getitem__) == sorted(
        range(len(values)), key=reference.__getitem__
    )


@given(st.lists(st.one_of(st.none(), st.text()), min_size=2, max_size=6))
def test_text_order_matches_strings(values: list[str | None]) -> None:
    decoded = [order([v], ["text"]) for v in values]
    reference = [(0, "") if v is None else (1, v) for v in values]
    for i in range(len(values)):
        for j in range(len(values)):
            assert (decoded[i] < decoded[j]) == (reference[i] < reference[j])
