"""The one interface a destination implements for the sink."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from typing import Any

from target_reconciled.batchfile import Batch
from target_reconciled.model import Incoming, Plan, Store
from target_reconciled.rules import StreamRules


class BadRow(ValueError):  # noqa: N818 (what the sink catches, not a failure of the destination)
    """A row of the batch cannot be loaded: ``line`` is its input line, ``reason`` what failed."""

    def __init__(self, line: int, reason: str) -> None:
        """Name the row's line and the check it failed."""
        super().__init__(f"line {line}: {reason}")
        self.line = line
        self.reason = reason


def refuse_duplicated_keys(batch: Batch) -> None:
    """Raise ``BadRow`` for the first record of ``batch`` that names a key twice (see ``jsonkeys``)."""
    if found := batch.duplicated_key():
        line, key = found
        raise BadRow(line, f"the record names the key {key!r} twice, so its value is ambiguous")


class Destination(ABC):
    """Tables for reconciled streams: created and evolved by ``prepare``, written by ``write``."""

    @abstractmethod
    def prepare(self, stream: str, schema: Mapping[str, Any], rules: StreamRules) -> None:
        """Create the stream's tables, or add new columns and widen changed ones."""

    @abstractmethod
    def store(self, stream: str) -> Store:
        """The committed bookkeeping of a stream, as the engine reads it."""

    @abstractmethod
    def load(self, stream: str, batch: Batch) -> list[Incoming]:
        """Load one batch file (``batchfile``), numbering its rows from the stream's next sequence.

        Rows whose key is new to the stream and appears once in the batch, and that neither
        correct a key nor are corrected in the batch, are settled here: each is its own root and
        current row. The other rows are returned, in input order, for ``engine.plan``. A row that
        cannot be loaded raises ``BadRow`` naming its line.
        """

    @abstractmethod
    def write(self, stream: str, plan: Plan) -> None:
        """Write the loaded batch, settled rows and plan, in one transaction: all of it or none."""

    @abstractmethod
    def activate_version(self, stream: str, version: int) -> None:
        """Drop from the current table the roots no row of table version ``version`` or later reached."""

    def waiting(self, stream: str) -> int:
        """Corrections whose original row has not arrived (the run summary)."""
        raise NotImplementedError

    def forwarded(self, stream: str) -> int | None:
        """Rows of the stream sent downstream in this run; None when nothing is forwarded."""
        return None

    def checkpoint(self, state: dict, emit: Callable[[dict], None]) -> None:
        """Every record before ``state`` is committed: ``emit`` it once it is durable here."""
        emit(state)

    @abstractmethod
    def close(self) -> None:
        """Release the connection."""
