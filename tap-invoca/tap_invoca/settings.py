"""Checks on a tap-invoca config that its JSON Schema cannot express (pure logic)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit


def config_errors(config: Mapping[str, Any]) -> list[str]:
    """Every cross-setting problem, each naming the settings and what to do."""
    errors: list[str] = []
    url = urlsplit(str(config.get("api_url", "https://invoca.net")))
    if url.scheme not in ("http", "https") or not url.hostname or url.query or url.fragment:
        errors.append(
            "api_url must be a base URL such as https://invoca.net or https://<network>.invoca.net "
            "(http or https, no query string)."
        )
    has_from, has_to = bool(config.get("from_date")), bool(config.get("to_date"))
    if has_from != has_to:
        given, missing = ("from_date", "to_date") if has_from else ("to_date", "from_date")
        errors.append(
            f"{given} is set but {missing} is not: a backfill window needs both "
            "(the API ignores one date alone). Set both, or neither for incremental sync."
        )
    elif has_from and has_to:
        start = _date(config["from_date"])
        end = _date(config["to_date"])
        if start and end and start > end:
            errors.append(f"from_date {start} is after to_date {end}: swap them.")
    include = config.get("include_columns") or []
    if (
        include
        and "transaction_id" not in include
        and not any(c.startswith("$invoca_default") for c in include)
    ):
        errors.append(
            "include_columns must keep transaction_id (or $invoca_default_columns): it is the "
            "primary key and the cursor."
        )
    if "transaction_id" in (config.get("exclude_columns") or []):
        errors.append("exclude_columns cannot drop transaction_id: it is the primary key and the cursor.")
    return errors


def _date(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None
