"""What a run did to each stream, for its last log lines and METRICs (pure logic)."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass

from target_reconciled.model import Incoming, Plan


class SummaryMetric(enum.StrEnum):
    """Counter names of the run summary, as the SDK's ``METRIC`` lines carry them."""

    RECORDS_RECEIVED = "reconciled_records_received"
    NEW_ROOTS = "reconciled_new_roots"
    CHANGED_ROOTS = "reconciled_changed_roots"
    CORRECTIONS_MERGED = "reconciled_corrections_merged"
    REPLAYS_IGNORED = "reconciled_replays_ignored"
    CORRECTIONS_WAITING = "reconciled_corrections_waiting"
    ROWS_FORWARDED = "reconciled_rows_forwarded"


@dataclass
class StreamSummary:
    """Counts of one stream over a run.

    - ``received``: records read for the stream;
    - ``new_roots``, ``changed_roots``: current rows written for a root first seen in the run,
      and for a root already stored (counted once per batch that changed it);
    - ``corrections``: correction rows stored (a replayed correction is a replay);
    - ``replays``: records left out because the same key with the same content was stored;
    - ``waiting``: stored corrections whose original row has not arrived, after the run; None
      until known;
    - ``forwarded``: rows sent downstream (destination ``singer``), None elsewhere.
    """

    stream: str
    received: int = 0
    new_roots: int = 0
    changed_roots: int = 0
    corrections: int = 0
    replays: int = 0
    waiting: int | None = None
    forwarded: int | None = None

    def add_batch(self, received: int, pending: Sequence[Incoming], plan: Plan) -> None:
        """Count one committed batch: ``received`` records, of which ``pending`` went to the engine.

        The others were settled by the destination: each a new root with its one row.
        """
        self.received += received
        self.new_roots += received - len(pending) + plan.new_roots
        self.changed_roots += len(plan.current) - plan.new_roots
        self.corrections += sum(1 for index, _, _ in plan.rows if pending[index].corrects is not None)
        self.replays += len(plan.dropped)

    def counts(self) -> dict[SummaryMetric, int]:
        """The counters, for METRIC lines (``waiting`` and ``forwarded`` only once known)."""
        counts = {
            SummaryMetric.RECORDS_RECEIVED: self.received,
            SummaryMetric.NEW_ROOTS: self.new_roots,
            SummaryMetric.CHANGED_ROOTS: self.changed_roots,
            SummaryMetric.CORRECTIONS_MERGED: self.corrections,
            SummaryMetric.REPLAYS_IGNORED: self.replays,
        }
        if self.waiting is not None:
            counts[SummaryMetric.CORRECTIONS_WAITING] = self.waiting
        if self.forwarded is not None:
            counts[SummaryMetric.ROWS_FORWARDED] = self.forwarded
        return counts

    def line(self, seconds: float) -> str:
        """One line for the log, e.g. ``stream transactions: 7 records received; ...; 0.4 s``."""
        parts = [
            f"{self.received:,} records received",
            f"current rows written: {self.new_roots:,} new, {self.changed_roots:,} changed",
            f"{self.corrections:,} corrections merged",
            f"{self.replays:,} replays ignored",
        ]
        if self.waiting is not None:
            parts.append(f"{self.waiting:,} corrections waiting for their original")
        if self.forwarded is not None:
            parts.append(f"{self.forwarded:,} rows sent downstream")
        return f"stream {self.stream}: {'; '.join(parts)}; {seconds:.1f} s"
