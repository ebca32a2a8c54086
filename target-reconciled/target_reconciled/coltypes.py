"""Column types: JSON schema -> DuckDB type, widening, and Arrow columns built per batch."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

import msgspec
import pyarrow as pa

BOOLEAN = "BOOLEAN"
BIGINT = "BIGINT"
DECIMAL = "DECIMAL(38,9)"
VARCHAR = "VARCHAR"
TIMESTAMPTZ = "TIMESTAMPTZ"
DATE = "DATE"
TIME = "TIME"
JSON = "JSON"

_SCALAR = {"boolean": BOOLEAN, "integer": BIGINT, "number": DECIMAL, "object": JSON, "array": JSON}
_STRING_FORMATS = {"date-time": TIMESTAMPTZ, "date": DATE, "time": TIME}
_CHAINS = ((BIGINT, DECIMAL), (DATE, TIMESTAMPTZ))
_REPORTED = {
    "BOOLEAN": BOOLEAN,
    "BIGINT": BIGINT,
    "DECIMAL(38,9)": DECIMAL,
    "VARCHAR": VARCHAR,
    "TIMESTAMP WITH TIME ZONE": TIMESTAMPTZ,
    "DATE": DATE,
    "TIME": TIME,
    "JSON": JSON,
}
_json = msgspec.json.Encoder(decimal_format="number").encode


def widen(first: str, second: str) -> str:
    """The narrowest type holding every value of both types (VARCHAR holds everything)."""
    if first == second:
        return first
    for chain in _CHAINS:
        if first in chain and second in chain:
            return max(first, second, key=chain.index)
    return VARCHAR


def _branch_type(schema: Mapping[str, Any]) -> str | None:
    """The type of one schema branch, None when it only allows null."""
    declared = schema.get("type")
    if declared is None:
        return JSON
    names = [name for name in ([declared] if isinstance(declared, str) else declared) if name != "null"]
    found: str | None = None
    for name in names:
        if name == "string":
            kind = _STRING_FORMATS.get(schema.get("format", ""), VARCHAR)
        else:
            kind = _SCALAR.get(name, JSON)
        found = kind if found is None else widen(found, kind)
    return found


def column_type(schema: Mapping[str, Any]) -> str:
    """DuckDB type of a property: anyOf/oneOf and type lists give the widest of their members."""
    branches = schema.get("anyOf") or schema.get("oneOf")
    if not branches:
        return _branch_type(schema) or VARCHAR
    found: str | None = None
    for branch in branches:
        kind = _branch_type(branch)
        if kind is not None:
            found = kind if found is None else widen(found, kind)
    return found or VARCHAR


def reported_type(duckdb_type: str) -> str:
    """Our type for a type DuckDB reports for an existing column (anything unknown counts as text)."""
    return _REPORTED.get(duckdb_type.upper(), VARCHAR)


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        return str(value)
    return _json(value).decode()


def _as_text(values: Sequence[Any]) -> pa.Array:
    return pa.array([_text(value) for value in values], pa.string())


_ARROW = {
    BOOLEAN: pa.bool_(),
    BIGINT: pa.int64(),
    DECIMAL: pa.decimal128(38, 9),
    TIMESTAMPTZ: pa.timestamp("us", tz="UTC"),
    DATE: pa.date32(),
    TIME: pa.time64("us"),
}


def arrow_column(values: Sequence[Any], kind: str) -> pa.Array:
    """One Arrow column for a column of this type, in one conversion when the values allow.

    Values Arrow cannot take as they are (more than 9 decimals, a date in a timestamp column,
    text in a widened column, ...) go as text, and the database casts them to the column type.
    JSON columns always get JSON text.
    """
    if kind == JSON:
        return pa.array([None if value is None else _json(value).decode() for value in values], pa.string())
    arrow_type = _ARROW.get(kind, pa.string())
    try:
        return pa.array(values, arrow_type)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError, OverflowError):
        return _as_text(values)
