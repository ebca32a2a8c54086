"""target-reconciled forwarding to ``target-jsonl`` (``destination: singer``) against target-jsonl alone.

Both read the same cached Invoca-like records (``bench.invoca_records``) on stdin, alternating.
target-jsonl runs from its own virtualenv (``bench.peers``), the same executable in both rows:
alone it writes every record; behind target-reconciled it receives one current row per root and
batch. Wall and CPU seconds of the forwarding row cover both processes (``wait4`` counts the
reaped child); its peak memory is target-reconciled's own (``VmHWM``, read while it runs).
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path

from bench import invoca_records, peers
from bench.invoca_records import Counts
from bench.invoca_target import BIN, measured
from bench.measure import Check, Comparison, Measurement, RunError, Sample

NAME = "target-reconciled (singer -> target-jsonl)"
RECORDS = 100_000
PEER = "target-jsonl"
PEER_REQUIREMENT = "target-jsonl==0.1.4"
WALL_GOAL = 1.3
"""At most this many times target-jsonl's own wall time."""
PEAK_GOAL_MB = 250


def own_peak_mb(pid: int, done: threading.Event, peak: list[float]) -> None:
    """Poll the process's own high-water mark of resident memory until ``done``."""
    status = Path(f"/proc/{pid}/status")
    while not done.wait(0.05):
        try:
            text = status.read_text()
        except OSError:
            return
        for line in text.splitlines():
            if line.startswith("VmHWM:"):
                peak[0] = max(peak[0], int(line.split()[1]) / 1024)


def measured_own_peak(cmd: Sequence[str], source: Path) -> Sample:
    """Wall and CPU seconds (with children) of ``cmd`` on ``source``, and its own peak memory."""
    with source.open("rb") as stdin, tempfile.TemporaryFile() as stderr:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdin=stdin, stdout=subprocess.DEVNULL, stderr=stderr)
        done, peak = threading.Event(), [0.0]
        poller = threading.Thread(target=own_peak_mb, args=(proc.pid, done, peak))
        poller.start()
        # Wait without reaping, so that /proc/<pid> stays readable until the poller has stopped.
        os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOWAIT)
        done.set()
        poller.join()
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        if os.waitstatus_to_exitcode(status):
            stderr.seek(0)
            raise RunError(f"{cmd[0]} failed:\n{stderr.read().decode(errors='replace')[-3000:]}")
    return Sample(seconds, usage.ru_utime + usage.ru_stime, peak[0])


def check_lines(path: Path, counts: Counts, *, forwarded: bool) -> str:
    """Alone: one line per record. Forwarded: every root at least once, nothing else."""
    if not path.exists():
        raise RunError(f"{path} was not written")
    keys = [json.loads(line)["transaction_id"] for line in path.read_text().splitlines()]
    if forwarded:
        if len(set(keys)) != counts.roots:
            raise RunError(f"forwarded {len(set(keys)):,} distinct roots; expected {counts.roots:,}")
        return f"{len(keys):,} lines, {len(set(keys)):,} roots"
    if len(keys) != counts.records:
        raise RunError(f"{PEER} wrote {len(keys):,} lines; expected {counts.records:,}")
    return f"{len(keys):,} lines"


def run(runs: int) -> Comparison:
    """Time both ``runs`` times on ``RECORDS`` records."""
    peer = peers.python(PEER, PEER_REQUIREMENT)
    jsonl = str(peer.parent / PEER)
    source, counts = invoca_records.cached(RECORDS)
    print(f"{NAME}: {counts.records:,} records, {counts.corrections:,} corrections ({source})", flush=True)
    samples: dict[str, list[Sample]] = {NAME: [], PEER: []}
    with tempfile.TemporaryDirectory(prefix="bench-forward-") as tmp:
        work = Path(tmp)
        for i in range(runs):
            print(f"{NAME}: run {i + 1}/{runs}", flush=True)
            for label in (NAME, PEER):
                out = work / f"{label.split()[0]}-{i}"
                downstream = {"destination_path": str(out), "do_timestamp_file": False}
                if label == NAME:
                    config = {
                        "destination": "singer",
                        "duckdb_path": str(work / f"store-{i}.duckdb"),
                        "forward_command": [jsonl],
                        "forward_config": downstream,
                    }
                    cmd = [str(BIN / "target-reconciled"), "--config", str(work / "ours.json")]
                    (work / "ours.json").write_text(json.dumps(config))
                else:
                    (work / "theirs.json").write_text(json.dumps(downstream))
                    cmd = [jsonl, "--config", str(work / "theirs.json")]
                sample = measured_own_peak(cmd, source) if label == NAME else measured(cmd, source)
                loaded = check_lines(out / "transactions.jsonl", counts, forwarded=label == NAME)
                took = f"{sample.seconds:.2f} s, {sample.cpu_seconds:.2f} s CPU, {sample.peak_mb:.0f} MB"
                print(f"{NAME}:   {label}: {took}; {loaded}", flush=True)
                samples[label].append(sample)
    (version,) = peers.versions(peer, "target-jsonl")
    ours = Measurement(NAME, RECORDS, tuple(samples[NAME]))
    alone = Measurement(f"{PEER} {version} alone", RECORDS, tuple(samples[PEER]))
    wall = ours.seconds / alone.seconds
    checks = (
        Check(
            f"wall <= {WALL_GOAL:g}x {PEER} alone",
            wall <= WALL_GOAL,
            f"{ours.seconds:.2f} s against {alone.seconds:.2f} s, {wall:.2f}x",
        ),
        Check(
            f"target-reconciled's peak < {PEAK_GOAL_MB} MB",
            ours.peak_mb < PEAK_GOAL_MB,
            f"{ours.peak_mb:.0f} MB",
        ),
    )
    return Comparison(NAME, ours, alone, None, checks=checks)
