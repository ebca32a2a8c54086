"""The fast check (``validator.record_decoder``) never accepts a record the schema's validator refuses.

It is a fast path: where it refuses, the sink validates the record with the schema's validator,
which words the error. So it must never be more lenient, and on the records taps send it
should accept what the validator accepts (otherwise the fast path is lost).
"""

from __future__ import annotations

import json
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from singer_sdk.exceptions import InvalidRecord

from target_reconciled.validator import FastValidator, record_decoder

SCALARS = ["string", "integer", "number", "boolean", "null"]


def _types() -> st.SearchStrategy[Any]:
    return st.one_of(st.sampled_from(SCALARS), st.lists(st.sampled_from(SCALARS), min_size=1, max_size=3))


def _schemas(depth: int) -> st.SearchStrategy[dict[str, Any]]:
    scalar = st.builds(lambda kind: {"type": kind}, _types())
    if depth == 0:
        return scalar
    inner = _schemas(depth - 1)
    array = st.builds(
        lambda items, null: {"type": ["array", "null"] if null else "array", "items": items},
        inner,
        st.booleans(),
    )
    return st.one_of(scalar, array, _objects(inner))


def _objects(inner: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[dict[str, Any]]:
    def build(properties: dict[str, Any], required: list[str], extra: bool | None, null: bool) -> dict:
        schema: dict[str, Any] = {"type": ["object", "null"] if null else "object", "properties": properties}
        if wanted := sorted({name for name in required if name in properties}):
            schema["required"] = wanted
        if extra is not None:
            schema["additionalProperties"] = extra
        return schema

    names = st.sampled_from(["a", "b", "c d", "é"])
    return st.builds(
        build,
        st.dictionaries(names, inner, max_size=3),
        st.lists(names, max_size=2),
        st.one_of(st.none(), st.booleans()),
        st.booleans(),
    )


VALUES = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(2**70), 2**70),
        st.floats(allow_nan=False, allow_infinity=False),
        st.sampled_from([1.0, -0.0, 2.5]),
        st.text(max_size=3),
    ),
    lambda children: st.one_of(
        st.lists(children, max_size=3),
        st.dictionaries(st.sampled_from(["a", "b", "c d", "é", "z"]), children, max_size=3),
    ),
    max_leaves=8,
)


def _valid(validator: FastValidator, record: dict[str, Any]) -> bool:
    try:
        validator.validate(record)
    except InvalidRecord:
        return False
    return True


def _passes(decoder: msgspec.json.Decoder, record: dict[str, Any]) -> bool:
    try:
        decoder.decode(json.dumps(record).encode())
    except msgspec.ValidationError:
        return False
    return True


@settings(max_examples=400, deadline=None)
@given(
    _objects(_schemas(2)), st.dictionaries(st.sampled_from(["a", "b", "c d", "é", "z"]), VALUES, max_size=4)
)
def test_the_fast_check_refuses_whatever_the_validator_refuses(schema: dict[str, Any], record: dict) -> None:
    decoder = record_decoder(schema)
    assert decoder is not None, schema  # the schemas generated are all simple
    if _passes(decoder, record):
        assert _valid(FastValidator(schema), record), (schema, record)


@settings(max_examples=300, deadline=None)
@given(st.data(), _objects(_schemas(2)))
def test_records_made_to_the_schema_pass_the_fast_check(data: st.DataObject, schema: dict[str, Any]) -> None:
    record = data.draw(_instances({**schema, "type": "object"}))  # a record is an object
    assert _valid(FastValidator(schema), record)
    decoder = record_decoder(schema)
    assert decoder is not None
    assert _passes(decoder, record), (schema, record)


def _instances(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Values valid for ``schema`` as a tap would write them (integers as integers)."""
    kinds = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
    options = []
    for kind in kinds:
        if kind == "object":
            properties = schema.get("properties", {})
            required = set(schema.get("required", []))
            options.append(
                st.fixed_dictionaries(
                    {name: _instances(properties.get(name, {"type": "null"})) for name in required},
                    optional={n: _instances(p) for n, p in properties.items() if n not in required},
                )
            )
        elif kind == "array":
            options.append(st.lists(_instances(schema["items"]), max_size=2))
        else:
            options.append(
                {
                    "string": st.text(max_size=3),
                    "integer": st.integers(-(2**63), 2**63 - 1),
                    "number": st.one_of(
                        st.integers(-(2**63), 2**63 - 1), st.floats(allow_nan=False, allow_infinity=False)
                    ),
                    "boolean": st.booleans(),
                    "null": st.none(),
                }[kind]
            )
    return st.one_of(options)


INVOCA_LIKE = {
    "type": "object",
    "required": ["transaction_id"],
    "additionalProperties": True,
    "properties": {
        "transaction_id": {"type": "string", "description": "key"},
        "corrected_at": {"type": ["string", "null"], "format": "date-time"},
        "custom_data": {
            "type": ["array", "null"],
            "items": {
                "type": "object",
                "additionalProperties": True,
                "properties": {"value": {"type": ["boolean", "string", "null"]}},
            },
        },
    },
}


@pytest.mark.parametrize(
    ("schema", "simple"),
    [
        (INVOCA_LIKE, True),
        ({"type": "object", "properties": {"a": {"type": "string", "inclusion": "automatic"}}}, True),
        ({"type": "object", "properties": {"a": {"type": "string", "maxLength": 3}}}, False),
        ({"type": "object", "properties": {"a": {"anyOf": [{"type": "string"}]}}}, False),
        ({"type": "object", "additionalProperties": {"type": "string"}}, False),
        ({"type": "object", "properties": {"a": {"type": "string", "properties": {}}}}, False),
        ({"type": "array"}, False),
    ],
)
def test_which_schemas_get_the_fast_check(schema: dict[str, Any], simple: bool) -> None:
    assert (record_decoder(schema) is not None) is simple
