"""Many target-reconciled CLI runs at the cost of a fork each, not of a Python start.

A worker process imports the target once; each run is a forked child with its own stdin, stdout,
stderr and environment, invoked as the console script would be (``TargetReconciled.cli``), so
its exit code and output are the real ones. The worker holds no thread and no database: a fork
copies nothing that could be half-used.

Worker: ``python -m tests.reliability.forkrun JOBS_FD RESULTS_FD``: one JSON job per line on
``JOBS_FD`` (``argv``, ``stdin``, ``stdout``, ``stderr`` paths, ``env``, ``timeout``), one exit
code per line on ``RESULTS_FD`` (-9 after a timeout).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType
from typing import Any


def _child(job: dict[str, Any]) -> None:
    from target_reconciled.target import TargetReconciled

    for fd, (name, flags) in enumerate(
        [("stdin", os.O_RDONLY), ("stdout", os.O_WRONLY | os.O_CREAT), ("stderr", os.O_WRONLY | os.O_CREAT)]
    ):
        opened = os.open(job[name], flags, 0o600)
        os.dup2(opened, fd)
        os.close(opened)
    os.environ.update(job["env"])
    code = 0
    try:
        TargetReconciled.cli(args=job["argv"], prog_name="target-reconciled")
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
    os._exit(code)


def _wait(pid: int, timeout: float) -> int:
    deadline = time.monotonic() + timeout
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            return -9
        time.sleep(0.002)


def worker(jobs_fd: int, results_fd: int) -> None:
    import target_reconciled.target  # noqa: F401 (imported once, before any fork)

    with os.fdopen(jobs_fd, "r") as jobs, os.fdopen(results_fd, "w") as results:
        for line in jobs:
            job = json.loads(line)
            pid = os.fork()
            if pid == 0:
                _child(job)
            results.write(f"{_wait(pid, job['timeout'])}\n")
            results.flush()


class ForkRunner:
    """Runs the target CLI in forks of one worker process (a context manager)."""

    def __init__(self) -> None:
        jobs_read, self._jobs = os.pipe()
        self._results, results_write = os.pipe()
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "tests.reliability.forkrun", str(jobs_read), str(results_write)],
            pass_fds=(jobs_read, results_write),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            cwd=Path(__file__).resolve().parents[2],
        )
        os.close(jobs_read)
        os.close(results_write)
        self._send = os.fdopen(self._jobs, "w")
        self._receive = os.fdopen(self._results, "r")

    def __enter__(self) -> ForkRunner:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._send.close()
        self._proc.wait(timeout=30)
        self._receive.close()

    def run(
        self, config: Path, data: bytes, work: Path, env: dict[str, str], timeout: float = 60
    ) -> tuple[int, bytes, bytes]:
        """Exit code, stdout and stderr of ``target-reconciled --config config`` fed ``data``."""
        paths = {name: work / name for name in ("stdin", "stdout", "stderr")}
        paths["stdin"].write_bytes(data)
        for name in ("stdout", "stderr"):
            paths[name].unlink(missing_ok=True)
        job = {
            "argv": ["--config", str(config)],
            "env": env,
            "timeout": timeout,
            **{k: str(v) for k, v in paths.items()},
        }
        self._send.write(json.dumps(job) + "\n")
        self._send.flush()
        code = int(self._receive.readline())
        return code, paths["stdout"].read_bytes(), paths["stderr"].read_bytes()


if __name__ == "__main__":
    worker(int(sys.argv[1]), int(sys.argv[2]))
