"""How long to wait before asking again (pure logic)."""

from __future__ import annotations

MAX_WAIT = 300.0


def retry_delay(retry_after: str | None, attempt: int) -> float:
    """Seconds to wait after failed ``attempt`` (0-based).

    A ``Retry-After`` of whole seconds is honoured (capped at five minutes); otherwise
    the wait doubles from one second up to a minute.
    """
    if retry_after and retry_after.strip().isdigit():
        return min(float(retry_after.strip()), MAX_WAIT)
    return min(2.0**attempt, 60.0)
