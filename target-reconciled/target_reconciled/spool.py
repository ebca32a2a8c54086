"""The run's temporary files, named after its process, and the removal of those a killed run left.

A run killed with ``kill -9`` cannot clean up: its batch files (up to a batch of records) and
the downstream target's config file (``forward_config``, a secret) would stay in the temporary
directory. Each name carries the process id; the next run removes those of processes gone.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path

PREFIX = "target-reconciled-"


def prefix() -> str:
    """The start of this run's temporary names."""
    return f"{PREFIX}{os.getpid()}-"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def remove_orphans(directory: str | None = None) -> int:
    """Remove the temporary files and directories of runs whose process is gone; how many."""
    removed = 0
    for path in Path(directory or tempfile.gettempdir()).glob(f"{PREFIX}*"):
        pid = path.name.removeprefix(PREFIX).split("-", 1)[0]
        if not pid.isdigit() or _alive(int(pid)):
            continue
        with contextlib.suppress(OSError):
            if path.is_dir():
                shutil.rmtree(path)
            else:
                path.unlink()
            removed += 1
    return removed
