"""What a user reads at INFO: a progress line at most every 10 s and one at the end, not one per page."""

from __future__ import annotations

from pathlib import Path

from sandbox.server import EmulatorServer
from tap_invoca.pace import Pace
from tests.tap_invoca.conftest import run_tap, tap_config


def test_a_line_is_due_at_most_every_interval() -> None:
    pace = Pace(started=100.0)
    assert [pace.due(now) for now in (105.0, 110.0, 115.0, 120.5)] == [False, True, False, True]
    pace.rows = 250_000
    assert pace.summary(110.0) == "250,000 rows so far, 25,000 rows/s"


def test_a_run_of_many_pages_logs_its_end_not_its_pages(invoca: EmulatorServer, tmp_path: Path) -> None:
    run = run_tap(tmp_path, tap_config(invoca, page_size=100))
    pages = len(run.records) // 100 + 1
    assert pages > 10
    lines = run.stderr.splitlines()
    assert not [line for line in lines if "http_request_duration" in line]
    (end,) = [line for line in lines if "Read every page: " in line]
    assert f"{len(run.records):,} rows so far" in end
