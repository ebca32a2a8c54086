"""The one interface a destination implements for the sink."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import Any

from target_reconciled.model import Incoming, Plan, Store
from target_reconciled.rules import StreamRules


class BadRow(ValueError):  # noqa: N818 (what the sink catches, not a failure of the destination)
    """A row of the batch cannot be loaded: ``line`` is its input line, ``reason`` what failed."""

    def __init__(self, line: int, reason: str) -> None:
        """Name the row's line and the check it failed."""
        super().__init__(f"line {line}: {reason}")
        self.line = line
        self.reason = reason


class Destination(ABC):
    """Tables for reconciled streams: created and evolved by ``prepare``, written by ``write``."""

    @abstractmethod
    def prepare(self, stream: str, schema: Mapping[str, Any], rules: StreamRules) -> None:
        """Create the stream's tables, or add new columns and widen changed ones."""

    @abstractmethod
    def store(self, stream: str) -> Store:
        """The committed bookkeeping of a stream, as the engine reads it."""

    @abstractmethod
    def stage(self, stream: str, payload: bytes, longest: int) -> list[Incoming]:
        """Load one batch of raw records and return them as the engine sees them, in input order.

        ``payload`` is newline-delimited JSON, one ``{"l": line, "v": table version, "r": record}``
        per record; ``longest`` is the length of its longest line. A row that cannot be loaded
        raises ``BadRow`` naming its line.
        """

    @abstractmethod
    def write(self, stream: str, plan: Plan, lines: list[int]) -> None:
        """Apply the staged batch's plan in one transaction: all of it is committed, or none of it.

        ``lines`` are the staged records' input lines, by batch index.
        """

    @abstractmethod
    def activate_version(self, stream: str, version: int) -> None:
        """Drop from the current table the roots no row of table version ``version`` or later reached."""

    @abstractmethod
    def close(self) -> None:
        """Release the connection."""
