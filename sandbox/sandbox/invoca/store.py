"""One account's rows, kept in the two orders the API serves (§4)."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from typing import Protocol

_SEQ_BITS = 32


class Sequenced(Protocol):
    """What the listing needs of a row."""

    @property
    def seq(self) -> int:
        """Position in the server sequence."""

    @property
    def start_ms(self) -> int:
        """Start of the row's call (epoch ms)."""


def start_key(start_ms: int, seq: int) -> int:
    """Sort key of date-range mode: call start time, ties by server sequence."""
    return (start_ms << _SEQ_BITS) | seq


class Listing:
    """Rows in server sequence (cursor mode) and by call start (date-range mode)."""

    def __init__(self) -> None:
        self.rows: list[Sequenced] = []
        self.seqs: list[int] = []
        self.by_start: list[Sequenced] = []
        self.start_keys: list[int] = []

    def add(self, row: Sequenced) -> None:
        """Append a new row (its seq is the highest so far)."""
        self.rows.append(row)
        self.seqs.append(row.seq)
        key = start_key(row.start_ms, row.seq)
        at = bisect_right(self.start_keys, key)
        self.start_keys.insert(at, key)
        self.by_start.insert(at, row)

    def add_many(self, rows: Iterable[Sequenced]) -> None:
        """Append many rows at once, re-sorting the start order a single time."""
        for row in rows:
            self.rows.append(row)
            self.seqs.append(row.seq)
            self.by_start.append(row)
        self.by_start.sort(key=lambda r: start_key(r.start_ms, r.seq))
        self.start_keys = [start_key(r.start_ms, r.seq) for r in self.by_start]

    def after_seq(self, seq: int | None) -> int:
        """Index in ``rows`` of the first row after ``seq`` (None: the oldest)."""
        return 0 if seq is None else bisect_right(self.seqs, seq)

    def start_range(self, begin_ms: int, end_ms: int, after_key: int | None) -> tuple[int, int]:
        """Index range in ``by_start`` of calls started in [begin, end) and after a key."""
        low = bisect_left(self.start_keys, start_key(begin_ms, 0))
        if after_key is not None:
            low = max(low, bisect_right(self.start_keys, after_key))
        return low, bisect_left(self.start_keys, start_key(end_ms, 0))
