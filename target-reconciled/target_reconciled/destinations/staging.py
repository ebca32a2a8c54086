"""SQL that loads one batch of raw records into DuckDB, typed, with what the engine needs of each row.

The batch file holds one JSON object per line: ``{"i": position in the batch, "l": input line,
"v": table version, "r": record}``. Each record is parsed once. The columns the engine reads
(key, corrects, version) are kept as JSON, so that their JSON type can be checked as ``keys`` and
``order`` do; the others are read as text and cast to their column types, so that a value which
does not convert (a malformed date, a number too large for ``DECIMAL(38,9)``) marks its row bad,
naming the column, instead of failing the whole batch. The staging table holds ``_reconciled_line``,
``_reconciled_seq`` (the first sequence number plus the position), ``_reconciled_version``, the
data columns cast to their column types, the engine's ``_reconciled_key``,
``_reconciled_corrects``, ``_reconciled_order`` (as ``keys.key_text`` and ``order.encode_order``
define them), ``_reconciled_digest``, and ``_reconciled_bad``: why the row cannot be loaded, or null.

The digest is the MD5 of the row's non-null typed column values as text, each after its column
name, between separator characters: it ignores ``_sdc_*`` and other columns not in the schema,
key order and number spelling (``10.10`` is ``10.1``).
"""

from __future__ import annotations

from collections.abc import Mapping

import msgspec

from target_reconciled.coltypes import JSON, VARCHAR
from target_reconciled.rules import StreamRules

BATCH = "_reconciled_batch"
_KEYISH = "('VARCHAR', 'BIGINT', 'UBIGINT')"
_NUMERIC = "('BIGINT', 'UBIGINT', 'DOUBLE')"


def quote(name: str) -> str:
    """A quoted SQL identifier (any name: dashes, dots, quotes)."""
    return '"' + name.replace('"', '""') + '"'


def literal(text: str) -> str:
    """A SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def _utc_text(ts: str) -> str:
    """SQL for ``datetime.isoformat()`` of a TIMESTAMPTZ in UTC (the session time zone is UTC)."""
    micros = f"microsecond({ts}) % 1000000"
    return (
        f"strftime({ts}, '%Y-%m-%dT%H:%M:%S') || CASE WHEN {micros} = 0 THEN '' "
        f"ELSE '.' || lpad(CAST({micros} AS VARCHAR), 6, '0') END || '+00:00'"
    )


class _Row:
    """SQL expressions over one raw row, whose ``engine`` columns are JSON, the others typed."""

    def __init__(self, engine: set[str]) -> None:
        self.engine = engine
        self.checks: list[str] = []

    def text(self, name: str) -> str:
        return f"json_extract_string({quote(name)}, '$')"

    def kind(self, name: str) -> str:
        return f"json_type({quote(name)})"

    def check(self, bad: str, reason: str) -> None:
        self.checks.append(f"CASE WHEN {bad} THEN {literal(reason)} END")

    def cast(self, name: str, text: str, kind: str) -> str:
        """``text`` cast to ``kind``; a value that does not convert marks the row bad, naming the column."""
        self.check(
            f"{text} IS NOT NULL AND TRY_CAST({text} AS {kind}) IS NULL", f"column {name!r}: not {kind}"
        )
        return f"TRY_CAST({text} AS {kind})"

    def typed(self, name: str, kind: str) -> str:
        if name not in self.engine:
            if kind == JSON:
                return f"nullif({quote(name)}, 'null')"
            return quote(name) if kind == VARCHAR else self.cast(name, quote(name), kind)
        text = self.text(name)
        if kind == JSON:
            return (
                f"CASE WHEN {self.kind(name)} = 'VARCHAR' THEN to_json({text}) ELSE CAST({text} AS JSON) END"
            )
        return text if kind == VARCHAR else self.cast(name, text, kind)

    def key_part(self, name: str, role: str, guard: str = "TRUE") -> str:
        kind = self.kind(name)
        self.check(f"({guard}) AND ({kind} IS NULL OR {kind} NOT IN {_KEYISH})", f"{role} {name!r}")
        return self.text(name)

    def order_item(self, name: str, kind: str) -> str:
        text, json_type = self.text(name), self.kind(name)
        empty = f"{text} IS NULL" + (
            "" if kind == "text" else f" OR ({json_type} = 'VARCHAR' AND {text} = '')"
        )
        if kind == "date-time":
            ts = f"TRY_CAST({text} AS TIMESTAMPTZ)"
            self.check(f"NOT ({empty}) AND ({json_type} <> 'VARCHAR' OR {ts} IS NULL)", f"version {name!r}")
            value = "'t:' || " + _utc_text(ts)
        elif kind == "number":
            numeric_text = f"{json_type} = 'VARCHAR' AND TRY_CAST({text} AS DOUBLE) IS NOT NULL"
            bad = f"{json_type} NOT IN {_NUMERIC} AND NOT ({numeric_text})"
            self.check(f"NOT ({empty}) AND {bad}", f"version {name!r}")
            value = f"'n:' || {text}"
        else:
            value = f"'s:' || {text}"
        return f"CASE WHEN {empty} THEN NULL ELSE {value} END"


def stage_sql(path: str, columns: Mapping[str, str], rules: StreamRules, longest: int, first_seq: int) -> str:
    """The statement creating the temp table ``_reconciled_batch`` from the batch file at ``path``.

    ``longest`` is the length of the file's longest line (the reader's buffers are sized by it);
    ``first_seq`` the arrival sequence of the batch's first record.
    """
    engine = {*rules.key, *([rules.corrects] if rules.corrects else []), *rules.order_columns}
    row = _Row(engine)
    # Engine columns and JSON columns are read as JSON, the others as text (cast by ``typed``).
    read = {name: JSON if name in engine or kind == JSON else VARCHAR for name, kind in columns.items()}
    read.update(dict.fromkeys(engine - set(columns), JSON))
    struct = f"STRUCT({', '.join(f'{quote(name)} {kind}' for name, kind in read.items())})"
    typed = [f"{row.typed(name, kind)} AS {quote(name)}" for name, kind in columns.items()]
    if rules.key:
        key = f"to_json([{', '.join(row.key_part(name, 'key column') for name in rules.key)}])"
    else:
        key = "NULL"
    corrects = "NULL"
    if rules.corrects is not None:
        target = row.text(rules.corrects)
        part = row.key_part(rules.corrects, "corrects column", f"{target} IS NOT NULL AND {target} <> ''")
        corrects = f"CASE WHEN {target} IS NULL OR {target} = '' THEN NULL ELSE to_json([{part}]) END"
    items = [row.order_item(name, kind) for name, kind in zip(rules.order_columns, rules.kinds, strict=True)]
    order = f"to_json([{', '.join(items)}]::VARCHAR[])" if items else "'[]'"
    # One concat (it skips nulls: a null column adds nothing). Each value follows its name between
    # a unit and a record separator: two rows that differ cannot give the same text unless a value
    # holds those control characters around a column's name.
    content = ", ".join(
        f"{literal(chr(31) + msgspec.json.encode(name).decode() + chr(30))} || CAST({quote(name)} AS VARCHAR)"
        for name in sorted(columns)
        if not name.startswith("_sdc_")
    )
    bad = f"NULLIF(concat_ws('; ', {', '.join(row.checks)}), '')" if row.checks else "NULL"
    record = "unnest(r), " if read else ""
    raw = (
        f"SELECT l AS _reconciled_line, {first_seq} + i AS _reconciled_seq, v AS _reconciled_version, "
        f"{record}FROM read_json({literal(path)}, "
        f"columns = {{i: 'BIGINT', l: 'BIGINT', v: 'BIGINT', "
        f"r: {literal(struct) if read else literal('JSON')}}}, "
        f"format = 'newline_delimited', maximum_object_size = {max(longest + 1, 1 << 20)})"
    )
    data = "".join(f"{expr}, " for expr in typed)
    inner = (
        f"SELECT _reconciled_line, _reconciled_seq, _reconciled_version, {data}"
        f"{key} AS _reconciled_key, {corrects} AS _reconciled_corrects, {order} AS _reconciled_order, "
        f"{bad} AS _reconciled_bad FROM ({raw})"
    )
    digest = f"md5(concat({content}))" if content else "md5('')"
    keyless = "" if rules.key else " REPLACE (to_json([_reconciled_digest]) AS _reconciled_key)"
    return (
        f"CREATE OR REPLACE TEMP TABLE {BATCH} AS SELECT *{keyless} FROM "
        f"(SELECT *, {digest} AS _reconciled_digest FROM ({inner}))"
    )
