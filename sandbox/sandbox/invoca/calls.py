"""The complete-call truth: per ``complete_call_id``, what a dbt project should compute.

Computed from the data generator's own rows (never from what a client was served),
as the network account sees them. See INVOCA.md, "Complete calls".
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sandbox.invoca.data import DataSet
from sandbox.invoca.model import CALL, POST_CALL_EVENT, SALE, Row

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
MONEY = {
    "advertiser_payin_localized": "payin",
    "affiliate_payout_localized": "payout",
    "advertiser_call_fee_localized": "advertiser_fee",
    "call_fee_localized": "call_fee",
}
"""Money columns -> the ``Facts`` field they sum (cents)."""


def reported_ms(row: Row) -> int:
    """The time the API shows for ``row`` (ms since epoch).

    A correction's ``corrected_at`` (second resolution), a call's end, a post-call
    event's ``signal_occurred_at``; a sale carries none of its own: its call's start.
    """
    if row.corrects is not None:
        return row.created_ms // 1000 * 1000
    if row.facts.kind == CALL:
        return row.created_ms
    if row.facts.kind == POST_CALL_EVENT:
        assert row.facts.signal_at_s is not None
        return row.facts.signal_at_s * 1000
    return row.call.start_ms


def iso_ms(ms: int) -> str:
    """``2026-03-01T12:00:00.000+00:00`` for epoch milliseconds."""
    return (EPOCH + dt.timedelta(milliseconds=ms)).isoformat(timespec="milliseconds")


def complete_calls(data: DataSet) -> list[dict[str, Any]]:
    """One summary per ``complete_call_id`` of every registered row, sorted by that id."""
    return [_summary(ccid, data.by_call[ccid]) for ccid in sorted(data.by_call)]


def _summary(ccid: str, rows: list[Row]) -> dict[str, Any]:
    roots = [row for row in rows if row.root is row]
    current = [root.latest for root in roots]
    call_roots = [root for root in roots if root.facts.kind == CALL]
    named = min(call_roots or roots, key=lambda root: root.tid)
    main = named.latest
    kinds = [root.facts.kind for root in roots]
    durations = main.facts.durations if call_roots else None
    times = [reported_ms(row) for row in rows]
    values = _signal_values(current)
    affiliate = main.campaign.affiliate
    return {
        "complete_call_id": ccid,
        "call_transaction_id": named.tid,
        "has_call_row": bool(call_roots),
        "call_rows": kinds.count(CALL),
        "post_call_event_rows": kinds.count(POST_CALL_EVENT),
        "sale_rows": kinds.count(SALE),
        "corrections": sum(1 for row in rows if row.corrects is not None),
        **{column: _money([getattr(row.facts, name) for row in current]) for column, name in MONEY.items()},
        "duration": durations[0] if durations else None,
        "connect_duration": durations[1] if durations else None,
        "ivr_duration": durations[2] if durations else None,
        "start_at": iso_ms(rows[0].call.start_ms),
        "first_transaction_at": iso_ms(min(times)),
        "last_transaction_at": iso_ms(max(times)),
        "advertiser_id": main.campaign.advertiser.id,
        "affiliate_id": affiliate.id if affiliate is not None else None,
        "signals": sorted(name for name, value in values.items() if value),
        "signal_values": dict(sorted(values.items())),
    }


def _money(cents: list[int | None]) -> str | None:
    """The sum as ``"25.00"``, skipping None; None when every value is None."""
    present = [value for value in cents if value is not None]
    return f"{Decimal(sum(present)).scaleb(-2):.2f}" if present else None


def _signal_values(current: list[Row]) -> dict[str, bool]:
    """Invoca's rebuild: each Signal's values in (time, value) order, a true winning a tie.

    The last value applied is the final one; a name ends true iff that is true.
    """
    events = sorted(
        (reported_ms(row), value, name)
        for row in current
        for name, (data_type, _, value) in row.custom.items()
        if data_type == "Signal" and isinstance(value, bool)
    )
    return {name: value for _, value, name in events}
