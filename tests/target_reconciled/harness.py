"""Helpers for target-reconciled tests: Singer messages, running the target, reading tables."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import psycopg

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


DUCKDB_TYPES = {"VARCHAR": "text", "TIMESTAMP WITH TIME ZONE": "timestamptz", "DECIMAL(38,9)": "numeric"}
"""DuckDB's type names in PostgreSQL's words, so that tests compare one vocabulary."""


class Dest:
    """Where a test's target writes: a DuckDB file, or a new schema of the PostgreSQL test database.

    Values read back are Python values; DuckDB's JSON columns are parsed, as psycopg does jsonb.
    """

    def __init__(self, kind: str, root: Path, postgres_url: str | None = None) -> None:
        self.kind = kind
        self.root = root
        self.url = postgres_url
        self.schema = "main" if kind == "duckdb" else f"t_{uuid.uuid4().hex[:12]}"

    def config(self, **extra: Any) -> dict[str, Any]:
        if self.kind == "duckdb":
            return {"duckdb_path": str(self.root / "out" / "db.duckdb"), **extra}
        base = {"destination": "postgres", "postgres_url": self.url, "default_target_schema": self.schema}
        return {**base, **extra}

    def other(self) -> Dest:
        """A second, empty destination of the same kind (dropped with this one)."""
        sibling = Dest(self.kind, self.root / "other", self.url)
        sibling.schema = self.schema if self.kind == "duckdb" else f"{self.schema}_other"
        return sibling

    def _query(self, sql: str, params: list[Any] | None = None) -> tuple[list[str], list[tuple[Any, ...]]]:
        if self.kind == "duckdb":
            with duckdb.connect(str(self.root / "out" / "db.duckdb")) as con:
                cur = con.execute(sql, params or [])
                names = [d[0] for d in cur.description]
                found = cur.fetchall()
                kinds = [str(d[1]) for d in cur.description]
            return names, [
                tuple(
                    json.loads(v) if k == "JSON" and v is not None else v
                    for v, k in zip(row, kinds, strict=True)
                )
                for row in found
            ]
        with psycopg.connect(str(self.url)) as conn:
            cur = conn.execute(sql.replace("?", "%s"), params)
            return [d.name for d in cur.description or []], cur.fetchall()

    def rows(self, table: str, order: str = "1", schema_name: str | None = None) -> list[dict[str, Any]]:
        qualified = f'"{schema_name or self.schema}"."{table}"'
        names, found = self._query(f"SELECT * FROM {qualified} ORDER BY {order}")
        return [dict(zip(names, row, strict=True)) for row in found]

    def tables(self) -> set[str]:
        _, found = self._query(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = ?", [self.schema]
        )
        return {name for (name,) in found}

    def types(self, table: str) -> dict[str, str]:
        """Column types, in PostgreSQL's names (``text``, ``boolean``, ``numeric``...)."""
        _, found = self._query(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = ? AND table_name = ?",
            [self.schema, table],
        )
        return {name: DUCKDB_TYPES.get(kind, kind.lower()) for name, kind in found}

    def current(self, table: str = "transactions") -> dict[str, dict[str, Any]]:
        """The current table by root, without the commit timestamp."""
        return {
            row["_reconciled_root"]: {k: v for k, v in row.items() if k != "_reconciled_at"}
            for row in self.rows(table)
        }

    def snapshot(self) -> dict[str, list[tuple[Any, ...]]]:
        """Every table's rows, in a stable order."""
        return {
            name: sorted((tuple(row.values()) for row in self.rows(name)), key=repr)
            for name in sorted(self.tables())
        }

    def drop(self) -> None:
        if self.kind == "postgres":
            with psycopg.connect(str(self.url), autocommit=True) as conn:
                found = conn.execute(
                    "SELECT nspname FROM pg_namespace WHERE starts_with(nspname, %s)", [self.schema]
                )
                for (name,) in found.fetchall():
                    conn.execute(f'DROP SCHEMA "{name.replace(chr(34), chr(34) * 2)}" CASCADE')
