"""Record validation compiled with fastjsonschema (string formats are not checked, as in the SDK)."""

from __future__ import annotations

from typing import Any

import fastjsonschema
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
