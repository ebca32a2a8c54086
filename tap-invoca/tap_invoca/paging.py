"""Cursor and window planning for the Transactions API (pure logic, no I/O).

Two modes (api-notes §4):

- cursor mode (no dates): rows in server order after ``start_after_transaction_id``;
  the bookmark is the last id received, an opaque cursor never compared or max()-ed;
- window mode (``from``/``to``): a backfill ordered by call start time; its cursor is
  valid only inside that window, so it is kept apart from the incremental bookmark.

A sync stops on an empty page or a page shorter than the limit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class Window:
    """A backfill window: call start dates, inclusive, in the account's time zone."""

    from_date: dt.date
    to_date: dt.date

    @property
    def context(self) -> dict[str, str]:
        """The stream partition that holds this window's own cursor."""
        return {"from_date": self.from_date.isoformat(), "to_date": self.to_date.isoformat()}

    @classmethod
    def from_context(cls, context: dict | None) -> Window | None:
        """The window a partition context names, or None in cursor mode."""
        if not context or "from_date" not in context:
            return None
        return cls(dt.date.fromisoformat(context["from_date"]), dt.date.fromisoformat(context["to_date"]))


@dataclass(frozen=True)
class PageRequest:
    """What to ask for next."""

    limit: int
    cursor: str | None
    window: Window | None
    transaction_types: tuple[str, ...] = ()
    include_columns: tuple[str, ...] = ()
    exclude_columns: tuple[str, ...] = ()

    def params(self) -> list[tuple[str, str]]:
        """Query parameters, in a stable order (repeated ``transaction_type[]`` for lists)."""
        params: list[tuple[str, str]] = [("limit", str(self.limit))]
        if self.cursor:
            params.append(("start_after_transaction_id", self.cursor))
        if self.window:
            params += [("from", self.window.from_date.isoformat()), ("to", self.window.to_date.isoformat())]
        if len(self.transaction_types) == 1:
            params.append(("transaction_type", self.transaction_types[0]))
        else:
            params += [("transaction_type[]", kind) for kind in self.transaction_types]
        if self.include_columns:
            params.append(("include_columns", ",".join(self.include_columns)))
        if self.exclude_columns:
            params.append(("exclude_columns", ",".join(self.exclude_columns)))
        return params

    def after(self, last_id: str) -> PageRequest:
        """The request for the page after the one that ended with ``last_id``."""
        return PageRequest(
            self.limit,
            last_id,
            self.window,
            self.transaction_types,
            self.include_columns,
            self.exclude_columns,
        )


def is_last_page(rows: int, limit: int) -> bool:
    """Whether a page of ``rows`` rows ends the sync (empty, or short of the limit)."""
    return rows < limit
