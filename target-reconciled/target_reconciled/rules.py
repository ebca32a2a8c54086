"""Per-stream reconciliation rules: key, corrects column and who wins inside a root."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from target_reconciled.order import Kind

Mode = Literal["version", "corrections", "replication_key", "arrival"]

DEFAULT_CORRECTS = "corrects_transaction_id"
CORRECTED_AT = "corrected_at"
OVERRIDES = ("key", "corrects", "version")


class RulesError(ValueError):
    """A stream's rules cannot be resolved from its schema and the ``streams`` setting."""


@dataclass(frozen=True)
class StreamRules:
    """How one stream is reconciled.

    - ``key``: the key columns; ``corrects``: the column naming the key a row replaces (or None).
    - ``mode``: ``version`` (greatest ``version`` column), ``corrections`` (a row beats what it
      transitively corrects, then ``corrected_at``), ``replication_key`` (latest date-time
      bookmark) or ``arrival``; every mode breaks ties by arrival.
    - ``order_columns`` and their ``kinds`` (from the schema) make a row's order value.
    """

    stream: str
    key: tuple[str, ...]
    corrects: str | None
    mode: Mode
    order_columns: tuple[str, ...]
    kinds: tuple[Kind, ...]

    def describe(self) -> str:
        """One line for logs."""
        by = ", ".join(f"{c} ({k})" for c, k in zip(self.order_columns, self.kinds, strict=True))
        winner = {
            "version": f"greatest {by}",
            "corrections": "a row beats the rows it corrects" + (f", then latest {by}" if by else ""),
            "replication_key": f"latest {by}",
            "arrival": "latest arrival",
        }[self.mode]
        corrects = f", corrects {self.corrects}" if self.corrects else ""
        tie = "" if self.mode == "arrival" else ", then latest arrival"
        return f"stream {self.stream}: key ({', '.join(self.key)}){corrects}; winner: {winner}{tie}"


def column_kind(column_schema: Mapping[str, Any]) -> Kind:
    """The order kind of a column from its JSON schema (``anyOf`` branches included)."""
    branches = [column_schema, *column_schema.get("anyOf", ())]
    if any(b.get("format") == "date-time" for b in branches):
        return "date-time"
    types: set[str] = set()
    for branch in branches:
        declared = branch.get("type", ())
        types.update([declared] if isinstance(declared, str) else declared)
    types.discard("null")
    if types and types <= {"integer", "number"}:
        return "number"
    return "text"


def _column(stream: str, source: str, value: Any, properties: Mapping[str, Any]) -> str:
    """``value``, a column of the schema named by ``source`` (a setting or the SCHEMA message)."""
    if not isinstance(value, str) or not value:
        raise RulesError(f"stream {stream!r}: {source} must be a column name: {value!r}")
    if value not in properties:
        raise RulesError(f"stream {stream!r}: {source} names {value!r}, not in the schema")
    return value


def resolve_rules(
    stream: str,
    schema: Mapping[str, Any],
    key_properties: Sequence[str],
    bookmark_properties: Sequence[str] | None,
    override: Mapping[str, Any] | None,
) -> StreamRules:
    """Resolve a stream's rules from its SCHEMA message and its ``streams.<stream>`` override.

    An override ``corrects`` of ``""`` or null turns the default ``corrects_transaction_id`` off.
    """
    override = override or {}
    unknown = sorted(set(override) - set(OVERRIDES))
    if unknown:
        raise RulesError(f"stream {stream!r}: unknown setting(s) streams.{stream}.{', '.join(unknown)}")
    properties: Mapping[str, Any] = schema.get("properties") or {}

    raw_key = override.get("key") or key_properties
    source = (
        f"streams.{stream}.key"
        if override.get("key")
        else f"the key_properties of its SCHEMA message (override: streams.{stream}.key)"
    )
    if isinstance(raw_key, str) or not isinstance(raw_key, Sequence):
        raise RulesError(f"stream {stream!r}: {source} must be a list of columns: {raw_key!r}")
    if not raw_key:
        raise RulesError(
            f"stream {stream!r} has no key: the tap sends no key_properties; set streams.{stream}.key"
        )
    key = tuple(_column(stream, source, column, properties) for column in raw_key)
    if len(set(key)) != len(key):
        raise RulesError(f"stream {stream!r}: {source} repeats a column: {list(key)}")

    if "corrects" in override:
        corrects = override["corrects"] or None
        if corrects is not None:
            corrects = _column(stream, f"streams.{stream}.corrects", corrects, properties)
    else:
        corrects = DEFAULT_CORRECTS if DEFAULT_CORRECTS in properties else None
    if corrects is not None:
        if len(key) != 1:
            raise RulesError(
                f"stream {stream!r}: streams.{stream}.corrects ({corrects}) needs a single-column key, "
                f'the key is {list(key)}; set streams.{stream}.corrects to "" to disable it'
            )
        if corrects in key:
            raise RulesError(f"stream {stream!r}: streams.{stream}.corrects ({corrects}) is the key column")

    mode: Mode
    if override.get("version"):
        mode, columns = (
            "version",
            (_column(stream, f"streams.{stream}.version", override["version"], properties),),
        )
    elif corrects is not None:
        mode, columns = "corrections", ((CORRECTED_AT,) if CORRECTED_AT in properties else ())
    else:
        bookmark = next(iter(bookmark_properties or ()), "")
        if bookmark in properties and column_kind(properties[bookmark]) == "date-time":
            mode, columns = "replication_key", (bookmark,)
        else:
            mode, columns = "arrival", ()
    kinds = tuple(column_kind(properties[c]) for c in columns)
    return StreamRules(stream, key, corrects, mode, columns, kinds)
