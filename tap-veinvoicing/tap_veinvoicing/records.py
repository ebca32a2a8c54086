"""Typing of ``GetTransactions`` rows and the per-pass row filter (pure logic).

``normalize`` builds a record of the 16 documented fields (columns the API may add
are not passed on) plus the partition's ``domain`` and ``country``. ``PassFilter``
decides which rows of a pass are emitted: not older than the partition's mark, not
already emitted at a shared window boundary, and of the wanted types and statuses.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection
from decimal import Decimal, InvalidOperation
from typing import Any

from tap_veinvoicing.schema import DATETIME_FIELDS, DECIMAL_FIELDS, FIELDS, INTEGER_FIELDS, STRING_FIELDS
from tap_veinvoicing.windows import parse_instant

_MAX_SHOWN = 80


class InvalidValueError(ValueError):
    """A value that cannot be converted to its schema type."""

    def __init__(self, field: str, value: Any, expected: str, transaction_id: Any) -> None:
        shown = repr(value)
        if len(shown) > _MAX_SHOWN:
            shown = shown[:_MAX_SHOWN] + "..."
        super().__init__(f"field {field!r} of transaction {transaction_id!r} is {shown}: not {expected}")


def normalize(row: dict[str, Any], domain: str | None, country: str | None) -> dict[str, Any]:
    """The record for ``row``, typed as ``TRANSACTIONS_SCHEMA`` says.

    Integers and decimals are converted from numbers or numeric strings; dates keep
    their text, with ``Z`` added when the API sends none; ``""`` becomes null.
    Raises ``InvalidValueError`` naming the field, the transaction and the value.
    """
    transaction_id = row.get("transactionId")
    record = {name: _CONVERTERS[name](name, row.get(name), transaction_id) for name in FIELDS}
    if record["transactionId"] is None:
        raise InvalidValueError("transactionId", transaction_id, "a transaction id", transaction_id)
    record["domain"] = domain
    record["country"] = country
    return record


def _integer(field: str, value: Any, transaction_id: Any) -> int | None:
    if value is None or value == "":
        return None
    if value.__class__ is int:
        return value
    try:
        number = Decimal(value.strip()) if value.__class__ is str else value
        if number.__class__ is not bool and number == int(number):
            return int(number)
    except (ArithmeticError, ValueError, TypeError, AttributeError):
        pass
    raise InvalidValueError(field, value, "an integer", transaction_id)


def _decimal(field: str, value: Any, transaction_id: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        if value.__class__ is Decimal:
            number = value
        elif value.__class__ in (int, str):
            number = Decimal(value)
        elif value.__class__ is float:
            number = Decimal(repr(value))
        else:
            number = None
        if number is not None and number.is_finite():
            return number
    except (InvalidOperation, ValueError):
        pass
    raise InvalidValueError(field, value, "a decimal number", transaction_id)


def _date(field: str, value: Any, transaction_id: Any) -> str | None:
    if value is None or value == "":
        return None
    if value.__class__ is str:
        try:
            zoned = parse_instant(value, assume_utc=False).tzinfo is not None
        except ValueError:
            pass
        else:
            return value if zoned else value + "Z"
    raise InvalidValueError(field, value, "an ISO 8601 date-time", transaction_id)


def _string(field: str, value: Any, transaction_id: Any) -> str | None:
    if value is None or value == "":
        return None
    if value.__class__ is str:
        return value
    if value.__class__ in (int, Decimal):
        return str(value)
    raise InvalidValueError(field, value, "a string", transaction_id)


_CONVERTERS: dict[str, Callable[[str, Any, Any], Any]] = {
    **dict.fromkeys(INTEGER_FIELDS, _integer),
    **dict.fromkeys(DECIMAL_FIELDS, _decimal),
    **dict.fromkeys(DATETIME_FIELDS, _date),
    **dict.fromkeys(STRING_FIELDS, _string),
}


def matches(value: str | None, wanted: Collection[str]) -> bool:
    """Whether a type or status is one of ``wanted`` (casefolded names), as the API's filter matches.

    The API matches the value as sent or its bare name: ``Approved - Paid`` is ``Approved``.
    """
    if value is None:
        return False
    folded = value.strip().casefold()
    return folded in wanted or folded.split(" - ", 1)[0] in wanted


class PassFilter:
    """Which rows of one partition's pass to emit.

    - ``mark``: drop versions not newer than the partition's high-water mark (re-read
      by the lookback, already emitted by an earlier run);
    - drop a (``transactionId``, ``modifiedDate``) already emitted in this pass (a row
      on the boundary two windows share, when the API's bounds are inclusive);
    - ``types`` / ``statuses`` (casefolded, empty = all): the client-side filter used
      when several values are wanted (the API takes one value per parameter).
    """

    def __init__(
        self,
        mark: dt.datetime | None,
        types: Collection[str] = (),
        statuses: Collection[str] = (),
    ) -> None:
        self.mark = mark
        self.types = frozenset(t.strip().casefold() for t in types)
        self.statuses = frozenset(s.strip().casefold() for s in statuses)
        self._emitted: set[tuple[int, str]] = set()
        self.skipped = 0

    def keep(self, record: dict[str, Any]) -> bool:
        """Whether to emit ``record`` (a normalized row); counts the rows skipped."""
        keep = self._wanted(record)
        if keep:
            self._emitted.add((record["transactionId"], record["modifiedDate"]))
        else:
            self.skipped += 1
        return keep

    def _wanted(self, record: dict[str, Any]) -> bool:
        modified = record["modifiedDate"]
        if self.mark is not None and modified is not None and parse_instant(modified) <= self.mark:
            return False
        if (record["transactionId"], modified) in self._emitted:
            return False
        if self.types and not matches(record["transactionType"], self.types):
            return False
        return not (self.statuses and not matches(record["transactionStatus"], self.statuses))
