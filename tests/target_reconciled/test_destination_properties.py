"""Property test of the whole target, on DuckDB files and PostgreSQL, against the brute-force reference.

The DuckDB destination settles rows that need no plan in SQL (new keys, once in the batch, no
corrections) and gives the engine only the others; across runs and batch sizes the current table
must still be the reference's "latest version per root".
"""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from target_reconciled.keys import key_text
from target_reconciled.rules import StreamRules
from tests.target_reconciled.harness import Dest, record, run_inline, schema
from tests.target_reconciled.test_engine_properties import (
    ARRIVAL,
    CORRECTIONS,
    REPLICATION,
    SCHEMA,
    VERSIONED,
    Record,
    batchings,
    records,
    reference,
    with_replays,
)

OVERRIDES: dict[StreamRules, dict[str, str] | None] = {
    CORRECTIONS: {"corrects": "corrects"},
    VERSIONED: {"corrects": "corrects", "version": "rev"},
    REPLICATION: None,
    ARRIVAL: None,
}
COLUMNS = ("corrects", "corrected_at", "modified", "rev", "amount")


def instant(value: str | None) -> dt.datetime | None:
    return None if value is None else dt.datetime.fromisoformat(value)


def run(rules: StreamRules, dest: Dest, batch_rows: int, chunk: list[Record]) -> None:
    config: dict[str, Any] = dest.config(batch_size_rows=batch_rows)
    override = OVERRIDES[rules]
    if override is not None:
        config["streams"] = {"s": override}
    bookmarks = ["modified"] if rules is REPLICATION else []
    lines = [schema("s", SCHEMA, ["id"], bookmark_properties=bookmarks)]
    run_inline(config, lines + [record("s", row) for row in chunk])


def stored_content(record: Record) -> str:
    """A record's content as the database holds it, which its digest covers: ``id`` is a text
    column (``1`` and ``"1"`` are the same value), instants are UTC, ``_sdc_*`` columns are left out.
    """
    typed = {name: value for name, value in record.items() if not name.startswith("_sdc_")}
    typed["id"] = str(typed["id"])
    for name in ("corrected_at", "modified"):
        if typed[name] is not None:
            typed[name] = dt.datetime.fromisoformat(typed[name]).astimezone(dt.UTC).isoformat()
    return json.dumps(typed, sort_keys=True)


def expected_rows(rules: StreamRules, input_rows: list[Record]) -> dict[str, dict[str, Any]]:
    current, counts = reference(rules, input_rows, stored_content)
    return {
        root: {
            "_reconciled_source_key": str(winner["id"]),
            "_reconciled_versions": counts[root],
            **{name: winner.get(name) for name in COLUMNS},
        }
        for root, winner in current.items()
    }


def loaded_rows(dest: Dest) -> dict[str, dict[str, Any]]:
    found = {}
    for row in dest.rows("s"):
        value = {name: row[name] for name in ("_reconciled_source_key", "_reconciled_versions", *COLUMNS)}
        found[row["_reconciled_root"]] = value
        assert row["id"] == row["_reconciled_root"][2:-2], row  # the key columns hold the root key
    return found


def normalised(table: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {
        root: {
            **row,
            "corrected_at": instant(row["corrected_at"])
            if isinstance(row["corrected_at"], str)
            else row["corrected_at"],
            "modified": instant(row["modified"]) if isinstance(row["modified"], str) else row["modified"],
        }
        for root, row in table.items()
    }


def check(dest: Dest, rules: StreamRules, input_rows: list[Record], batch_rows: int, runs: list) -> None:
    for chunk in runs:  # each chunk is one run
        run(rules, dest, batch_rows, chunk)
    if not input_rows:
        return
    expected = expected_rows(rules, input_rows)
    assert normalised(loaded_rows(dest)) == normalised(expected)
    history = dest.rows("s__history")
    assert len(history) == sum(expected[root]["_reconciled_versions"] for root in loaded_rows(dest))
    assert len({row["_reconciled_seq"] for row in history}) == len(history)
    assert {row["_reconciled_root"] for row in history} == set(expected)  # no row left under a merged root
    assert all(key_text([row["id"]]) == row["_reconciled_key"] for row in history)


REFERENCE_INPUTS = (
    st.sampled_from([CORRECTIONS, VERSIONED, REPLICATION, ARRIVAL]),
    st.lists(records(), max_size=14).flatmap(with_replays),
    st.integers(1, 5),
    st.data(),
)
"""Rules, input rows with replays, batch size, and (drawn in the test) how the input splits into runs."""


@settings(max_examples=40, deadline=None)
@given(*REFERENCE_INPUTS)
def test_duckdb_current_table_equals_reference(
    rules: StreamRules, input_rows: list[Record], batch_rows: int, data: st.DataObject
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        check(Dest("duckdb", Path(tmp)), rules, input_rows, batch_rows, data.draw(batchings(input_rows)))


@settings(max_examples=25, deadline=None)
@given(*REFERENCE_INPUTS)
def test_postgres_current_table_equals_reference(
    postgres_url: str, rules: StreamRules, input_rows: list[Record], batch_rows: int, data: st.DataObject
) -> None:
    dest = Dest("postgres", Path("/nonexistent"), postgres_url)
    try:
        check(dest, rules, input_rows, batch_rows, data.draw(batchings(input_rows)))
    finally:
        dest.drop()


@st.composite
def chains_in_any_order(draw: st.DrawFn) -> tuple[list[Record], dict[str, str]]:
    """Correction chains (``x0 <- x1 <- x2 ...``), arriving shuffled; each chain's last link wins.

    Arriving out of order, a chain's parts first form groups of their own that later merge: the
    case the general records strategy rarely draws across runs. Returns the rows and, per root
    key text, the key of its winner.
    """
    rows: list[Record] = []
    winners: dict[str, str] = {}
    for chain in range(draw(st.integers(1, 3))):
        length = draw(st.integers(2, 5))
        ids = [f"c{chain}-{n}" for n in range(length)]
        for n, key in enumerate(ids):
            at = None if n == 0 else f"2026-01-0{n}T00:00:00+00:00"
            rows.append({"id": key, "corrects": ids[n - 1] if n else None, "corrected_at": at, "amount": n})
        winners[key_text([ids[0]])] = ids[-1]
    return draw(st.permutations(rows)), winners


@settings(max_examples=20, deadline=None)
@given(chains_in_any_order(), st.integers(1, 3), st.data())
def test_chains_arriving_in_any_order_merge_to_their_original(
    postgres_url: str,
    chains: tuple[list[Record], dict[str, str]],
    batch_rows: int,
    data: st.DataObject,
) -> None:
    rows, winners = chains
    runs = data.draw(batchings(rows))
    with tempfile.TemporaryDirectory() as tmp:
        for dest in (Dest("duckdb", Path(tmp)), Dest("postgres", Path(tmp), postgres_url)):
            try:
                for chunk in runs:
                    run(CORRECTIONS, dest, batch_rows, chunk)
                current = dest.current("s")
                assert {root: row["_reconciled_source_key"] for root, row in current.items()} == winners
                assert {root: row["id"] for root, row in current.items()} == {
                    root: root[2:-2] for root in winners
                }
                history = dest.rows("s__history")
                assert {row["_reconciled_root"] for row in history} == set(winners)
                assert len(dest.rows("_reconciled_links")) == len(rows)
                assert {link["root"] for link in dest.rows("_reconciled_links")} == set(winners)
            finally:
                dest.drop()
