"""The SDK's msgspec reader, counting input lines so that every error names its line and stream."""

from __future__ import annotations

import typing as t
from collections import Counter

from singer_sdk.contrib.msgspec import MsgSpecReader
from singer_sdk.singerlib.exceptions import InvalidInputLine


def locate(exc: BaseException, where: str) -> None:
    """Prefix an exception's message with where it happened (its type stays, for callers and tests)."""
    if exc.args and isinstance(exc.args[0], str):
        exc.args = (f"{where}: {exc.args[0]}", *exc.args[1:])
    else:
        exc.args = (f"{where}: {exc}", *exc.args)


class LineReader(MsgSpecReader):
    """Reads Singer messages (decimals kept exact) and knows the line and stream being processed."""

    def __init__(self) -> None:
        """Start before the first line."""
        super().__init__()
        self.line_number = 0
        self.message: dict[str, t.Any] = {}

    def where(self) -> str:
        """The current line and, when known, its stream."""
        stream = self.message.get("stream")
        return f"line {self.line_number}" + (f" (stream {stream!r})" if isinstance(stream, str) else "")

    def deserialize_json(self, line: str) -> dict:
        """Decode one line; anything but a JSON object is malformed."""
        self.message = {}
        message = super().deserialize_json(line)
        if not isinstance(message, dict):
            raise InvalidInputLine(f"expected a JSON object, got: {line.strip()[:200]}")
        self.message = message
        return message

    def process_lines(
        self,
        file_input: t.IO[str] | None,
        callbacks: dict[str, t.Callable[[dict], None]],
    ) -> t.Counter[str]:
        """Dispatch each non-blank line to its callback; an error is re-raised naming line and stream."""
        stats: Counter[str] = Counter()
        for line in file_input or self.default_input:
            self.line_number += 1
            if not line.strip():
                continue
            try:
                message = self.deserialize_json(line)
                self.assert_line_requires(message, requires={"type"})
                kind = message["type"]
                callback = callbacks.get(kind)
                if callback is None:
                    self._process_unknown_message(message)
                else:
                    callback(message)
            except Exception as exc:
                locate(exc, self.where())
                raise
            stats[kind] += 1
        return stats
