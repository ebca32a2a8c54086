"""Key texts: canonical, unambiguous, decodable."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from target_reconciled.keys import BadKey, key_text, key_values


def test_compact_json_array_of_strings() -> None:
    assert key_text(["abc"]) == '["abc"]'
    assert key_text([5, "x"]) == '["5","x"]'
    assert key_text([5]) == key_text(["5"])
    assert key_text([-12345678901234567890]) == '["-12345678901234567890"]'


@pytest.mark.parametrize(
    ("one", "two"),
    [
        (["a,b"], ["a", "b"]),
        (['a","b'], ["a", "b"]),
        (["a|b", "c"], ["a", "b|c"]),
        (["", "x"], ["x", ""]),
        (["é"], ["e\u0301"]),
    ],
)
def test_separators_and_quotes_are_unambiguous(one: list[str], two: list[str]) -> None:
    assert key_text(one) != key_text(two)
    assert key_values(key_text(one)) == one
    assert key_values(key_text(two)) == two


def test_unicode_is_kept() -> None:
    text = key_text(["日本", "\u2028", 'q"uote\\'])
    assert key_values(text) == ["日本", "\u2028", 'q"uote\\']


@pytest.mark.parametrize("value", [None, True, False, 1.0, {"a": 1}, ["a"]])
def test_bad_values_name_the_column(value: Any) -> None:
    with pytest.raises(BadKey, match="'account_id'") as raised:
        key_text(["x", value], ("id", "account_id"))
    assert isinstance(raised.value, ValueError)


@given(st.lists(st.one_of(st.text(), st.integers()), min_size=1, max_size=4))
def test_round_trip_and_injective(values: list[str | int]) -> None:
    text = key_text(values)
    assert key_values(text) == [str(v) for v in values]
    assert key_text(key_values(text)) == text
