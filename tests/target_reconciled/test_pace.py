"""The target's progress: a line at most every 10 s while reading, none per batch."""

from __future__ import annotations

from pathlib import Path

from target_reconciled.pace import Pace
from tests.target_reconciled.harness import Dest, invoca, run_cli


def test_a_line_is_due_at_most_every_interval() -> None:
    pace = Pace(started=0.0)
    assert [pace.due(now) for now in (9.9, 10.0, 19.0, 20.5)] == [False, True, False, True]
    pace.rows = 41_200
    assert pace.summary(10.0) == "41,200 rows so far, 4,120 rows/s"


def test_full_batches_are_not_announced_at_info(dest: Dest, tmp_path: Path) -> None:
    rows = [{"transaction_id": f"T{n}", "sale_amount": n} for n in range(30)]
    result = run_cli(dest.config(batch_size_rows=4), invoca(*rows), tmp_path)
    assert result.code == 0, result.stderr[-2000:]
    assert "Draining" not in result.stderr
    assert "stream transactions: 30 records received" in result.stderr
