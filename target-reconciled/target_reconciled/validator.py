"""Record validation: per record with fastjsonschema, or per batch with msgspec (formats are not checked)."""

from __future__ import annotations

from typing import Any

import fastjsonschema
import msgspec
from singer_sdk.exceptions import InvalidJSONSchema, InvalidRecord
from singer_sdk.sinks.core import BaseJSONSchemaValidator

_ANY_FORMAT = dict.fromkeys(
    [
        "date-time",
        "date",
        "time",
        "email",
        "idn-email",
        "hostname",
        "idn-hostname",
        "ipv4",
        "ipv6",
        "uri",
        "uri-reference",
        "iri",
        "iri-reference",
        "regex",
        "json-pointer",
        "relative-json-pointer",
        "uri-template",
        "uuid",
    ],
    "",
)
"""Formats fastjsonschema knows, each mapped to the empty pattern (matches anything); others it ignores."""


class FastValidator(BaseJSONSchemaValidator):
    """Validates records against the stream schema with a compiled validator."""

    def __init__(self, schema: dict[str, Any]) -> None:
        """Compile the schema; an invalid schema raises ``InvalidJSONSchema``."""
        super().__init__(schema)
        try:
            self._validate = fastjsonschema.compile(schema, formats=_ANY_FORMAT, use_default=False)
        except fastjsonschema.JsonSchemaDefinitionException as exc:
            raise InvalidJSONSchema(f"Schema Validation Error: {exc}") from exc

    def validate(self, record: dict[str, Any]) -> None:
        """Raise ``InvalidRecord`` naming the first property that breaks the schema."""
        try:
            self._validate(record)
        except fastjsonschema.JsonSchemaValueException as exc:
            raise InvalidRecord(exc.message, record) from exc


_SCALARS: dict[str, Any] = {
    "string": str,
    "integer": int,
    "number": int | float,
    "boolean": bool,
    "null": None,
}
_NOTES = {"type", "format", "title", "description", "default", "examples", "$comment", "items", "inclusion"}


def _python_type(schema: Any) -> Any:
    """The msgspec type accepting exactly what ``schema`` accepts, or ``_UNKNOWN`` when it is not simple."""
    if not isinstance(schema, dict) or set(schema) - _NOTES:
        return _UNKNOWN
    declared = schema.get("type")
    if declared is None:
        return _UNKNOWN if "items" in schema else Any
    members: list[Any] = []
    for name in [declared] if isinstance(declared, str) else declared:
        if name == "array":
            item = _python_type(schema.get("items", {}))
            if item is _UNKNOWN:
                return _UNKNOWN
            members.append(list[item])
        elif name == "object":
            members.append(dict[str, Any])
        elif name in _SCALARS:
            members.append(_SCALARS[name])
        else:
            return _UNKNOWN
    if "items" in schema and "array" not in declared:
        return _UNKNOWN
    if not members:
        return _UNKNOWN
    result = members[0]
    for member in members[1:]:
        result = result | member
    return result


_UNKNOWN = object()


def batch_decoder(schema: dict[str, Any]) -> msgspec.json.Decoder | None:
    """A decoder of a JSON array of records that fails exactly where the schema's validation would.

    Only for simple schemas (each property: ``type``, ``format``, ``items`` of a simple schema; no
    ``required``, no constraints); otherwise None. A record's extra properties are not checked,
    as the schema allows them.
    """
    if set(schema) - {"type", "properties", "$schema", "title", "description"} or schema.get("type") not in (
        None,
        "object",
        ["object"],
        ["object", "null"],
        ["null", "object"],
    ):
        return None
    fields, names = [], {}
    for n, (name, prop) in enumerate((schema.get("properties") or {}).items()):
        kind = _python_type(prop)
        if kind is _UNKNOWN:
            return None
        fields.append((f"f{n}", kind | msgspec.UnsetType, msgspec.UNSET))
        names[f"f{n}"] = name
    try:
        record = msgspec.defstruct("Record", fields, rename=names)
        return msgspec.json.Decoder(list[record])
    except (TypeError, ValueError):  # a union msgspec cannot decode (e.g. two string-like types)
        return None
