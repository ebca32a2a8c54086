"""target-reconciled against ``target-duckdb`` (PyPI) on the same Invoca-like records.

Both targets read the same cached file of Singer messages (``bench.invoca_records``) on
stdin and write to a fresh DuckDB database file each run, alternating between the two.
After every run the database is checked (row counts, in a separate process with the
target's own ``duckdb``), so no timing is reported for a run that did not load what it
should. target-reconciled then runs once more on ten times the records, to show whether
its peak memory stays flat as the input grows.

target-duckdb is installed on first use into its own virtualenv, ``bench/.peers/target-duckdb``
(``bench.peers``).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from bench import invoca_records, peers
from bench.invoca_records import Counts
from bench.measure import Check, Comparison, Measurement, RunError, Sample, run_measured

NAME = "target-reconciled"
RECORDS = 100_000
LARGE_RECORDS = 1_000_000
"""The one extra run of target-reconciled, for memory flatness."""
GOAL = 6.0
PEAK_GOAL_MB = 150.0
FLAT_TOLERANCE = 0.15
"""Peak memory on ``LARGE_RECORDS`` may exceed the peak on ``RECORDS`` by this much and be flat."""
BENCH = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
PEER = "target-duckdb"
PEER_REQUIREMENT = "target-duckdb==0.8.0"
PEER_VENV = peers.PEERS / PEER
PEER_BATCH_ROWS = 100_000
"""target-duckdb's default ``batch_size_rows``: it loads (and flushes) that many records at a time."""

_COUNT_SCRIPT = """
import json, sys
import duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
print(json.dumps([con.execute(sql).fetchall()[0][0] for sql in sys.argv[2:]]))
"""


def peer_python() -> Path:
    """target-duckdb's virtualenv (``peers``)."""
    return peers.python(PEER, PEER_REQUIREMENT)


def peer_label(python: Path) -> str:
    """target-duckdb's version and the DuckDB it runs on (it accepts any ``duckdb>=1.0``)."""
    target, duckdb = peers.versions(python, "target-duckdb", "duckdb")
    return f"{PEER} {target} (duckdb {duckdb})"


def scalars(python: Path, database: Path, queries: Sequence[str]) -> list[int]:
    """The first value of each query's result, read with ``python``'s own ``duckdb``."""
    cmd = [str(python), "-c", _COUNT_SCRIPT, str(database), *queries]
    done = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True, check=False)
    if done.returncode:
        raise RunError(f"could not read {database}:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout)


def check_reconciled(database: Path, counts: Counts) -> str:
    """One current row per root holding all its versions, and every record in the history."""
    current, roots, versions, history = scalars(
        BIN / "python",
        database,
        [
            'SELECT count(*) FROM main."transactions"',
            'SELECT count(DISTINCT transaction_id) FROM main."transactions"',
            'SELECT sum("_reconciled_versions") FROM main."transactions"',
            'SELECT count(*) FROM main."transactions__history"',
        ],
    )
    if (current, roots, versions, history) != (counts.roots, counts.roots, counts.records, counts.records):
        raise RunError(
            f"target-reconciled loaded {current:,} current rows ({roots:,} distinct ids, {versions:,} "
            f"versions) and {history:,} history rows; expected {counts.roots:,} current rows, "
            f"{counts.records:,} versions and history rows"
        )
    return f"{current:,} current rows, {history:,} history rows"


def check_peer(python: Path, database: Path, counts: Counts) -> str:
    """One row per record (every ``transaction_id`` is new), bar target-duckdb's known loss.

    target-duckdb 0.8.0 loads each batch with ``COPY ... FROM '<file>.csv'`` without
    ``HEADER false``; DuckDB 1.x then sniffs for a header and may take the batch's first
    row for one (jwills/target-duckdb#58, fixed upstream after 0.8.0). The only rows
    allowed to be missing are the first of a batch, and they are counted and reported.
    """
    batch_firsts = [f"'T{n:09d}'" for n in range(0, counts.records, PEER_BATCH_ROWS)]
    rows, distinct, firsts = scalars(
        python,
        database,
        [
            "SELECT count(*) FROM main.transactions",
            "SELECT count(DISTINCT transaction_id) FROM main.transactions",
            f"SELECT count(*) FROM main.transactions WHERE transaction_id IN ({', '.join(batch_firsts)})",
        ],
    )
    lost = len(batch_firsts) - firsts
    if rows != distinct or rows != counts.records - lost:
        raise RunError(
            f"{PEER} loaded {rows:,} rows ({distinct:,} distinct ids); expected {counts.records:,} "
            f"(or fewer only by the first row of a batch)"
        )
    if not lost:
        return f"{rows:,} rows"
    return f"{rows:,} rows (first row of {lost} of {len(batch_firsts)} batches lost: #58)"


def measured(cmd: Sequence[str], source: Path) -> Sample:
    """One timed run of ``cmd`` with ``source`` on its stdin."""
    with source.open("rb") as stdin:
        return run_measured(cmd, stdin=stdin)


def run(runs: int) -> Comparison:
    """Time both targets ``runs`` times on ``RECORDS``, then ours once on ``LARGE_RECORDS``."""
    peer = peer_python()
    source, counts = invoca_records.cached(RECORDS)
    print(f"{NAME}: {counts.records:,} records, {counts.corrections:,} corrections ({source})", flush=True)
    samples: dict[str, list[Sample]] = {NAME: [], PEER: []}
    with tempfile.TemporaryDirectory(prefix="bench-target-") as tmp:
        work = Path(tmp)
        ours_db, peer_db = work / "reconciled.duckdb", work / "target-duckdb.duckdb"
        (ours_config := work / "reconciled.json").write_text(json.dumps({"duckdb_path": str(ours_db)}))
        (peer_config := work / "target-duckdb.json").write_text(
            json.dumps({"filepath": str(peer_db), "default_target_schema": "main"})
        )
        ours_cmd = [str(BIN / "target-reconciled"), "--config", str(ours_config)]
        peer_cmd = [str(PEER_VENV / "bin" / PEER), "--config", str(peer_config)]

        def once(label: str, records: Path, expected: Counts) -> Sample:
            database = ours_db if label == NAME else peer_db
            for path in work.glob(f"{database.name}*"):  # the database and its .wal
                path.unlink()
            sample = measured(ours_cmd if label == NAME else peer_cmd, records)
            if label == NAME:
                loaded = check_reconciled(database, expected)
            else:
                loaded = check_peer(peer, database, expected)
            took = f"{sample.seconds:.2f} s, {sample.cpu_seconds:.2f} s CPU, {sample.peak_mb:.0f} MB"
            print(f"{NAME}:   {label}, {expected.records:,} records: {took}; {loaded}", flush=True)
            return sample

        for i in range(runs):
            print(f"{NAME}: run {i + 1}/{runs}", flush=True)
            for label in samples:
                samples[label].append(once(label, source, counts))

        large_source, large_counts = invoca_records.cached(LARGE_RECORDS)
        print(f"{NAME}: memory flatness, {large_counts.records:,} records ({large_source})", flush=True)
        large = once(NAME, large_source, large_counts)

    ours = Measurement(NAME, RECORDS, tuple(samples[NAME]))
    baseline = Measurement(peer_label(peer), RECORDS, tuple(samples[PEER]))
    large_row = Measurement(NAME, LARGE_RECORDS, (large,))
    growth = large.peak_mb / ours.peak_mb - 1
    checks = (
        Check(f"peak < {PEAK_GOAL_MB:g} MB", ours.peak_mb < PEAK_GOAL_MB, f"{ours.peak_mb:.0f} MB"),
        Check(
            f"peak memory flat from {RECORDS:,} to {LARGE_RECORDS:,} records (within {FLAT_TOLERANCE:.0%})",
            growth <= FLAT_TOLERANCE,
            f"{ours.peak_mb:.0f} MB -> {large.peak_mb:.0f} MB, {growth:+.0%}",
        ),
    )
    return Comparison(NAME, ours, baseline, GOAL, more=(large_row,), checks=checks)
