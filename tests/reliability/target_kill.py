"""kill -9 of target-reconciled at random moments, resumed as Meltano would resume it.

Meltano keeps the last STATE the target emitted; the next run's tap sends its SCHEMA messages
again, then what follows that STATE. After one to three kills and a run to the end, every table
(current, history and bookkeeping; every column but the commit time ``_reconciled_at``) must equal
that of one clean run of the same input, on DuckDB and on PostgreSQL.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from tests.conftest import POSTGRES_URL
from tests.reliability.figures import PLANTED, Figures
from tests.target_reconciled import invoca_input
from tests.target_reconciled.harness import TARGET, VE_SCHEMA, Dest

RECORDS = 3000
STATE_EVERY = 100
BATCH_ROWS = 170
"""Not a multiple of the STATE interval: batches commit records past the last STATE, sent again on resume."""
LEVELS = ("info", "debug", "warning")
STATUSES = ("Pending", "Approved", "Invoiced", "Paid", "Cancelled")


def singer_input(records: int, seed: int) -> list[str]:
    """Invoca transactions (with corrections) and Ve transactions whose status moves, interleaved,
    with a STATE (unique, naming how far each stream got) every ``STATE_EVERY`` records."""
    rng = random.Random(seed)
    messages = [line for line in invoca_input.lines(records // 2, seed=seed) if '"STATE"' not in line]
    lines = [
        messages[0],
        json.dumps(
            {
                "type": "SCHEMA",
                "stream": "ve",
                "schema": VE_SCHEMA,
                "key_properties": ["transactionId"],
                "bookmark_properties": ["modifiedDate"],
            }
        ),
    ]
    invoca_records, moves = messages[1:], {}
    done = 0
    for n in range(records):
        if n % 2 == 0 and invoca_records:
            lines.append(invoca_records.pop(0))
        else:
            txn = rng.randrange(1, records // 6)
            moves[txn] = min(moves.get(txn, -1) + 1, len(STATUSES) - 1)
            record = {
                "transactionId": txn,
                "status": STATUSES[moves[txn]],
                "commission": round(rng.random() * 100, 2),
                "modifiedDate": f"2026-03-{1 + n // 1440 % 28:02d}T{n // 60 % 24:02d}:{n % 60:02d}:00Z",
            }
            lines.append(json.dumps({"type": "RECORD", "stream": "ve", "record": record}))
        done += 1
        if done % STATE_EVERY == 0:
            lines.append(json.dumps({"type": "STATE", "value": {"bookmarks": {"records": done}}}))
    lines.append(json.dumps({"type": "STATE", "value": {"bookmarks": {"records": done, "end": True}}}))
    return lines


def resumed(lines: list[str], state: Any) -> list[str]:
    """What a tap resuming from ``state`` sends: its SCHEMA messages, then what followed ``state``."""
    if state is None:
        return lines
    at = lines.index(json.dumps({"type": "STATE", "value": state}))
    return [line for line in lines if '"type": "SCHEMA"' in line] + lines[at + 1 :]


class Run:
    """One target process on ``lines``; its STATEs and stderr once it ended or was killed."""

    def __init__(self, config: Path, lines: list[str], work: Path, level: str) -> None:
        (work / "in.jsonl").write_text("\n".join(lines) + "\n")
        with (
            (work / "in.jsonl").open("rb") as stdin,
            (work / "stdout").open("wb") as out,
            (work / "stderr").open("wb") as err,
        ):
            self.proc = subprocess.Popen(
                [TARGET, "--config", str(config)],
                stdin=stdin,
                stdout=out,
                stderr=err,
                env={**os.environ, "LOGLEVEL": level},
            )
        self.work = work

    def finish(self, kill_after: float | None) -> bool:
        """Wait for the end, or kill -9 after ``kill_after`` seconds; whether it ended by itself."""
        try:
            self.proc.wait(timeout=kill_after if kill_after is not None else 300)
            return True
        except subprocess.TimeoutExpired:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()
            return False

    @property
    def states(self) -> list[Any]:
        return [json.loads(line) for line in (self.work / "stdout").read_text().splitlines() if line.strip()]

    @property
    def outputs(self) -> tuple[bytes, bytes]:
        return (self.work / "stdout").read_bytes(), (self.work / "stderr").read_bytes()


def _dest(kind: str, root: Path) -> Dest:
    url = POSTGRES_URL.replace("postgres@", f"postgres:{PLANTED['postgres password']}@", 1)
    return Dest(kind, root, url if kind == "postgres" else None)


def _config(dest: Dest, work: Path) -> Path:
    path = work / "config.json"
    path.write_text(json.dumps(dest.config(batch_size_rows=BATCH_ROWS)))
    return path


class KillTrials:
    """Trials on one destination kind against its clean run (``seconds``: how long that took)."""

    def __init__(self, kind: str, lines: list[str], seed: int, figures: Figures) -> None:
        self.kind, self.lines, self.figures = kind, lines, figures
        self.rng = random.Random(f"{seed}-{kind}")
        self.clean: dict[str, list[str]] = {}
        self.seconds = 0.0

    def clean_run(self, work: Path) -> None:
        """Load the input once, without a kill: the tables every trial must end with."""
        dest = _dest(self.kind, work / "clean")
        try:
            started = time.monotonic()
            run = Run(_config(dest, work), self.lines, work, "info")
            run.finish(None)
            assert run.proc.returncode == 0, run.outputs[1][-2000:]
            self.seconds = time.monotonic() - started
            self.clean = dest.contents()
        finally:
            dest.drop()

    def trial(self, work: Path, level: str) -> None:
        """Kill one to three times at random moments, resume after the last STATE, run to the end."""
        dest = _dest(self.kind, work)
        try:
            config = _config(dest, work)
            state, outputs, kills = None, [], self.rng.randint(1, 3)
            for attempt in range(kills + 1):
                run = Run(config, resumed(self.lines, state), work, level)
                ended = run.finish(self.rng.uniform(0.1, self.seconds * 1.1) if attempt < kills else None)
                outputs.extend(run.outputs)
                state = run.states[-1] if run.states else state
                if ended:
                    break
            if run.proc.returncode != 0:
                problem = outputs[-1].decode()[-500:]
                self.figures.add("failed", identical=False, outputs=tuple(outputs), problem=problem)
                return
            same = dest.contents() == self.clean and state == json.loads(self.lines[-1])["value"]
            problem = "" if same else "tables differ from the clean run's"
            self.figures.add(f"killed {attempt}x", identical=same, outputs=tuple(outputs), problem=problem)
        finally:
            dest.drop()


def run(trials: int, seed: int, records: int = RECORDS) -> list[Figures]:
    """``trials`` kill trials on DuckDB and on PostgreSQL (a Figures row each), log levels in turn."""
    lines = singer_input(records, seed)
    results = []
    for kind in ("duckdb", "postgres"):
        kills = KillTrials(kind, lines, seed, Figures(f"target kill -9, {kind}"))
        with tempfile.TemporaryDirectory() as tmp:
            kills.clean_run(Path(tmp))
            for n in range(trials):
                work = Path(tmp) / f"trial-{n}"
                work.mkdir()
                kills.trial(work, LEVELS[n % len(LEVELS)])
        results.append(kills.figures)
    return results
