"""How long to wait before asking again, and how often (pure logic)."""

from __future__ import annotations

import re
from collections.abc import Mapping

MAX_WAIT = 300.0
MAX_TRIES = 8
TRIES_VARIABLE = "TAP_VEINVOICING_MAX_TRIES"
_TRY_AGAIN = re.compile(r"Try again in (\d+) seconds?\.")
"""The APIM 429 body's own wait, for a gateway that drops the Retry-After header (api-notes §6.1)."""


def retry_delay(retry_after: str | None, body: str, attempt: int) -> float:
    """Seconds to wait after failed ``attempt`` (0-based).

    ``Retry-After`` in whole seconds wins, then the 429 body's "Try again in N seconds";
    both are capped at five minutes. Otherwise the wait doubles from one second to a minute.
    """
    if retry_after and retry_after.strip().isdigit():
        return min(float(retry_after.strip()), MAX_WAIT)
    match = _TRY_AGAIN.search(body)
    if match:
        return min(float(match.group(1)), MAX_WAIT)
    return min(2.0**attempt, 60.0)


def max_tries(environ: Mapping[str, str]) -> int:
    """Attempts per request: ``TAP_VEINVOICING_MAX_TRIES`` (a whole number from 1) if set, else 8."""
    text = environ.get(TRIES_VARIABLE, "").strip()
    if not text:
        return MAX_TRIES
    if not text.isdigit() or int(text) < 1:
        raise ValueError(
            f"{TRIES_VARIABLE}={text!r} is not a whole number from 1: set it to the attempts per "
            f"request, or unset it for {MAX_TRIES}."
        )
    return int(text)
