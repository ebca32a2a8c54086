"""The SDK's msgspec reader, counting input lines so that every error names its line and stream.

Input is read as bytes. RECORD messages take a fast path: only the envelope is decoded (the
record stays raw bytes, checked to be UTF-8) and ``on_record`` is offered it; every other
message, and a record ``on_record`` declines, goes through the SDK's dict-based handling. A
UTF-8 byte-order mark before the first message is skipped. Standard input is read a megabyte at
a time (Python's 8 KiB buffer took two system calls per wide record).
"""

from __future__ import annotations

import logging
import re
import sys
import typing as t
from collections import Counter

import msgspec
from singer_sdk.contrib.msgspec import MsgSpecReader, decoder
from singer_sdk.singerlib.exceptions import InvalidInputLine

from target_reconciled.jsonkeys import duplicated_key

INPUT_BUFFER = 1 << 20


class Envelope(msgspec.Struct):
    """What the fast path decodes of a message: the record stays raw."""

    type: str
    stream: str | None = None
    record: msgspec.Raw = msgspec.Raw()
    version: int | None = None


_envelope = msgspec.json.Decoder(Envelope).decode
OnRecord = t.Callable[[str, msgspec.Raw, "int | None", int], bool]
"""Takes (stream, raw record, table version, line); False leaves the message to the SDK."""
logger = logging.getLogger("target-reconciled")
BOM = b"\xef\xbb\xbf"
_STREAM = re.compile(rb'"stream"\s*:\s*"((?:[^"\\]|\\.){1,200})"')
FIX_INPUT = "fix the tap's output (or its settings) and run again"
"""What to do about bad input; what was committed before it stays, STATE has not passed it."""


def check_utf8(line: bytes) -> None:
    """Refuse a line that is not UTF-8, naming the first bad byte."""
    if not line.isascii():
        try:
            line.decode()
        except UnicodeDecodeError as exc:
            bad = line[exc.start : exc.start + 1].hex()
            message = f"not valid UTF-8 (byte 0x{bad} at byte {exc.start + 1} of the line); {FIX_INPUT}"
            raise InvalidInputLine(message) from None


def _shown(line: bytes | str) -> str:
    """The start of a line, for an error message."""
    text = line.decode(errors="replace") if isinstance(line, bytes) else line
    text = text.strip()
    return text[:120] + ("..." if len(text) > 120 else "")


def locate(exc: BaseException, where: str, hint: str = "") -> None:
    """Prefix an exception's message with where it happened, and end it with ``hint`` (what to do).

    Its type stays, for callers and tests. An exception already located (e.g. a record's error
    raised when its batch is written) keeps its place.
    """
    if getattr(exc, "located", False):
        return
    exc.located = True  # type: ignore[attr-defined]
    message = exc.args[0] if exc.args and isinstance(exc.args[0], str) else str(exc)
    message = f"{where}: {message}" + (f"; {hint}" if hint and hint not in message else "")
    exc.args = (message, *exc.args[1:]) if exc.args and isinstance(exc.args[0], str) else (message, *exc.args)


class LineReader(MsgSpecReader):
    """Reads Singer messages (decimals kept exact) and knows the line and stream being processed."""

    def __init__(self) -> None:
        """Start before the first line."""
        super().__init__()
        self.line_number = 0
        self.message: dict[str, t.Any] = {}
        self.on_record: OnRecord = lambda stream, record, version, line: False

    @property
    def default_input(self) -> t.IO[t.Any]:  # type: ignore[override]
        """Standard input as bytes in ``INPUT_BUFFER`` reads (as it is, if it has no file descriptor)."""
        try:
            descriptor = sys.stdin.fileno()
        except (AttributeError, OSError, ValueError):
            return sys.stdin
        return open(descriptor, "rb", buffering=INPUT_BUFFER, closefd=False)

    def where(self, line: bytes | str = b"") -> str:
        """The current line and, when known, its stream (read from the raw ``line`` if undecoded)."""
        stream = self.message.get("stream")
        if stream is None and isinstance(line, bytes) and (found := _STREAM.search(line)):
            stream = found.group(1).decode(errors="replace")
        return f"line {self.line_number}" + (f" (stream {stream!r})" if isinstance(stream, str) else "")

    def deserialize_json(self, line: bytes | str) -> dict:  # type: ignore[override]
        """Decode one line; anything but a JSON object naming each key once is refused."""
        self.message = {}
        data = line.encode() if isinstance(line, str) else line
        check_utf8(data)
        try:
            message = decoder.decode(data)
        except msgspec.DecodeError as exc:
            raise InvalidInputLine(f"not valid JSON ({exc}): {_shown(line)}; {FIX_INPUT}") from None
        if not isinstance(message, dict):
            raise InvalidInputLine(f"expected a JSON object, got: {_shown(line)}; {FIX_INPUT}")
        if (key := duplicated_key(data)) is not None:
            raise InvalidInputLine(f"a JSON object names the key {key!r} twice; {FIX_INPUT}")
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
        source = file_input or self.default_input
        for line in getattr(source, "buffer", source):
            self.line_number += 1
            if self.line_number == 1 and line.startswith(BOM if isinstance(line, bytes) else "\ufeff"):
                line = line[3:] if isinstance(line, bytes) else line[1:]
                logger.info("line 1 starts with a UTF-8 byte-order mark: skipped")
            try:
                envelope = _envelope(line)
            except msgspec.DecodeError:
                envelope = None
            if envelope is not None and envelope.type == "RECORD" and envelope.stream is not None:
                try:
                    if isinstance(line, bytes):
                        check_utf8(line)
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
                locate(exc, self.where(line))
                raise
            stats[kind] += 1
        return stats
