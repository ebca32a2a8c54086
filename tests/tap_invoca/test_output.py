"""tap-invoca's output: records in large writes, never a STATE before the records it covers."""

from __future__ import annotations

import io
import json
from types import SimpleNamespace

import pytest
from singer_sdk.singerlib import RecordMessage, StateMessage

from tap_invoca import output
from tap_invoca.output import BufferedWriter


class Stdout:
    """A stdout whose every write to its buffer is kept apart."""

    def __init__(self) -> None:
        self.writes: list[bytes] = []
        self.buffer = self

    def write(self, data: bytes) -> int:
        self.writes.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def lines(self) -> list[dict]:
        return [json.loads(line) for line in b"".join(self.writes).splitlines()]


@pytest.fixture
def stdout(monkeypatch: pytest.MonkeyPatch) -> Stdout:
    """The writer's stdout (``sys`` in its module only: pytest sets ``sys.stdout`` again for each test)."""
    fake = Stdout()
    monkeypatch.setattr(output, "sys", SimpleNamespace(stdout=fake))
    return fake


def record(n: int) -> RecordMessage:
    return RecordMessage(stream="transactions", record={"transaction_id": f"T{n}", "pad": "x" * 1000})


def test_records_wait_for_the_state_that_covers_them_and_go_out_with_it(stdout: Stdout) -> None:
    writer = BufferedWriter()
    for n in range(3):
        writer.write_message(record(n))
    assert stdout.writes == []
    writer.write_message(StateMessage(value={"bookmarks": {"transactions": {"replication_key_value": "T2"}}}))

    assert len(stdout.writes) == 1  # one write: the three records, then the STATE
    kinds = [(line["type"], line.get("record", {}).get("transaction_id")) for line in stdout.lines()]
    assert kinds == [("RECORD", "T0"), ("RECORD", "T1"), ("RECORD", "T2"), ("STATE", None)]


def test_a_full_buffer_is_written_without_waiting_for_a_state(
    stdout: Stdout, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(output, "BUFFER_BYTES", 5_000)
    writer = BufferedWriter()
    for n in range(12):
        writer.write_message(record(n))

    assert len(stdout.writes) == 2  # about 1 kB a record: written at the 5th and the 10th
    assert [line["record"]["transaction_id"] for line in stdout.lines()] == [f"T{n}" for n in range(10)]
    writer.end()
    assert len(stdout.lines()) == 12


def test_records_left_at_the_end_are_not_an_error_when_stdout_is_closed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    closed = io.TextIOWrapper(io.BytesIO())
    closed.close()
    monkeypatch.setattr(output, "sys", SimpleNamespace(stdout=closed))
    writer = BufferedWriter()
    writer.write_message(record(1))
    writer.end()
