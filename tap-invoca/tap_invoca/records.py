"""Decoding and normalisation of Invoca Transactions API rows to the ``transactions`` schema.

``decode_page`` reads a page of rows whose columns are all documented into ``Row`` structs
(about 3x faster than dicts: no key strings, no hash table per row); a page with any other
column is read into dicts. ``normalize`` runs on every row, so it does one pass over the row
(``""`` to None, and noting the few values that are not strings) plus targeted conversions of
the typed columns present. Unknown columns keep their values (only ``""`` becomes None).
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from typing import Any

import msgspec
from msgspec.structs import astuple

from tap_invoca.schema import DATETIME_FIELDS, DECIMAL_FIELDS, DESCRIPTIONS, INTEGER_FIELDS, STRING_FIELDS

_DATETIME = re.compile(
    r"(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2}(?:\.\d+)?) ?(Z|[+-]\d{2}):?(\d{2})?",
    re.ASCII,
)
"""A date-time with an offset, ``T`` or space separated, fractions and ``Z`` allowed."""
_SHAPE = bytes.maketrans(b"0123456789+", b"9999999999-")
_ISO_SHAPE = b"9999-99-99T99:99:99-99:99"
"""``YYYY-MM-DDTHH:MM:SS±HH:MM`` with digits as 9 and signs as -: the common case, no regex."""
_INTEGERS = tuple(INTEGER_FIELDS)
_DECIMALS = tuple(DECIMAL_FIELDS)
_DATETIMES = tuple(DATETIME_FIELDS)
_MAX_SHOWN = 80
_NUMBERS = frozenset({int, float, Decimal})
_FIELDS = tuple(DESCRIPTIONS)
_UNSET = msgspec.UNSET

Row = msgspec.defstruct(
    "Row", [(name, Any, msgspec.UNSET) for name in _FIELDS], forbid_unknown_fields=True, module=__name__
)
"""An API row of documented columns; a column the response does not have is ``UNSET``."""

_decode_rows = msgspec.json.Decoder(list[Row], float_hook=Decimal).decode
_decode_dicts = msgspec.json.Decoder(list[dict[str, Any]], float_hook=Decimal).decode


def decode_page(body: bytes) -> list[Any]:
    """The rows of a response body: ``Row`` structs, or dicts if a column is not documented.

    Raises ``msgspec.DecodeError`` (or its ``ValidationError``) if the body is not a JSON
    array of objects.
    """
    try:
        return _decode_rows(body)
    except msgspec.ValidationError:
        return _decode_dicts(body)


class InvalidValueError(ValueError):
    """A column value that cannot be converted to its schema type."""

    def __init__(self, field: str, value: Any, expected: str, transaction_id: Any) -> None:
        shown = repr(value)
        if len(shown) > _MAX_SHOWN:
            shown = shown[:_MAX_SHOWN] + "..."
        super().__init__(f"column {field!r} of transaction {transaction_id!r} is {shown}: not {expected}")
        self.field = field
        self.value = value
        self.transaction_id = transaction_id


def normalize(row: Any) -> dict[str, Any]:
    """Return a new row (a dict, from a dict or a ``Row``) typed as ``TRANSACTIONS_SCHEMA`` says.

    Columns a ``Row`` does not have are left out; ``""`` becomes None everywhere; integers,
    decimals (``Decimal``) and date-times (ISO 8601 with offset) are converted; numbers in
    string columns become strings; ``custom_data`` and unknown columns pass through. Raises
    ``InvalidValueError`` (a ``ValueError``) naming the column, the transaction id and the value.
    """
    others: list[str] = []
    note = others.append
    items = zip(_FIELDS, astuple(row), strict=True) if row.__class__ is Row else row.items()
    out = {k: (v or None) if v.__class__ is str else (v if v is None else (note(k) or v)) for k, v in items}
    if others:
        others = _without_unset(out, others)
    for k in _INTEGERS:
        v = out.get(k)
        if v is not None and v.__class__ is not int:
            out[k] = _integer(k, v, out)
    for k in _DECIMALS:
        v = out.get(k)
        if v is not None:
            out[k] = _decimal(k, v, out)
    for k in _DATETIMES:
        v = out.get(k)
        if v is not None:
            out[k] = _datetime(k, v, out)
    for k in others:
        if k in STRING_FIELDS:
            out[k] = _string(k, out[k], out)
    custom = out.get("custom_data")
    if custom is not None and not _is_list_of_objects(custom):
        raise InvalidValueError("custom_data", custom, "an array of objects", out.get("transaction_id"))
    if out.get("transaction_id") is None:
        raise InvalidValueError("transaction_id", None, "a transaction id", None)
    return out


def _without_unset(out: dict[str, Any], others: list[str]) -> list[str]:
    """Drop the columns a ``Row`` did not have from ``out``; the other names of ``others``."""
    kept = []
    for k in others:
        if out[k] is _UNSET:
            del out[k]
        else:
            kept.append(k)
    return kept


def _integer(field: str, value: Any, row: dict[str, Any]) -> int:
    """An int from a numeric string (``"187"``, ``"187.0"``) or an integral number."""
    try:
        number = value
        if value.__class__ is str:
            try:
                return int(value)
            except ValueError:
                number = Decimal(value)
        if number.__class__ is not bool and number == int(number):
            return int(number)
    except (ValueError, ArithmeticError, TypeError):
        pass
    raise InvalidValueError(field, value, "an integer", row.get("transaction_id"))


def _decimal(field: str, value: Any, row: dict[str, Any]) -> Decimal:
    """An exact ``Decimal`` from ``"25.00"``, ``25`` or ``25.5`` (a float via its shortest repr)."""
    cls = value.__class__
    try:
        if cls is str or cls is int:
            number = Decimal(value)
        elif cls is float:
            number = Decimal(repr(value))
        elif cls is Decimal:
            number = value
        else:
            number = None
        if number is not None and number.is_finite():
            return number
    except (ArithmeticError, ValueError):
        pass
    raise InvalidValueError(field, value, "a decimal number", row.get("transaction_id"))


def _datetime(field: str, value: Any, row: dict[str, Any]) -> str:
    """``2019-01-24 06:43:15 -07:00`` to ``2019-01-24T06:43:15-07:00``; ISO values kept."""
    if value.__class__ is str:
        if len(value) == 26 and value[19] == " ":  # the API's local times (checked just below)
            text: str | None = value.replace(" ", "T", 1).replace(" ", "")
        else:
            text = value
        if text.encode().translate(_SHAPE) != _ISO_SHAPE:  # not plain YYYY-MM-DDTHH:MM:SS±HH:MM
            match = _DATETIME.fullmatch(text)
            text = None if match is None else _rfc3339(*match.groups())
        if text is not None:
            try:
                datetime.fromisoformat(text)  # ranges: month 13 or hour 25 fail
            except ValueError:
                pass
            else:
                return text
    raise InvalidValueError(field, value, "a date-time with an offset", row.get("transaction_id"))


def _rfc3339(date: str, time: str, offset: str, minutes: str | None) -> str | None:
    """Join the parts of a ``_DATETIME`` match; None if the offset is incomplete."""
    if offset == "Z":
        return None if minutes else f"{date}T{time}Z"
    return None if minutes is None else f"{date}T{time}{offset}:{minutes}"


def _string(field: str, value: Any, row: dict[str, Any]) -> str:
    """A number or boolean in a string column as text (``1111`` to ``"1111"``)."""
    if value.__class__ is bool:
        return "true" if value else "false"
    if value.__class__ in _NUMBERS:
        return str(value)
    raise InvalidValueError(field, value, "a string", row.get("transaction_id"))


def _is_list_of_objects(value: Any) -> bool:
    return value.__class__ is list and all(item.__class__ is dict for item in value)
