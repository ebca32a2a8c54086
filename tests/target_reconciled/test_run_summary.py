"""The summary every run ends with: one line per stream and the same counts as METRIC counters."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from target_reconciled.model import Incoming, Plan, Winner
from target_reconciled.summary import StreamSummary
from tests.target_reconciled.downstream import Downstream
from tests.target_reconciled.harness import INVOCA_SCHEMA, Dest, record, run_cli, schema

INPUT = [
    schema("transactions", INVOCA_SCHEMA, ["transaction_id"]),
    record("transactions", {"transaction_id": "A", "sale_amount": 1}),
    record("transactions", {"transaction_id": "B", "corrects_transaction_id": "A", "sale_amount": 2}),
    record("transactions", {"transaction_id": "C", "corrects_transaction_id": "B", "sale_amount": 3}),
    record("transactions", {"transaction_id": "D", "corrects_transaction_id": "X", "sale_amount": 4}),
    record("transactions", {"transaction_id": "A", "sale_amount": 1}),  # a replay
    record(
        "transactions", {"transaction_id": "B", "corrects_transaction_id": "A", "sale_amount": 2}
    ),  # again
    record("transactions", {"transaction_id": "E", "sale_amount": 5}),
]
"""A chain C -> B -> A, a correction D of X that never arrives, two replays, a lone E; in batches of 2:
[A, B] makes root A; [C, D] changes A and makes X; [A, B] are replays; [E] is settled."""
FIRST = {
    "reconciled_records_received": 7,
    "reconciled_new_roots": 3,
    "reconciled_changed_roots": 1,
    "reconciled_corrections_merged": 3,
    "reconciled_replays_ignored": 2,
    "reconciled_corrections_waiting": 1,
}
AGAIN = {  # the same input once more: all of it replays, D still waits
    "reconciled_records_received": 7,
    "reconciled_new_roots": 0,
    "reconciled_changed_roots": 0,
    "reconciled_corrections_merged": 0,
    "reconciled_replays_ignored": 7,
    "reconciled_corrections_waiting": 1,
}
LINE = re.compile(
    r"stream transactions: 7 records received; current rows written: (\d+) new, (\d+) changed; "
    r"(\d+) corrections merged; (\d+) replays ignored; (\d+) corrections waiting for their original"
    r"(?:; (\d+) rows sent downstream)?; \d+\.\d s"
)


def counters(stderr: str) -> dict[str, int]:
    """The summary's METRIC counters of stream ``transactions`` in a run's log."""
    found = {}
    for line in stderr.splitlines():
        if "METRIC: " in line and '"reconciled_' in line:
            point = json.loads(line.split("METRIC: ", 1)[1])
            assert point["type"] == "counter"
            assert point["tags"] == {"stream": "transactions"}
            found[point["metric"]] = point["value"]
    return found


def summary_line(stderr: str) -> tuple[int | None, ...]:
    (match,) = [m for line in stderr.splitlines() if (m := LINE.search(line))]
    return tuple(None if group is None else int(group) for group in match.groups())


def run_twice(config: dict[str, Any], tmp_path: Path) -> list[str]:
    logs = []
    for _ in range(2):
        result = run_cli({**config, "batch_size_rows": 2}, INPUT, tmp_path)
        assert result.code == 0, result.stderr[-2000:]
        logs.append(result.stderr)
    return logs


def test_the_summary_on_duckdb_and_postgres(dest: Dest, tmp_path: Path) -> None:
    first, again = run_twice(dest.config(), tmp_path)
    assert counters(first) == FIRST
    assert summary_line(first) == (3, 1, 3, 2, 1, None)
    assert counters(again) == AGAIN
    assert summary_line(again) == (0, 0, 0, 7, 1, None)


def test_the_summary_when_forwarding(tmp_path: Path) -> None:
    """Rows sent downstream: what target-jsonl received in each run."""
    downstream = Downstream("target-jsonl", tmp_path / "downstream")
    config = {**downstream.forward(), "duckdb_path": str(tmp_path / "store.duckdb"), "batch_size_rows": 2}
    sent = []
    logs = []
    for _ in range(2):
        result = run_cli(config, INPUT, tmp_path)
        assert result.code == 0, result.stderr[-2000:]
        logs.append(result.stderr)
        sent.append(len(downstream.rows("transactions")) - sum(sent))
    assert sent[0] >= 3  # at least A, X and E
    assert counters(logs[0]) == {**FIRST, "reconciled_rows_forwarded": sent[0]}
    assert summary_line(logs[0]) == (3, 1, 3, 2, 1, sent[0])
    assert counters(logs[1]) == {**AGAIN, "reconciled_rows_forwarded": sent[1]}


@pytest.mark.parametrize("history", [True, False])
def test_waiting_corrections_without_history(dest: Dest, tmp_path: Path, history: bool) -> None:
    """With history false the count comes from the bookkeeping table; it is the same."""
    result = run_cli({**dest.config(), "history": history}, INPUT, tmp_path)
    assert result.code == 0, result.stderr[-2000:]
    assert counters(result.stderr)["reconciled_corrections_waiting"] == 1


def test_a_batch_counts_settled_rows_as_new_roots() -> None:
    summary = StreamSummary("s")
    pending = [Incoming("B", "A", "o", "d1", 11), Incoming("A", None, "o", "d2", 12)]
    plan = Plan(rows=[(0, 11, "A")], current={"A": Winner(11, 2)}, new_roots=0, dropped=[12])
    summary.add_batch(received=5, pending=pending, plan=plan)
    assert (summary.received, summary.new_roots, summary.changed_roots) == (5, 3, 1)
    assert (summary.corrections, summary.replays) == (1, 1)
    assert "waiting" not in summary.line(1.0)
