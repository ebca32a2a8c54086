"""A batch of records on disk, one ``{"i": position, "l": line, "v": table version, "r": record}`` per line.

Records go to the file as they are read, so a batch of any size holds little memory; the
database loads the file in one statement (see ``destinations.staging``).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from array import array
from bisect import bisect_left
from dataclasses import dataclass
from pathlib import Path

import msgspec

from target_reconciled.jsonkeys import first_duplicate


class _Line(msgspec.Struct):
    r: msgspec.Raw


class _Where(msgspec.Struct):
    l: int  # noqa: E741 (the batch file's field name)


_read_line = msgspec.json.Decoder(_Line).decode
_read_where = msgspec.json.Decoder(_Where).decode
_CHECKED_LINES = 1000


@dataclass(frozen=True)
class Batch:
    """A closed batch file: its path, how many records it holds and its longest line's length."""

    path: str
    records: int
    longest: int

    def duplicated_key(self) -> tuple[int, str] | None:
        """The input line of the first record naming a key twice, and that key; None if none does."""
        with Path(self.path).open("rb") as file:
            while lines := file.readlines(_CHECKED_LINES * 512):
                if found := first_duplicate(lines):
                    index, key = found
                    return _read_where(lines[index]).l, key
        return None


class BatchFile:
    """Appends records to a new temporary file in ``directory``; finds a record again by its line."""

    def __init__(self, directory: str) -> None:
        """Create the file."""
        fd, self.path = tempfile.mkstemp(prefix="batch-", suffix=".json", dir=directory)
        self._file = os.fdopen(fd, "wb", buffering=1 << 20)
        self._lines = array("q")
        self._offsets = array("q")
        self._size = 0
        self._longest = 0

    def __len__(self) -> int:
        """The number of records written."""
        return len(self._lines)

    def describe(self) -> str:
        """How many records, read from which lines."""
        if not self._lines:
            return "no records"
        return f"{len(self._lines):,} records from lines {self._lines[0]}-{self._lines[-1]}"

    def add(self, line: int, version: int | None, record: bytes | msgspec.Raw) -> None:
        """Append one record (raw JSON) read at input ``line``; lines must increase."""
        text = b'{"i":%d,"l":%d,"v":%s,"r":%b}\n' % (
            len(self._lines),
            line,
            b"null" if version is None else b"%d" % version,
            record,
        )
        self._lines.append(line)
        self._offsets.append(self._size)
        self._size += len(text)
        self._longest = max(self._longest, len(text))
        self._file.write(text)

    def close(self) -> Batch:
        """Finish writing; the batch to load."""
        self._file.close()
        return Batch(self.path, len(self._lines), self._longest)

    def record(self, line: int) -> msgspec.Raw:
        """The raw record read at input ``line`` (after ``close``)."""
        index = bisect_left(self._lines, line)
        if index == len(self._lines) or self._lines[index] != line:
            raise KeyError(line)
        end = self._offsets[index + 1] if index + 1 < len(self._offsets) else self._size
        with Path(self.path).open("rb") as file:
            file.seek(self._offsets[index])
            return _read_line(file.read(end - self._offsets[index])).r

    def remove(self) -> None:
        """Delete the file."""
        self._file.close()
        with contextlib.suppress(FileNotFoundError):
            Path(self.path).unlink()
