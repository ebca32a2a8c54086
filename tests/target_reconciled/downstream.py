"""Real downstream Singer targets from PyPI, each in its own virtualenv, and what they loaded.

Installed once (``bench.peers``: a stamp per requirement), never into the project's virtualenv.
Each ``Downstream`` gives the ``forward_command`` and ``forward_config`` of one test and reads
back the rows the target ended with, keyed like our ``<stream>`` table.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import psycopg

from bench import peers

REQUIREMENTS = {
    "target-jsonl": ("target-jsonl", "target-jsonl==0.1.4"),
    "target-postgres": ("target-postgres", "meltanolabs-target-postgres==0.8.1"),
    # target-duckdb 0.8.0 loads batches with COPY from CSV; DuckDB >= 1.1 may take a batch's first
    # row for a header and drop it (jwills/target-duckdb#58), so its own venv pins DuckDB 1.0.
    "target-duckdb": ("target-duckdb-on-duckdb-1.0", "target-duckdb==0.8.0 duckdb==1.0.0"),
}
META = ("_reconciled_source_key", "_reconciled_versions")
"""Forwarded metadata columns compared with our own table."""


def executable(name: str) -> str:
    """The downstream target's console script, installed on first use."""
    venv, requirement = REQUIREMENTS[name]
    return str(peers.python(venv, requirement).parent / name)


def plain(value: Any) -> Any:
    """A value as any of the targets or our tables hold it, in one form for comparison."""
    if isinstance(value, dt.datetime):
        return (value if value.tzinfo else value.replace(tzinfo=dt.UTC)).astimezone(dt.UTC).isoformat()
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float | Decimal):
        return Decimal(str(value)).normalize()
    if isinstance(value, str):
        try:
            if "T" in value and len(value) >= 19:
                return plain(dt.datetime.fromisoformat(value))
        except ValueError:
            pass
        if value[:1] in "[{":
            try:
                return plain(json.loads(value))
            except ValueError:
                return value
        return value
    if isinstance(value, list):
        return [plain(item) for item in value]
    if isinstance(value, dict):
        return {name: plain(item) for name, item in value.items()}
    return value


def comparable(rows: list[Mapping[str, Any]], key: str, columns: list[str]) -> dict[Any, dict[str, Any]]:
    """Rows by key, restricted to ``columns``, values made ``plain`` (SQL targets lower-case names)."""
    lowered = [{name.lower(): value for name, value in row.items()} for row in rows]
    return {
        plain(row[key.lower()]): {column: plain(row.get(column.lower())) for column in columns}
        for row in lowered
    }


@dataclass
class Downstream:
    """One downstream target of a test: its command, config and what it loaded."""

    name: str
    root: Path
    postgres_url: str | None = None

    def __post_init__(self) -> None:
        self.schema = f"d_{uuid.uuid4().hex[:12]}"
        self.root.mkdir(parents=True, exist_ok=True)

    def forward(self, **extra: Any) -> dict[str, Any]:
        """The ``destination: singer`` settings that forward to this target."""
        return {
            "destination": "singer",
            "forward_command": [executable(self.name)],
            "forward_config": self.config(),
            **extra,
        }

    def config(self) -> dict[str, Any]:
        if self.name == "target-jsonl":
            return {"destination_path": str(self.root / "jsonl"), "do_timestamp_file": False}
        if self.name == "target-postgres":
            return {
                "sqlalchemy_url": self.postgres_url,
                "default_target_schema": self.schema,
                "use_copy": True,
            }
        return {"path": str(self.root / "downstream.duckdb"), "default_target_schema": self.schema}

    def rows(self, stream: str) -> list[dict[str, Any]]:
        """The rows the target holds for ``stream``, one per key (for target-jsonl: the last line)."""
        if self.name == "target-jsonl":
            path = self.root / "jsonl" / f"{stream}.jsonl"
            return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []
        if self.name == "target-postgres":
            with psycopg.connect(str(self.postgres_url)) as conn:
                cur = conn.execute(f'SELECT * FROM "{self.schema}"."{stream}"')
                names = [d.name for d in cur.description or []]
                return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
        with duckdb.connect(str(self.root / "downstream.duckdb")) as con:
            cur = con.execute(f'SELECT * FROM "{self.schema}"."{stream}"')
            names = [d[0] for d in cur.description]
            return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]

    def current(self, stream: str, key: str, columns: list[str]) -> dict[Any, dict[str, Any]]:
        """The target's rows that are current (not merged into another root), last per key."""
        last: dict[Any, dict[str, Any]] = {}
        for row in self.rows(stream):
            last[plain(row.get(key, row.get(key.lower())))] = row
        live = [row for row in last.values() if row.get("_reconciled_merged_into") is None]
        return comparable(live, key, columns)

    def drop(self) -> None:
        if self.name == "target-postgres":
            with psycopg.connect(str(self.postgres_url), autocommit=True) as conn:
                conn.execute(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE')
