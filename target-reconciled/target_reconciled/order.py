"""Version order values: what decides who wins inside a root, encoded as persistable text.

The text is a JSON array with one item per order column: ``null``, or a string tagged with the
value's kind (``n:`` number, ``t:`` date-time as UTC, ``s:`` text). Decoding needs no schema and
gives a tuple that compares totally: nulls lowest, numbers numerically, date-times as instants,
text lexicographically (a column whose kind changed compares by kind first, then value).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any, Literal

import msgspec

Kind = Literal["date-time", "number", "text"]

_encode = msgspec.json.encode
_decoder = msgspec.json.Decoder(list[str | None])
_NULL: tuple[int] = (0,)
_EMPTY = "[]"


class OrderValueError(ValueError):
    """A version value that does not fit its column's kind (e.g. an unparseable date-time)."""


def _instant(value: Any) -> str:
    """The instant as ISO 8601 in UTC, whose text order is time order.

    A whole second (printed without a fraction) sorts before its fractions: ``+`` precedes ``.``.
    """
    if isinstance(value, str):
        parsed = dt.datetime.fromisoformat(value)
    elif isinstance(value, dt.datetime):
        parsed = value
    else:
        raise TypeError(type(value).__name__)
    if parsed.tzinfo is None:
        return f"t:{parsed.isoformat()}+00:00"
    if parsed.tzinfo is not dt.UTC:
        parsed = parsed.astimezone(dt.UTC)
    return "t:" + parsed.isoformat()


def _number(value: Any) -> str:
    if isinstance(value, bool):
        raise TypeError("bool")
    if isinstance(value, float):
        number = Decimal(repr(value))
    elif isinstance(value, int | Decimal | str):
        number = Decimal(value)
    else:
        raise TypeError(type(value).__name__)
    if number.is_nan():
        raise ValueError("NaN")
    return f"n:{number}"


def _text(value: Any) -> str:
    return "s:" + (value if isinstance(value, str) else _encode(value).decode())


_CONVERT = {"date-time": _instant, "number": _number, "text": _text}


def encode_order(values: Sequence[Any], kinds: Sequence[Kind], columns: Sequence[str] = ()) -> str:
    """Encode one row's order values; ``kinds`` come from the columns' JSON schema.

    An empty string counts as null for date-time and number columns. ``columns`` names the
    columns in error messages.
    """
    if not values:
        return _EMPTY
    items: list[str | None] = []
    for i, (value, kind) in enumerate(zip(values, kinds, strict=True)):
        if value is None or (value == "" and kind != "text"):
            items.append(None)
            continue
        try:
            items.append(_CONVERT[kind](value))
        except (TypeError, ValueError, ArithmeticError) as exc:
            column = columns[i] if i < len(columns) else f"#{i}"
            raise OrderValueError(f"version column {column!r} ({kind}) cannot order {value!r}") from exc
    return _encode(items).decode()


_RANK = {"n": 1, "t": 2, "s": 3}


def _decode_item(item: str | None) -> tuple[Any, ...]:
    if item is None:
        return _NULL
    tag, text = item[0], item[2:]
    return (1, _RANK[tag], Decimal(text) if tag == "n" else text)


def decode_order(text: str) -> tuple[tuple[Any, ...], ...]:
    """Decode an encoded order into a tuple comparable with any other decoded order."""
    if text == _EMPTY:
        return ()
    return tuple(_decode_item(item) for item in _decoder.decode(text))
