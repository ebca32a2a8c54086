"""tap-invoca against a stock-settings SDK ``RESTStream`` on the same Invoca pages.

Both taps read the same pre-rendered pages (``bench.invoca_pages``) from a separate
process, so what is measured is the tap: HTTP client, JSON parsing, per-record work
and Singer output. Each tap first runs once with its output read back, to check that
both emit the same transaction ids in the same order; the timed runs then write to
``/dev/null``, alternating between the taps. The floor (``bench.codec_floor``: the SDK's
start-up, the same pages read and decoded, each row encoded, by ``msgspec`` alone) is timed
in the same rounds.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import msgspec

from bench.invoca_pages import ACCOUNT_ID, TOKEN, running
from bench.measure import Comparison, Measurement, RunError, Sample, run_measured

NAME = "tap-invoca"
SIZE = 35_000
"""Calls in the emulator's history: about 51,000 transaction rows, 13 pages."""
GOAL = 6.0
"""Issue #18 (issue #3 asked for 3x)."""
FLOOR = "floor: SDK start-up + msgspec decode/encode"
BENCH = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent


class _Record(msgspec.Struct):
    transaction_id: str


class _Message(msgspec.Struct):
    type: str
    record: _Record | None = None


_decode_message = msgspec.json.Decoder(_Message).decode


def record_ids(cmd: Sequence[str]) -> list[str]:
    """The ``transaction_id`` of every RECORD message ``cmd`` writes, in order."""
    ids: list[str] = []
    with (
        tempfile.TemporaryFile() as stderr,
        subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=stderr) as proc,
    ):
        assert proc.stdout is not None
        for line in proc.stdout:
            message = _decode_message(line)
            if message.type == "RECORD" and message.record is not None:
                ids.append(message.record.transaction_id)
        if proc.wait():
            stderr.seek(0)
            raise RunError(f"{cmd[0]} exited with {proc.returncode}:\n{stderr.read().decode()[-3000:]}")
    return ids


def run(runs: int) -> Comparison:
    """Check both taps emit the same records, then time each ``runs`` times."""
    with running(NAME, "--size", str(SIZE)) as (url, rows), tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "config.json"
        config.write_text(json.dumps({"api_url": url, "auth_token": TOKEN, "account_id": ACCOUNT_ID}))
        contenders = {
            "tap-invoca": [str(BIN / "tap-invoca"), "--config", str(config)],
            "SDK RESTStream, stock settings": [
                sys.executable,
                str(BENCH / "baseline_invoca.py"),
                "--config",
                str(config),
            ],
        }
        emitted = {label: record_ids(cmd) for label, cmd in contenders.items()}
        for label, ids in emitted.items():
            if len(ids) != rows or ids != emitted["tap-invoca"]:
                raise RunError(
                    f"{label}: {len(ids):,} records, not the {rows:,} served in tap-invoca's order"
                )
        timed = {**contenders, FLOOR: [sys.executable, "-m", "bench.codec_floor", url]}
        samples: dict[str, list[Sample]] = {label: [] for label in timed}
        for i in range(runs):
            for label, cmd in timed.items():
                samples[label].append(sample := run_measured(cmd))
                took = f"{sample.seconds:.2f} s, {sample.cpu_seconds:.2f} s CPU, {sample.peak_mb:.0f} MB"
                print(f"{NAME}: run {i + 1}/{runs} {label}: {took}", flush=True)
    ours, baseline, floor = (Measurement(label, rows, tuple(s)) for label, s in samples.items())
    return Comparison(NAME, ours, baseline, GOAL, floor=floor)
