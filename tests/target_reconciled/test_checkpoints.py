"""Checkpoints: a STATE after every committed batch, never before its records are committed."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
from pathlib import Path

import pytest

from tests.target_reconciled.harness import TARGET, Dest, record, run_cli, schema, state

KEYED = {"type": "object", "properties": {"id": {"type": "integer"}, "v": {"type": ["string", "null"]}}}


def backfill(records: int, every: int, streams: tuple[str, ...] = ("a",)) -> list[str]:
    """``records`` rows per stream, interleaved, with a STATE ``{"n": rows so far}`` every ``every`` rows."""
    lines = [schema(name, KEYED, ["id"]) for name in streams]
    for i in range(records):
        lines += [record(name, {"id": i, "v": f"{name}{i}"}) for name in streams]
        if (i + 1) % every == 0:
            lines.append(state({"n": i + 1}))
    return lines


def test_a_state_per_committed_batch_not_only_at_the_end(dest: Dest, tmp_path: Path) -> None:
    """40,000 records in batches of 3,000: 13 full batches commit, each followed by its STATE."""
    result = run_cli(dest.config(batch_size_rows=3000), backfill(40_000, 1000), tmp_path)
    assert result.code == 0, result.stderr
    assert result.states == [{"n": n} for n in range(3000, 40_000, 3000)] + [{"n": 40_000}]
    assert len(dest.rows("a")) == 40_000


def test_a_state_waits_for_every_stream_before_it(dest: Dest, tmp_path: Path) -> None:
    """Two streams fill at the same pace; a STATE goes out only when both have committed past it."""
    result = run_cli(dest.config(batch_size_rows=2500), backfill(10_000, 500, ("a", "b")), tmp_path)
    assert result.code == 0, result.stderr
    emitted = [value["n"] for value in result.states]
    assert emitted == sorted(set(emitted))
    assert emitted[-1] == 10_000
    assert len(emitted) > 2  # not only at the end


@pytest.mark.parametrize("trial", range(2))
def test_kill_right_after_a_state_finds_its_records_committed(dest: Dest, tmp_path: Path, trial: int) -> None:
    """kill -9 as soon as the k-th STATE is read: every record before that STATE is in the tables."""
    config = tmp_path / "config.json"
    config.write_text(json.dumps(dest.config(batch_size_rows=1000)))
    lines = backfill(12_000, 250, ("a", "b"))
    stop_after = random.Random(trial).randint(1, 8)
    source = tmp_path / "input.jsonl"
    source.write_text("\n".join(lines) + "\n")
    with source.open() as stdin:
        proc = subprocess.Popen(
            [TARGET, "--config", str(config)], stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
        )
        assert proc.stdout is not None
        seen = [json.loads(proc.stdout.readline()) for _ in range(stop_after)]
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    done = seen[-1]["n"]
    for name in ("a", "b"):
        stored = {row["id"] for row in dest.rows(name)}
        assert set(range(done)) <= stored, f"stream {name}: records before STATE {done} missing"


@pytest.mark.parametrize("replays_in_batch", [False, True])
def test_a_resumed_run_that_resends_stored_records_ends_with_a_clean_runs_tables(
    dest: Dest, tmp_path: Path, replays_in_batch: bool
) -> None:
    """A batch commits records past the last STATE; resumed there, the run sends them again.

    Every table, sequences included, must equal a clean run's: replays leave no gap in
    ``_reconciled_seq`` (with ``replays_in_batch`` the clean input itself repeats records).
    """
    rows = [record("transactions", {"transaction_id": f"T{n}"}) for n in range(30)]
    if replays_in_batch:
        rows[10:10] = rows[3:6]
    lines = [
        schema(
            "transactions",
            {"type": "object", "properties": {"transaction_id": {"type": "string"}}},
            ["transaction_id"],
        )
    ]
    for n, row in enumerate(rows, 1):
        lines.append(row)
        if n % 10 == 0:
            lines.append(state({"n": n}))
    config = dest.config(batch_size_rows=25)
    clean = dest.other()
    assert run_cli(clean.config(batch_size_rows=25), lines, tmp_path).code == 0
    at = lines.index(state({"n": 20}))
    first = run_cli(config, lines[: at + 6], tmp_path)  # commits records 1-25, emits STATE 20
    assert first.states == [{"n": 20}]
    resumed = run_cli(config, [lines[0], *lines[at + 1 :]], tmp_path)
    assert resumed.code == 0
    assert dest.contents() == clean.contents()


def test_state_values_are_emitted_as_read_decimals_and_falsy_values_included(tmp_path: Path) -> None:
    """A number with a fraction used to crash the SDK's ``json.dumps``; a falsy last STATE was dropped."""
    dest = Dest("duckdb", tmp_path)
    lines = [
        schema("s", {"type": "object", "properties": {"id": {"type": "string"}}}, ["id"]),
        record("s", {"id": "A"}),
        '{"type": "STATE", "value": {"watermark": 1.50, "big": 12345678901234567890.123}}',
        record("s", {"id": "B"}),
        state([]),
    ]
    one_per_batch = run_cli(dest.config(batch_size_rows=1), lines, tmp_path)
    assert one_per_batch.code == 0, one_per_batch.stderr
    assert one_per_batch.states == [{"watermark": 1.50, "big": 12345678901234567890.123}, []]
    assert run_cli(dest.config(), lines, tmp_path).states == [[]]
