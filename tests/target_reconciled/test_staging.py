"""The SQL staging of a batch agrees with the engine's Python definitions of key, corrects and order."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import msgspec
from hypothesis import given, settings
from hypothesis import strategies as st

from target_reconciled.destinations.staging import BATCH, stage_sql
from target_reconciled.keys import key_text
from target_reconciled.order import decode_order, encode_order
from target_reconciled.rules import StreamRules

COLUMNS = {"id": "VARCHAR", "parent": "VARCHAR", "at": "TIMESTAMPTZ", "amount": "DECIMAL(38,9)"}
RULES = StreamRules("s", ("id",), "parent", "version", ("at", "amount"), ("date-time", "number"))
keys = st.one_of(st.text(st.characters(exclude_categories=["Cs"])), st.integers(-(2**63), 2**63 - 1))
stamps = st.datetimes(
    min_value=dt.datetime(1000, 1, 1),
    max_value=dt.datetime(9999, 1, 1),
    timezones=st.one_of(st.none(), st.timezones(), st.just(dt.UTC)),
)
amounts = st.one_of(
    st.none(),
    st.integers(-(10**15), 10**15),
    st.decimals(places=4, allow_nan=False, allow_infinity=False, min_value=-(10**10), max_value=10**10),
)
records = st.fixed_dictionaries(
    {
        "id": keys,
        "parent": st.one_of(st.none(), keys),
        "at": st.one_of(st.none(), stamps.map(dt.datetime.isoformat)),
        "amount": amounts,
    }
)


def staged(tmp: Path, batch: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    path = tmp / "batch.json"
    encode = msgspec.json.Encoder(decimal_format="number").encode
    lines = [b'{"i":%d,"l":%d,"v":null,"r":%b}' % (n, n, encode(r)) for n, r in enumerate(batch)]
    path.write_bytes(b"\n".join(lines))
    with duckdb.connect() as con:
        con.execute("SET TimeZone = 'UTC'")
        con.execute(stage_sql(str(path), COLUMNS, RULES, 1 << 20, 1))
        return con.execute(
            f"SELECT _reconciled_key, _reconciled_corrects, _reconciled_order, _reconciled_bad, "
            f"_reconciled_digest FROM {BATCH} ORDER BY _reconciled_line"
        ).fetchall()


def same_key(sql: str, python: str) -> None:
    """Equal texts, except that DuckDB writes control characters' escapes in upper case (\\u001F)."""
    values = msgspec.json.decode(python)
    assert msgspec.json.decode(sql) == values
    if not any(ch < " " for value in values for ch in value):
        assert sql == python


@settings(max_examples=60, deadline=None)
@given(st.lists(records, min_size=1, max_size=20))
def test_sql_and_python_agree(tmp_path_factory: Any, batch: list[dict[str, Any]]) -> None:
    agree(staged(tmp_path_factory.mktemp("stage"), batch), batch)


def agree(staged_rows: list[tuple[Any, ...]], batch: list[dict[str, Any]]) -> None:
    """Each staged ``(key, corrects, order, bad, digest)`` is what the engine computes in Python."""
    for row, record in zip(staged_rows, batch, strict=True):
        key, corrects, order, bad, _ = row
        assert bad is None
        same_key(key, key_text([record["id"]]))
        parent = record["parent"]
        if parent is None or parent == "":
            assert corrects is None
        else:
            same_key(corrects, key_text([parent]))
        python = encode_order([record["at"], record["amount"]], RULES.kinds)
        assert decode_order(order) == decode_order(python)


def test_digest_ignores_sdc_columns_key_order_and_number_spelling(tmp_path: Path) -> None:
    batch = [
        {"id": "A", "amount": Decimal("10.10"), "at": "2026-01-01T00:00:00Z"},
        {"at": "2026-01-01T01:00:00+01:00", "_sdc_batched_at": "x", "amount": Decimal("10.1"), "id": "A"},
        {"id": "A", "amount": Decimal("10.2"), "at": "2026-01-01T00:00:00Z"},
    ]
    digests = [row[4] for row in staged(tmp_path, batch)]
    assert digests[0] == digests[1] != digests[2]
    assert digests == [row[4] for row in staged(tmp_path, batch)]  # stable across runs


def test_bad_values_are_named(tmp_path: Path) -> None:
    batch = [{"id": None}, {"id": True}, {"id": "B", "at": "yesterday"}, {"id": "C", "parent": 1.5}]
    reasons = [row[3] for row in staged(tmp_path, batch)]
    assert "key column 'id'" in reasons[0]
    assert "key column 'id'" in reasons[1]
    assert "'at'" in reasons[2]
    assert "corrects column 'parent'" in reasons[3]
