"""End-to-end runs of target-reconciled, on DuckDB and PostgreSQL: reconciliation across runs, replays,
shuffles, schema evolution."""

from __future__ import annotations

import random
from decimal import Decimal
from pathlib import Path

from tests.target_reconciled.harness import (
    INVOCA_SCHEMA,
    VE_SCHEMA,
    Dest,
    invoca,
    record,
    run_cli,
    run_inline,
    schema,
    state,
)
from tests.target_reconciled.invoca_input import lines as invoca_lines


def test_two_runs_with_corrections_of_corrections(dest: Dest, tmp_path: Path) -> None:
    config = dest.config()
    first = [
        *invoca(
            {"transaction_id": "A", "sale_amount": 10.1, "custom_data": [{"k": "v"}]},
            {"transaction_id": "B", "sale_amount": 5},
        ),
        state({"bookmarks": {"transactions": "B"}}),
    ]
    result = run_cli(config, first, tmp_path)
    assert result.code == 0, result.stderr
    assert result.states == [{"bookmarks": {"transactions": "B"}}]

    second = [
        *invoca(
            {
                "transaction_id": "A2",
                "corrects_transaction_id": "A",
                "corrected_at": "2026-01-02T00:00:00Z",
                "sale_amount": 12.5,
            },
            {
                "transaction_id": "A3",
                "corrects_transaction_id": "A2",
                "corrected_at": "2026-01-03T00:00:00+01:00",
                "sale_amount": "0.333333333",
            },
        ),
        state({"bookmarks": {"transactions": "A3"}}),
    ]
    second[2] = second[2].replace('"0.333333333"', "0.333333333")
    result = run_cli(config, second, tmp_path)
    assert result.code == 0, result.stderr
    assert result.states == [{"bookmarks": {"transactions": "A3"}}]

    now = dest.current()
    assert set(now) == {'["A"]', '["B"]'}
    a = now['["A"]']
    assert a["transaction_id"] == "A"  # the root key, not the winner's
    assert a["_reconciled_source_key"] == "A3"
    assert a["_reconciled_versions"] == 3
    assert a["sale_amount"] == Decimal("0.333333333")
    assert a["corrects_transaction_id"] == "A2"
    history = dest.rows("transactions__history", order="_reconciled_seq")
    assert [h["transaction_id"] for h in history] == ["A", "B", "A2", "A3"]
    assert {h["_reconciled_root"] for h in history if h["transaction_id"].startswith("A")} == {'["A"]'}
    assert history[0]["custom_data"] is not None
    assert history[0]["sale_amount"] == Decimal("10.1")


def test_ve_status_moves_by_modified_date_with_null_versions(dest: Dest, tmp_path: Path) -> None:
    config = dest.config()
    header = schema("transactions", VE_SCHEMA, ["transactionId"], bookmark_properties=["modifiedDate"])
    lines = [
        header,
        record(
            "transactions", {"transactionId": 7, "status": "Pending", "modifiedDate": "2026-01-01T00:00:00Z"}
        ),
        record(
            "transactions", {"transactionId": 7, "status": "Paid", "modifiedDate": "2026-01-03T00:00:00Z"}
        ),
        record(
            "transactions", {"transactionId": 7, "status": "Approved", "modifiedDate": "2026-01-02T00:00:00Z"}
        ),
        record("transactions", {"transactionId": 8, "status": "Pending", "modifiedDate": None}),
        record(
            "transactions", {"transactionId": 8, "status": "Approved", "modifiedDate": "2026-01-02T00:00:00Z"}
        ),
        record("transactions", {"transactionId": 8, "status": "Unknown", "modifiedDate": None}),
    ]
    run_inline(config, lines)
    now = dest.current()
    assert now['["7"]']["status"] == "Paid"
    assert now['["7"]']["transactionId"] == 7
    assert now['["7"]']["_reconciled_versions"] == 3
    assert now['["8"]']["status"] == "Approved"  # null versions sort lowest


def test_correction_before_its_original_in_an_earlier_run(dest: Dest, tmp_path: Path) -> None:
    config = dest.config()
    run_inline(config, invoca({"transaction_id": "C3", "corrects_transaction_id": "C2", "sale_amount": 3}))
    assert set(dest.current()) == {'["C2"]'}
    run_inline(config, invoca({"transaction_id": "C2", "corrects_transaction_id": "C", "sale_amount": 2}))
    assert set(dest.current()) == {'["C"]'}
    run_inline(config, invoca({"transaction_id": "C", "sale_amount": 1}))
    now = dest.current()
    assert set(now) == {'["C"]'}
    assert now['["C"]']["_reconciled_source_key"] == "C3"
    assert now['["C"]']["_reconciled_versions"] == 3
    assert now['["C"]']["sale_amount"] == 3
    links = dest.rows("_reconciled_links", order="key")
    assert {link["root"] for link in links} == {'["C"]'}


def test_composite_keys_with_separators(dest: Dest, tmp_path: Path) -> None:
    config = dest.config()
    props = {
        "type": "object",
        "properties": {"a": {"type": "string"}, "b": {"type": "integer"}, "v": {"type": "string"}},
    }
    odd = ['x","y', "x,y", 'q"]', "[\\", "ü|\t"]
    lines = [schema("pairs", props, ["a", "b"])]
    for n, text in enumerate(odd):
        lines.append(record("pairs", {"a": text, "b": n, "v": "old"}))
        lines.append(record("pairs", {"a": text, "b": n, "v": "new"}))
    run_inline(config, lines)
    now = dest.rows("pairs", order="b")
    assert [(r["a"], r["b"], r["v"], r["_reconciled_versions"]) for r in now] == [
        (text, n, "new", 2) for n, text in enumerate(odd)
    ]


def test_replaying_a_run_leaves_every_table_identical(dest: Dest, tmp_path: Path) -> None:
    config = dest.config(batch_size_rows=700)
    lines = list(invoca_lines(3000, corrections=0.3))
    run_inline(config, lines)

    before = dest.snapshot()
    run_inline(config, lines)
    assert dest.snapshot() == before


def test_a_row_spelling_the_same_stored_values_differently_is_a_replay(dest: Dest, tmp_path: Path) -> None:
    """The digest covers values as stored: the same instant in another offset, ``10.10`` for ``10.1``,
    an integer key sent as text (``"7"`` in a text|integer column) do not make a new version.
    """
    props = {
        "id": {"type": ["string", "integer"]},
        "at": {"type": ["string", "null"], "format": "date-time"},
        "amount": {"type": ["number", "null"]},
    }
    first = {"id": 7, "at": "2026-03-01T10:00:00+00:00", "amount": 10.1}
    respelled = (
        '{"type": "RECORD", "stream": "s", '
        '"record": {"amount": 10.10, "at": "2026-03-01T11:00:00+01:00", "id": "7"}}'
    )
    changed = {"id": 7, "at": "2026-03-01T10:00:00+00:00", "amount": 10.2}
    config = dest.config()
    run_inline(
        config, [schema("s", {"type": "object", "properties": props}, ["id"]), record("s", first), respelled]
    )
    assert len(dest.rows("s__history")) == 1
    run_inline(
        config,
        [schema("s", {"type": "object", "properties": props}, ["id"]), respelled, record("s", changed)],
    )
    history = dest.rows("s__history", order="_reconciled_seq")
    assert [row["amount"] for row in history] == [Decimal("10.1"), Decimal("10.2")]
    assert dest.current("s")['["7"]']["_reconciled_versions"] == 2


def test_shuffled_input_gives_an_identical_current_table(dest: Dest, tmp_path: Path) -> None:
    lines = list(invoca_lines(2000, corrections=0.3))
    header, body = lines[0], [line for line in lines[1:] if '"RECORD"' in line]
    shuffled = body[:]
    random.Random(3).shuffle(shuffled)
    other = dest.other()
    run_inline(dest.config(batch_size_rows=300), [header, *body])
    run_inline(other.config(batch_size_rows=450), [header, *shuffled])
    assert dest.current() == other.current()


def test_history_false_keeps_bookkeeping_only(dest: Dest, tmp_path: Path) -> None:
    config = dest.config(history=False)
    run_inline(config, invoca({"transaction_id": "C3", "corrects_transaction_id": "C2", "sale_amount": 3}))
    run_inline(
        config,
        invoca(
            {"transaction_id": "C2", "corrects_transaction_id": "C", "sale_amount": 2},
            {"transaction_id": "C", "sale_amount": 1},
            {"transaction_id": "D", "sale_amount": 4},
        ),
    )
    assert "transactions__history" not in dest.tables()
    now = dest.current()
    assert set(now) == {'["C"]', '["D"]'}
    assert now['["C"]']["_reconciled_source_key"] == "C3"
    assert now['["C"]']["sale_amount"] == 3
    kept = dest.rows("_reconciled_versions", order="_reconciled_seq")
    assert [(k["_reconciled_key"], k["_reconciled_root"]) for k in kept] == [
        ('["C3"]', '["C"]'),
        ('["C2"]', '["C"]'),
        ('["C"]', '["C"]'),
        ('["D"]', '["D"]'),
    ]


def test_schema_evolution_adds_and_widens_columns(dest: Dest, tmp_path: Path) -> None:
    config = dest.config()
    v1 = {"type": "object", "properties": {"id": {"type": "integer"}, "n": {"type": "integer"}}}
    v2 = {
        "type": "object",
        "properties": {"id": {"type": "integer"}, "n": {"type": "number"}, "extra": {"type": "boolean"}},
    }
    v3 = {"type": "object", "properties": {"id": {"type": "integer"}, "n": {"type": ["string", "integer"]}}}
    run_inline(config, [schema("s", v1, ["id"]), record("s", {"id": 1, "n": 5})])
    run_inline(
        config,
        [
            schema("s", v2, ["id"]),
            record("s", {"id": 2, "n": 2.25, "extra": True}),
            schema("s", v3, ["id"]),
            record("s", {"id": 3, "n": "three"}),
            record("s", {"id": 4, "n": 4}),
        ],
    )

    for table in ("s", "s__history"):
        assert dest.column_types(table)["n"] == "text"
        assert dest.column_types(table)["extra"] == "boolean"
    # A number widened to text is spelled as the database spells it.
    spelled = {"duckdb": ("5.000000000", "2.250000000"), "postgres": ("5", "2.25")}[dest.kind]
    assert [(r["id"], r["n"], r["extra"]) for r in dest.rows("s", order="id")] == [
        (1, spelled[0], None),
        (2, spelled[1], True),
        (3, "three", None),
        (4, "4", None),
    ]


def test_keyless_stream_stores_each_distinct_record_once(dest: Dest, tmp_path: Path) -> None:
    config = dest.config()
    props = {"type": "object", "properties": {"id": {"type": "integer"}, "m": {"type": "integer"}}}
    lines = [schema("nokey", props, [])] + [record("nokey", {"id": n % 3, "m": n % 3}) for n in range(7)]
    run_inline(config, lines)
    assert sorted((r["id"], r["_reconciled_versions"]) for r in dest.rows("nokey")) == [
        (0, 1),
        (1, 1),
        (2, 1),
    ]


def test_activate_version_drops_roots_the_new_version_did_not_reach(dest: Dest, tmp_path: Path) -> None:
    config = dest.config()
    header = schema("transactions", INVOCA_SCHEMA, ["transaction_id"])
    run_inline(
        config,
        [header]
        + [record("transactions", {"transaction_id": t}, version=1) for t in ("A", "B")]
        + ['{"type": "ACTIVATE_VERSION", "stream": "transactions", "version": 1}'],
    )
    assert set(dest.current()) == {'["A"]', '["B"]'}
    run_inline(
        config,
        [
            header,
            record("transactions", {"transaction_id": "A"}, version=2),
            '{"type": "ACTIVATE_VERSION", "stream": "transactions", "version": 2}',
        ],
    )
    assert set(dest.current()) == {'["A"]'}
    assert len(dest.rows("transactions__history")) == 2


def test_stream_names_are_quoted_and_schema_is_configurable(dest: Dest, tmp_path: Path) -> None:
    target_schema = dest.named_schema("tap-x.load")
    config = dest.config(default_target_schema=target_schema)
    props = {"type": "object", "properties": {"id": {"type": "string"}}}
    run_inline(
        config, [schema('odd-name.with"quote', props, ["id"]), record('odd-name.with"quote', {"id": "1"})]
    )
    assert dest.rows('odd-name.with""quote', schema_name=target_schema)[0]["id"] == "1"


def test_column_names_the_target_uses_internally_are_plain_data(dest: Dest) -> None:
    """Names the target's SQL uses for its own aliases (``d``, ``raw``, ``x``, ``at``...) are data too."""
    names = ["d", "r", "raw", "x", "b", "s", "v", "w", "n", "at", "root", "seq", "key", "digest", "versions"]
    props = {"type": "object", "properties": {name: {"type": ["string", "null"]} for name in names}}
    props["properties"]["corrects_transaction_id"] = {"type": ["string", "null"]}
    first = {name: f"{name}-1" for name in names}
    fix = {**first, "key": "K2", "corrects_transaction_id": "key-1", "at": "at-2"}
    config = dest.config()
    run_inline(config, [schema("t", props, ["key"]), record("t", first)])
    run_inline(config, [schema("t", props, ["key"]), record("t", fix)])
    (row,) = dest.rows("t")
    assert row["key"] == "key-1"  # the root key
    assert (row["at"], row["d"], row["_reconciled_source_key"], row["_reconciled_versions"]) == (
        "at-2",
        "d-1",
        "K2",
        2,
    )
