"""The Singer side of a stream: buffer a batch, ask the engine for a plan, hand it to the destination."""

from __future__ import annotations

import typing as t

from singer_sdk.helpers._compat import date_fromisoformat, datetime_fromisoformat, time_fromisoformat
from singer_sdk.helpers._typing import get_datelike_property_type
from singer_sdk.sinks import BatchSink

from target_reconciled import engine
from target_reconciled.keys import key_text
from target_reconciled.model import Incoming
from target_reconciled.rules import StreamRules, resolve_rules
from target_reconciled.validator import FastValidator

if t.TYPE_CHECKING:
    from singer_sdk.helpers.conform import DatetimeErrorTreatmentEnum
    from singer_sdk.sinks.core import BaseJSONSchemaValidator

    from target_reconciled.target import TargetReconciled


_PARSERS: dict[str, t.Callable[[str], t.Any]] = {
    "date-time": datetime_fromisoformat,
    "date": date_fromisoformat,
    "time": time_fromisoformat,
}


def keyless_rules(stream: str) -> StreamRules:
    """Rules of a stream without key: each distinct record is its own root, ordered by arrival."""
    return StreamRules(stream, (), None, "arrival", (), ())


class ReconciledSink(BatchSink):
    """Buffers up to ``batch_size_rows`` records (default 10,000) and writes them as one transaction."""

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
        self._keyless = False
        properties = self.schema.get("properties") or {}
        self._datelike = {
            name: _PARSERS[kind]
            for name, prop in properties.items()
            if (kind := get_datelike_property_type(prop)) in _PARSERS
        }

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
        self._keyless = not self.key_properties and not (override or {}).get("key")
        if self._keyless:
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

    def process_record(self, record: dict, context: dict) -> None:
        """Keep the record with what the engine needs of it and its message's table version."""
        item = engine.incoming(self.rules, record)
        if self._keyless:
            item = Incoming(key_text((item.digest,)), None, item.order, item.digest)
        if "records" not in context:
            context["records"], context["incoming"], context["versions"] = [], [], []
        context["records"].append(record)
        context["incoming"].append(item)
        context["versions"].append(self._target.message_reader.message.get("version"))

    def process_batch(self, context: dict) -> None:
        """Plan the batch against the committed state and write it in one transaction."""
        records = context.get("records")
        if not records:
            return
        batch = context["incoming"]
        plan = engine.plan(self.rules, batch, self._destination.store(self.stream_name))
        self._destination.write(self.stream_name, records, batch, plan, context["versions"])
        self.tally_duplicate_merged(len(batch) - len(plan.rows))
