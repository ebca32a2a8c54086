r"""How values look on the wire: each value is kept as its encoded JSON text.

Rows are stored pre-encoded so that a page is rendered by joining text alone
(see ``selection``). Non-ASCII characters are escaped (``\u00e9``), which keeps
every body ASCII and cheap to send. The encodings the docs leave open (§13.1) follow
``Options``: money and integer-like codes as strings or numbers, empty values
as ``""`` or ``null``.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from zoneinfo import ZoneInfo

from sandbox.invoca.options import Options

NULL = "null"
_SMALL = tuple(str(n) for n in range(4000))
"""Encoded small integers, shared (durations)."""


class Wire:
    """Encoders for one emulator's options."""

    def __init__(self, options: Options) -> None:
        self.tz = ZoneInfo(options.timezone)
        self.network_tz = ZoneInfo(options.network_timezone or options.timezone)
        self.empty = '""' if options.empty == "string" else NULL
        self.cleared = {"null": NULL, "zero": "0", "keep": None}[options.cleared_durations]
        self._quote_money = options.money == "string"
        self._quote_integers = options.integers == "string"
        self._memo: dict[str, str] = {"": self.empty}
        self._items: dict[tuple[str, str, str, bool | str], str] = {}
        self._arrays: dict[tuple[str, ...], str] = {}
        self._money: dict[int, str] = {}
        self._codes: dict[int, str] = {}

    def text(self, value: str) -> str:
        """A string value (memoised: most values repeat); ``""`` is the empty encoding."""
        encoded = self._memo.get(value)
        if encoded is None:
            encoded = json.dumps(value)
            if len(self._memo) < 50_000:
                self._memo[value] = encoded
        return encoded

    def custom_data(self, custom: Mapping[str, tuple[str, str, bool | str]]) -> str:
        """A ``custom_data`` array (memoised, as are its items: most repeat across rows)."""
        items = tuple(self._custom_item(name, *entry) for name, entry in custom.items())
        encoded = self._arrays.get(items)
        if encoded is None:
            encoded = "[" + ",".join(items) + "]"
            if len(self._arrays) < 100_000:
                self._arrays[items] = encoded
        return encoded

    def _custom_item(self, name: str, data_type: str, source: str, value: bool | str) -> str:
        key = (name, data_type, source, value)
        encoded = self._items.get(key)
        if encoded is None:
            item = {"name": name, "data_type": data_type, "source": source, "value": value}
            encoded = json.dumps(item, separators=(",", ":"))
            if len(self._items) < 50_000:
                self._items[key] = encoded
        return encoded

    def plain(self, value: str) -> str:
        """A string known to need no JSON escaping (ids, generated times)."""
        return f'"{value}"'

    def money(self, cents: int | None) -> str:
        """A decimal amount with two places, e.g. ``"25.00"``; None is empty."""
        if cents is None:
            return self.empty
        encoded = self._money.get(cents)
        if encoded is None:
            sign = "-" if cents < 0 else ""
            text = f"{sign}{abs(cents) // 100}.{abs(cents) % 100:02d}"
            encoded = f'"{text}"' if self._quote_money else text
            if len(self._money) < 100_000:
                self._money[cents] = encoded
        return encoded

    def code(self, value: int | None) -> str:
        """An integer-like code (ids, rankings, flags); None is empty."""
        if value is None:
            return self.empty
        encoded = self._codes.get(value)
        if encoded is None:
            encoded = f'"{value}"' if self._quote_integers else str(value)
            if len(self._codes) < 100_000:
                self._codes[value] = encoded
        return encoded

    @staticmethod
    def integer(value: int | None) -> str:
        """A JSON integer (durations, ``start_time_utc``); None is null."""
        if value is None:
            return NULL
        return _SMALL[value] if 0 <= value < len(_SMALL) else str(value)

    def local(self, ms: int, tz: ZoneInfo | None = None) -> str:
        """``YYYY-MM-DD HH:MM:SS ±HH:MM`` in the token's (or the given) time zone."""
        iso = self._iso(ms, tz or self.tz)
        return f'"{iso[:10]} {iso[11:19]} {iso[19:]}"'

    def xml(self, ms: int, tz: ZoneInfo | None = None) -> str:
        """ISO 8601 with offset (``start_time_xml``), e.g. ``2019-01-24T06:43:15-07:00``."""
        return f'"{self._iso(ms, tz or self.tz)}"'

    @staticmethod
    def _iso(ms: int, tz: ZoneInfo) -> str:
        return dt.datetime.fromtimestamp(ms // 1000, tz).isoformat()
