"""The target-reconciled plugin: settings, message handling and the destination it writes to."""

from __future__ import annotations

import copy
import sys
import tempfile
import time
import typing as t
from collections import deque

import msgspec
from singer_sdk import Target, metrics
from singer_sdk import typing as th
from singer_sdk.exceptions import ConfigValidationError, RecordsWithoutSchemaException
from singer_sdk.helpers.capabilities import PluginCapabilities

from target_reconciled.destinations.base import Destination
from target_reconciled.destinations.duckdb import DuckDBDestination
from target_reconciled.destinations.sql import SQLDestination
from target_reconciled.errors import WithoutSDKErrorLines, report
from target_reconciled.pace import Pace
from target_reconciled.reader import LineReader, locate
from target_reconciled.sink import ReconciledSink
from target_reconciled.spool import prefix as spool_prefix
from target_reconciled.spool import remove_orphans
from target_reconciled.summary import StreamSummary
from target_reconciled.writer import Writer

if t.TYPE_CHECKING:
    from msgspec import Raw

DESTINATIONS = ["duckdb", "postgres", "singer"]
_encode_state = msgspec.json.Encoder(decimal_format="number").encode
"""STATE values as read: decimals (how the reader reads JSON numbers with a fraction) stay numbers."""

STREAM_OVERRIDE = th.ObjectType(
    th.Property("key", th.ArrayType(th.StringType), description="Key columns of the stream."),
    th.Property("corrects", th.StringType, description="Column naming the key of the row replaced."),
    th.Property("version", th.StringType, description="Column whose greatest value wins."),
)


PACE_CHECK = 4096
"""Records between two looks at the clock for the progress line."""


class TargetReconciled(Target):
    """Merges corrections and newer versions into one current row per original record."""

    name = "target-reconciled"
    default_sink_class = ReconciledSink
    message_reader_class = LineReader
    message_reader: LineReader
    capabilities: t.ClassVar = [*Target.capabilities, PluginCapabilities.ACTIVATE_VERSION]

    config_jsonschema = th.PropertiesList(
        th.Property(
            "destination",
            th.StringType,
            default="duckdb",
            allowed_values=DESTINATIONS,
            title="Destination",
            description="Where reconciled tables go: duckdb (embedded file), postgres (postgres_url), "
            "or singer (reconciled rows forwarded to another Singer target: forward_command).",
        ),
        th.Property(
            "duckdb_path",
            th.StringType,
            default="output/reconciled.duckdb",
            title="DuckDB path",
            description="Database file for destination duckdb.",
        ),
        th.Property(
            "postgres_url",
            th.StringType,
            secret=True,
            title="PostgreSQL URL",
            description="Destination postgres: postgresql://user:password@host:5432/database "
            "(libpq parameters such as ?sslmode=require may follow).",
        ),
        th.Property(
            "default_target_schema",
            th.StringType,
            title="Target schema",
            description="Schema for the tables, created if missing (Meltano sets it to the tap's "
            "load schema). Default: main in DuckDB, public in PostgreSQL.",
        ),
        th.Property(
            "forward_command",
            th.ArrayType(th.StringType),
            title="Forward command",
            description="Destination singer: the downstream target's command and arguments, "
            'e.g. ["target-snowflake"] or ["meltano", "invoke", "target-postgres"].',
        ),
        th.Property(
            "forward_config",
            th.ObjectType(additional_properties=True),
            secret=True,
            title="Forward config",
            description="Destination singer: the downstream target's config, passed as --config in a "
            "private temporary file (leave empty when the command brings its own).",
        ),
        th.Property(
            "forward_store",
            th.StringType,
            default="duckdb",
            allowed_values=["duckdb", "postgres"],
            title="Forward store",
            description="Destination singer: where the reconciliation store lives, duckdb (duckdb_path) "
            "or postgres (postgres_url, for runs that lose their disk).",
        ),
        th.Property(
            "forward_history",
            th.BooleanType,
            default=False,
            title="Forward history",
            description="Destination singer: also send <stream>__history (every distinct row received).",
        ),
        th.Property(
            "history",
            th.BooleanType,
            default=True,
            title="Keep history",
            description="Also write <stream>__history with every distinct row received.",
        ),
        th.Property(
            "streams",
            th.ObjectType(additional_properties=STREAM_OVERRIDE),
            title="Per-stream rules",
            description="Overrides by stream name: key, corrects, version.",
        ),
    ).to_dict()

    def __init__(self, **kwargs: t.Any) -> None:
        """Validate the config, then open the destination."""
        super().__init__(**kwargs)
        self.max_parallelism = 1  # one database connection: sinks drain one after the other
        self.bookmarks: dict[str, list[str]] = {}
        self._states: deque[tuple[int, dict]] = deque()
        """STATE messages not emitted yet, with their input line, oldest first."""
        self.writer = Writer()
        self._summaries: dict[str, StreamSummary] = {}
        self._started = time.monotonic()
        self._pace = Pace(self._started)
        """Records read on the fast path, for a progress line at most every 10 s."""
        if removed := remove_orphans():
            self.logger.info("removed %d temporary file(s) left by killed runs", removed)
        self._spool = tempfile.TemporaryDirectory(prefix=spool_prefix())
        self.spool = self._spool.name
        """Where sinks write their batch files (see ``batchfile``)."""
        self.destination = self._open_destination()
        # Records skip the SDK's per-record path unless a feature needs it (maps, metadata columns).
        if not any(
            self.config.get(name) for name in ("stream_maps", "flattening_enabled", "add_record_metadata")
        ):
            self.message_reader.on_record = self._buffer_record

    def summary(self, stream: str) -> StreamSummary:
        """The run's counts of ``stream`` (one per stream, shared by the sinks it gets)."""
        return self._summaries.setdefault(stream, StreamSummary(stream))

    def _report(self) -> None:
        """One summary line per stream at INFO, and its counts as METRIC counters."""
        seconds = time.monotonic() - self._started
        corrected = {
            sink.stream_name
            for sink in [*self._sinks_active.values(), *self._sinks_to_clear]
            if isinstance(sink, ReconciledSink) and sink.rules.corrects is not None
        }
        for stream, summary in self._summaries.items():
            summary.waiting = self.destination.waiting(stream) if stream in corrected else 0
            summary.forwarded = self.destination.forwarded(stream)
            self.logger.info("%s", summary.line(seconds))
            for metric, value in summary.counts().items():
                tags = {metrics.Tag.STREAM: stream}
                metrics.log(metrics.get_metrics_logger(), metrics.Point("counter", metric, value, tags))  # type: ignore[arg-type]
        if self.writer.jobs:
            self.logger.info(
                "%d batch(es) written in %.1f s; reading the input waited %.1f s for them "
                "(the database is the slower side when this is most of the run)",
                self.writer.jobs,
                self.writer.busy,
                self.writer.waited,
            )

    def _open_destination(self) -> Destination:
        """The configured destination, or a configuration error naming the setting to change."""
        destination = self.config.get("destination", "duckdb")
        if destination == "singer":
            return self._open_forwarding()
        return self._open_store(destination)

    def _open_forwarding(self) -> Destination:
        """The ``singer`` destination: a store that forwards its changes to the downstream target."""
        command = self.config.get("forward_command")
        if not command:
            message = (
                "destination 'singer' needs forward_command: the downstream target's command, "
                'e.g. ["target-jsonl"] or ["meltano", "invoke", "target-postgres"]'
            )
            raise ConfigValidationError(message, errors=[message])
        history = self.config.get("forward_history", False)
        if history and not self.config.get("history", True):
            message = "forward_history: true needs history: true (the history is what is forwarded)"
            raise ConfigValidationError(message, errors=[message])
        from target_reconciled.destinations.forward import ForwardingDestination

        store = self._open_store(self.config.get("forward_store", "duckdb"))
        return ForwardingDestination(store, command, self.config.get("forward_config"), history=history)

    def _open_store(self, destination: str) -> SQLDestination:
        """The DuckDB or PostgreSQL destination (also the store of ``singer``)."""
        schema = self.config.get("default_target_schema")
        history = self.config.get("history", True)
        if destination == "duckdb":
            path = self.config.get("duckdb_path", "output/reconciled.duckdb")
            return DuckDBDestination(path, schema or "main", history=history)
        if destination == "postgres":
            url = self.config.get("postgres_url")
            if not url:
                message = (
                    "destination 'postgres' needs postgres_url (postgresql://user:password@host:5432/db)"
                )
                raise ConfigValidationError(message, errors=[message])
            from target_reconciled.destinations.postgres import PostgresDestination

            return PostgresDestination(url, schema or "public", history=history)
        message = f"destination {destination!r} is not available in this version of target-reconciled"
        raise ConfigValidationError(message, errors=[message])

    def _buffer_record(self, stream: str, record: Raw, version: int | None, line: int) -> bool:
        """The fast path of a RECORD message: hand the raw record to its sink, drain it when full.

        Does what the SDK's ``_process_record_message`` does for a stream without maps, but for the
        whole batch at once when it is written. SDK private members used: ``_sinks_active`` (the
        sink by stream) and ``_handle_max_record_age`` (the drain of every sink after 5 minutes).
        """
        sink = self._sinks_active.get(stream)
        if sink is None or len(record) == 0:
            return False  # no SCHEMA yet, or no record: the SDK's path raises its error
        sink.add_raw(record, line, version)
        self._pace.rows += 1
        if self._pace.rows % PACE_CHECK == 0 and self._pace.due(now := time.monotonic()):
            self.logger.info("Progress: %s", self._pace.summary(now))
        if sink.is_full:
            self.logger.debug(
                "Target sink for '%s' is full (%s records). Draining...", stream, sink.current_size
            )
            self.drain_one(sink)
        self._handle_max_record_age()
        return True

    @classmethod
    def invoke(cls, **kwargs: t.Any) -> None:  # type: ignore[override]
        """Run the target; an error ends it with one line (its traceback at log level debug)."""
        cls.logger.addFilter(WithoutSDKErrorLines())
        try:
            super().invoke(**kwargs)
        except Exception as exc:
            report(cls.logger, exc)
            sys.exit(1)

    def listen(self, file_input: t.IO[str] | None = None) -> None:
        """Process the input; on an error, let the batch being written finish first, then close."""
        try:
            super().listen(file_input)
        except BaseException:
            try:
                self.writer.wait()
            except Exception:
                self.logger.exception("the batch being written failed too")
            try:
                self.destination.close()  # rolls back what was not committed
            except Exception as exc:
                self.logger.error("%s", exc)
            raise

    def _process_state_message(self, message_dict: dict) -> None:
        """Queue the STATE with its line; emit what the committed batches allow."""
        super()._process_state_message(message_dict)
        state = message_dict["value"]
        if not self._states or self._states[-1][1] != state:
            self._states.append((self.message_reader.line_number, copy.deepcopy(state)))
        self.checkpoint()

    def checkpoint(self) -> None:
        """Emit the newest queued STATE whose records are all committed (a checkpoint).

        A STATE read at line L is complete once no record read before L waits in a sink or in
        the batch being written.
        """
        sinks = [*self._sinks_active.values(), *self._sinks_to_clear]
        waiting = [sink.first_line for sink in sinks if isinstance(sink, ReconciledSink)]
        waiting.append(self.writer.pending())
        horizon = min((line for line in waiting if line is not None), default=None)
        newest = None
        while self._states and (horizon is None or self._states[0][0] < horizon):
            newest = self._states.popleft()[1]
        if newest is not None:
            self.destination.checkpoint(newest, self._emit_state)

    def _emit_state(self, state: t.Any) -> None:
        """Write a STATE value to stdout, its numbers as read (the SDK's ``json.dumps`` fails on them)."""
        self.logger.debug("Emitting completed target state %s", state)
        sys.stdout.write(_encode_state(state).decode() + "\n")
        sys.stdout.flush()

    def _write_state_message(self, state: dict) -> None:
        """After the SDK drained every sink: emit the newest STATE once its batches are committed."""
        self.writer.wait()
        self.checkpoint()

    def _process_schema_message(self, message_dict: dict) -> None:
        """Keep the stream's bookmark properties; commit the stream's batch before its schema changes."""
        stream = message_dict.get("stream")
        if isinstance(stream, str):
            self.bookmarks[stream] = list(message_dict.get("bookmark_properties") or [])
            maps = self.mapper.stream_maps.get(stream, [])
            if maps and (
                maps[0].raw_schema != message_dict.get("schema")
                or maps[0].raw_key_properties != message_dict.get("key_properties")
            ):
                for stream_map in maps:
                    if self.sink_exists(stream_map.stream_alias):
                        self.drain_one(self.get_sink(stream_map.stream_alias))
        super()._process_schema_message(message_dict)

    def _process_activate_version_message(self, message_dict: dict) -> None:
        """Commit the stream's batch, then drop current rows of roots the new table version did not reach."""
        self._assert_line_requires(message_dict, requires={"stream", "version"})
        stream = message_dict["stream"]
        if stream not in self.mapper.stream_maps:
            raise RecordsWithoutSchemaException(f"ACTIVATE_VERSION for stream {stream!r} before its SCHEMA")
        for stream_map in self.mapper.stream_maps[stream]:
            sink = self.get_sink(stream_map.stream_alias)
            if not sink.process_activate_version_messages:
                self.logger.info("ACTIVATE_VERSION ignored for %s (disabled)", stream_map.stream_alias)
                continue
            self.drain_one(sink)
            self.writer.wait()
            self.destination.activate_version(stream_map.stream_alias, int(message_dict["version"]))

    def process_endofpipe(self) -> None:
        """Commit what is left, emit the last STATE, close the database."""
        try:
            super().process_endofpipe()
            self.writer.wait()
            self.checkpoint()  # also a last STATE the SDK skips (a falsy value such as [] or 0)
            self._report()
        except Exception as exc:
            locate(exc, f"at end of input (after line {self.message_reader.line_number})")
            raise
        self.destination.close()
        self._spool.cleanup()
