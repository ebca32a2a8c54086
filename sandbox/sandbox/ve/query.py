"""Query-string binding as an ASP.NET Web API backend does it (notes §4.1, §7, INFERRED).

- Names match case-insensitively (``transactionid``, ``DateFrom`` ...); the first
  occurrence of a repeated name wins; an empty value counts as absent.
- Numbers are ``Int32`` (optional sign, surrounding blanks allowed).
- Dates parse like ``DateTime`` with the invariant culture: ``YYYY-MM-DD``,
  ``YYYY-MM-DD[T| ]HH:MM[:SS[.fffffff]]`` with an optional ``Z``/``±HH[:MM]`` (converted),
  and ``MM/DD/YYYY [h:mm[:ss] [AM|PM]]``. Naive values are in the server time zone.
- Malformed values are collected into the 400 ``details`` map, keyed by parameter name.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass

INT32 = range(-(2**31), 2**31)
_INT = re.compile(r"\s*[+-]?\d+\s*")
_ISO = re.compile(
    r"\s*(?P<y>\d{4})-(?P<mo>\d{1,2})-(?P<d>\d{1,2})"
    r"(?:[T ](?P<h>\d{1,2}):(?P<mi>\d{2})(?::(?P<s>\d{2})(?:\.(?P<f>\d{1,7}))?)?)?"
    r"\s*(?P<z>Z|[+-]\d{2}(?::?\d{2})?)?\s*",
    re.IGNORECASE,
)
_US = re.compile(
    r"\s*(?P<mo>\d{1,2})/(?P<d>\d{1,2})/(?P<y>\d{4})"
    r"(?:\s+(?P<h>\d{1,2}):(?P<mi>\d{2})(?::(?P<s>\d{2}))?(?:\s*(?P<ampm>AM|PM))?)?\s*",
    re.IGNORECASE,
)


class InvalidRequestError(Exception):
    """Malformed parameters; ``details`` maps each parameter name to its error text."""

    def __init__(self, details: dict[str, str]) -> None:
        super().__init__(details)
        self.details = details


def bind(query: Mapping[str, str], names: tuple[str, ...]) -> dict[str, str]:
    """The non-empty values of ``names``, matched case-insensitively, first occurrence winning."""
    wanted = {name.lower(): name for name in names}
    bound: dict[str, str] = {}
    for key, value in query.items():
        name = wanted.get(key.lower())
        if name is not None and name not in bound and value.strip():
            bound[name] = value
    return bound


def not_valid(name: str, value: str) -> str:
    """The per-parameter error text (UNKNOWN §4.1; worded like ASP.NET's model binder)."""
    return f"The value '{value}' is not valid for {name}."


def parse_int(text: str) -> int | None:
    """An ``Int32``, or None when ``text`` is not one."""
    if not _INT.fullmatch(text):
        return None
    number = int(text)
    return number if number in INT32 else None


def parse_datetime(text: str, tz: dt.tzinfo) -> dt.datetime | None:
    """An aware instant, or None when ``text`` is not a date ASP.NET would accept."""
    match = _ISO.fullmatch(text) or _US.fullmatch(text)
    if match is None:
        return None
    parts = match.groupdict()
    hour = int(parts["h"] or 0)
    ampm = (parts.get("ampm") or "").upper()
    if ampm and not 1 <= hour <= 12:
        return None
    if ampm:
        hour = hour % 12 + (12 if ampm == "PM" else 0)
    fraction = (parts.get("f") or "").ljust(6, "0")[:6]
    try:
        naive = dt.datetime(
            int(parts["y"]),
            int(parts["mo"]),
            int(parts["d"]),
            hour,
            int(parts["mi"] or 0),
            int(parts["s"] or 0),
            int(fraction),
        )
    except ValueError:
        return None
    zone = parts.get("z")
    return naive.replace(tzinfo=_offset(zone) if zone else tz)


def _offset(zone: str) -> dt.tzinfo:
    if zone.upper() == "Z":
        return dt.UTC
    sign = -1 if zone[0] == "-" else 1
    digits = zone[1:].replace(":", "")
    delta = dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:] or 0))
    return dt.timezone(sign * delta)


@dataclass(frozen=True)
class TransactionQuery:
    """The bound ``GetTransactions`` parameters (all optional)."""

    transaction_id: int | None = None
    domain: str | None = None
    country: str | None = None
    transaction_type: str | None = None
    transaction_status: str | None = None
    subinvoice_id: int | None = None
    date_from: dt.datetime | None = None
    date_to: dt.datetime | None = None


TRANSACTION_PARAMS = (
    "transactionId",
    "domain",
    "country",
    "transactionType",
    "transactionStatus",
    "subinvoiceId",
    "dateFrom",
    "dateTo",
)


def transaction_query(query: Mapping[str, str], tz: dt.tzinfo) -> TransactionQuery:
    """Bind and parse ``GetTransactions`` parameters, or raise ``InvalidRequestError``."""
    raw = bind(query, TRANSACTION_PARAMS)
    details: dict[str, str] = {}
    numbers: dict[str, int | None] = {}
    for name in ("transactionId", "subinvoiceId"):
        if name in raw:
            numbers[name] = parse_int(raw[name])
            if numbers[name] is None:
                details[name] = not_valid(name, raw[name])
    dates: dict[str, dt.datetime | None] = {}
    for name in ("dateFrom", "dateTo"):
        if name in raw:
            dates[name] = parse_datetime(raw[name], tz)
            if dates[name] is None:
                details[name] = not_valid(name, raw[name])
    if details:
        raise InvalidRequestError(details)
    return TransactionQuery(
        transaction_id=numbers.get("transactionId"),
        domain=raw.get("domain", "").strip().lower() or None,
        country=raw.get("country", "").strip().upper() or None,
        transaction_type=raw.get("transactionType"),
        transaction_status=raw.get("transactionStatus"),
        subinvoice_id=numbers.get("subinvoiceId"),
        date_from=dates.get("dateFrom"),
        date_to=dates.get("dateTo"),
    )
