"""Bad input ends the run naming line and stream; committed data stays; STATE does not advance."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from target_reconciled.destinations.sql import SQLDestination
from tests.target_reconciled.harness import (
    DESTINATIONS,
    TARGET,
    Dest,
    invoca,
    record,
    run_cli,
    run_inline,
    schema,
    state,
)

GOOD = [*invoca({"transaction_id": "A"}, {"transaction_id": "B"}), state({"run": 1})]
SECOND = [
    *invoca({"transaction_id": "C"}, {"transaction_id": "A2", "corrects_transaction_id": "A"}),
    state({"run": 2}),
]

BAD_LINES = {
    "malformed": ('{"type": "RECORD", "stream": "transactions", "record": {"transaction_id": ', "line 5"),
    "record_before_schema": (record("refunds", {"id": 1}), "stream 'refunds'"),
    "breaks_schema": (record("transactions", {"transaction_id": 5}), "stream 'transactions'"),
    "null_key": (record("transactions", {"transaction_id": None}), "stream 'transactions'"),
    "bad_date": (
        record("transactions", {"transaction_id": "D", "corrected_at": "yesterday"}),
        "corrected_at",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_LINES))
@pytest.mark.parametrize("batch_size", [1, 10_000])
def test_bad_input_stops_the_run_and_keeps_what_was_committed(
    dest: Dest, tmp_path: Path, case: str, batch_size: int
) -> None:
    config = dest.config(batch_size_rows=batch_size)
    first = run_cli(config, GOOD, tmp_path)
    assert first.code == 0, first.stderr
    before = dest.current()

    bad, mention = BAD_LINES[case]
    result = run_cli(config, [*SECOND, bad, *invoca({"transaction_id": "Z"}), state({"run": 3})], tmp_path)

    assert result.code != 0
    if batch_size == 10_000:
        assert result.states == []  # STATE {"run": 2} was read, its records never committed
    else:  # a checkpoint: every record before STATE {"run": 2} may be committed before line 5 fails
        assert result.states in ([], [{"run": 2}])
    error = [line for line in result.stderr.splitlines() if "ERROR" in line]
    assert error, result.stderr
    assert "line 5" in error[-1]
    assert mention in error[-1]
    after = dest.current()
    if batch_size == 10_000:
        assert after == before  # the second run's records were never committed
    else:
        assert set(after) == {'["A"]', '["B"]', '["C"]'}  # committed batches stay whole
    assert '["Z"]' not in after


UNCONVERTIBLE = {
    "date_time": (
        {"type": ["string", "null"], "format": "date-time"},
        "yesterday",
        "'yesterday' is not a valid",
    ),
    "date": ({"type": ["string", "null"], "format": "date"}, "2026-02-30", "'2026-02-30' is not a valid"),
    "number_too_large": ({"type": ["number", "null"]}, 1e40, "not DECIMAL(38,9)"),
    "integer_too_large": ({"type": ["integer", "null"]}, 2**64 + 1, "not BIGINT"),
    "text_in_number_unvalidated": ({"type": ["number", "null"]}, "many", "not DECIMAL(38,9)"),
}
IN_POSTGRES = {"not DECIMAL(38,9)": "not numeric", "not BIGINT": "not bigint"}
"""The reasons above in PostgreSQL's type names."""
UNCONVERTIBLE_IN = [
    (kind, case)
    for kind in DESTINATIONS
    for case in sorted(UNCONVERTIBLE)
    if (kind, case) != ("postgres", "number_too_large")  # PostgreSQL's numeric is unconstrained
]


@pytest.mark.parametrize(("dest", "case"), UNCONVERTIBLE_IN, indirect=["dest"])
@pytest.mark.parametrize("batch_size", [1, 10_000])
def test_a_value_the_database_cannot_convert_names_its_line_and_column(
    dest: Dest, tmp_path: Path, case: str, batch_size: int
) -> None:
    """Found when the batch is cast in the database, not by the schema check: still one line, one column."""
    column, value, mention = UNCONVERTIBLE[case]
    if dest.kind == "postgres":
        mention = IN_POSTGRES.get(mention, mention)
    config = dest.config(batch_size_rows=batch_size, validate_records=not case.endswith("unvalidated"))
    stream_schema = {"type": "object", "properties": {"transaction_id": {"type": "string"}, "extra": column}}
    lines = [
        schema("transactions", stream_schema, ["transaction_id"]),
        record("transactions", {"transaction_id": "A", "extra": None}),
        state({"run": 1}),
        record("transactions", {"transaction_id": "B", "extra": value}),
        record("transactions", {"transaction_id": "C", "extra": None}),
        state({"run": 2}),
    ]
    result = run_cli(config, lines, tmp_path)

    assert result.code != 0
    assert {"run": 2} not in result.states
    error = [line for line in result.stderr.splitlines() if "ERROR" in line][-1]
    assert "line 4 (stream 'transactions')" in error
    assert "'extra'" in error
    assert mention in error
    assert "read_json" not in error  # no DuckDB internals
    assert "batch-" not in error  # nor the temporary file
    assert set(dest.current()) <= {'["A"]'}


def test_unknown_message_type_names_the_line(tmp_path: Path) -> None:
    result = run_cli({"duckdb_path": str(tmp_path / "db.duckdb")}, [*GOOD[:2], '{"type": "NOPE"}'], tmp_path)
    assert result.code != 0
    assert "line 3" in result.stderr


def test_a_failing_write_leaves_nothing_half_written(dest: Dest, monkeypatch: pytest.MonkeyPatch) -> None:
    config = dest.config()
    run_inline(config, GOOD)

    def fail(self: SQLDestination, stream: str, plan: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(SQLDestination, "_replace_current", fail)
    batch = r"stream 'transactions', batch of 2 records from lines 2-3"
    with pytest.raises(RuntimeError, match=f"{batch}: disk full"):
        run_inline(config, SECOND)
    monkeypatch.undo()
    history = dest.rows("transactions__history", order="_reconciled_seq")
    assert [r["transaction_id"] for r in history] == ["A", "B"]
    assert len(dest.rows("_reconciled_links")) == 2
    assert dest.rows("_reconciled_streams")[0]["next_seq"] == 3


def test_a_database_another_process_holds_names_the_setting(tmp_path: Path) -> None:
    path = tmp_path / "db.duckdb"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb, sys; c = duckdb.connect({str(path)!r}); print(1, flush=True); sys.stdin.read()",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "1"
        result = run_cli({"duckdb_path": str(path)}, GOOD, tmp_path)
    finally:
        holder.communicate("")
    assert result.code != 0
    error = [line for line in result.stderr.splitlines() if "ERROR" in line or "Error" in line][-1]
    assert f"duckdb_path={str(path)!r}" in error
    assert "Another process has it open" in error


def test_a_database_path_that_cannot_be_created_names_the_setting(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("not a directory")
    result = run_cli({"duckdb_path": str(tmp_path / "file" / "db.duckdb")}, GOOD, tmp_path)
    assert result.code != 0
    error = [line for line in result.stderr.splitlines() if "ERROR" in line][-1]
    assert "duckdb_path=" in error
    assert "set duckdb_path to another file" in error


def test_the_singer_destination_without_forward_command_names_the_setting(tmp_path: Path) -> None:
    result = run_cli({"destination": "singer", "duckdb_path": str(tmp_path / "s.duckdb")}, GOOD, tmp_path)
    assert result.code != 0
    assert "destination 'singer' needs forward_command" in result.stderr


def test_a_forward_command_that_does_not_exist_names_the_setting(tmp_path: Path) -> None:
    config = {
        "destination": "singer",
        "duckdb_path": str(tmp_path / "s.duckdb"),
        "forward_command": [str(tmp_path / "no-such-target")],
        "forward_config": {"password": "hunter2-secret"},
    }
    temp = tmp_path / "tmp"
    temp.mkdir()
    result = run_cli(config, GOOD, tmp_path, env={"TMPDIR": str(temp)})
    assert result.code != 0
    assert "cannot start the downstream target 'no-such-target' (forward_command" in result.stderr
    assert "hunter2-secret" not in result.stderr
    assert not list(temp.iterdir())  # the config file was removed


NULLABLE_KEY = {
    "type": "object",
    "properties": {"id": {"type": ["string", "null"]}, "n": {"type": "integer"}},
}
ONE_LINE_ERRORS = {
    "duplicated key in a record": (
        record("s", {"id": "A"}).replace('"A"', '"A", "id": "B"'),
        "names the key 'id' twice",
    ),
    "duplicated key in a STATE": ('{"type": "STATE", "value": {"a": 1, "a": 2}}', "names the key 'a' twice"),
    "invalid UTF-8": (record("s", {"id": "A"}).replace("A", "\udcff"), "not valid UTF-8 (byte 0xff"),
    "missing key property": (record("s", {"n": 1}), "lacks key property ['id']"),
    "null key": (record("s", {"id": None, "n": 1}), "key"),
    "truncated line": (record("s", {"id": "A"})[:-3], "not valid JSON"),
}


@pytest.mark.parametrize("case", sorted(ONE_LINE_ERRORS))
def test_an_input_error_is_one_line_naming_line_and_stream_with_the_traceback_at_debug(
    dest: Dest, tmp_path: Path, case: str
) -> None:
    bad, mention = ONE_LINE_ERRORS[case]
    lines = [schema("s", NULLABLE_KEY, ["id"]), record("s", {"id": "Z", "n": 0}), bad]
    data = ("\n".join(lines) + "\n").encode(errors="surrogateescape")
    for level, traceback in (("info", False), ("debug", True)):
        proc = subprocess.run(
            [TARGET, "--config", str(_config(tmp_path, dest.config()))],
            input=data,
            capture_output=True,
            check=False,
            env={**os.environ, "LOGLEVEL": level},
        )
        stderr = proc.stderr.decode(errors="replace")
        errors = [line for line in stderr.splitlines() if "| ERROR" in line]
        assert proc.returncode == 1, stderr
        assert len(errors) == 1, stderr
        assert "line 3" in errors[0]
        if case != "duplicated key in a STATE":
            assert "stream 's'" in errors[0]
        assert mention in errors[0]
        assert "fix the tap's output" in errors[0]
        assert ("Traceback" in stderr) is traceback, stderr


def test_a_byte_order_mark_before_the_first_message_is_skipped(dest: Dest, tmp_path: Path) -> None:
    lines = [schema("s", NULLABLE_KEY, ["id"]), record("s", {"id": "A", "n": 1}), state({"run": 1})]
    data = b"\xef\xbb\xbf" + ("\n".join(lines) + "\n").encode()
    proc = subprocess.run(
        [TARGET, "--config", str(_config(tmp_path, dest.config()))],
        input=data,
        capture_output=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert b"byte-order mark: skipped" in proc.stderr
    assert json.loads(proc.stdout) == {"run": 1}
    assert set(dest.current("s")) == {'["A"]'}


def _config(tmp_path: Path, config: dict) -> Path:
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    return path


def test_temporary_files_of_killed_runs_are_removed_and_those_of_live_runs_kept(tmp_path: Path) -> None:
    temp = tmp_path / "tmp"
    temp.mkdir()
    gone = temp / "target-reconciled-999999999-abc"  # beyond any pid: its run is gone
    gone.mkdir()
    (gone / "batch-1.json").write_text("{}")
    config_left = temp / "target-reconciled-999999998-forward-config-x.json"
    config_left.write_text('{"password": "secret"}')
    alive = temp / f"target-reconciled-{os.getpid()}-abc"
    alive.mkdir()
    result = run_cli({"duckdb_path": str(tmp_path / "db.duckdb")}, GOOD, tmp_path, env={"TMPDIR": str(temp)})
    assert result.code == 0, result.stderr
    assert "removed 2 temporary file(s) left by killed runs" in result.stderr
    assert sorted(path.name for path in temp.iterdir()) == [alive.name]


@pytest.mark.parametrize("key_properties", [True, ["id", "id"], ["nope"]])
def test_a_schema_whose_key_cannot_be_used_is_one_error_line(tmp_path: Path, key_properties: object) -> None:
    lines = [
        json.dumps(
            {"type": "SCHEMA", "stream": "s", "schema": NULLABLE_KEY, "key_properties": key_properties}
        ),
        record("s", {"id": "A", "n": 1}),
    ]
    result = run_cli({"duckdb_path": str(tmp_path / "db.duckdb")}, lines, tmp_path)
    errors = [line for line in result.stderr.splitlines() if "| ERROR" in line]
    assert result.code == 1
    assert len(errors) == 1, result.stderr  # not also the SDK's "Error initializing target sink"
    assert "line 1 (stream 's')" in errors[0]
    assert "key_properties of its SCHEMA message" in errors[0]
    assert "Traceback" not in result.stderr
