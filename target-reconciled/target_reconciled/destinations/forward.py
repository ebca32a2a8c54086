"""``destination: singer``: reconcile in a store (DuckDB or PostgreSQL), forward the changes.

The store is one of the SQL destinations, with its ``Outbox`` on: each batch's transaction also
numbers the roots it changed. After the commit those changes go to the downstream target as
RECORD messages (one per changed root: its new current row). A checkpoint's STATE goes downstream
as ``{"target_reconciled": {"checkpoint": n}}``; when the downstream emits it back, everything
sent before it is acknowledged (recorded in the store) and the upstream STATE it stood for is
emitted. A run first re-sends every entry the downstream has not acknowledged.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from target_reconciled.batchfile import Batch
from target_reconciled.destinations.base import Destination
from target_reconciled.destinations.outbox import Outbox, forwarded_schemas
from target_reconciled.destinations.sql import SQLDestination, SQLStore
from target_reconciled.downstream import Downstream
from target_reconciled.model import Incoming, Plan
from target_reconciled.rules import StreamRules

logger = logging.getLogger("target-reconciled")
MARK = "target_reconciled"
"""The key of the STATE values this target sends downstream."""


def _line(message: Mapping[str, Any]) -> bytes:
    return json.dumps(message).encode() + b"\n"


class ForwardingDestination(Destination):
    """Reconciles into ``store`` and forwards every committed change to a downstream Singer target."""

    def __init__(
        self,
        store: SQLDestination,
        command: Sequence[str],
        config: dict[str, Any] | None,
        *,
        history: bool,
    ) -> None:
        """Start the downstream and re-send what it has not acknowledged."""
        self.store_db = store
        self.outbox = store.outbox = Outbox(store, history=history)
        self._lock = threading.Lock()
        self._sent: dict[str, int] = {}
        self._forwarded: dict[str, int] = {}
        self._acked: dict[str, int] = {}
        self._saved: dict[str, int] = {}
        self._checkpoints: dict[int, tuple[dict[str, int], dict | None]] = {}
        self._count = 0
        self._emit: Callable[[dict], None] | None = None
        self._schemas: dict[str, list[dict[str, Any]]] = {}
        self.downstream = Downstream(command, config, self._on_state)
        try:
            self._resend()
        except BaseException:
            self.downstream.kill()
            store.close()
            raise

    def _resend(self) -> None:
        """Send again every entry after the downstream's last acknowledgement, then a checkpoint."""
        behind = False
        for stream, schemas, last, acked in self.outbox.streams():
            self._schemas[stream] = schemas
            self._sent[stream] = self._acked[stream] = self._saved[stream] = acked
            if last > acked:
                logger.info(
                    "stream %r: re-sending %d change(s) %s has not acknowledged",
                    stream,
                    last - acked,
                    self.downstream.name,
                )
                self.downstream.send(b"".join(_line(schema) for schema in schemas))
                self._send(stream)
                behind = True
        self.store_db.commit()
        if behind:
            self._checkpoint(None)

    def prepare(self, stream: str, schema: Mapping[str, Any], rules: StreamRules) -> None:
        """Prepare the store's tables, then send the stream's SCHEMA messages downstream."""
        self.store_db.prepare(stream, schema, rules)
        schemas = forwarded_schemas(stream, schema, rules.key, history=self.outbox.history)
        if self._schemas.get(stream) != schemas:
            self.outbox.register(stream, schemas)
            self._schemas[stream] = schemas
        self._sent.setdefault(stream, 0)
        self._acked.setdefault(stream, 0)
        self.downstream.send(b"".join(_line(schema) for schema in schemas))

    def store(self, stream: str) -> SQLStore:
        """The store's bookkeeping of the stream."""
        return self.store_db.store(stream)

    def load(self, stream: str, batch: Batch) -> list[Incoming]:
        """Load the batch into the store."""
        return self.store_db.load(stream, batch)

    def write(self, stream: str, plan: Plan) -> None:
        """Commit the batch in the store, then send its changes downstream."""
        self.store_db.write(stream, plan)
        self._send(stream)
        self._save_acks()
        self.store_db.commit()

    def waiting(self, stream: str) -> int:
        """Corrections still waiting for their original, in the store."""
        return self.store_db.waiting(stream)

    def forwarded(self, stream: str) -> int | None:
        """RECORD lines of the stream (and its history) sent downstream in this run."""
        return self._forwarded.get(stream, 0)

    def activate_version(self, stream: str, version: int) -> None:
        """Drop the roots the table version did not reach, and send them downstream as deleted."""
        self.store_db.activate_version(stream, version)
        self._send(stream)
        self.store_db.commit()

    def _send(self, stream: str) -> None:
        """Send the stream's entries after the last one sent."""
        last, lines = self.outbox.pending(stream, self._sent[stream])
        for chunk in lines:
            self.downstream.send(chunk)
            self._forwarded[stream] = self._forwarded.get(stream, 0) + chunk.count(b"\n")
        with self._lock:  # once all is queued: a checkpoint queued after this covers it
            self._sent[stream] = last

    def checkpoint(self, state: dict, emit: Callable[[dict], None]) -> None:
        """Send a checkpoint downstream; ``state`` is emitted once the downstream emits it back."""
        self._emit = emit
        self._checkpoint(state)

    def _checkpoint(self, state: dict | None) -> None:
        """Queue a checkpoint: what was queued before it is acknowledged when the downstream emits it."""
        with self._lock:
            self._count += 1
            self._checkpoints[self._count] = (dict(self._sent), state)
            mark = {"type": "STATE", "value": {MARK: {"checkpoint": self._count}}}
        self.downstream.send(_line(mark))

    def _on_state(self, value: Any) -> None:
        """A STATE value the downstream emitted: acknowledge what was sent before it (reader thread)."""
        mark = value.get(MARK) if isinstance(value, dict) else None
        count = mark.get("checkpoint") if isinstance(mark, dict) else None
        if not isinstance(count, int):
            logger.debug("%s emitted a STATE this target did not send: %s", self.downstream.name, value)
            return
        upstream = None
        with self._lock:
            for done in sorted(number for number in self._checkpoints if number <= count):
                sent, state = self._checkpoints.pop(done)
                self._acked.update(sent)
                upstream = state if state is not None else upstream
        if upstream is not None and self._emit is not None:
            self._emit(upstream)

    def _save_acks(self) -> None:
        """Record in the store what the downstream acknowledged since the last save."""
        with self._lock:
            changed = {stream: seq for stream, seq in self._acked.items() if self._saved.get(stream) != seq}
        if changed:
            self.outbox.acknowledge(changed)
            self._saved.update(changed)

    def close(self) -> None:
        """End the downstream's input, wait for its last STATE, record the acknowledgements, close."""
        try:
            self.downstream.finish()
            with self._lock:
                unacknowledged = len(self._checkpoints)
            if unacknowledged:
                logger.warning(
                    "%s did not emit %d STATE message(s) it was sent: their changes are re-sent next run, "
                    "and no STATE past its last acknowledgement was passed on",
                    self.downstream.name,
                    unacknowledged,
                )
            self._save_acks()
            self.store_db.commit()
        finally:
            self.store_db.close()
