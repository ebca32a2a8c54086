"""target-reconciled with ``destination: postgres`` against MeltanoLabs' ``target-postgres`` (PyPI).

Both read the same cached Invoca-like records (``bench.invoca_records``) on stdin and write to a
fresh schema of the local PostgreSQL each run, alternating. Each run's tables are checked before
its timing counts. The peer runs with its defaults plus ``use_copy: true`` (its bulk path), in
its own virtualenv (``bench.peers``). Both write through the same server, so CPU seconds (the
target process's own) leave out the server's work; compare wall seconds.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import psycopg

from bench import invoca_records, peers
from bench.invoca_records import Counts
from bench.invoca_target import BIN, measured
from bench.measure import Comparison, Measurement, RunError, Sample

NAME = "target-reconciled (postgres)"
RECORDS = 100_000
PEER = "target-postgres"
PEER_REQUIREMENT = "meltanolabs-target-postgres==0.8.1"
URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
SCHEMAS = {NAME: "bench_reconciled", PEER: "bench_target_postgres"}


def scalars(queries: list[str]) -> list[int]:
    with psycopg.connect(URL) as conn:
        return [conn.execute(sql).fetchone()[0] for sql in queries]  # type: ignore[index]


def reset(schema: str) -> None:
    with psycopg.connect(URL, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


def check_reconciled(counts: Counts) -> str:
    """One current row per root holding all its versions, and every record in the history."""
    schema = SCHEMAS[NAME]
    current, versions, history = scalars(
        [
            f"SELECT count(*) FROM {schema}.transactions",
            f"SELECT sum(_reconciled_versions) FROM {schema}.transactions",
            f"SELECT count(*) FROM {schema}.transactions__history",
        ]
    )
    if (current, versions, history) != (counts.roots, counts.records, counts.records):
        raise RunError(
            f"{NAME} loaded {current:,} current rows ({versions:,} versions), {history:,} history rows; "
            f"expected {counts.roots:,} current rows, {counts.records:,} versions and history rows"
        )
    return f"{current:,} current rows, {history:,} history rows"


def check_peer(counts: Counts) -> str:
    """One row per record: every ``transaction_id`` of the input is new."""
    schema = SCHEMAS[PEER]
    rows, distinct = scalars(
        [
            f"SELECT count(*) FROM {schema}.transactions",
            f"SELECT count(DISTINCT transaction_id) FROM {schema}.transactions",
        ]
    )
    if (rows, distinct) != (counts.records, counts.records):
        raise RunError(
            f"{PEER} loaded {rows:,} rows ({distinct:,} distinct ids); expected {counts.records:,}"
        )
    return f"{rows:,} rows"


def run(runs: int) -> Comparison:
    """Time both targets ``runs`` times on ``RECORDS`` records."""
    peer = peers.python(PEER, PEER_REQUIREMENT)
    source, counts = invoca_records.cached(RECORDS)
    print(f"{NAME}: {counts.records:,} records, {counts.corrections:,} corrections ({source})", flush=True)
    samples: dict[str, list[Sample]] = {NAME: [], PEER: []}
    with tempfile.TemporaryDirectory(prefix="bench-postgres-") as tmp:
        ours = Path(tmp, "reconciled.json")
        ours.write_text(
            json.dumps(
                {"destination": "postgres", "postgres_url": URL, "default_target_schema": SCHEMAS[NAME]}
            )
        )
        theirs = Path(tmp, "target-postgres.json")
        theirs.write_text(
            json.dumps(
                {
                    "sqlalchemy_url": URL.replace("postgresql://", "postgresql+psycopg://"),
                    "default_target_schema": SCHEMAS[PEER],
                    "use_copy": True,
                }
            )
        )
        commands = {
            NAME: [str(BIN / "target-reconciled"), "--config", str(ours)],
            PEER: [str(peer.parent / PEER), "--config", str(theirs)],
        }
        try:
            for i in range(runs):
                print(f"{NAME}: run {i + 1}/{runs}", flush=True)
                for label, cmd in commands.items():
                    reset(SCHEMAS[label])
                    sample = measured(cmd, source)
                    loaded = check_reconciled(counts) if label == NAME else check_peer(counts)
                    took = f"{sample.seconds:.2f} s, {sample.cpu_seconds:.2f} s CPU, {sample.peak_mb:.0f} MB"
                    print(f"{NAME}:   {label}: {took}; {loaded}", flush=True)
                    samples[label].append(sample)
        finally:
            for schema in SCHEMAS.values():
                reset(schema)
    (version,) = peers.versions(peer, "meltanolabs-target-postgres")
    return Comparison(
        NAME,
        Measurement(NAME, RECORDS, tuple(samples[NAME])),
        Measurement(f"{PEER} {version} (use_copy)", RECORDS, tuple(samples[PEER])),
        goal=None,
    )
