"""Settings: checks that the JSON Schema cannot express, and what they mean for requests (pure logic)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from tap_veinvoicing.windows import parse_instant

BASE_PATHS = {"sandbox": "/InvoicingApiSandbox", "production": "/InvoicingApi"}
MAX_WINDOW_DAYS = 366
MAX_LOOKBACK_DAYS = 3650
_COUNTRY = re.compile(r"[A-Z]{2}")
_DOMAIN = re.compile(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*")


def config_errors(config: Mapping[str, Any]) -> list[str]:
    """Every problem in ``config``, each naming the setting and what to do."""
    errors: list[str] = []
    environment = config.get("environment", "sandbox")
    if environment not in BASE_PATHS:
        errors.append(f"environment {environment!r} is unknown: use 'sandbox' or 'production'.")
    url = urlsplit(str(config.get("api_url", "")))
    if url.scheme not in ("http", "https") or not url.netloc or url.query or url.fragment:
        errors.append(
            "api_url must be the gateway's base URL such as https://api.veinteractive.com "
            "(http or https, no query string)."
        )
    key = str(config.get("subscription_key", ""))
    if key != key.strip() or any(c in key for c in "\r\n\t "):
        errors.append("subscription_key contains spaces or line breaks: paste the key alone.")
    errors += _date_errors(config)
    errors += _list_errors(config)
    window_days = config.get("window_days", 7)
    if not 1 <= window_days <= MAX_WINDOW_DAYS:
        errors.append(f"window_days is {window_days}: use 1 to {MAX_WINDOW_DAYS} days per request.")
    lookback = config.get("lookback_days", 0)
    if not 0 <= lookback <= MAX_LOOKBACK_DAYS:
        errors.append(f"lookback_days is {lookback}: use 0 to {MAX_LOOKBACK_DAYS} days.")
    rate = config.get("requests_per_minute", 10)
    if rate < 1:
        errors.append(f"requests_per_minute is {rate}: it must be at least 1.")
    return errors


def _date_errors(config: Mapping[str, Any]) -> list[str]:
    errors: list[str] = []
    dates: dict[str, dt.datetime] = {}
    for name in ("start_date", "end_date"):
        value = config.get(name)
        if value in (None, "") and name == "end_date":
            continue
        try:
            dates[name] = parse_instant(str(value))
        except ValueError:
            errors.append(
                f"{name} {value!r} is not a date: use ISO 8601 such as 2024-01-31 or 2024-01-31T00:00:00Z."
            )
    if "start_date" in dates and "end_date" in dates and dates["end_date"] <= dates["start_date"]:
        errors.append(
            f"end_date {config['end_date']} is not after start_date {config['start_date']}: "
            "set an end_date later than start_date, or leave end_date out to read up to now."
        )
    return errors


def _list_errors(config: Mapping[str, Any]) -> list[str]:
    errors: list[str] = []
    for domain in config.get("domains") or []:
        if domain.strip() and not _DOMAIN.fullmatch(domain.strip().lower()):
            errors.append(
                f"domains entry {domain!r} is not a domain: write the merchant's host name such as "
                "shop.example (no scheme or path); use an empty entry for your own account."
            )
    for country in config.get("countries") or []:
        if not _COUNTRY.fullmatch(country.strip().upper()):
            errors.append(f"countries entry {country!r} is not an ISO 3166 alpha-2 code such as GB or FR.")
    for name in ("transaction_types", "transaction_statuses"):
        if any(not value.strip() for value in config.get(name) or []):
            errors.append(f"{name} has an empty entry: remove it (leave {name} out to read every value).")
    for name, fold in (("domains", str.lower), ("countries", str.upper)):
        values = [fold(v.strip()) for v in config.get(name) or []]
        repeated = sorted({v for v in values if values.count(v) > 1})
        if repeated:
            shown = ", ".join(repr(v) for v in repeated)
            errors.append(f"{name} lists {shown} more than once: each partition is read once.")
    return errors


def partition_contexts(config: Mapping[str, Any]) -> list[dict[str, str]]:
    """One context per ``domains`` x ``countries``.

    No domains is the own account (``""``); no countries is one partition per domain
    over every country of the account (no ``country`` key).
    """
    domains = [d.strip().lower() for d in config.get("domains") or []] or [""]
    countries = [c.strip().upper() for c in config.get("countries") or []]
    if not countries:
        return [{"domain": domain} for domain in domains]
    return [{"domain": domain, "country": country} for domain in domains for country in countries]


def server_filter(values: Sequence[str] | None) -> str | None:
    """The value to send for a one-value-per-parameter filter: the only value, or none.

    With several values the API cannot filter (one value per parameter), and one
    unfiltered request per window costs fewer requests than one per value, so the
    rows are filtered client-side instead (``client_filter``).
    """
    values = [v.strip() for v in values or []]
    return values[0] if len(values) == 1 else None


def client_filter(values: Sequence[str] | None) -> tuple[str, ...]:
    """The values to filter on client-side: all of them when there are several, else none."""
    values = [v.strip() for v in values or []]
    return tuple(values) if len(values) > 1 else ()
