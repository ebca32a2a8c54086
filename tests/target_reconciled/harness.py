"""Helpers for target-reconciled tests: Singer messages, running the target, reading tables."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from target_reconciled.target import TargetReconciled

TARGET = str(Path(sys.executable).parent / "target-reconciled")

INVOCA_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "transaction_id": {"type": "string"},
        "corrects_transaction_id": {"type": ["string", "null"]},
        "corrected_at": {"type": ["string", "null"], "format": "date-time"},
        "transaction_type": {"type": ["string", "null"]},
        "start_time_utc": {"type": ["integer", "null"]},
        "sale_amount": {"type": ["number", "null"]},
        "custom_data": {"type": ["array", "null"], "items": {"type": "object"}},
    },
}
VE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "transactionId": {"type": "integer"},
        "status": {"type": ["string", "null"]},
        "commission": {"type": ["number", "null"]},
        "modifiedDate": {"type": ["string", "null"], "format": "date-time"},
    },
}


def schema(stream: str, props: dict[str, Any], key: list[str], **extra: Any) -> str:
    return json.dumps({"type": "SCHEMA", "stream": stream, "schema": props, "key_properties": key, **extra})


def record(stream: str, rec: dict[str, Any], **extra: Any) -> str:
    return json.dumps({"type": "RECORD", "stream": stream, "record": rec, **extra})


def state(value: Any) -> str:
    return json.dumps({"type": "STATE", "value": value})


def invoca(*records: dict[str, Any]) -> list[str]:
    return [schema("transactions", INVOCA_SCHEMA, ["transaction_id"])] + [
        record("transactions", r) for r in records
    ]


@dataclass
class Result:
    code: int
    states: list[Any]
    stderr: str


def run_cli(config: dict[str, Any], lines: list[str], tmp_path: Path) -> Result:
    """Run the installed console script with ``lines`` on stdin."""
    cfg = tmp_path / "cfg.json"
    cfg.write_text(json.dumps(config))
    proc = subprocess.run(
        [TARGET, "--config", str(cfg)],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    states = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
    return Result(proc.returncode, states, proc.stderr)


def run_inline(config: dict[str, Any], lines: list[str]) -> None:
    """Run the target in this process (faster; exceptions propagate)."""
    target = TargetReconciled(config=config)
    target.listen(io.StringIO("\n".join(lines) + "\n"))


def rows(db: Path, table: str, schema_name: str = "main", order: str = "1") -> list[dict[str, Any]]:
    with duckdb.connect(str(db)) as con:
        cur = con.execute(f'SELECT * FROM "{schema_name}"."{table}" ORDER BY {order}')
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def tables(db: Path, schema_name: str = "main") -> set[str]:
    with duckdb.connect(str(db)) as con:
        found = con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = ?", [schema_name]
        ).fetchall()
    return {name for (name,) in found}


def current(db: Path, table: str = "transactions", schema_name: str = "main") -> dict[str, dict[str, Any]]:
    """The current table by root, without the commit timestamp."""
    return {
        row["_reconciled_root"]: {k: v for k, v in row.items() if k != "_reconciled_at"}
        for row in rows(db, table, schema_name)
    }
