"""Record validation: fastjsonschema, or for simple schemas a msgspec decode of the raw record."""

from __future__ import annotations

from typing import Any, Union

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
_NOTES = {"type", "format", "title", "description", "default", "examples", "$comment", "$schema", "inclusion"}
_ARRAY = {"items"}
_OBJECT = {"properties", "required", "additionalProperties"}
_UNKNOWN = object()


def _python_type(schema: Any) -> Any:
    """The msgspec type accepting exactly what ``schema`` accepts, or ``_UNKNOWN`` when it is not simple."""
    if not isinstance(schema, dict) or set(schema) - _NOTES - _ARRAY - _OBJECT:
        return _UNKNOWN
    declared = schema.get("type")
    names = [declared] if isinstance(declared, str) else declared
    if names is None:
        return Any if not set(schema) & (_ARRAY | _OBJECT) else _UNKNOWN
    if (set(schema) & _ARRAY and "array" not in names) or (set(schema) & _OBJECT and "object" not in names):
        return _UNKNOWN  # keywords of a type the value may not have: not simple
    members: list[Any] = []
    for name in names:
        if name == "array":
            item = _python_type(schema.get("items", {}))
            members.append(_UNKNOWN if item is _UNKNOWN else list[item])
        elif name == "object":
            members.append(_object_type(schema))
        else:
            members.append(_SCALARS.get(name, _UNKNOWN))
    if not members or _UNKNOWN in members:
        return _UNKNOWN
    return Union[tuple(dict.fromkeys(members))]  # noqa: UP007 (a union of a computed tuple of types)


def _object_type(schema: dict[str, Any]) -> Any:
    """A struct checking an object's properties (each optional unless ``required``), or a plain dict."""
    properties = schema.get("properties") or {}
    required = schema.get("required") or []
    extra = schema.get("additionalProperties", True)
    if not isinstance(extra, bool) or not isinstance(properties, dict) or not isinstance(required, list):
        return _UNKNOWN
    if not properties and not required and extra:
        return dict[str, Any]
    fields: list[tuple[str, Any, Any] | tuple[str, Any]] = []
    renamed = {}
    for n, name in enumerate(dict.fromkeys([*properties, *required])):
        kind = _python_type(properties.get(name, {}))
        if kind is _UNKNOWN:
            return _UNKNOWN
        if name in required:
            fields.append((f"f{n}", kind))
        else:
            fields.append((f"f{n}", kind | msgspec.UnsetType, msgspec.UNSET))
        renamed[f"f{n}"] = name
    try:
        # Not tracked by the garbage collector: a decoded record is dropped at once and holds no cycle.
        return msgspec.defstruct(
            "Record", fields, rename=renamed, kw_only=True, forbid_unknown_fields=not extra, gc=False
        )
    except (TypeError, ValueError):
        return _UNKNOWN


def record_decoder(schema: dict[str, Any]) -> msgspec.json.Decoder | None:
    """A decoder of one raw record that fails exactly where the schema's validation would.

    One record a call: joining a thousand wide records into one array to decode them in one
    call took twice as long (the copies, and the allocator's fresh pages for them).

    Only for simple schemas: each property has ``type``, ``format``, ``items`` and, for objects,
    ``properties``, ``required`` and a boolean ``additionalProperties``, nested alike; no
    constraints, no combinators. Otherwise None.
    """
    if schema.get("type") not in (None, "object", ["object"], ["object", "null"], ["null", "object"]):
        return None
    record = _python_type({**schema, "type": "object"})  # a record is an object (its message says so)
    if record is _UNKNOWN:
        return None
    try:
        return msgspec.json.Decoder(record)
    except (TypeError, ValueError):  # a union msgspec cannot decode (e.g. two string-like types)
        return None
