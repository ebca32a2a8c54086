"""The whole pipeline: ``meltano run tap-invoca target-reconciled`` over a million Invoca rows.

Pages come from ``bench.invoca_pages`` in its own process, rendered once into a cache directory
under ``$TMPDIR`` (about 6.6 GB) and read from there; a plain HTTP client walks them first, to
show the server is not what is measured. Rows of the table:

- ``meltano run tap-invoca target-reconciled`` (DuckDB), as a user runs it (demo environment,
  the API URL and the database file given through the environment);
- the same run with ``destination: singer`` forwarding to target-jsonl;
- where the time goes: tap-invoca alone to ``/dev/null``, target-reconciled alone reading the
  tap's output from a file;
- the floor (the baseline): decoding the pages and encoding the records with ``msgspec``, then
  DuckDB loading that file, then ``meltano run`` piping the tap's recorded output from ``cat``
  to ``cat > /dev/null`` (a throw-away project), each alone.

Peak memory of the tap and of the target processes is sampled from ``/proc`` (``VmHWM``) while
a pipeline runs. Goals (issue #18): the DuckDB run in at most 60 s, target-reconciled's peak
under 250 MB.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import duckdb

from bench.invoca_pages import ACCOUNT_ID, TOKEN, bodies, running
from bench.measure import Check, Comparison, Measurement, RunError, Sample, run_measured

NAME = "pipeline"
CALLS = int(os.environ.get("BENCH_PIPELINE_CALLS", "685000"))
"""Calls in the emulator's year: about 1,000,000 transaction rows (set lower to try the benchmark)."""
DAYS = 365
GOAL_SECONDS = 60.0
TARGET_PEAK_MB = 250.0
SERVER_FACTOR = 5.0
ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
MELTANO = BIN / "meltano"
CACHE = Path(tempfile.gettempdir()) / f"bench-invoca-pages-{CALLS}-{DAYS}"
PROCESSES = ("tap-invoca", "target-reconciled", "target-jsonl")
_FLOOR_CODEC = """
import json, sys
from pathlib import Path
import msgspec
directory = Path(sys.argv[1])
meta = json.loads((directory / "meta.json").read_text())
decode = msgspec.json.Decoder().decode
encode = msgspec.json.Encoder().encode
with open(sys.argv[2], "wb") as out:
    for name in meta["index"].values():
        for row in decode((directory / name).read_bytes()):
            out.write(encode(row) + b"\\n")
"""
_PIPING_PROJECT = """\
version: 1
send_anonymous_usage_stats: false
project_id: bench-pipeline-piping
default_environment: bench
environments:
- name: bench
plugins:
  extractors:
  - name: tap-cat
    namespace: tap_cat
    executable: ./tap-cat
  loaders:
  - name: target-null
    namespace: target_null
    executable: ./target-null
"""
"""A Meltano project whose tap prints the tap's recorded output and whose target discards it."""
_FLOOR_LOAD = """
import sys
import duckdb
con = duckdb.connect(sys.argv[1])
con.execute(
    "create or replace table rows as select * from read_json(?, format='newline_delimited')", [sys.argv[2]]
)
"""


def plain_client(url: str) -> float:
    """Seconds a plain HTTP client takes to walk every page (bodies read in one read, not decoded)."""
    start = time.perf_counter()
    for _ in bodies(url):
        pass
    return time.perf_counter() - start


class Peaks:
    """The highest ``VmHWM`` of each named process below ``pid``, sampled every 0.1 s."""

    def __init__(self) -> None:
        self.mb: dict[str, float] = {}
        self._stop = threading.Event()

    def watch(self, pid: int) -> threading.Thread:
        thread = threading.Thread(target=self._loop, args=(pid,), daemon=True)
        thread.start()
        return thread

    def stop(self) -> None:
        self._stop.set()

    def _loop(self, pid: int) -> None:
        while not self._stop.wait(0.1):
            for proc in Path("/proc").iterdir():
                if proc.name.isdigit():
                    self._sample(proc, pid)

    def _sample(self, proc: Path, root: int) -> None:
        try:
            command = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            name = next((n for n in PROCESSES if f"/{n} " in command or command.endswith(f"/{n}")), None)
            if name is None or not _below(int(proc.name), root):
                return
            status = (proc / "status").read_text()
        except (OSError, ValueError):
            return
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                self.mb[name] = max(self.mb.get(name, 0.0), int(line.split()[1]) / 1024)


def _below(pid: int, root: int) -> bool:
    """Whether ``pid`` descends from ``root``."""
    while pid > 1:
        if pid == root:
            return True
        try:
            pid = int((Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            return False
    return False


def meltano_run(env: dict[str, str], peaks: Peaks) -> Sample:
    """One ``meltano run tap-invoca target-reconciled``, timed, its processes' peaks sampled."""
    cmd = [str(MELTANO), "--environment=demo", "run", "--full-refresh", "tap-invoca", "target-reconciled"]
    start = time.perf_counter()
    with tempfile.TemporaryFile() as stderr:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=stderr)
        watcher = peaks.watch(proc.pid)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        peaks.stop()
        watcher.join()
        if os.waitstatus_to_exitcode(status):
            stderr.seek(0)
            raise RunError(f"meltano run failed:\n{stderr.read().decode(errors='replace')[-3000:]}")
    return Sample(seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)


def piping_project(directory: Path, messages: Path) -> Path:
    """The project of the Meltano piping floor: ``meltano run tap-cat target-null`` over ``messages``."""
    directory.mkdir()
    (directory / "meltano.yml").write_text(_PIPING_PROJECT)
    for name, script in (("tap-cat", f'exec cat "{messages}"'), ("target-null", "exec cat > /dev/null")):
        path = directory / name
        path.write_text(f"#!/bin/sh\n{script}\n")
        path.chmod(0o755)
    return directory


def current_rows(database: Path) -> int:
    with duckdb.connect(str(database), read_only=True) as con:
        return con.execute("select count(*) from tap_invoca.transactions").fetchone()[0]


def run(runs: int) -> Comparison:
    """Walk the pages, then time each pipeline and its parts ``runs`` times."""
    subprocess.run(
        [str(MELTANO), "install", "extractor", "tap-invoca", "loader", "target-reconciled", "target-jsonl"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    )
    pages = running(NAME, "--size", str(CALLS), "--days", str(DAYS), "--cache", str(CACHE))
    with tempfile.TemporaryDirectory(prefix="bench-pipeline-") as tmp, pages as (url, rows):
        work = Path(tmp)
        database = work / "reconciled.duckdb"
        base = {
            **os.environ,
            "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false",
            "TAP_INVOCA_API_URL": url,
            "TAP_INVOCA_AUTH_TOKEN": TOKEN,
            "TAP_INVOCA_ACCOUNT_ID": ACCOUNT_ID,
            "TARGET_RECONCILED_DUCKDB_PATH": str(database),
        }
        forwarding = {
            **base,
            "TARGET_RECONCILED_DESTINATION": "singer",
            "TARGET_RECONCILED_DUCKDB_PATH": str(work / "store.duckdb"),
            "TARGET_RECONCILED_FORWARD_COMMAND": json.dumps(
                [str(ROOT / ".meltano" / "loaders" / "target-jsonl" / "venv" / "bin" / "target-jsonl")]
            ),
            "TARGET_RECONCILED_FORWARD_CONFIG": json.dumps({"destination_path": str(work / "jsonl")}),
        }
        tap_config = work / "tap.json"
        tap_config.write_text(json.dumps({"api_url": url, "auth_token": TOKEN, "account_id": ACCOUNT_ID}))
        target_config = work / "target.json"
        target_config.write_text(
            json.dumps({"duckdb_path": str(work / "alone.duckdb"), "default_target_schema": "tap_invoca"})
        )
        messages = work / "messages.jsonl"
        with messages.open("wb") as out:
            run_measured([str(BIN / "tap-invoca"), "--config", str(tap_config)], stdout=out)
        client = plain_client(url)
        piping = piping_project(work / "piping", messages)
        samples: dict[str, list[Sample]] = {
            k: [] for k in ("duckdb", "singer", "tap", "target", "codec", "load", "piping")
        }
        peaks: dict[str, dict[str, float]] = {"duckdb": {}, "singer": {}}
        loaded = 0
        for _ in range(runs):
            for name, env in (("duckdb", base), ("singer", forwarding)):
                for path in (database, work / "store.duckdb"):
                    path.unlink(missing_ok=True)
                watched = Peaks()
                samples[name].append(meltano_run(env, watched))
                if name == "duckdb":
                    loaded = current_rows(database)
                for process, mb in watched.mb.items():
                    peaks[name][process] = max(peaks[name].get(process, 0.0), mb)
            samples["tap"].append(run_measured([str(BIN / "tap-invoca"), "--config", str(tap_config)]))
            (work / "alone.duckdb").unlink(missing_ok=True)
            with messages.open("rb") as source:
                samples["target"].append(
                    run_measured(
                        [str(BIN / "target-reconciled"), "--config", str(target_config)], stdin=source
                    )
                )
            samples["codec"].append(
                run_measured([sys.executable, "-c", _FLOOR_CODEC, str(CACHE), str(work / "rows.jsonl")])
            )
            (work / "floor.duckdb").unlink(missing_ok=True)
            samples["load"].append(
                run_measured(
                    [sys.executable, "-c", _FLOOR_LOAD, str(work / "floor.duckdb"), str(work / "rows.jsonl")]
                )
            )
            samples["piping"].append(
                run_measured([str(MELTANO), "run", "tap-cat", "target-null"], env=base, cwd=piping)
            )
    return _comparison(rows, loaded, client, samples, peaks)


def _comparison(
    rows: int,
    loaded: int,
    client: float,
    samples: dict[str, list[Sample]],
    peaks: dict[str, dict[str, float]],
) -> Comparison:
    def measured(name: str, label: str) -> Measurement:
        return Measurement(label, rows, tuple(samples[name]))

    ours = measured("duckdb", "meltano run tap-invoca target-reconciled (DuckDB)")
    singer = measured("singer", "the same, destination singer -> target-jsonl")
    tap = measured("tap", "tap-invoca alone, to /dev/null")
    target = measured("target", "target-reconciled alone, from a file")
    codec = measured("codec", "floor: msgspec decode + encode")
    load = measured("load", "floor: DuckDB load of the records")
    piping = measured("piping", "floor: meltano run piping the tap's output (cat to cat)")
    target_peak = max(
        peaks["duckdb"].get("target-reconciled", 0.0), peaks["singer"].get("target-reconciled", 0.0)
    )
    shown = ", ".join(f"{p} {mb:.0f} MB" for p, mb in sorted(peaks["duckdb"].items()))
    checks = (
        Check(
            f"the DuckDB pipeline in at most {GOAL_SECONDS:.0f} s",
            ours.seconds <= GOAL_SECONDS,
            f"{ours.seconds:.1f} s wall, {ours.cpu_seconds:.1f} s CPU; {loaded:,} current rows of {rows:,}; "
            f"floor {codec.seconds + load.seconds + piping.seconds:.1f} s "
            f"(msgspec {codec.seconds:.1f} s + DuckDB {load.seconds:.1f} s + Meltano {piping.seconds:.1f} s)",
        ),
        Check(
            f"target-reconciled's peak under {TARGET_PEAK_MB:.0f} MB",
            target_peak < TARGET_PEAK_MB,
            f"{target_peak:.0f} MB; per process in the DuckDB run: {shown}",
        ),
        Check(
            f"the page server at least {SERVER_FACTOR:.0f}x faster than the tap",
            tap.seconds / client >= SERVER_FACTOR,
            f"a plain client walks the pages in {client:.1f} s, the tap in {tap.seconds:.1f} s",
        ),
    )
    baseline = Measurement(
        "floor: msgspec + DuckDB + Meltano, one after the other",
        rows,
        tuple(
            Sample(
                c.seconds + d.seconds + m.seconds,
                c.cpu_seconds + d.cpu_seconds + m.cpu_seconds,
                max(c.peak_mb, d.peak_mb, m.peak_mb),
            )
            for c, d, m in zip(samples["codec"], samples["load"], samples["piping"], strict=True)
        ),
    )
    more = (singer, tap, target, codec, load, piping)
    return Comparison(NAME, ours, baseline, None, more=more, checks=checks)
