"""Fuzzed Singer input: valid messages mutated at the byte, JSON and schema level (hypothesis).

Each run of target-reconciled (DuckDB) must end one of two ways:

- accepted: exit 0, every STATE it emits is one of the input's, the last is the input's last,
  and the current table equals the brute-force reference over the records as Python's ``json``
  reads them (a run whose SCHEMA was mutated is instead compared with the same input loaded
  one record per batch);
- refused: exit 1 with one ERROR line and no traceback, naming an input line at or after the
  mutation (and its stream when the line has one); no STATE from that line or later; and the
  current table equals the reference over a prefix of the input that ends between the last
  STATE emitted and that line (a committed batch may run ahead of its STATE: a resumed run sends
  it again and replays are not stored).
"""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path
from typing import Any

import duckdb
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from tests.reliability.figures import PLANTED, Figures
from tests.reliability.forkrun import ForkRunner
from tests.target_reconciled.harness import Dest
from tests.target_reconciled.test_destination_properties import expected_rows, loaded_rows, normalised
from tests.target_reconciled.test_engine_properties import CORRECTIONS, SCHEMA, records, with_replays

CONFIG = {
    "streams": {"s": {"corrects": "corrects"}},
    "postgres_url": f"postgresql://postgres:{PLANTED['postgres password']}@127.0.0.1:5432/test",
}
"""Beside the DuckDB destination: rules, and a secret the target must never show (unused here)."""
VALUES: list[Any] = [
    None,
    True,
    0,
    -1,
    2**70,
    1.5,
    1e308,
    "",
    "x",
    "2026-13-45T00:00:00Z",
    [],
    {},
    {"a": [1]},
]
TYPES: list[Any] = ["integer", "string", "boolean", "number", ["null", "string"], "object", "array", "null"]
BYTES = [0xFF, 0xC3, 0x00, 0x22, 0x7B, 0x7D, 0x2C, 0x3A, 0x5C, 0x0A, 0x20, 0x31]
_LINE = re.compile(r"\bline (\d+)\b")
_STREAM = re.compile(rb'"stream"\s*:\s*"(?:[^"\\]|\\.)+"')
"""A line that names its stream (a name cut short by the end of the line names none)."""
_READER = duckdb.connect()
_READER.execute("SET TimeZone = 'UTC'")


@st.composite
def base_input(draw: st.DrawFn) -> list[str]:
    """A valid input: SCHEMA of stream ``s``, records (some replayed), STATEs naming their line."""
    rows = draw(st.lists(records(), min_size=1, max_size=10).flatmap(with_replays))
    lines = [json.dumps({"type": "SCHEMA", "stream": "s", "schema": SCHEMA, "key_properties": ["id"]})]
    for row in rows:
        lines.append(json.dumps({"type": "RECORD", "stream": "s", "record": row}))
        if draw(st.booleans()):
            lines.append(json.dumps({"type": "STATE", "value": {"at": len(lines) + 1}}))
    lines.append(json.dumps({"type": "STATE", "value": {"at": len(lines) + 1}}))
    return lines


def _with_duplicate(obj: dict[str, Any], name: str, value: Any) -> str:
    """``obj`` as JSON text with ``name`` written a second time, with ``value``."""
    return json.dumps(obj)[:-1] + f", {json.dumps(name)}: {json.dumps(value)}}}"


def _mutate_object(draw: st.DrawFn, obj: dict[str, Any]) -> tuple[str, str]:
    """One JSON-level change of ``obj`` (or of its record): the new text and what was done."""
    target = obj["record"] if isinstance(obj.get("record"), dict) and draw(st.booleans()) else obj
    where = "record" if target is not obj else "message"
    names = sorted(target) or ["x"]
    name = draw(st.sampled_from(names))
    op = draw(st.sampled_from(["delete", "set", "duplicate", "rename", "add"]))
    value = draw(st.sampled_from(VALUES))
    if op == "duplicate":
        if target is obj:
            return _with_duplicate(obj, name, value), f"{where} key {name!r} written twice"
        text = _with_duplicate(target, name, value)
        outer = json.dumps({**obj, "record": "@@"}).replace('"@@"', text)
        return outer, f"{where} key {name!r} written twice"
    if op == "delete":
        target.pop(name, None)
    elif op == "set":
        target[name] = value
    elif op == "rename":
        target[name + "_"] = target.pop(name, None)
    else:
        target["zz_extra"] = value
    return json.dumps(obj), f"{where} {op} {name!r} ({value!r})"


def _mutate_schema(draw: st.DrawFn, obj: dict[str, Any]) -> tuple[str, str]:
    """One schema-level change of a SCHEMA message."""
    properties = obj["schema"]["properties"]
    name = draw(st.sampled_from(sorted(properties)))
    op = draw(st.sampled_from(["type", "delete", "key", "required", "format", "bookmark"]))
    if op == "type":
        properties[name] = {"type": draw(st.sampled_from(TYPES))}
    elif op == "delete":
        del properties[name]
    elif op == "key":
        obj["key_properties"] = draw(st.sampled_from([[], ["corrects"], ["nope"], None, "id", ["id", "id"]]))
    elif op == "required":
        obj["schema"]["required"] = ["id", name]
    elif op == "format":
        properties[name] = {**properties[name], "format": draw(st.sampled_from(["date", "time", "uuid"]))}
    else:
        obj["bookmark_properties"] = [name]
    return json.dumps(obj), f"schema {op} {name!r}: {json.dumps(obj)[:200]}"


def _mutate_bytes(draw: st.DrawFn, data: bytes) -> tuple[bytes, str]:
    """One byte-level change of a line."""
    at = draw(st.integers(0, max(len(data) - 1, 0)))
    byte = bytes([draw(st.sampled_from(BYTES))])
    op = draw(st.sampled_from(["replace", "delete", "insert", "truncate"]))
    if op == "replace":
        return data[:at] + byte + data[at + 1 :], f"byte {at} replaced by {byte!r}"
    if op == "delete":
        return data[:at] + data[at + 1 :], f"byte {at} deleted"
    if op == "insert":
        return data[:at] + byte + data[at:], f"{byte!r} inserted at byte {at}"
    return data[:at], f"truncated at byte {at}"


@st.composite
def mutated(draw: st.DrawFn) -> tuple[list[bytes], int, str, bool]:
    """A mutated input: its lines, the 1-based line changed first, what changed, whether SCHEMA did."""
    lines = draw(base_input())
    index = draw(st.integers(0, len(lines) - 1))
    obj = json.loads(lines[index])
    level = draw(st.sampled_from(["byte", "json", "schema", "lines"]))
    out = [line.encode() for line in lines]
    if level == "schema" and obj["type"] == "SCHEMA":
        text, what = _mutate_schema(draw, obj)
        out[index] = text.encode()
    elif level == "json" or level == "schema":
        text, what = _mutate_object(draw, obj)
        out[index] = text.encode()
    elif level == "byte":
        out[index], what = _mutate_bytes(draw, out[index])
    else:
        op = draw(st.sampled_from(["bom", "drop", "repeat", "swap"]))
        what = f"line {op}"
        if op == "bom":
            index, out[0] = 0, b"\xef\xbb\xbf" + out[0]
        elif op == "drop":
            del out[index]
        elif op == "repeat":
            out.insert(index, out[index])
        elif index + 1 < len(out):
            out[index], out[index + 1] = out[index + 1], out[index]
    lines_read = b"\n".join(out).split(b"\n")  # an inserted newline makes two lines
    return lines_read, index + 1, f"line {index + 1}: {level}: {what}", index == 0 and level != "lines"


def _parsed(lines: list[bytes]) -> list[dict[str, Any] | None]:
    """Each line as Python's ``json`` reads it (None when it cannot)."""
    found: list[dict[str, Any] | None] = []
    for line in lines:
        try:
            value = json.loads(line.decode())
        except ValueError:
            value = None
        found.append(value if isinstance(value, dict) else None)
    return found


def _as_stored(record: dict[str, Any]) -> dict[str, Any]:
    """A record as the table's columns hold it: the schema's properties (missing ones null), its
    date-times read as the database reads them (laxer than Python: ``2024-01-01T0:00:00Z``)."""
    row = {name: record.get(name) for name in SCHEMA["properties"]}
    for name in ("corrected_at", "modified"):
        if isinstance(row[name], str):
            found = _READER.execute("SELECT CAST(? AS TIMESTAMPTZ)", [row[name]]).fetchone()
            row[name] = found[0].isoformat() if found else None
    return row


def _reference(messages: list[dict[str, Any] | None], end: int) -> dict[str, dict[str, Any]]:
    """The reference current table over the records of the first ``end`` lines."""
    rows = [
        _as_stored(m["record"])
        for m in messages[:end]
        if m and m.get("type") == "RECORD" and m.get("stream") == "s" and isinstance(m.get("record"), dict)
    ]
    return normalised(expected_rows(CORRECTIONS, rows)) if rows else {}


def _current(dest: Dest) -> dict[str, dict[str, Any]]:
    return normalised(loaded_rows(dest)) if "s" in dest.tables() else {}


class Fuzz:
    """Runs mutated inputs and sorts each run into an outcome class."""

    def __init__(self, runner: ForkRunner, work: Path, figures: Figures) -> None:
        self.runner, self.work, self.figures, self.count = runner, work, figures, 0
        self.outputs: list[bytes] = []
        """Every stdout and stderr of the current check's runs."""

    def load(self, lines: list[bytes], batch_rows: int) -> tuple[int, list[Any], str, Dest]:
        self.count += 1
        root = self.work / f"run-{self.count}"
        root.mkdir()
        dest = Dest("duckdb", root)
        config = root / "config.json"
        config.write_text(json.dumps({**dest.config(batch_size_rows=batch_rows), **CONFIG}))
        code, out, err = self.runner.run(config, b"\n".join(lines) + b"\n", root, {"LOGLEVEL": "info"})
        self.outputs += [out, err]
        states = [json.loads(line) for line in out.splitlines() if line.strip()]
        return code, states, err.decode(errors="replace"), dest

    def check(self, lines: list[bytes], first: int, what: str, schema_changed: bool, batch_rows: int) -> None:
        self.outputs = []
        code, states, stderr, dest = self.load(lines, batch_rows)
        messages = _parsed(lines)
        input_states = [m["value"] for m in messages if m and m.get("type") == "STATE" and "value" in m]
        if code == 0:
            if schema_changed:
                same = dest.contents() == self.load(lines, 1000)[3].contents()
            else:
                same = _current(dest) == _reference(messages, len(lines))
            right = (
                same
                and "Traceback" not in stderr
                and all(s in input_states for s in states)
                and (not input_states or states[-1:] == input_states[-1:])
            )
            self.figures.add(
                "accepted",
                identical=right,
                outputs=tuple(self.outputs),
                problem=f"{what}: accepted, tables or STATE wrong",
            )
            return
        errors = [line for line in stderr.splitlines() if "| ERROR" in line]
        named = _LINE.search(errors[0]) if len(errors) == 1 else None
        if code != 1 or named is None or "Traceback" in stderr or int(named.group(1)) < first:
            problem = f"{what}: exit {code}, unclear error: {errors or stderr[-800:]}"
            self.figures.add(
                "refused unclearly", identical=False, outputs=tuple(self.outputs), problem=problem
            )
            return
        bad = int(named.group(1))
        has_stream = bad <= len(lines) and _STREAM.search(lines[bad - 1]) is not None
        emitted = [s.get("at", 0) if isinstance(s, dict) else 0 for s in states]
        covered = max(emitted, default=1) - 1  # the lines before the last STATE emitted
        current = _current(dest)
        right = (
            (not has_stream or "(stream " in errors[0])
            and all(at < bad for at in emitted)
            and any(_reference(messages, end) == current for end in range(covered, bad))
        )
        problem = f"{what}: refused at line {bad} but stream, STATE or tables wrong: {errors[0][60:]}"
        self.figures.add(
            "refused, one clear line", identical=right, outputs=tuple(self.outputs), problem=problem
        )


def run(trials: int, seed_value: int) -> list[Figures]:
    """``trials`` fuzzed inputs (one Figures row, outcome classes as its outcomes)."""
    figures = Figures("fuzzed Singer input")
    with tempfile.TemporaryDirectory() as tmp, ForkRunner() as runner:
        fuzz = Fuzz(runner, Path(tmp), figures)

        @seed(seed_value)
        @settings(max_examples=trials, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        @given(mutated(), st.sampled_from([1, 3, 1000]))
        def one(case: tuple[list[bytes], int, str, bool], batch_rows: int) -> None:
            fuzz.check(*case, batch_rows)

        one()
    return [figures]
