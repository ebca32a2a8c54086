"""How long to wait before asking again, and how often (pure logic)."""

from __future__ import annotations

from collections.abc import Mapping

MAX_WAIT = 300.0
MAX_TRIES = 8
TRIES_VARIABLE = "TAP_INVOCA_MAX_TRIES"


def retry_delay(retry_after: str | None, attempt: int) -> float:
    """Seconds to wait after failed ``attempt`` (0-based).

    A ``Retry-After`` of whole seconds is honoured (capped at five minutes); otherwise
    the wait doubles from one second up to a minute.
    """
    if retry_after and retry_after.strip().isdigit():
        return min(float(retry_after.strip()), MAX_WAIT)
    return min(2.0**attempt, 60.0)


def max_tries(environ: Mapping[str, str]) -> int:
    """Attempts per request: ``TAP_INVOCA_MAX_TRIES`` (a whole number from 1) if set, else 8."""
    text = environ.get(TRIES_VARIABLE, "").strip()
    if not text:
        return MAX_TRIES
    if not text.isdigit() or int(text) < 1:
        raise ValueError(
            f"{TRIES_VARIABLE}={text!r} is not a whole number from 1: set it to the attempts per "
            f"request, or unset it for {MAX_TRIES}."
        )
    return int(text)
