"""The SDK's msgspec reader, counting input lines so that every error names its line and stream.

RECORD messages take a fast path: only the envelope is decoded (the record stays raw bytes) and
``on_record`` is offered it; every other message, and a record ``on_record`` declines, goes
through the SDK's dict-based handling.
"""

from __future__ import annotations

import typing as t
from collections import Counter

import msgspec
from singer_sdk.contrib.msgspec import MsgSpecReader
from singer_sdk.singerlib.exceptions import InvalidInputLine


class Envelope(msgspec.Struct):
    """What the fast path decodes of a message: the record stays raw."""

    type: str
    stream: str | None = None
    record: msgspec.Raw = msgspec.Raw()
    version: int | None = None


_envelope = msgspec.json.Decoder(Envelope).decode
OnRecord = t.Callable[[str, msgspec.Raw, "int | None", int], bool]
"""Takes (stream, raw record, table version, line); False leaves the message to the SDK."""


def locate(exc: BaseException, where: str) -> None:
    """Prefix an exception's message with where it happened (its type stays, for callers and tests).

    An exception already located (e.g. a record's error raised when its batch is written) keeps
    its place.
    """
    if getattr(exc, "located", False):
        return
    exc.located = True  # type: ignore[attr-defined]
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
        self.on_record: OnRecord = lambda stream, record, version, line: False

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
        on_record = self.on_record
        for line in file_input or self.default_input:
            self.line_number += 1
            try:
                envelope = _envelope(line)
            except msgspec.DecodeError:
                envelope = None
            if envelope is not None and envelope.type == "RECORD" and envelope.stream is not None:
                try:
                    taken = on_record(envelope.stream, envelope.record, envelope.version, self.line_number)
                except Exception as exc:
                    locate(exc, f"line {self.line_number} (stream {envelope.stream!r})")
                    raise
                if taken:
                    stats["RECORD"] += 1
                    continue
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
