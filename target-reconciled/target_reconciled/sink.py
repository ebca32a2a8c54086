"""The Singer side of a stream: buffer raw records, load them in bulk, plan the batch, write it."""

from __future__ import annotations

import datetime as dt
import re
import typing as t
from decimal import Decimal

import msgspec
from singer_sdk.contrib.msgspec import decoder as sdk_decoder
from singer_sdk.helpers._compat import date_fromisoformat, datetime_fromisoformat, time_fromisoformat
from singer_sdk.helpers._typing import get_datelike_property_type
from singer_sdk.sinks import BatchSink

from target_reconciled import engine
from target_reconciled.destinations.base import BadRow
from target_reconciled.reader import locate
from target_reconciled.rules import StreamRules, resolve_rules
from target_reconciled.validator import FastValidator, batch_decoder

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


_INDEX = re.compile(r"at `\$\[(\d+)\]")
_VALIDATE_CHUNK = 1000
"""Records validated per call: enough to amortise the call, few enough to keep their objects small."""


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
    """Buffers up to ``batch_size_rows`` records (default 10,000) and writes them as one transaction.

    Records arrive raw, as read (``add_raw``, the target's fast path), or as dicts the SDK has
    validated (``process_record``). A batch is validated in one call (``validator.batch_decoder``),
    loaded and typed by the database, planned by the engine and written in one transaction.
    """

    MAX_SIZE_DEFAULT = 10_000

    def __init__(
        self,
        target: TargetReconciled,
        stream_name: str,
        schema: dict,
        key_properties: t.Sequence[str] | None,
    ) -> None:
        """Bind the sink to its target's destination and reader."""
        super().__init__(target, stream_name, schema, key_properties)
        self._target = target
        self._destination = target.destination
        self.rules = keyless_rules(stream_name)
        properties = self.schema.get("properties") or {}
        self._datelike = {
            name: _PARSERS[kind]
            for name, prop in properties.items()
            if (kind := get_datelike_property_type(prop)) in _PARSERS
        }
        self._decoder = batch_decoder(self.schema) if self.validate_schema else None
        self._raws: list[bytes | msgspec.Raw] = []
        self._lines: list[int] = []
        self._versions: list[int | None] = []
        self._unchecked: list[int] = []  # indices of raw records not validated yet

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
        self._destination.prepare(self.stream_name, self.schema, self.rules)

    def add_raw(self, record: msgspec.Raw, line: int, version: int | None) -> None:
        """Buffer a RECORD message's record as read, with its input line and table version."""
        if self._pending_batch is None:
            self._get_context({})
        self._unchecked.append(len(self._raws))
        self._raws.append(record)
        self._lines.append(line)
        self._versions.append(version)
        self.tally_record_read()
        self.record_counter_metric.increment()

    def process_record(self, record: dict, context: dict) -> None:
        """Buffer a record the SDK has validated and parsed (the path with stream maps or metadata)."""
        reader = self._target.message_reader
        self._raws.append(exact_json(record))
        self._lines.append(reader.line_number)
        self._versions.append(reader.message.get("version"))

    def process_batch(self, context: dict) -> None:
        """Validate, load and plan the batch against the committed state; write it in one transaction."""
        if not self._raws:
            return
        try:
            self._validate()
            try:
                batch = self._destination.stage(self.stream_name, *self._payload())
            except BadRow as exc:
                self._explain(self._lines.index(exc.line), exc.reason)
            plan = engine.plan(self.rules, batch, self._destination.store(self.stream_name))
            self._destination.write(self.stream_name, plan, self._lines)
            self.tally_duplicate_merged(len(batch) - len(plan.rows))
        finally:
            self._raws, self._lines, self._versions, self._unchecked = [], [], [], []

    def _validate(self) -> None:
        """Validate the records read raw: in one call for simple schemas, else one by one."""
        if not self._unchecked or not self.validate_schema:
            return
        if self._decoder is None:
            for index in self._unchecked:
                self._explain(index, None)
            return
        # In chunks: the decoded records of a chunk are dropped before the next (bounded memory).
        for start in range(0, len(self._unchecked), _VALIDATE_CHUNK):
            chunk = self._unchecked[start : start + _VALIDATE_CHUNK]
            try:
                self._decoder.decode(b"[" + b",".join([self._raws[i] for i in chunk]) + b"]")
            except msgspec.ValidationError as exc:
                found = _INDEX.search(str(exc))
                self._explain(chunk[int(found.group(1))] if found else chunk[0], str(exc))

    def _payload(self) -> tuple[bytes, int]:
        """The batch as newline-delimited ``{"l": line, "v": version, "r": record}`` (see ``staging``).

        Also returns the length of the longest line. Records with a long number are re-encoded
        with their decimals as strings, which the database casts exactly.
        """
        payload, longest = self._join(self._raws)
        if not _has_long_number(payload):
            return payload, longest
        return self._join(
            [exact_json(sdk_decoder.decode(raw)) if _has_long_number(raw) else raw for raw in self._raws]
        )

    def _join(self, raws: list[bytes | msgspec.Raw]) -> tuple[bytes, int]:
        lines = [
            b'{"l":%d,"v":%s,"r":%b}' % (line, b"null" if version is None else b"%d" % version, raw)
            for line, version, raw in zip(self._lines, self._versions, raws, strict=True)
        ]
        return b"\n".join(lines), max(map(len, lines))

    def _explain(self, index: int, reason: str | None) -> None:
        """Raise the error of the record at ``index`` as the SDK's per-record checks word it.

        The checks are those of a record read one by one: schema validation, date parsing, key
        properties, then the engine's key and version values. If they all pass, the error is
        ``reason`` (what the batch check found); with no reason, the record is fine.
        """
        line = self._lines[index]
        where = f"line {line} (stream {self.stream_name!r})"
        try:
            record = sdk_decoder.decode(self._raws[index])
            if not isinstance(record, dict):
                raise RecordError(f"record is not a JSON object: {bytes(self._raws[index])[:200]!r}")
            if index in self._unchecked:
                self._remove_sdc_metadata_from_record(record)
                self._validate_and_parse(record)
            self._singer_validate_message(record)
            engine.incoming(self.rules, record)
            if reason is not None:
                raise RecordError(f"cannot load the record: {reason}")
        except Exception as exc:
            locate(exc, where)
            raise
