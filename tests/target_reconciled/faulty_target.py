"""A downstream that fails on purpose, in front of a real target: ``faulty_target.py MODE N COMMAND...``.

Modes, counted in input lines:
- ``kill N``: pass N lines to the real target, then SIGKILL it and this process.
- ``exit1 N``: pass N lines, then stop the real target and exit 1 with a message on stderr.
- ``mute``: pass everything, but never emit the real target's STATE (exit 0).
- ``kill-upstream``: pass everything; at the first STATE line, SIGKILL the process feeding us.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys


def main() -> None:
    mode, count, command = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    stdout = subprocess.DEVNULL if mode == "mute" else None
    child = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=stdout)
    assert child.stdin is not None
    upstream = os.getppid()
    for number, line in enumerate(sys.stdin.buffer, 1):
        if mode == "kill-upstream" and b'"STATE"' in line:
            os.kill(upstream, signal.SIGKILL)
        child.stdin.write(line)
        if mode in ("kill", "exit1") and number == count:
            child.stdin.flush()
            if mode == "kill":
                child.kill()
                os.kill(os.getpid(), signal.SIGKILL)
            child.terminate()
            child.wait()
            sys.stderr.write("faulty_target: giving up on purpose\n")
            sys.exit(1)
    child.stdin.close()
    sys.exit(child.wait())


if __name__ == "__main__":
    main()
