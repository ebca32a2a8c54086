"""``dbt-duckdb:run`` of ``invoca_calls`` over a million reconciled Invoca transactions.

The tables are real target-reconciled output, scaled: the Invoca emulator's transactions
(seed 1) go through tap-invoca and target-reconciled once, then DuckDB copies the current
and history tables with every id suffixed (``transaction_id``, ``complete_call_id``,
``corrects_transaction_id``), until the current table holds at least ``TRANSACTIONS`` rows.

Ours: ``meltano invoke dbt-duckdb:run --select +invoca_calls``, as a user runs it. The floor it
is compared with: the compiled SELECT of the same model run by DuckDB alone (``CREATE OR
REPLACE TABLE ... AS``), in a fresh Python process. Goal: under 30 seconds.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import duckdb

from bench.measure import Check, Comparison, Measurement, RunError, Sample, run_measured

NAME = "dbt-duckdb:run invoca_calls"
TRANSACTIONS = 1_000_000
GOAL_SECONDS = 30.0
SEED_CALLS = 14_000
ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
DBT = ROOT / ".meltano" / "utilities" / "dbt-duckdb" / "venv" / "bin" / "dbt"
_FLOOR_SCRIPT = """
import sys
import duckdb
con = duckdb.connect(sys.argv[1])
con.execute("create schema if not exists analytics")
con.execute("create or replace table analytics.invoca_calls as " + open(sys.argv[2]).read())
"""


def _seed(work: Path) -> Path:
    """The emulator's transactions through tap-invoca and target-reconciled, into ``seed.duckdb``."""
    from sandbox.clock import VirtualClock
    from sandbox.invoca import InvocaEmulator
    from sandbox.server import EmulatorServer

    now = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    emulator = InvocaEmulator(clock=VirtualClock(now), seed=1, size=SEED_CALLS, days=60, record_served=False)
    database = work / "seed.duckdb"
    (work / "target.json").write_text(
        json.dumps({"duckdb_path": str(database), "default_target_schema": "tap_invoca"})
    )
    with EmulatorServer(emulator) as server:
        (work / "tap.json").write_text(
            json.dumps({"api_url": server.url, "auth_token": "sandbox-invoca-token", "account_id": "33"})
        )
        tap = subprocess.Popen(
            [str(BIN / "tap-invoca"), "--config", str(work / "tap.json")],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        target = subprocess.run(
            [str(BIN / "target-reconciled"), "--config", str(work / "target.json")],
            stdin=tap.stdout,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            check=False,
        )
        tap.wait()
    if tap.returncode or target.returncode:
        raise RunError(f"the seed pipeline failed:\n{target.stderr.decode(errors='replace')[-3000:]}")
    return database


def build(work: Path) -> tuple[Path, int, int]:
    """The scaled database ``reconciled.duckdb``; returns it with its current and history row counts."""
    seed = _seed(work)
    database = work / "reconciled.duckdb"
    with duckdb.connect(str(database)) as con:
        con.execute(f"attach '{seed}' as seed (read_only)")
        seed_rows = con.execute("select count(*) from seed.tap_invoca.transactions").fetchone()[0]
        copies = -(-TRANSACTIONS // seed_rows)
        con.execute("create schema tap_invoca")
        for table in ("transactions", "transactions__history"):
            con.execute(
                f"create table tap_invoca.{table} as select * replace ("
                "transaction_id || '-' || copy as transaction_id, "
                "complete_call_id || '-' || copy as complete_call_id, "
                "corrects_transaction_id || '-' || copy as corrects_transaction_id) "
                f"from seed.tap_invoca.{table}, range({copies}) as copies(copy)"
            )
        current = con.execute("select count(*) from tap_invoca.transactions").fetchone()[0]
        history = con.execute("select count(*) from tap_invoca.transactions__history").fetchone()[0]
    return database, current, history


def _env(database: Path, work: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DBT_DUCKDB_PATH": str(database),
        "DBT_TARGET_PATH": str(work / "target"),
        "DBT_LOG_PATH": str(work / "logs"),
        "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false",
    }


def _compiled(database: Path, work: Path) -> Path:
    """The compiled SQL of ``invoca_calls``, its ephemeral staging models inlined."""
    env = {
        **_env(database, work),
        "DBT_PROJECT_DIR": str(ROOT / "transform"),
        "DBT_PROFILES_DIR": str(ROOT / "transform" / "profiles" / "duckdb"),
    }
    done = subprocess.run(
        [str(DBT), "compile", "--select", "invoca_calls"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        raise RunError(f"dbt compile failed:\n{done.stdout[-3000:]}")
    return work / "target" / "compiled" / "reconciled" / "models" / "invoca" / "invoca_calls.sql"


def _calls(database: Path) -> int:
    with duckdb.connect(str(database), read_only=True) as con:
        return con.execute("select count(*) from analytics.invoca_calls").fetchone()[0]


def run(runs: int) -> Comparison:
    """Build the tables, then time dbt through Meltano and DuckDB alone, ``runs`` times each."""
    subprocess.run(
        [str(BIN / "meltano"), "install", "utility", "dbt-duckdb"], cwd=ROOT, capture_output=True, check=True
    )
    with tempfile.TemporaryDirectory(prefix="bench-dbt-") as tmp:
        work = Path(tmp)
        print(f"bench: building {TRANSACTIONS:,}+ reconciled Invoca transactions", flush=True)
        database, current, history = build(work)
        sql = _compiled(database, work)
        meltano = [str(BIN / "meltano"), "invoke", "dbt-duckdb:run", "--select", "+invoca_calls"]
        floor = [sys.executable, "-c", _FLOOR_SCRIPT, str(database), str(sql)]
        ours: list[Sample] = []
        alone: list[Sample] = []
        for _ in range(runs):
            ours.append(run_measured(meltano, env=_env(database, work), cwd=ROOT))
            alone.append(run_measured(floor))
        calls = _calls(database)
    measured = Measurement(f"meltano invoke dbt-duckdb:run ({calls:,} calls)", current, tuple(ours))
    baseline = Measurement("the compiled SQL in DuckDB alone (floor)", current, tuple(alone))
    check = Check(
        f"under {GOAL_SECONDS:.0f} s for {current:,} transactions",
        measured.seconds < GOAL_SECONDS,
        f"{measured.seconds:.1f} s (floor {baseline.seconds:.1f} s); "
        f"{history:,} history rows, {calls:,} calls",
    )
    return Comparison(NAME, measured, baseline, None, checks=(check,))
