"""How a transaction version looks on the wire, under the configured UNKNOWN choices."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sandbox.ve.catalog import STAGED_STATUSES, TRANSACTION_STATUSES, TRANSACTION_TYPES
from sandbox.ve.config import VeConfig
from sandbox.ve.data import Event, Transaction

FIELDS = (
    "transactionId",
    "transactionType",
    "transactionStatus",
    "creationDate",
    "modifiedDate",
    "subInvoiceId",
    "commission",
    "commissionType",
    "orderNumber",
    "total",
    "currency",
    "invoiceCurrency",
    "conversionValue",
    "email",
    "promoCodeName",
    "checkOutDate",
)
"""The 16 documented response fields, in the portal sample's order."""


class Wire:
    """Renders and matches values per a ``VeConfig``."""

    def __init__(self, config: VeConfig) -> None:
        self.config = config
        self.tz = config.tz

    def transaction_type(self, row: int) -> str:
        """Wire value of a ``transactionType`` row."""
        entry = TRANSACTION_TYPES[row - 1]
        if self.config.type_format == "name_description":
            return f"{entry.name} - {entry.description}"
        return entry.name

    def transaction_status(self, row: int) -> str:
        """Wire value of a ``transactionStatus`` row."""
        entry = TRANSACTION_STATUSES[row - 1]
        if self.config.status_format == "name_stage" and row in STAGED_STATUSES:
            return f"{entry.name} - {entry.description}"
        return entry.name

    def type_matches(self, row: int, wanted: str) -> bool:
        """Whether a ``transactionType`` filter selects this row (wire value or bare name)."""
        return _same(wanted, self.transaction_type(row), TRANSACTION_TYPES[row - 1].name)

    def status_matches(self, row: int, wanted: str) -> bool:
        """Whether a ``transactionStatus`` filter selects this row (wire value or bare name)."""
        return _same(wanted, self.transaction_status(row), TRANSACTION_STATUSES[row - 1].name)

    def date(self, value: dt.datetime) -> str:
        """A date-time per ``date_style``."""
        if self.config.date_style == "unspecified":
            local = value.astimezone(self.tz)
            fraction = f"{local.microsecond:06d}".rstrip("0")
            return f"{local:%Y-%m-%dT%H:%M:%S}" + (f".{fraction}" if fraction else "")
        utc = value.astimezone(dt.UTC)
        return f"{utc:%Y-%m-%dT%H:%M:%S}.{utc.microsecond // 1000:03d}Z"

    def sub_invoice(self, value: int | None) -> int | None:
        """``subInvoiceId``, with the configured stand-in before invoicing."""
        if value is None and self.config.uninvoiced_subinvoice == "zero":
            return 0
        return value

    def row(self, tx: Transaction, state: Event) -> dict[str, Any]:
        """The 16 fields of ``tx`` in ``state``; money stays ``Decimal`` (2 places)."""
        return {
            "transactionId": tx.transaction_id,
            "transactionType": self.transaction_type(tx.type_row),
            "transactionStatus": self.transaction_status(state.status),
            "creationDate": self.date(tx.created),
            "modifiedDate": self.date(state.at),
            "subInvoiceId": self.sub_invoice(state.sub_invoice_id),
            "commission": tx.commission,
            "commissionType": tx.market.commission_type,
            "orderNumber": self._string(tx.order_number),
            "total": tx.total,
            "currency": self._currency(tx.market.currency),
            "invoiceCurrency": self._currency(tx.market.invoice_currency),
            "conversionValue": tx.conversion_value,
            "email": self._string(tx.email),
            "promoCodeName": self._string(tx.promo_code),
            "checkOutDate": self.date(tx.checkout),
        }

    def _string(self, value: str | None) -> str | None:
        if value is None and self.config.missing_strings == "empty":
            return ""
        return value

    def _currency(self, code: str) -> str:
        return code[:2] if self.config.currency_format == "alpha2" else code


def plain(row: dict[str, Any]) -> dict[str, Any]:
    """``row`` with ``Decimal`` money as ``float``, for JSON and comparisons."""
    return {key: float(value) if isinstance(value, Decimal) else value for key, value in row.items()}


def _same(wanted: str, *candidates: str) -> bool:
    folded = wanted.strip().casefold()
    return any(folded == candidate.casefold() for candidate in candidates)
