"""``destination: singer``: real downstream targets from PyPI end with exactly our ``<stream>`` table.

Inputs: Invoca correction chains whose rows arrive in any order across runs (corrections before
originals, chains merging two roots), replays, and Ve status changes. The reference is the same
runs into ``destination: duckdb`` (or ``postgres``): the downstream's rows that are not merged
away must equal its current table, column by column.
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.target_reconciled.downstream import META, Downstream, comparable, plain
from tests.target_reconciled.harness import (
    INVOCA_SCHEMA,
    VE_SCHEMA,
    Dest,
    record,
    run_cli,
    run_inline,
    schema,
    state,
)

FAULTY = str(Path(__file__).with_name("faulty_target.py"))
INVOCA_COLUMNS = [*INVOCA_SCHEMA["properties"], *META]
VE_COLUMNS = [*VE_SCHEMA["properties"], *META]
STATUSES = ["Pending", "Approved", "Invoiced", "Paid"]


def chunks(seed: int, runs: int = 3) -> list[list[str]]:
    """Record lines in ``runs`` chunks: Invoca chains and Ve status moves, shuffled, with replays."""
    rng = random.Random(seed)
    placed: list[list[str]] = [[] for _ in range(runs)]
    for i in range(30):
        chain = [{"transaction_id": f"O{i}", "transaction_type": "Call", "sale_amount": i + 0.5}]
        for depth in range(rng.choice([0, 0, 1, 2])):
            chain.append(
                {
                    "transaction_id": f"O{i}c{depth}",
                    "corrects_transaction_id": chain[-1]["transaction_id"],
                    "corrected_at": f"2026-01-0{depth + 1}T00:00:00Z",
                    "sale_amount": i + depth + 1.25,
                    "custom_data": [{"depth": depth}],
                }
            )
        for row in chain:
            placed[rng.randrange(runs)].append(record("transactions", row))
    for tid in range(1, 16):
        for step, status in enumerate(STATUSES[: rng.randint(1, 4)]):
            row = {
                "transactionId": tid,
                "status": status,
                "commission": tid * 1.5 + step,
                "modifiedDate": f"2026-02-{tid:02d}T0{step}:00:00Z",
            }
            placed[rng.randrange(runs)].append(record("ve", row))
    for run in range(1, runs):  # replays of earlier runs' rows
        placed[run] += rng.sample(placed[run - 1], min(5, len(placed[run - 1])))
    for lines in placed:
        rng.shuffle(lines)
    return placed


SCHEMAS = [
    schema("transactions", INVOCA_SCHEMA, ["transaction_id"]),
    schema("ve", VE_SCHEMA, ["transactionId"], bookmark_properties=["modifiedDate"]),
]


def with_states(run: int, lines: list[str], every: int = 10) -> list[str]:
    """A run's input: SCHEMAs, records, a STATE ``{"run": run, "at": n}`` every ``every`` records."""
    out = list(SCHEMAS)
    for n, line in enumerate(lines, 1):
        out.append(line)
        if n % every == 0 or n == len(lines):
            out.append(state({"run": run, "at": n}))
    return out


def reference(dest: Dest, tmp_path: Path, runs: list[list[str]]) -> dict[str, dict[Any, dict[str, Any]]]:
    """Our own tables after the same runs (the destination ``dest`` is)."""
    config = dest.config(batch_size_rows=7)
    for number, lines in enumerate(runs):
        run_inline(config, with_states(number, lines))
    return {
        "transactions": comparable(dest.rows("transactions"), "transaction_id", INVOCA_COLUMNS),
        "ve": comparable(dest.rows("ve"), "transactionId", VE_COLUMNS),
    }


def run_all(config: dict[str, Any], runs: list[list[str]], tmp_path: Path, after: Any = None) -> None:
    """Run each input through the target; each must succeed; ``after(number, lines, result)`` checks more."""
    for number, lines in enumerate(runs):
        result = run_cli(config, with_states(number, lines), tmp_path)
        assert result.code == 0, result.stderr
        if after is not None:
            after(number, lines, result)


def downstream_tables(downstream: Downstream) -> dict[str, dict[Any, dict[str, Any]]]:
    return {
        "transactions": downstream.current("transactions", "transaction_id", INVOCA_COLUMNS),
        "ve": downstream.current("ve", "transactionId", VE_COLUMNS),
    }


@pytest.fixture
def reference_dest(tmp_path: Path) -> Dest:
    return Dest("duckdb", tmp_path / "reference")


@pytest.mark.parametrize(("name", "seed"), [("target-jsonl", 1), ("target-jsonl", 2), ("target-duckdb", 1)])
def test_downstream_ends_with_our_table(name: str, seed: int, tmp_path: Path, reference_dest: Dest) -> None:
    runs = chunks(seed)
    downstream = Downstream(name, tmp_path / "downstream")
    config = {**downstream.forward(), "duckdb_path": str(tmp_path / "store.duckdb"), "batch_size_rows": 7}

    def ends_with_its_last_state(number: int, lines: list[str], result: Any) -> None:
        assert result.states[-1] == {"run": number, "at": len(lines)}

    run_all(config, runs, tmp_path, ends_with_its_last_state)
    assert downstream_tables(downstream) == reference(reference_dest, tmp_path, runs)


@pytest.mark.parametrize("seed", [3])
def test_target_postgres_upserts_what_destination_postgres_holds(
    seed: int, tmp_path: Path, postgres_url: str
) -> None:
    runs = chunks(seed)
    ours = Dest("postgres", tmp_path / "reference", postgres_url)
    downstream = Downstream("target-postgres", tmp_path / "downstream", postgres_url)
    try:
        config = {**downstream.forward(), "duckdb_path": str(tmp_path / "store.duckdb"), "batch_size_rows": 7}
        run_all(config, runs, tmp_path)
        assert downstream_tables(downstream) == reference(ours, tmp_path, runs)
    finally:
        downstream.drop()
        ours.drop()


def test_merged_roots_are_sent_once_more_with_the_root_they_merged_into(tmp_path: Path) -> None:
    """C corrects B corrects A, arriving C, A, then B: B's group (root B) merges into A's."""
    downstream = Downstream("target-jsonl", tmp_path / "downstream")
    config = {**downstream.forward(), "duckdb_path": str(tmp_path / "store.duckdb")}
    first = [
        schema("transactions", INVOCA_SCHEMA, ["transaction_id"]),
        record("transactions", {"transaction_id": "A", "sale_amount": 1}),
        record("transactions", {"transaction_id": "C", "corrects_transaction_id": "B", "sale_amount": 3}),
        state({"p": 1}),
    ]
    second = [
        schema("transactions", INVOCA_SCHEMA, ["transaction_id"]),
        record("transactions", {"transaction_id": "B", "corrects_transaction_id": "A", "sale_amount": 2}),
        state({"p": 2}),
    ]
    assert run_cli(config, first, tmp_path).code == 0
    assert run_cli(config, second, tmp_path).code == 0
    sent = downstream.rows("transactions")
    merged = [row for row in sent if row["_reconciled_merged_into"] is not None]
    assert [(row["transaction_id"], row["_reconciled_merged_into"]) for row in merged] == [("B", "A")]
    assert merged[0]["_sdc_deleted_at"]
    live = downstream.current("transactions", "transaction_id", ["sale_amount", *META])
    assert live == {"A": {"sale_amount": plain(3), "_reconciled_source_key": "C", "_reconciled_versions": 3}}


def test_history_is_forwarded_keyed_by_source_key_and_digest(tmp_path: Path) -> None:
    downstream = Downstream("target-jsonl", tmp_path / "downstream")
    config = {**downstream.forward(forward_history=True), "duckdb_path": str(tmp_path / "store.duckdb")}
    lines = [
        schema("transactions", INVOCA_SCHEMA, ["transaction_id"]),
        record("transactions", {"transaction_id": "A", "sale_amount": 1}),
        record("transactions", {"transaction_id": "A2", "corrects_transaction_id": "A", "sale_amount": 2}),
        record("transactions", {"transaction_id": "A", "sale_amount": 1}),  # a replay: not stored twice
        state({"p": 1}),
    ]
    assert run_cli(config, lines, tmp_path).code == 0
    history = downstream.rows("transactions__history")
    assert sorted((row["transaction_id"], row["_reconciled_root"]) for row in history) == [
        ("A", "A"),
        ("A2", "A"),
    ]
    assert all(row["_reconciled_digest"] for row in history)


def resume_until_done(
    tmp_path: Path, runs: list[list[str]], config_for: Any, *, attempts: int = 6
) -> list[tuple[int, list[Any]]]:
    """Run each input as Meltano would: after a failure, again from the last STATE emitted.

    ``config_for(attempt)`` gives each attempt's config. Returns (exit code, states) per attempt.
    """
    outcomes = []
    attempt = 0
    for number, lines in enumerate(runs):
        full = with_states(number, lines)
        start = 0
        while True:
            assert attempt < attempts * len(runs), "no convergence"
            result = run_cli(config_for(attempt), [*SCHEMAS, *full[start:]], tmp_path)
            attempt += 1
            outcomes.append((result.code, result.states))
            if result.states:  # resume after the last STATE emitted
                last = json.dumps(result.states[-1])
                start = max(i for i, line in enumerate(full) if line == state(json.loads(last))) + 1
            if result.code == 0:
                break
    return outcomes


@pytest.mark.parametrize("trial", range(10))
def test_a_downstream_killed_at_a_random_point_converges(
    trial: int, tmp_path: Path, reference_dest: Dest
) -> None:
    rng = random.Random(trial)
    runs = chunks(100 + trial, runs=1)
    downstream = Downstream("target-jsonl", tmp_path / "downstream")
    healthy = downstream.forward()
    real = healthy["forward_command"]

    def config_for(attempt: int) -> dict[str, Any]:
        command = real if attempt % 2 else [sys.executable, FAULTY, "kill", str(rng.randint(1, 25)), *real]
        return {
            **healthy,
            "forward_command": command,
            "duckdb_path": str(tmp_path / "s.duckdb"),
            "batch_size_rows": 5,
        }

    outcomes = resume_until_done(tmp_path, runs, config_for)
    for code, states in outcomes:
        if code != 0:
            assert states == []  # target-jsonl emits its STATE only at its end: nothing was acknowledged
    assert any(code != 0 for code, _ in outcomes)
    assert downstream_tables(downstream) == reference(reference_dest, tmp_path, runs)


def test_a_downstream_that_exits_1_ends_the_run_with_its_name_code_and_stderr(tmp_path: Path) -> None:
    downstream = Downstream("target-jsonl", tmp_path / "downstream")
    forward = downstream.forward()
    config = {
        **forward,
        "forward_command": [sys.executable, FAULTY, "exit1", "5", *forward["forward_command"]],
        "duckdb_path": str(tmp_path / "s.duckdb"),
        "batch_size_rows": 3,
    }
    result = run_cli(config, with_states(0, chunks(7)[0]), tmp_path)
    assert result.code != 0
    assert result.states == []
    assert "the downstream target 'python" in result.stderr or "downstream target" in result.stderr
    assert "exited with code 1" in result.stderr
    assert "faulty_target: giving up on purpose" in result.stderr


def test_a_downstream_that_never_emits_state_passes_no_state_and_is_caught_up_next_run(
    tmp_path: Path, reference_dest: Dest
) -> None:
    runs = chunks(11)
    downstream = Downstream("target-jsonl", tmp_path / "downstream")
    healthy = downstream.forward()
    base = {**healthy, "duckdb_path": str(tmp_path / "s.duckdb"), "batch_size_rows": 5}
    mute = {**base, "forward_command": [sys.executable, FAULTY, "mute", "0", *healthy["forward_command"]]}
    result = run_cli(mute, with_states(0, runs[0]), tmp_path)
    assert result.code == 0, result.stderr
    assert result.states == []
    assert "did not emit" in result.stderr
    # Meltano has no new state: the same input comes again, to a downstream that acknowledges.
    outcomes = resume_until_done(tmp_path, runs, lambda attempt: base)
    assert all(code == 0 for code, _ in outcomes)
    assert downstream_tables(downstream) == reference(reference_dest, tmp_path, runs)


def test_the_target_killed_between_its_commit_and_the_acknowledgement_converges(
    tmp_path: Path, reference_dest: Dest
) -> None:
    runs = chunks(12)
    downstream = Downstream("target-jsonl", tmp_path / "downstream")
    healthy = downstream.forward()
    base = {**healthy, "duckdb_path": str(tmp_path / "s.duckdb"), "batch_size_rows": 5}
    killer = [sys.executable, FAULTY, "kill-upstream", "0", *healthy["forward_command"]]

    def config_for(attempt: int) -> dict[str, Any]:
        return {**base, "forward_command": killer} if attempt == 0 else base

    outcomes = resume_until_done(tmp_path, runs, config_for)
    assert outcomes[0][0] == -9
    assert outcomes[0][1] == []
    assert downstream_tables(downstream) == reference(reference_dest, tmp_path, runs)


def test_a_store_in_postgres_survives_the_loss_of_the_local_disk(tmp_path: Path, postgres_url: str) -> None:
    """forward_store: postgres; the run's local files (DuckDB path, spool) vanish between runs."""
    runs = chunks(13)
    ours = Dest("postgres", tmp_path / "reference", postgres_url)
    store = Dest("postgres", tmp_path / "store", postgres_url)
    downstream = Downstream("target-jsonl", tmp_path / "downstream")
    try:
        local = tmp_path / "local"
        config = {
            **downstream.forward(forward_store="postgres"),
            "postgres_url": postgres_url,
            "default_target_schema": store.schema,
            "duckdb_path": str(local / "store.duckdb"),
            "batch_size_rows": 5,
        }

        def nothing_local(*_: Any) -> None:
            assert not local.exists()  # nothing of the store was on the local disk

        run_all(config, runs, tmp_path, nothing_local)
        assert downstream_tables(downstream) == reference(ours, tmp_path, runs)
    finally:
        ours.drop()
        store.drop()


def test_roots_dropped_by_activate_version_are_sent_as_deleted(tmp_path: Path) -> None:
    downstream = Downstream("target-jsonl", tmp_path / "downstream")
    config = {**downstream.forward(), "duckdb_path": str(tmp_path / "store.duckdb")}
    header = schema("transactions", INVOCA_SCHEMA, ["transaction_id"])
    first = [header, *(record("transactions", {"transaction_id": t}, version=1) for t in ("A", "B"))]
    first.append('{"type": "ACTIVATE_VERSION", "stream": "transactions", "version": 1}')
    second = [header, record("transactions", {"transaction_id": "A"}, version=2)]
    second.append('{"type": "ACTIVATE_VERSION", "stream": "transactions", "version": 2}')
    for lines in (first, second):
        result = run_cli(config, [*lines, state({"done": True})], tmp_path)
        assert result.code == 0, result.stderr
    sent = downstream.rows("transactions")
    deleted = [row for row in sent if row.get("_sdc_deleted_at")]
    assert [(row["transaction_id"], row["_reconciled_merged_into"]) for row in deleted] == [("B", None)]
    assert sent[-1]["transaction_id"] == "B"


def test_a_downstream_that_closes_its_input_ends_the_run(tmp_path: Path) -> None:
    script = "import os, sys, time; os.close(0); print('closing my input', file=sys.stderr); time.sleep(60)"
    config = {
        "destination": "singer",
        "duckdb_path": str(tmp_path / "s.duckdb"),
        "forward_command": [sys.executable, "-c", script],
    }
    result = run_cli(config, with_states(0, chunks(5)[0]), tmp_path)
    assert result.code != 0
    assert result.states == []
    assert "stopped reading its input (closed its input) and was stopped" in result.stderr
    assert "closing my input" in result.stderr
