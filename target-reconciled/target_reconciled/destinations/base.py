"""The one interface a destination implements for the sink."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from typing import Any

from target_reconciled.model import Incoming, Plan, Store
from target_reconciled.rules import StreamRules


class Destination(ABC):
    """Tables for reconciled streams: created and evolved by ``prepare``, written by ``write``."""

    @abstractmethod
    def prepare(self, stream: str, schema: Mapping[str, Any], rules: StreamRules) -> None:
        """Create the stream's tables, or add new columns and widen changed ones."""

    @abstractmethod
    def store(self, stream: str) -> Store:
        """The committed bookkeeping of a stream, as the engine reads it."""

    @abstractmethod
    def write(
        self,
        stream: str,
        records: Sequence[Mapping[str, Any]],
        batch: Sequence[Incoming],
        plan: Plan,
        table_versions: Sequence[int | None],
    ) -> None:
        """Apply one batch's plan in one transaction: all of it is committed, or none of it.

        ``records``, ``batch`` and ``table_versions`` (the RECORD messages' ``version``) are
        aligned by batch index.
        """

    @abstractmethod
    def activate_version(self, stream: str, version: int) -> None:
        """Drop from the current table the roots no row of table version ``version`` or later reached."""

    @abstractmethod
    def close(self) -> None:
        """Release the connection."""
