"""Peer plugins, each installed from PyPI into its own virtualenv under ``bench/.peers``.

A peer is installed on first use and reused while its stamp matches its requirement; it never
goes into the project's virtualenv.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from bench.measure import RunError

PEERS = Path(__file__).resolve().parent / ".peers"


def python(name: str, requirement: str) -> Path:
    """The peer's virtualenv python, created (or rebuilt) unless its stamp matches ``requirement``.

    ``requirement`` is one or more pip requirements, separated by spaces.
    """
    venv = PEERS / name
    stamp = venv / ".bench-installed"
    interpreter = venv / "bin" / "python"
    if stamp.exists() and stamp.read_text().strip() == requirement and interpreter.exists():
        return interpreter
    print(f"bench: installing {requirement} into {venv.relative_to(PEERS.parent.parent)}", flush=True)
    for cmd in (
        [sys.executable, "-m", "venv", "--clear", str(venv)],
        [
            str(interpreter),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            *requirement.split(),
        ],
    ):
        done = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True, check=False)
        if done.returncode:
            raise RunError(f"could not install {requirement}: {' '.join(cmd)}:\n{done.stderr[-3000:]}")
    stamp.write_text(requirement + "\n")
    return interpreter


def versions(interpreter: Path, *distributions: str) -> list[str]:
    """The installed versions of these distributions in the peer's virtualenv."""
    script = f"from importlib.metadata import version; print(*(version(d) for d in {distributions!r}))"
    done = subprocess.run([str(interpreter), "-c", script], capture_output=True, text=True, check=False)
    if done.returncode:
        raise RunError(f"could not read the versions of {', '.join(distributions)}:\n{done.stderr[-3000:]}")
    return done.stdout.split()
