"""target-reconciled forwarding to ``target-jsonl`` (``destination: singer``) against target-jsonl alone.

Both read the same cached Invoca-like records (``bench.invoca_records``) on stdin, alternating.
target-jsonl runs from its own virtualenv (``bench.peers``), the same executable in both rows:
alone it writes every record; behind target-reconciled it receives one current row per root and
batch. Wall and CPU seconds of the forwarding row cover both processes. Its peak memory is the
highest of target-reconciled and its downstream child (``wait4`` counts a reaped child's peak),
so it bounds target-reconciled's own peak from above.
"""

from __future__ import annotations

import json
import tempfile
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
                sample = measured(cmd, source)
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
            f"{ours.peak_mb:.0f} MB (the higher of target-reconciled and its downstream)",
        ),
    )
    return Comparison(NAME, ours, alone, None, checks=checks)
