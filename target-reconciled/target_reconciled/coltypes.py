"""Column types: JSON schema -> column type (DuckDB names; ``pg_staging.PG_TYPES`` maps them), widening."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

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


def evolution(
    existing: Mapping[str, str], wanted: Mapping[str, str]
) -> tuple[dict[str, str], dict[str, str]]:
    """What brings a table's ``existing`` columns to ``wanted``: ``(columns to add, columns to widen)``.

    Both map a column to its new type; a column is never narrowed, and columns not wanted stay.
    """
    added = {column: kind for column, kind in wanted.items() if column not in existing}
    widened = {
        column: wider
        for column, kind in wanted.items()
        if column in existing and (wider := widen(existing[column], kind)) != existing[column]
    }
    return added, widened
