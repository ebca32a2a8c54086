"""The Singer side of a stream: validated raw records to a batch file, full batches to the writer.

The writer thread loads a batch in bulk, plans it and writes it in one transaction.
"""

from __future__ import annotations

import datetime as dt
import typing as t
from decimal import Decimal

import msgspec
from singer_sdk.contrib.msgspec import decoder as sdk_decoder
from singer_sdk.exceptions import InvalidRecord, MissingKeyPropertiesError
from singer_sdk.helpers._compat import date_fromisoformat, datetime_fromisoformat, time_fromisoformat
from singer_sdk.helpers._typing import get_datelike_property_type
from singer_sdk.sinks import BatchSink

from target_reconciled import engine
from target_reconciled.batchfile import BatchFile
from target_reconciled.destinations.base import BadRow
from target_reconciled.reader import FIX_INPUT, locate
from target_reconciled.rules import StreamRules, resolve_rules
from target_reconciled.validator import FastValidator, record_decoder

if t.TYPE_CHECKING:
    from singer_sdk.helpers.conform import DatetimeErrorTreatmentEnum
    from singer_sdk.sinks.core import BaseJSONSchemaValidator

    from target_reconciled.target import TargetReconciled


_PARSERS: dict[str, t.Callable[[str], t.Any]] = {
    "date-time": datetime_fromisoformat,
    "date": date_fromisoformat,
    "time": time_fromisoformat,
}
_DIGITS = bytes(0 if chr(byte) in "0123456789." else 1 for byte in range(256))
"""Maps digits and dots to 0, every other byte to 1: a run of 17 zeros marks a long number."""
_LONG_RUN = bytes(17)


def _has_long_number(data: bytes | msgspec.Raw) -> bool:
    """Whether ``data`` holds a number that may have more significant digits than a double.

    DuckDB reads JSON numbers as doubles. A run of 17 or more digits and dots is looked for
    (``bytes.translate`` and a substring search: far faster than a regular expression).
    """
    return _LONG_RUN in bytes(data).translate(_DIGITS)


def _iso(value: t.Any) -> t.Any:
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    raise TypeError(type(value).__name__)


_encode = msgspec.json.Encoder(enc_hook=_iso, decimal_format="number").encode


def exact_json(record: dict[str, t.Any]) -> bytes:
    """A record as JSON whose top-level decimals are strings, so that DuckDB casts them exactly."""
    return _encode({name: str(v) if isinstance(v, Decimal) else v for name, v in record.items()})


def keyless_rules(stream: str) -> StreamRules:
    """Rules of a stream without key: each distinct record is its own root, ordered by arrival."""
    return StreamRules(stream, (), None, "arrival", (), ())


class RecordError(ValueError):
    """A record that cannot be loaded, for a reason found only by the database (e.g. an odd date)."""


class ReconciledSink(BatchSink):
    """Writes records to a batch file as they arrive; each full batch is written in one transaction.

    Records arrive raw, as read (``add_raw``, the target's fast path), or as dicts the SDK has
    validated (``process_record``). Raw records are validated as they arrive (for simple schemas
    by ``validator.record_decoder``) before they go to the file. A full batch is handed to the
    target's writer thread: loaded and typed by the database, planned by the engine and written
    in one transaction, while the next batch is read.
    """

    MAX_SIZE_DEFAULT = 25_000

    def __init__(
        self,
        target: TargetReconciled,
        stream_name: str,
        schema: dict,
        key_properties: t.Sequence[str] | None,
    ) -> None:
        """Bind the sink to its target's destination, writer and reader."""
        super().__init__(target, stream_name, schema, key_properties)
        self._target = target
        self._destination = target.destination
        self.rules = keyless_rules(stream_name)
        self.summary = target.summary(stream_name)
        properties = self.schema.get("properties") or {}
        self._datelike = {
            name: _PARSERS[kind]
            for name, prop in properties.items()
            if (kind := get_datelike_property_type(prop)) in _PARSERS
        }
        self._decoder = record_decoder(self.schema) if self.validate_schema else None
        self._file: BatchFile | None = None
        self.first_line: int | None = None
        """The input line of the batch's first record, None while the batch is empty."""

    def get_validator(self) -> BaseJSONSchemaValidator | None:
        """A compiled validator, unless ``validate_records`` is off."""
        return FastValidator(self.schema) if self.validate_schema else None

    def _parse_timestamps_in_record(
        self, record: dict, schema: dict, treatment: DatetimeErrorTreatmentEnum
    ) -> None:
        """Parse the schema's date, time and date-time columns (found once per schema, not per record)."""
        for name, parse in self._datelike.items():
            value = record.get(name)
            if isinstance(value, str):
                try:
                    record[name] = parse(value)
                except ValueError as exc:
                    raise ValueError(f"column {name!r}: {value!r} is not a valid date/time") from exc

    def setup(self) -> None:
        """Resolve the stream's rules and create or evolve its tables."""
        override = (self.config.get("streams") or {}).get(self.stream_name)
        if not self.key_properties and not (override or {}).get("key"):
            self.logger.info("stream %s has no key: each distinct record is its own row", self.stream_name)
        else:
            self.rules = resolve_rules(
                self.stream_name,
                self.schema,
                self.key_properties,
                self._target.bookmarks.get(self.stream_name),
                override,
            )
        self.logger.info("%s", self.rules.describe())
        self._target.writer.wait()
        self._destination.prepare(self.stream_name, self.schema, self.rules)

    def _batch_file(self) -> BatchFile:
        if self._file is None:
            self._file = BatchFile(self._target.spool)
        return self._file

    def add_raw(self, record: msgspec.Raw, line: int, version: int | None) -> None:
        """Take a RECORD message's record as read, with its input line and table version.

        The record is validated (the schema's validator words any error) and appended to the
        batch file; a record holding a long number is re-encoded with that number as text.
        """
        if self._pending_batch is None:
            self._get_context({})
        if self.first_line is None:
            self.first_line = line
        if self._decoder is not None:
            try:
                self._decoder.decode(record)
            except msgspec.ValidationError:  # breaks the schema, or the fast check is stricter: see which
                self._explain(line, record, None, validate=True)
        elif self.validate_schema:
            self._explain(line, record, None, validate=True)
        if _has_long_number(record):
            record = msgspec.Raw(exact_json(sdk_decoder.decode(record)))
        self._batch_file().add(line, version, record)
        self.tally_record_read()
        self.record_counter_metric.increment()

    def process_record(self, record: dict, context: dict) -> None:
        """Take a record the SDK has validated and parsed (the path with stream maps or metadata)."""
        reader = self._target.message_reader
        if self.first_line is None:
            self.first_line = reader.line_number
        self._batch_file().add(reader.line_number, reader.message.get("version"), exact_json(record))

    def process_batch(self, context: dict) -> None:
        """Hand the batch file to the writer thread: load, plan and write it in one transaction."""
        batch_file, self._file = self._file, None
        first_line, self.first_line = self.first_line, None
        if batch_file is None or not len(batch_file):
            return
        self._target.writer.submit(lambda: self._write(batch_file), first_line)
        self._target.checkpoint()

    def _write(self, batch_file: BatchFile) -> None:
        """Load the batch, plan what the database did not settle, write it all (the writer's job)."""
        try:
            batch = batch_file.close()
            try:
                pending = self._destination.load(self.stream_name, batch)
            except BadRow as exc:
                self._explain(exc.line, batch_file.record(exc.line), exc.reason, validate=False)
            plan = engine.plan(self.rules, pending, self._destination.store(self.stream_name))
            self._destination.write(self.stream_name, plan)
            self.tally_duplicate_merged(len(pending) - len(plan.rows))
            self.summary.add_batch(len(batch_file), pending, plan)
        except Exception as exc:
            locate(exc, f"stream {self.stream_name!r}, batch of {batch_file.describe()}")
            raise
        finally:
            batch_file.remove()

    def _explain(self, line: int, raw: bytes | msgspec.Raw, reason: str | None, *, validate: bool) -> None:
        """Raise the error of the record read at ``line`` as the SDK's per-record checks word it.

        The checks are those of a record read one by one: schema validation (if ``validate``),
        date parsing (always), key properties, then the engine's key and version values. If they all
        pass, the error is ``reason`` (what the batch check found); with no reason, the record
        is fine.
        """
        where = f"line {line} (stream {self.stream_name!r})"
        try:
            record = sdk_decoder.decode(raw)
            if not isinstance(record, dict):
                raise RecordError(f"record is not a JSON object: {bytes(raw)[:200]!r}")
            if validate:
                self._remove_sdc_metadata_from_record(record)
                self._check_schema(record, where)
            self._parse_timestamps_in_record(record, self.schema, self.datetime_error_treatment)
            missing = [name for name in self.key_properties if name not in record]
            if missing:
                raise MissingKeyPropertiesError(
                    f"the record lacks key propert{'y' if len(missing) == 1 else 'ies'} {missing} "
                    f"(the stream's key is {self.key_properties})"
                )
            engine.incoming(self.rules, record, 0)  # its checks of key and version values
            if reason is not None:
                raise RecordError(f"cannot load the record: {reason}")
        except Exception as exc:
            locate(exc, where, FIX_INPUT)
            raise

    def _check_schema(self, record: dict, where: str) -> None:
        """The SDK's schema validation of one record, without the traceback the SDK logs for it."""
        if self._validator is None:
            return
        try:
            self._validator.validate(record)
        except InvalidRecord as exc:
            if self.fail_on_record_validation_exception:
                raise
            self.logger.warning("%s: %s", where, exc)
