"""Query parameters (api-notes §3) and which rows they select, in which order (§4)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from multidict import MultiMapping

from sandbox.invoca.data import DataSet
from sandbox.invoca.errors import classed, field_error
from sandbox.invoca.model import CALL, POST_CALL_EVENT, SALE, Account, Row
from sandbox.invoca.options import Options
from sandbox.invoca.store import start_key

DEFAULT_LIMIT, MAX_LIMIT = 1000, 4000
FILTER_TYPES = {"call": CALL, "postcallevent": POST_CALL_EVENT, "sale": SALE, "signal": "Signal"}
"""``transaction_type=`` values (case-insensitive) -> ``transaction_type`` column values (§3, §7)."""
FILTERS_SINCE = "2019-02-01"
"""Version that added ``transaction_id=``, ``call_record_id=`` and ``custom_data`` (§1.1)."""
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class Query:
    """One request's filters, cursor and limit."""

    limit: int
    cursor: str | None
    window: tuple[int, int] | None
    """[begin, end) in epoch ms when ``from`` and ``to`` are both given."""
    transaction_id: str | None
    call_record_id: str | None
    types: frozenset[str] | None


def parse(params: MultiMapping[str], version: str, options: Options, tz: ZoneInfo) -> Query:
    """Validate the parameters; invalid ones raise a 403 field error."""
    since_filters = version >= FILTERS_SINCE
    return Query(
        limit=_limit(params.get("limit", ""), options.over_limit),
        cursor=params.get("start_after_transaction_id") or None,
        window=_window(params.get("from", ""), params.get("to", ""), tz),
        transaction_id=(params.get("transaction_id") or None) if since_filters else None,
        call_record_id=(params.get("call_record_id") or None) if since_filters else None,
        types=_types([*params.getall("transaction_type", []), *params.getall("transaction_type[]", [])]),
    )


def _limit(text: str, over_limit: str) -> int:
    if not text.strip():
        return DEFAULT_LIMIT
    try:
        limit = int(text)
    except ValueError:
        raise field_error("limit", "is not a number") from None
    if limit < 1:
        raise field_error("limit", "must be greater than 0")
    if limit > MAX_LIMIT:
        # §3: what the API does above 4000 is UNKNOWN; clamping is INFERRED.
        if over_limit == "error":
            raise field_error("limit", f"must be less than or equal to {MAX_LIMIT}")
        return MAX_LIMIT
    return limit


def _date(name: str, text: str) -> dt.date | None:
    if not text:
        return None
    try:
        if _DATE.fullmatch(text):
            return dt.date.fromisoformat(text)
    except ValueError:
        pass
    raise field_error(name, "is invalid")


def _window(start: str, end: str, tz: ZoneInfo) -> tuple[int, int] | None:
    """Midnight of ``from`` to midnight after ``to`` in the token's zone; only as a pair (§3).

    A lone date filters nothing but is still validated (UNKNOWN; stricter is safer for a client).
    """
    first, last = _date("from", start), _date("to", end)
    if first is None or last is None:
        return None

    def midnight(day: dt.date) -> int:
        return int(dt.datetime.combine(day, dt.time(), tz).timestamp() * 1000)

    return midnight(first), midnight(last + dt.timedelta(days=1))


def _types(values: Sequence[str]) -> frozenset[str] | None:
    """The ``transaction_type`` column values asked for; empty values ask for nothing."""
    values = [v for v in values if v.strip()]
    if not values:
        return None
    types = set()
    for value in values:
        kind = FILTER_TYPES.get(value.strip().lower())
        if kind is None:
            raise field_error("transaction_type", "is invalid")
        types.add(kind)
    return frozenset(types)


def run(data: DataSet, account: Account, query: Query, unknown_cursor: str) -> list[Row]:
    """The page of rows ``account`` gets for ``query``.

    Cursor mode: server sequence after the cursor row. Date-range mode: call start
    time, ties by server sequence, after the cursor row's key (corrections sort by
    their call's start, §4.2). A cursor the account cannot see counts as unknown.
    """
    after: Row | None = None
    if query.cursor is not None:
        after = data.by_tid.get(query.cursor)
        if after is None or not data.can_read(account, after):
            if unknown_cursor == "empty":
                return []
            if unknown_cursor == "error":
                raise classed(404, "RecordNotFound", f"Transaction {query.cursor} not found")
            after = None
    if query.transaction_id is not None or query.call_record_id is not None:
        return _lookup(data, account, query, after)
    listing = account.listing
    if query.window is not None:
        after_key = start_key(after.start_ms, after.seq) if after else None
        low, high = listing.start_range(*query.window, after_key)
        return _take(listing.by_start, low, high, query)
    return _take(listing.rows, listing.after_seq(after.seq if after else None), len(listing.rows), query)


def _take(rows: list[Row], low: int, high: int, query: Query) -> list[Row]:
    if query.types is None:
        return rows[low : min(high, low + query.limit)]
    page: list[Row] = []
    for index in range(low, high):
        row = rows[index]
        if row.facts.kind in query.types:
            page.append(row)
            if len(page) == query.limit:
                break
    return page


def _lookup(data: DataSet, account: Account, query: Query, after: Row | None) -> list[Row]:
    """``transaction_id=`` and/or ``call_record_id=``: both must match; no match is ``[]`` (§3, §10)."""
    if query.transaction_id is not None:
        row = data.by_tid.get(query.transaction_id)
        candidates = [row] if row is not None else []
    else:
        candidates = list(data.by_call.get(query.call_record_id or "", []))
    if query.call_record_id is not None:
        candidates = [r for r in candidates if r.call.ccid == query.call_record_id]
    candidates = [r for r in candidates if data.can_read(account, r)]
    if query.window is not None:
        begin, end = query.window
        candidates = sorted(
            (r for r in candidates if begin <= r.start_ms < end), key=lambda r: start_key(r.start_ms, r.seq)
        )
        if after is not None:
            candidates = [
                r for r in candidates if start_key(r.start_ms, r.seq) > start_key(after.start_ms, after.seq)
            ]
    elif after is not None:
        candidates = [r for r in candidates if r.seq > after.seq]
    return _take(candidates, 0, len(candidates), query)
