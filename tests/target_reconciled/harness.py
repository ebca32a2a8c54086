"""Helpers for target-reconciled tests: Singer messages, running the target, reading tables."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import uuid
from dataclasses import dataclass
from decimal import Context, Decimal
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


def run_cli(
    config: dict[str, Any], lines: list[str], tmp_path: Path, env: dict[str, str] | None = None
) -> Result:
    """Run the installed console script with ``lines`` on stdin (``env``: added to the environment)."""
    cfg = tmp_path / "cfg.json"
    cfg.write_text(json.dumps(config))
    proc = subprocess.run(
        [TARGET, "--config", str(cfg)],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, **(env or {})},
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


DESTINATIONS = ("duckdb", "postgres")
"""The ``Dest`` kinds, which the ``dest`` fixture runs each test on."""
TYPE_NAMES = {
    "VARCHAR": "text",
    "DECIMAL(38,9)": "numeric",
    "TIMESTAMP WITH TIME ZONE": "timestamptz",
    "timestamp with time zone": "timestamptz",
    "time without time zone": "time",
    "JSON": "json",
    "jsonb": "json",
}
"""DuckDB's and PostgreSQL's column types in one vocabulary; the others are only lower-cased."""


def _plain(value: Any, json_text: bool) -> Any:
    """A value as read back from either destination: JSON parsed, numbers without trailing zeros."""
    if json_text and value is not None:
        return json.loads(value)
    if isinstance(value, Decimal):  # exact: the precision is the value's own digits
        return value.normalize(Context(prec=max(len(value.as_tuple().digits), 1)))
    return value


class Dest:
    """Where a test's target writes: a DuckDB file, or a new schema of the PostgreSQL test database.

    Values read back compare equal across the two: JSON columns are parsed (DuckDB returns text,
    psycopg parsed jsonb) and numbers lose trailing zeros (DuckDB's ``DECIMAL(38,9)`` ``10.100000000``
    is PostgreSQL's ``10.1``).
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

    def named_schema(self, name: str) -> str:
        """The schema to set as ``default_target_schema`` for ``name``: this test's own on PostgreSQL."""
        return name if self.kind == "duckdb" else f"{self.schema}_{name}"

    def other(self) -> Dest:
        """A second, empty destination of the same kind (dropped with this one)."""
        sibling = Dest(self.kind, self.root / "other", self.url)
        sibling.schema = self.schema if self.kind == "duckdb" else f"{self.schema}_other"
        return sibling

    def _query(self, sql: str, params: list[Any] | None = None) -> tuple[list[str], list[tuple[Any, ...]]]:
        """Column names and rows (``_plain`` values) of ``sql``, with ``?`` placeholders."""
        if self.kind == "duckdb":
            with duckdb.connect(str(self.root / "out" / "db.duckdb")) as con:
                cur = con.execute(sql, params or [])
                names, found = [d[0] for d in cur.description], cur.fetchall()
                json_text = [str(d[1]) == "JSON" for d in cur.description]
        else:
            with psycopg.connect(str(self.url)) as conn:
                cur = conn.execute(sql.replace("?", "%s") if params else sql, params)
                names, found = [d.name for d in cur.description or []], cur.fetchall()
                json_text = [False] * len(names)
        return names, [tuple(map(_plain, row, json_text)) for row in found]

    def rows(self, table: str, order: str = "1", schema_name: str | None = None) -> list[dict[str, Any]]:
        qualified = f'"{schema_name or self.schema}"."{table}"'
        names, found = self._query(f"SELECT * FROM {qualified} ORDER BY {order}")
        return [dict(zip(names, row, strict=True)) for row in found]

    def tables(self) -> set[str]:
        _, found = self._query(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = ?", [self.schema]
        )
        return {name for (name,) in found}

    def column_types(self, table: str) -> dict[str, str]:
        """Column types as ``TYPE_NAMES`` spells them (``text``, ``numeric``, ``timestamptz``...)."""
        _, found = self._query(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = ? AND table_name = ?",
            [self.schema, table],
        )
        return {name: TYPE_NAMES.get(kind, kind.lower()) for name, kind in found}

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

    def contents(self) -> dict[str, list[str]]:
        """Every table's rows but their commit times (``_reconciled_at``), as sorted JSON texts."""
        return {
            name: sorted(
                json.dumps(
                    {k: v for k, v in row.items() if k != "_reconciled_at"}, sort_keys=True, default=str
                )
                for row in self.rows(name)
            )
            for name in sorted(self.tables())
        }

    def drop(self) -> None:
        """On PostgreSQL, drop every schema of this test (its own, ``other()``'s, ``named_schema``'s)."""
        if self.kind == "postgres":
            with psycopg.connect(str(self.url), autocommit=True) as conn:
                found = conn.execute(
                    "SELECT nspname FROM pg_namespace WHERE starts_with(nspname, %s)", [self.schema]
                )
                for (name,) in found.fetchall():
                    conn.execute(f'DROP SCHEMA "{name.replace(chr(34), chr(34) * 2)}" CASCADE')
