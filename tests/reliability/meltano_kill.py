"""Scenario ``meltano-kill``: ``kill -9`` of a whole ``meltano run`` mid-run, then ``meltano run`` again.

Each trial starts both pipelines (tap-invoca and tap-veinvoicing into target-reconciled, DuckDB)
against fresh emulators, kills the process group (meltano, taps, targets) at a random moment,
and checks that Meltano's stored state never points past what the DuckDB tables hold:

- tap-invoca: the bookmark is the last ``transaction_id`` whose page was committed; every row
  the emulator served up to and including it is in ``tap_invoca.transactions__history``;
- tap-veinvoicing, per partition (domain): every version with ``modifiedDate`` at or before the
  mark (``replication_key_value``) is in ``tap_veinvoicing.transactions__history``, and, while a
  pass is unfinished, so is every transaction created before its ``pass.window_end`` (the
  emulator filters windows by ``creationDate``; the killed run is the first, so its pass
  started at ``start_date``, before every transaction).

Then ``meltano run --force`` (Meltano refuses for five minutes to start a pipeline whose killed
job it still believes running) must end with the current tables equal to the emulators'
truth and no replayed row stored twice in a history table.

The kill lands a random delay (0 to 1 s) after a random API request of either emulator, so
it falls while data moves, between pipelines, or (past the last request) after the run.
Every trial has its own state ID suffix and DuckDB file, so no state is cleared between them.
"""

from __future__ import annotations

import atexit
import datetime as dt
import functools
import json
import math
import os
import random
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import yaml

from sandbox.clock import VirtualClock
from sandbox.invoca import InvocaEmulator
from sandbox.server import Emulator, EmulatorServer
from sandbox.ve import VeEmulator
from tests.e2e.conftest import MELTANO, Project, copy_project, hour_ago
from tests.e2e.test_meltano_run import INVOCA_STATE, PIPELINES, VE_STATE, assert_tables_match_truth, point_at
from tests.reliability.figures import PLANTED, Figures

BATCH_ROWS = 300
"""target-reconciled's ``batch_size_rows`` in the copy: a run commits (and checkpoints) many times."""
LOG_LEVELS = ("info", "debug", "warning")
"""``meltano --log-level`` by trial: no planted secret may appear at any level."""
STATE_IDS = (INVOCA_STATE, VE_STATE)
PAGE_ROWS = 150
WINDOW_DAYS = 2
"""tap-invoca's ``page_size`` and tap-veinvoicing's ``window_days`` in the kill trials (many checkpoints)."""
VE_SPAN = dt.timedelta(days=35)
"""How far back ``point_at`` sets tap-veinvoicing's ``start_date``."""
VE_PARTITIONS = 4
"""The demo environment's four ``domains``, one partition each."""


@functools.cache
def installed(copy: int = 0) -> Path:
    """A copy of the project with small target batches, ``meltano install``-ed once per process.

    ``copy`` > 0 is another project directory that shares copy 0's plugin installations, for
    runs in parallel (Meltano's catalog and run files are per project).
    """
    root = Path(tempfile.mkdtemp(prefix="reliability-meltano-"))
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    if copy:
        shutil.copy2(installed() / "meltano.yml", root / "meltano.yml")
        (root / ".meltano").mkdir()
        for kind in ("extractors", "loaders"):
            (root / ".meltano" / kind).symlink_to(installed() / ".meltano" / kind)
        return root
    copy_project(root)
    config = yaml.safe_load((root / "meltano.yml").read_text())
    loader = next(p for p in config["plugins"]["loaders"] if p["name"] == "target-reconciled")
    loader.setdefault("config", {})["batch_size_rows"] = BATCH_ROWS
    (root / "meltano.yml").write_text(yaml.safe_dump(config, sort_keys=False))
    Project(root).meltano("install", "tap-invoca", "tap-veinvoicing", "target-reconciled")
    return root


def emulators(seed: int, invoca_size: int, ve_size: int) -> tuple[InvocaEmulator, VeEmulator]:
    """Both emulators, accepting only the planted secrets."""
    invoca = InvocaEmulator(
        clock=VirtualClock(hour_ago() - dt.timedelta(days=1)),
        seed=seed,
        size=invoca_size,
        days=10,
        token=PLANTED["auth_token"],
    )
    ve = VeEmulator(
        clock=VirtualClock(hour_ago() - dt.timedelta(days=2)),
        seed=seed,
        size=ve_size,
        days=30,
        rate_limit=600,
        keys=(PLANTED["subscription_key"],),
    )
    return invoca, ve


@contextmanager
def serving(
    invoca: InvocaEmulator, ve: VeEmulator, suffix: str, *, page_rows: int, window_days: int, copy: int = 0
) -> Iterator[Project]:
    """Installed project ``copy`` pointed at both emulators, with its own state IDs, DuckDB file and TMPDIR.

    The trial's folder (DuckDB file, and the target's batch files that a kill leaves) goes at the end.
    """
    with EmulatorServer(invoca) as invoca_server, EmulatorServer(ve) as ve_server:
        project = Project(installed(copy))
        folder = project.root / "trials" / suffix
        (folder / "tmp").mkdir(parents=True)
        point_at(project, invoca_server, ve_server)
        project.env.update(
            {
                "TAP_INVOCA_AUTH_TOKEN": PLANTED["auth_token"],
                "TAP_VEINVOICING_SUBSCRIPTION_KEY": PLANTED["subscription_key"],
                "TAP_INVOCA_PAGE_SIZE": str(page_rows),
                "TAP_VEINVOICING_WINDOW_DAYS": str(window_days),
                "TARGET_RECONCILED_DUCKDB_PATH": str(folder / "reconciled.duckdb"),
                "MELTANO_RUN_STATE_ID_SUFFIX": suffix,
                "TMPDIR": str(folder / "tmp"),
            }
        )
        try:
            yield project
        finally:
            shutil.rmtree(folder, ignore_errors=True)


def stored_state(project: Project, state_id: str, outputs: list[str]) -> dict[str, Any]:
    """``meltano state get`` of the run's suffixed state ID ({} when none)."""
    suffix = project.env["MELTANO_RUN_STATE_ID_SUFFIX"]
    result = project.meltano("--environment=demo", "state", "get", f"{state_id}:{suffix}", check=False)
    outputs += [result.stdout, result.stderr]
    return json.loads(result.stdout or "{}")


def open_tables(project: Project) -> duckdb.DuckDBPyConnection | None:
    """The run's DuckDB file, read-only, or None if the target never created it."""
    path = Path(project.env["TARGET_RECONCILED_DUCKDB_PATH"])
    return duckdb.connect(str(path), read_only=True) if path.exists() else None


def table_rows(con: duckdb.DuckDBPyConnection | None, sql: str) -> list[tuple[Any, ...]]:
    """Rows of ``sql``, none if the database or the table does not exist yet."""
    if con is None:
        return []
    try:
        return con.execute(sql).fetchall()
    except duckdb.CatalogException:
        return []


def invoca_state_problem(
    state: dict[str, Any], invoca: InvocaEmulator, con: duckdb.DuckDBPyConnection | None
) -> str:
    """Rows served up to the stored bookmark that are not committed ('' if none)."""
    bookmark = state.get("singer_state", {}).get("bookmarks", {}).get("transactions", {})
    cursor = bookmark.get("replication_key_value")
    if cursor is None:
        return ""
    served = [row["transaction_id"] for row in invoca.served()]
    if cursor not in served:
        return f"tap-invoca bookmark {cursor} names a row never served"
    stored = {
        tid for (tid,) in table_rows(con, "select transaction_id from tap_invoca.transactions__history")
    }
    missing = [tid for tid in served[: served.index(cursor) + 1] if tid not in stored]
    if missing:
        return f"tap-invoca bookmark {cursor} is past {len(missing)} uncommitted rows, e.g. {missing[0]}"
    return ""


def ve_state_problem(state: dict[str, Any], ve: VeEmulator, con: duckdb.DuckDBPyConnection | None) -> str:
    """Versions at or before a partition's mark or pass progress that are not committed ('' if none)."""
    stored = {
        (tid, modified)
        for tid, modified in table_rows(
            con, 'select "transactionId", "modifiedDate" from tap_veinvoicing.transactions__history'
        )
    }
    bookmarks = state.get("singer_state", {}).get("bookmarks", {}).get("transactions", {})
    problems = []
    for partition in bookmarks.get("partitions", []):
        domain = partition["context"].get("domain") or ve.config.own_account.domain
        mark = partition.get("replication_key_value")
        window_end = (partition.get("pass") or {}).get("window_end")
        missing = [
            row["transactionId"]
            for row in ve.truth()
            if row["domain"] == domain
            and (
                (mark is not None and _instant(row["modifiedDate"]) <= _instant(mark))
                or (window_end is not None and _instant(row["creationDate"]) < _instant(window_end))
            )
            and (row["transactionId"], _instant(row["modifiedDate"])) not in stored
        ]
        if missing:
            problems.append(
                f"tap-veinvoicing {domain} mark {mark} window_end {window_end} is past "
                f"{len(missing)} uncommitted versions, e.g. {missing[0]}"
            )
    return "; ".join(problems)


def _instant(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def truth_problem(project: Project, invoca: InvocaEmulator, ve: VeEmulator) -> str:
    """How the current and history tables break the promise after a complete run ('' if they keep it)."""
    con = open_tables(project)
    if con is None:
        return "no DuckDB file"
    with con:
        try:
            assert_tables_match_truth(lambda sql: con.execute(sql).fetchall(), invoca, ve)
        except AssertionError as exc:
            return f"current tables differ from the emulators' truth: {str(exc)[:300]}"
        invoca_rows, invoca_distinct = con.execute(
            "select count(*), count(distinct transaction_id) from tap_invoca.transactions__history"
        ).fetchone()
        ve_rows, ve_distinct = con.execute(
            'select count(*), count(distinct ("transactionId", "modifiedDate")) '
            "from tap_veinvoicing.transactions__history"
        ).fetchone()
    if invoca_rows != invoca_distinct or ve_rows != ve_distinct:
        return (
            f"replayed rows stored twice in history: invoca {invoca_rows} rows for {invoca_distinct}, "
            f"ve {ve_rows} rows for {ve_distinct}"
        )
    return ""


def start_meltano(project: Project, args: list[str], logs: Path) -> subprocess.Popen[bytes]:
    """``meltano ARGS`` in its own process group, stdout and stderr to files in ``logs``."""
    env = {
        **os.environ,
        "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false",
        "MELTANO_CLI_DISABLE_VERSION_CHECK": "true",
        **project.env,
    }
    with (logs / "stdout").open("wb") as stdout, (logs / "stderr").open("wb") as stderr:
        return subprocess.Popen(
            [str(MELTANO), *args],
            cwd=project.root,
            env=env,
            stdout=stdout,
            stderr=stderr,
            start_new_session=True,
        )


def group_commands(group: int) -> list[str]:
    """Command lines of the live (not zombie) processes of process group ``group``."""
    commands = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
            if fields[0] != "Z" and int(fields[2]) == group:
                commands.append((stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode())
        except (OSError, IndexError, ValueError):
            continue  # the process ended while being read
    return commands


def kill_group_after(
    process: subprocess.Popen[bytes], ve: VeEmulator, trigger: tuple[Emulator, int, float]
) -> str:
    """Once emulator E has answered N API requests, wait D s (``trigger`` = E, N, D), kill -9 the group.

    Returns where the run was: its pipeline and the plugins alive at the kill, or that it had ended.
    """
    emulator, request, delay = trigger
    while process.poll() is None and len(emulator.request_log) < request:
        time.sleep(0.005)
    time.sleep(delay)
    if process.poll() is not None:
        return "run ended first"
    commands = group_commands(process.pid)
    pipeline = "tap-veinvoicing" if ve.request_log else "tap-invoca"
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    deadline = time.monotonic() + 10
    while group_commands(process.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    alive = [
        name
        for name in ("tap-invoca", "tap-veinvoicing", "target-reconciled")
        if any(f"/{name} " in c for c in commands)
    ]
    return f"killed in {pipeline} pipeline ({' + '.join(alive) or 'meltano only'})"


def trial(rng: random.Random, seed: int, level: str, logs: Path) -> tuple[str, str, tuple[str, ...]]:
    """One kill and rerun: (outcome, problem or '', every output)."""
    invoca, ve = emulators(seed, invoca_size=2000, ve_size=1500)
    target, requests = rng.choice(
        [
            (invoca, len(invoca.data.rows) // PAGE_ROWS + 1),
            (ve, VE_PARTITIONS * math.ceil(VE_SPAN / dt.timedelta(days=WINDOW_DAYS))),
        ]
    )
    trigger = (target, rng.randint(1, requests), rng.uniform(0.0, 1.0))
    outputs: list[str] = []
    problems: list[str] = []
    with serving(invoca, ve, f"kill{seed}", page_rows=PAGE_ROWS, window_days=WINDOW_DAYS) as project:
        process = start_meltano(
            project, [f"--log-level={level}", "--environment=demo", "run", *PIPELINES], logs
        )
        outcome = kill_group_after(process, ve, trigger)
        outputs += [
            (logs / "stdout").read_text(errors="replace"),
            (logs / "stderr").read_text(errors="replace"),
        ]
        survivors = group_commands(process.pid)
        if survivors:
            problems.append(f"{len(survivors)} processes survived kill -9 of the group: {survivors[0][:120]}")
        with ThreadPoolExecutor(2) as pool:
            invoca_state, ve_state = pool.map(
                lambda state_id: stored_state(project, state_id, outputs), STATE_IDS
            )
        con = open_tables(project)
        try:
            problems.append(invoca_state_problem(invoca_state, invoca, con))
            problems.append(ve_state_problem(ve_state, ve, con))
        finally:
            if con is not None:
                con.close()
        rerun = project.meltano(
            f"--log-level={level}", "--environment=demo", "run", "--force", *PIPELINES, check=False
        )
        outputs += [rerun.stdout, rerun.stderr]
        if rerun.returncode:
            problems.append(f"the rerun failed ({rerun.returncode}): {rerun.stderr.strip()[-300:]}")
        else:
            problems.append(truth_problem(project, invoca, ve))
    problem = "; ".join(p for p in problems if p)
    if problem:
        emulator, request, delay = trigger
        problem = f"seed {seed}, {outcome}, {delay:.2f} s after {emulator.name} request {request}: {problem}"
    return outcome, problem, tuple(outputs)


def run(trials: int, seed: int) -> list[Figures]:
    """``trials`` kills of ``meltano run`` and reruns; one row of figures."""
    rng = random.Random(seed)
    figures = Figures("meltano-kill")
    with tempfile.TemporaryDirectory() as logs:
        for number in range(trials):
            level = LOG_LEVELS[number % len(LOG_LEVELS)]
            outcome, problem, outputs = trial(rng, seed + number, level, Path(logs))
            figures.add(outcome, identical=not problem, outputs=outputs, problem=problem)
    return [figures]
