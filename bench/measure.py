"""What every benchmark shares: timing a subprocess, its peak memory, and the table."""

from __future__ import annotations

import os
import statistics
import subprocess
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO


@dataclass(frozen=True)
class Sample:
    """One run of one command."""

    seconds: float
    cpu_seconds: float
    peak_mb: float


class RunError(RuntimeError):
    """A benchmark could not run, or a contender did not emit or load the expected records."""


def run_measured(
    cmd: Sequence[str],
    stdout: int | IO[bytes] = subprocess.DEVNULL,
    stdin: int | IO[bytes] = subprocess.DEVNULL,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> Sample:
    """Run ``cmd`` to completion; wall time, and the child's own CPU time and peak RSS (``wait4``).

    Its stderr goes to a temporary file, shown in the error if the command fails.
    """
    with tempfile.TemporaryFile() as stderr:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdin=stdin, stdout=stdout, stderr=stderr, env=env, cwd=cwd)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode:
            stderr.seek(0)
            tail = stderr.read().decode(errors="replace")[-3000:]
            raise RunError(f"{cmd[0]} exited with {proc.returncode}:\n{tail}")
    return Sample(seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)  # maxrss: KiB


@dataclass(frozen=True)
class Measurement:
    """Repeated runs of one contender over the same records."""

    contender: str
    records: int
    samples: tuple[Sample, ...]

    @property
    def seconds(self) -> float:
        """Median wall time."""
        return statistics.median(s.seconds for s in self.samples)

    @property
    def cpu_seconds(self) -> float:
        """Median user + system time."""
        return statistics.median(s.cpu_seconds for s in self.samples)

    @property
    def records_per_second(self) -> float:
        return self.records / self.seconds

    @property
    def peak_mb(self) -> float:
        """Highest peak RSS of any run."""
        return max(s.peak_mb for s in self.samples)


@dataclass(frozen=True)
class Check:
    """A further goal of a benchmark (besides records/s), reported under the table."""

    goal: str
    met: bool
    detail: str


@dataclass(frozen=True)
class Comparison:
    """Our plugin against its peer on the same input, with the records/s goal (None: no goal set).

    ``more``: further rows for the table (e.g. our plugin on a larger input); ``checks``:
    further goals, one line each under the records/s goal; ``floor``: what the libraries alone
    take on the same input, a row of the table whose ratio the goal line shows.
    """

    benchmark: str
    ours: Measurement
    baseline: Measurement
    goal: float | None
    more: tuple[Measurement, ...] = ()
    checks: tuple[Check, ...] = ()
    floor: Measurement | None = None

    @property
    def ratio(self) -> float:
        """Our records/s over the baseline's."""
        return self.ours.records_per_second / self.baseline.records_per_second


def format_table(comparisons: Sequence[Comparison]) -> str:
    """One table for every benchmark, then one goal line per benchmark."""
    header = ("benchmark", "contender", "records", "seconds", "CPU s", "records/s", "peak MB", "vs baseline")
    rows = [header]
    for c in comparisons:
        for m in (c.ours, c.baseline, *c.more, *([c.floor] if c.floor else [])):
            ratio = m.records_per_second / c.baseline.records_per_second
            rows.append(
                (
                    c.benchmark,
                    m.contender,
                    f"{m.records:,}",
                    f"{m.seconds:.2f}",
                    f"{m.cpu_seconds:.2f}",
                    f"{m.records_per_second:,.0f}",
                    f"{m.peak_mb:.0f}",
                    f"{ratio:.2f}x",
                )
            )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = [
        "  ".join(
            cell.ljust(w) if i < 2 else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        )
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    for c in comparisons:
        cpu_ratio = c.baseline.cpu_seconds / c.ours.cpu_seconds
        measured = f"{c.ratio:.2f}x; {cpu_ratio:.2f}x in CPU time per record"
        if c.floor is not None:
            floor = c.floor.records_per_second / c.baseline.records_per_second
            measured += f"; {c.floor.contender} runs at {floor:.2f}x"
        if c.goal is None:
            lines.append(f"{c.benchmark}: no records/s goal set ({measured})")
        else:
            verdict = "met" if c.ratio >= c.goal else "NOT met"
            lines.append(f"{c.benchmark}: goal {c.goal:g}x the baseline's records/s: {verdict} ({measured})")
        for check in c.checks:
            verdict = "met" if check.met else "NOT met"
            lines.append(f"{c.benchmark}: goal {check.goal}: {verdict} ({check.detail})")
    return "\n".join(lines)
