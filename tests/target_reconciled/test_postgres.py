"""What only the PostgreSQL destination has: connection errors, name limits, values PostgreSQL refuses,
odd identifiers, and two runs of the same stream at once."""

from __future__ import annotations

import json
import subprocess
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import psycopg
import pytest

from tests.target_reconciled.harness import TARGET, invoca, record, run_cli, schema, state


@pytest.fixture
def pg(postgres_url: str) -> Iterator[dict[str, Any]]:
    """A target config writing to a new schema of the test database, dropped afterwards."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    yield {"destination": "postgres", "postgres_url": postgres_url, "default_target_schema": name}
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')


def fetch(config: dict[str, Any], sql: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(config["postgres_url"]) as conn:
        conn.execute(f'SET search_path = "{config["default_target_schema"]}"')
        return conn.execute(sql).fetchall()


def errors_of(stderr: str) -> str:
    return "\n".join(line for line in stderr.splitlines() if "ERROR" in line or "Error" in line)


@pytest.mark.parametrize(
    ("url", "says"),
    [
        (
            "postgresql://reader:s3cret-pw@127.0.0.1:1/test",
            "cannot connect to PostgreSQL at reader@127.0.0.1:1/test",
        ),
        ("postgresql://reader:s3cret-pw@127.0.0.1:5432/no_such_db", "no_such_db"),
        ("host=127.0.0.1 password=s3cret-pw port", "postgres_url is not a PostgreSQL connection URL"),
    ],
)
def test_connection_errors_name_the_setting_and_never_the_password(
    tmp_path: Path, pg: dict[str, Any], url: str, says: str
) -> None:
    result = run_cli({**pg, "postgres_url": url}, invoca({"transaction_id": "A"}), tmp_path)
    assert result.code != 0
    assert says in result.stderr
    assert "postgres_url" in errors_of(result.stderr)
    assert "s3cret-pw" not in result.stderr


def test_postgres_without_a_url_is_a_configuration_error(tmp_path: Path) -> None:
    result = run_cli({"destination": "postgres"}, invoca({"transaction_id": "A"}), tmp_path)
    assert result.code != 0
    assert "destination 'postgres' needs postgres_url" in result.stderr


def test_a_sqlalchemy_style_url_is_accepted(tmp_path: Path, pg: dict[str, Any]) -> None:
    url = pg["postgres_url"].replace("postgresql://", "postgresql+psycopg://")
    result = run_cli({**pg, "postgres_url": url}, invoca({"transaction_id": "A"}), tmp_path)
    assert result.code == 0, result.stderr
    assert fetch(pg, "SELECT transaction_id FROM transactions") == [("A",)]


def test_names_longer_than_postgres_allows_are_refused_not_cut(tmp_path: Path, pg: dict[str, Any]) -> None:
    long_stream = "s" * 55  # its history table would be 64 bytes
    result = run_cli(
        {**pg}, [schema(long_stream, {"properties": {"id": {"type": "string"}}}, ["id"])], tmp_path
    )
    assert result.code != 0
    assert f"table '{long_stream}__history' is longer than PostgreSQL's 63 bytes" in result.stderr
    long_column = "c" * 64
    props = {"properties": {"id": {"type": "string"}, long_column: {"type": "string"}}}
    result = run_cli({**pg}, [schema("s", props, ["id"])], tmp_path)
    assert result.code != 0
    assert f"column '{long_column}' is longer" in result.stderr


@pytest.mark.parametrize(
    ("column", "value", "reason"),
    [
        ("day", '"2026-02-30"', "column 'day': '2026-02-30' is not a valid date/time"),
        ("at", '"2026-13-01T00:00:00Z"', "column 'at': '2026-13-01T00:00:00Z' is not a valid date/time"),
        ("n", "123456789012345678901", "column 'n': not bigint"),
    ],
)
@pytest.mark.parametrize("batch_size", [1, 10_000])
def test_a_value_postgres_refuses_names_its_line(
    tmp_path: Path, pg: dict[str, Any], column: str, value: str, reason: str, batch_size: int
) -> None:
    props = {
        "properties": {
            "id": {"type": "string"},
            "day": {"type": ["string", "null"], "format": "date"},
            "at": {"type": ["string", "null"], "format": "date-time"},
            "n": {"type": ["integer", "null"]},
            "note": {"type": ["string", "null"]},
        }
    }
    bad = record("s", {"id": "B"}).replace('"id": "B"', f'"id": "B", "{column}": {value}')
    lines = [schema("s", props, ["id"]), record("s", {"id": "A"}), state({"run": 1}), bad, state({"run": 2})]
    config = {**pg, "batch_size_rows": batch_size, "validate_records": False}
    result = run_cli(config, lines, tmp_path)
    assert result.code != 0
    error = errors_of(result.stderr)
    assert "line 4 (stream 's')" in error
    assert reason in error
    assert {"run": 2} not in result.states
    expected = [("A",)] if batch_size == 1 else []
    assert fetch(pg, "SELECT id FROM s") == expected  # committed batches stay, the failed one is gone


def test_odd_identifiers_are_quoted(tmp_path: Path, pg: dict[str, Any]) -> None:
    config = {**pg, "default_target_schema": pg["default_target_schema"] + ' 50%"$1'}
    stream = 'my-stream.v2 "%s" $1'
    props = {"properties": {"id": {"type": "string"}, "50% off $1": {"type": ["number", "null"]}}}
    lines = [schema(stream, props, ["id"]), record(stream, {"id": "A", "50% off $1": 1.5})]
    try:
        result = run_cli(config, lines, tmp_path)
        assert result.code == 0, result.stderr
        with psycopg.connect(pg["postgres_url"]) as conn:
            quoted = '"' + config["default_target_schema"].replace('"', '""') + '"'
            found = conn.execute(f'SELECT id, "50% off $1" FROM {quoted}."my-stream.v2 ""%s"" $1"').fetchall()
        assert [(id_, float(v)) for id_, v in found] == [("A", 1.5)]
    finally:
        with psycopg.connect(pg["postgres_url"], autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA IF EXISTS {quoted} CASCADE")


def test_two_runs_of_one_stream_at_once_take_turns(tmp_path: Path, pg: dict[str, Any]) -> None:
    """Each batch locks its stream's sequence: concurrent loads interleave by batch, never mix."""
    config = tmp_path / "cfg.json"
    config.write_text(json.dumps({**pg, "batch_size_rows": 500}))
    inputs = []
    for run in range(2):
        rows = [{"transaction_id": f"{run}-{n}"} for n in range(3000)]
        corrections = [
            {"transaction_id": f"{run}-{n}c", "corrects_transaction_id": f"{1 - run}-{n}"}
            for n in range(0, 3000, 7)
        ]
        inputs.append("\n".join([*invoca(*rows, *corrections), state({"run": run})]) + "\n")
    procs = [
        subprocess.Popen(
            [TARGET, "--config", str(config)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in inputs
    ]
    with ThreadPoolExecutor(2) as pool:
        outputs = list(pool.map(lambda proc, text: proc.communicate(text, timeout=120), procs, inputs))
    for proc, (_, stderr) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, stderr[-3000:]
    ((seqs, distinct),) = fetch(
        pg, "SELECT count(*), count(DISTINCT _reconciled_seq) FROM transactions__history"
    )
    assert seqs == distinct == 6000 + 2 * 429
    ((roots,),) = fetch(pg, "SELECT count(*) FROM transactions")
    assert roots == 6000
    corrected = fetch(pg, "SELECT count(*) FROM transactions WHERE _reconciled_versions = 2")
    assert corrected == [(2 * 429,)]


def test_the_character_postgres_cannot_store_is_replaced_with_a_warning(
    tmp_path: Path, pg: dict[str, Any]
) -> None:
    props = {"properties": {"id": {"type": "string"}, "note": {"type": ["string", "null"]}, "doc": {}}}
    nul = '{"type": "RECORD", "stream": "s", "record": {"id": "A", "note": "a\\u0000b", '
    nul += '"doc": {"k\\u0000": 1}}}'
    kept = '{"type": "RECORD", "stream": "s", "record": {"id": "B", "note": "a\\\\u0000b"}}'
    result = run_cli({**pg, "batch_size_rows": 1}, [schema("s", props, ["id"]), nul, kept], tmp_path)
    assert result.code == 0, result.stderr
    assert "stream 's': 2 value(s) held the character U+0000" in result.stderr
    found = fetch(pg, "SELECT id, note, doc FROM s ORDER BY id")
    assert found == [("A", "a\ufffdb", {"k\ufffd": 1}), ("B", "a\\u0000b", None)]


def test_a_loader_without_create_on_the_database_loads_into_its_schema(
    tmp_path: Path, pg: dict[str, Any]
) -> None:
    """The usual warehouse set-up: an administrator creates the schema for a login that may not
    create schemas."""
    schema_name, role = pg["default_target_schema"], f"loader_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(pg["postgres_url"], autocommit=True) as conn:
        conn.execute(f"CREATE ROLE {role} LOGIN")
        conn.execute(f"CREATE SCHEMA {schema_name} AUTHORIZATION {role}")
    url = pg["postgres_url"].replace("postgresql://postgres@", f"postgresql://{role}@")
    try:
        result = run_cli({**pg, "postgres_url": url}, invoca({"transaction_id": "A"}), tmp_path)
        assert result.code == 0, result.stderr
        assert fetch(pg, "SELECT transaction_id FROM transactions") == [("A",)]
    finally:
        with psycopg.connect(pg["postgres_url"], autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA IF EXISTS {schema_name} CASCADE")
            conn.execute(f"DROP ROLE {role}")
