"""target-reconciled reads standard input as bytes, a megabyte at a time."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from target_reconciled.reader import INPUT_BUFFER, LineReader


def test_stdin_is_read_through_a_large_binary_buffer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lines = [b'{"type": "STATE", "value": {"n": %d, "pad": "%s"}}\n' % (n, b"x" * 200) for n in range(100)]
    path = tmp_path / "input.jsonl"
    path.write_bytes(b"".join(lines))
    with path.open() as stdin:
        monkeypatch.setattr(sys, "stdin", stdin)
        source = LineReader().default_input
        assert isinstance(source, io.BufferedReader)
        assert source.raw.fileno() == stdin.fileno()
        assert not source.raw.closefd  # standard input stays open when the reader is dropped
        assert source.readline() == lines[0]
        # One read took the whole 20 kB file (Python's default buffer reads 8 kB at a time).
        assert source.raw.tell() == path.stat().st_size < INPUT_BUFFER
        assert [lines[0], *source] == lines


def test_stdin_without_a_file_descriptor_is_read_as_it_is(monkeypatch: pytest.MonkeyPatch) -> None:
    stdin = io.StringIO('{"type": "STATE", "value": {}}\n')
    monkeypatch.setattr(sys, "stdin", stdin)
    assert LineReader().default_input is stdin
