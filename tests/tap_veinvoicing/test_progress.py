"""What a user reads at INFO: a progress summary every few seconds, not a line per window."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tap_veinvoicing.progress import Progress
from tests.tap_veinvoicing.conftest import run_tap, tap_config


def test_a_summary_is_due_at_most_every_interval() -> None:
    progress = Progress(planned=40, requests_per_minute=10, started=100.0, interval=5.0)
    assert [progress.due(now) for now in (101.0, 104.9, 105.0, 107.0, 110.1, 110.2)] == [
        False,
        False,
        True,
        False,
        True,
        False,
    ]


def test_the_summary_counts_windows_rows_and_time_left() -> None:
    progress = Progress(planned=40, requests_per_minute=10, started=0.0)
    for rows in (3, 0, 8):
        progress.window_done(rows)
    progress.window_split()
    assert progress.summary() == (
        "3/41 windows done, 38 left, 11 rows so far, about 3 min 48 s to go at 10 requests/minute"
    )


def test_a_first_run_logs_a_line_per_partition_not_per_window(serve: Any, tmp_path: Path) -> None:
    ve = serve()
    run = run_tap(tmp_path, tap_config(ve, window_days=1))
    windows = [line for line in run.stderr.splitlines() if " window " in line and "emitted" in line]
    done = [line for line in run.stderr.splitlines() if " read up to " in line]
    requests = [line for line in run.stderr.splitlines() if "http_request_duration" in line]
    assert len(ve.emulator.request_log) > 90  # a day per window over 91 days
    assert (windows, requests) == ([], [])
    assert len(done) == len({tuple(p.items()) for p in _partitions(run)})
    assert "windows done" in done[-1]


def _partitions(run: Any) -> list[dict[str, Any]]:
    return [p["context"] for p in run.last_state["bookmarks"]["transactions"]["partitions"]]
