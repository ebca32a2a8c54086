"""Both emulators as the ``demo`` environment of meltano.yml expects them (``make emulators``).

Invoca on 127.0.0.1:8401 and Ve on :8402, with the data sizes and the Ve request rate that
``make demo`` uses; ``make emulators`` keeps them running until Ctrl-C, so the README's
``meltano --environment=demo run ...`` commands work in another terminal.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "output"
EMULATORS = {
    "invoca": (8401, ["--size", "3000", "--days", "30"]),
    "ve": (8402, ["--size", "800", "--days", "60", "--rate-limit", "600"]),
}


def admin(port: int, path: str, method: str = "GET") -> Any:
    """Call an emulator's ``/_sandbox`` route."""
    request = urllib.request.Request(f"http://127.0.0.1:{port}/_sandbox/{path}", method=method)
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


@contextlib.contextmanager
def emulators() -> Iterator[None]:
    """Both emulators as child processes, logging to output/; stopped on the way out."""
    processes = []
    try:
        for api, (port, options) in EMULATORS.items():
            log = (OUTPUT / f"emulator-{api}.log").open("w")
            command = [sys.executable, "-m", "sandbox", api, "--port", str(port), *options]
            processes.append(subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT))
            wait_healthy(api, port, processes[-1])
        yield
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)


def wait_healthy(api: str, port: int, process: subprocess.Popen[bytes]) -> None:
    """Return once the emulator answers; fail clearly if it died or the port is taken."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(
                f"The {api} emulator exited; see output/emulator-{api}.log (is port {port} free?)"
            )
        with contextlib.suppress(OSError):
            health = admin(port, "health")
            print(f"    {api} emulator on 127.0.0.1:{port}, emulated time {health['now']}", flush=True)
            return
        time.sleep(0.2)
    raise SystemExit(f"The {api} emulator did not answer on port {port} within 60 s")


def main() -> int:
    """Start both emulators and wait for Ctrl-C."""
    OUTPUT.mkdir(exist_ok=True)
    with emulators():
        print("Both emulators are up (logs in output/emulator-*.log); Ctrl-C stops them.", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            while True:
                time.sleep(3600)
    return 0


if __name__ == "__main__":
    sys.exit(main())
