"""SQL that types one batch of raw records in PostgreSQL, with what the engine needs of each row.

The batch file's lines (``{"i": position, "l": input line, "v": table version, "r": record}``)
are copied as they are into the one-column table ``RAW`` (``jsonb``). This statement makes the
staging table ``BATCH`` from it, with the same columns as the DuckDB staging (``staging``):
``_reconciled_line``, ``_reconciled_seq``, ``_reconciled_version``, the data columns cast to their
column types, ``_reconciled_key``, ``_reconciled_corrects``, ``_reconciled_order`` (as
``keys.key_text`` and ``order.encode_order`` define them), ``_reconciled_bad`` (why the row cannot
be loaded, or null) and ``_reconciled_digest``.

PostgreSQL has no ``TRY_CAST``: a value of the wrong shape (``yesterday`` for a date, ``NaN`` for a
number, ``yes`` for a boolean) marks its row bad, and the cast of a well-shaped value that is still
out of range (``2026-02-30``) fails the statement; ``bad_value_sql`` then finds its row.

The digest is the MD5 of the row's non-null typed values as text, each after its column name
between separator characters; numbers lose trailing zeros first, so that ``10.10`` is ``10.1``.
"""

from __future__ import annotations

from collections.abc import Mapping

import msgspec

from target_reconciled.coltypes import BOOLEAN, DATE, DECIMAL, JSON, TIME, TIMESTAMPTZ, VARCHAR
from target_reconciled.destinations.staging import literal, quote
from target_reconciled.rules import StreamRules

RAW = "_reconciled_raw"
BATCH = "_reconciled_batch"
COPY_RAW = f"COPY {RAW} (d) FROM STDIN (FORMAT csv, QUOTE E'\\x01', DELIMITER E'\\x02')"
"""Copies the batch file's lines as they are: JSON holds neither control character (RFC 8259)."""
PG_TYPES = {
    BOOLEAN: "boolean",
    "BIGINT": "bigint",
    DECIMAL: "numeric",
    VARCHAR: "text",
    TIMESTAMPTZ: "timestamptz",
    DATE: "date",
    TIME: "time",
    JSON: "jsonb",
}
"""PostgreSQL's type for each ``coltypes`` type."""
_DATE = "[0-9]{4}-[0-9]{2}-[0-9]{2}"
_TIME = "[0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]+)?)?"
_ZONE = "(Z|z|[+-][0-9]{2}(:?[0-9]{2}(:?[0-9]{2})?)?)?"
_NUMBER = "-?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][-+]?[0-9]+)?"
SHAPES = {
    BOOLEAN: "true|false",
    "BIGINT": "-?[0-9]+",
    DECIMAL: _NUMBER,
    TIMESTAMPTZ: f"{_DATE}([T ]{_TIME}{_ZONE})?",
    DATE: _DATE,
    TIME: f"{_TIME}{_ZONE}",
}
"""The ISO / JSON spellings accepted for each non-text type (PostgreSQL's own input is laxer)."""


def _matches(text: str, kind: str) -> str:
    return f"{text} ~ {literal('^(' + SHAPES[kind] + ')$')}"


def shaped_cast(text: str, kind: str) -> str:
    """SQL casting ``text`` to column type ``kind`` if it is spelled as ``SHAPES`` expects, else null."""
    if kind in (VARCHAR, JSON):
        return f"{text}::{PG_TYPES[kind]}"
    return f"CASE WHEN {_matches(text, kind)} THEN {text}::{PG_TYPES[kind]} END"


def _utc_text(ts: str) -> str:
    """SQL for ``datetime.isoformat()`` of a timestamptz in UTC."""
    utc = f"({ts} AT TIME ZONE 'UTC')"
    return (
        f"to_char({utc}, 'YYYY-MM-DD\"T\"HH24:MI:SS') || CASE WHEN extract(microseconds FROM {utc}) "
        f"::bigint % 1000000 = 0 THEN '' ELSE to_char({utc}, '.US') END || '+00:00'"
    )


class _Row:
    """SQL over one record's columns ``x`` (``jsonb_to_record``), with the checks that mark it bad.

    The ``engine`` columns (key, corrects, version) are read as jsonb, so that their JSON type can
    be checked as ``keys`` and ``order`` do; JSON columns as jsonb; the others as text.
    """

    def __init__(self, engine: set[str]) -> None:
        self.engine = engine
        self.checks: list[str] = []

    def text(self, name: str) -> str:
        column = f"x.{quote(name)}"
        return f"({column} #>> '{{}}')" if name in self.engine else column

    @staticmethod
    def kind(name: str) -> str:
        return f"jsonb_typeof(x.{quote(name)})"

    def check(self, bad: str, reason: str) -> None:
        self.checks.append(f"CASE WHEN {bad} THEN {literal(reason)} END")

    def typed(self, name: str, kind: str) -> str:
        """The value cast to its column type; a value of the wrong shape is null and marks the row."""
        if kind == JSON:
            return f"x.{quote(name)}"
        text = self.text(name)
        if kind == VARCHAR:
            return text
        self.check(
            f"{text} IS NOT NULL AND NOT {_matches(text, kind)}", f"column {name!r}: not {PG_TYPES[kind]}"
        )
        return shaped_cast(text, kind)

    def key_part(self, name: str, role: str, guard: str = "TRUE") -> str:
        kind, text = self.kind(name), self.text(name)
        keyish = f"{kind} = 'string' OR ({kind} = 'number' AND {text} ~ '^-?[0-9]+$')"
        self.check(f"({guard}) AND ({kind} IS NULL OR NOT ({keyish}))", f"{role} {name!r}")
        return text

    def order_item(self, name: str, kind: str) -> str:
        text, json_type = self.text(name), self.kind(name)
        empty = f"{text} IS NULL" + (
            "" if kind == "text" else f" OR ({json_type} = 'string' AND {text} = '')"
        )
        if kind == "date-time":
            shaped = f"{json_type} = 'string' AND {_matches(text, TIMESTAMPTZ)}"
            self.check(f"NOT ({empty}) AND NOT ({shaped})", f"version {name!r}")
            value = f"CASE WHEN {shaped} THEN 't:' || {_utc_text(f'{text}::timestamptz')} END"
        elif kind == "number":
            shaped = f"{json_type} = 'number' OR ({json_type} = 'string' AND {_matches(text, DECIMAL)})"
            self.check(f"NOT ({empty}) AND NOT ({shaped})", f"version {name!r}")
            value = f"'n:' || {text}"
        else:
            value = f"'s:' || {text}"
        return f"CASE WHEN {empty} THEN NULL ELSE {value} END"


def _digest_text(name: str, kind: str) -> str:
    value = f"trim_scale({quote(name)})" if kind == DECIMAL else quote(name)
    return f"{literal(chr(31) + msgspec.json.encode(name).decode() + chr(30))} || {value}::text"


def stage_sql(columns: Mapping[str, str], rules: StreamRules, first_seq: int) -> str:
    """The statement creating the temp table ``BATCH`` (dropped at commit) from ``RAW``.

    ``columns`` maps each data column to its ``coltypes`` type; ``first_seq`` is the arrival
    sequence of the batch's first record.
    """
    engine = {*rules.key, *([rules.corrects] if rules.corrects else []), *rules.order_columns}
    row = _Row(engine)
    read = {name: "jsonb" if name in engine or kind == JSON else "text" for name, kind in columns.items()}
    read.update(dict.fromkeys(engine - set(columns), "jsonb"))
    record = ", ".join(f"{quote(name)} {kind}" for name, kind in read.items())
    columns_from = f", jsonb_to_record(raw.d -> 'r') AS x({record})" if read else ""
    typed = "".join(f"{row.typed(name, kind)} AS {quote(name)}, " for name, kind in columns.items())
    if rules.key:
        parts = ", ".join(row.key_part(name, "key column") for name in rules.key)
        key = f"to_json(ARRAY[{parts}]::text[])::text"
    else:
        key = "NULL::text"
    corrects = "NULL::text"
    if rules.corrects is not None:
        target = row.text(rules.corrects)
        part = row.key_part(rules.corrects, "corrects column", f"{target} IS NOT NULL AND {target} <> ''")
        corrects = (
            f"CASE WHEN {target} IS NULL OR {target} = '' THEN NULL ELSE to_json(ARRAY[{part}])::text END"
        )
    items = [row.order_item(name, kind) for name, kind in zip(rules.order_columns, rules.kinds, strict=True)]
    order = f"to_json(ARRAY[{', '.join(items)}]::text[])::text" if items else "'[]'::text"
    # Arrays, not concat(): a function takes at most 100 arguments; array_to_string skips nulls.
    bad = f"nullif(array_to_string(ARRAY[{', '.join(row.checks)}], '; '), '')" if row.checks else "NULL::text"
    content = ", ".join(
        _digest_text(name, kind) for name, kind in sorted(columns.items()) if not name.startswith("_sdc_")
    )
    digest = f"md5(array_to_string(ARRAY[{content}]::text[], ''))" if content else "md5('')"
    key_column = "to_json(ARRAY[_reconciled_digest])::text" if not rules.key else "_reconciled_key"
    inner = (
        f"SELECT (raw.d ->> 'l')::bigint AS _reconciled_line, "
        f"{first_seq} + (raw.d ->> 'i')::bigint AS _reconciled_seq, "
        f"(raw.d ->> 'v')::bigint AS _reconciled_version, {typed}{key} AS _reconciled_key, "
        f"{corrects} AS _reconciled_corrects, {order} AS _reconciled_order, {bad} AS _reconciled_bad "
        f"FROM {RAW} AS raw{columns_from}"
    )
    names = "".join(f"{quote(name)}, " for name in columns)
    return (
        f"CREATE TEMP TABLE {BATCH} ON COMMIT DROP AS SELECT _reconciled_line, _reconciled_seq, "
        f"_reconciled_version, {names}{key_column} AS _reconciled_key, _reconciled_corrects, "
        "_reconciled_order, _reconciled_bad, _reconciled_digest FROM "
        f"(SELECT *, {digest} AS _reconciled_digest FROM ({inner}) typed) digested"
    )


def bad_value_sql(columns: Mapping[str, str]) -> str:
    """A query of the first row of ``RAW`` (by line) holding a value its column type rejects.

    Returns ``(line, reason)``. It casts value by value through ``pg_temp.reconciled_casts``
    (``CAST_FUNCTION``), so it is run only after the staging statement failed on such a value.
    """
    typed = [(name, kind) for name, kind in columns.items() if kind not in (VARCHAR, JSON)]
    if not typed:
        return f"SELECT NULL::bigint, NULL::text FROM {RAW} WHERE FALSE"
    cases = []
    for name, kind in typed:
        text = f"(d -> 'r' ->> {literal(name)})"
        converts = f"pg_temp.reconciled_casts({text}, {literal(PG_TYPES[kind])})"
        cases.append(
            f"WHEN {text} IS NOT NULL AND NOT ({_matches(text, kind)} AND {converts}) "
            f"THEN {literal(f'column {name!r}: not {PG_TYPES[kind]}')}"
        )
    return (
        f"SELECT line, reason FROM (SELECT (d ->> 'l')::bigint AS line, CASE {' '.join(cases)} END AS reason "
        f"FROM {RAW}) checked WHERE reason IS NOT NULL ORDER BY line LIMIT 1"
    )


CAST_FUNCTION = """
CREATE OR REPLACE FUNCTION pg_temp.reconciled_casts(value text, kind text) RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('SELECT %L::%s', value, kind);
    RETURN true;
EXCEPTION WHEN data_exception THEN
    RETURN false;
END $$
"""
"""Whether ``value`` converts to type ``kind`` (a temporary function of the session)."""
