"""The downstream Singer target of ``destination: singer``: a child process fed on its stdin.

Lines to send are queued and written by a sender thread, so the next batch is written to the
store while the downstream reads this one. Its stderr is passed through, each line prefixed with
its name; its stdout lines are the STATE values it emitted, each handed to ``on_state`` (in a
reader thread) as it comes.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import queue
import subprocess
import sys
import tempfile
import threading
from collections import deque
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, Any

from target_reconciled import spool

logger = logging.getLogger("target-reconciled")
TAIL = 20
"""How many of the downstream's last stderr lines an error shows."""
QUEUED = 6
"""Chunks of lines waiting for the sender thread at most (a chunk: ``outbox.send_chunk`` rows)."""
EXIT_WAIT = 5
"""Seconds a downstream that stopped reading gets to exit before it is stopped."""


class ForwardError(RuntimeError):
    """The downstream target cannot be started, or failed."""


def display_name(command: Sequence[str]) -> str:
    """A short name for the command: its executable, or the plugin of ``meltano invoke <plugin>``."""
    words = list(command)
    if Path(words[0]).name == "meltano" and "invoke" in words:
        after = [word for word in words[words.index("invoke") + 1 :] if not word.startswith("-")]
        if after:
            return after[0]
    return Path(words[0]).name


class Downstream:
    """A running downstream target: ``send`` writes Singer lines, ``finish`` ends its input."""

    def __init__(
        self, command: Sequence[str], config: dict[str, Any] | None, on_state: Callable[[Any], None]
    ) -> None:
        """Start the command, with ``config`` (if any) in a private temporary file as ``--config``."""
        if not command:
            raise ForwardError("destination 'singer' needs forward_command: the downstream target's command")
        self.name = display_name(command)
        self._on_state = on_state
        self._tail: deque[str] = deque(maxlen=TAIL)
        self._config: str | None = None
        argv = list(command)
        if config:
            fd, self._config = tempfile.mkstemp(
                prefix=f"{spool.prefix()}forward-config-", suffix=".json"
            )  # mode 0600
            with os.fdopen(fd, "w") as file:
                json.dump(config, file)
            argv += ["--config", self._config]
        try:
            self._proc = subprocess.Popen(
                argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, bufsize=1 << 16
            )
        except OSError as exc:
            self._remove_config()
            raise ForwardError(
                f"cannot start the downstream target {self.name!r} (forward_command {command[0]!r}): "
                f"{exc.strerror or exc}. Check forward_command: the executable must exist and be on PATH."
            ) from None
        assert self._proc.stdin is not None
        assert self._proc.stdout is not None
        assert self._proc.stderr is not None
        self._stdin: IO[bytes] = self._proc.stdin
        self._threads = [
            threading.Thread(target=self._read_states, args=(self._proc.stdout,), daemon=True),
            threading.Thread(target=self._pass_stderr, args=(self._proc.stderr,), daemon=True),
        ]
        for thread in self._threads:
            thread.start()
        self._queue: queue.Queue[bytes | None] = queue.Queue(maxsize=QUEUED)
        self._failure: ForwardError | None = None
        self._sender = threading.Thread(
            target=self._send_queued, name="target-reconciled-sender", daemon=True
        )
        self._sender.start()
        logger.info("forwarding to %s (pid %d)", self.name, self._proc.pid)

    def _read_states(self, stdout: IO[bytes]) -> None:
        for line in stdout:
            text = line.strip()
            if not text:
                continue
            try:
                value = json.loads(text)
            except ValueError:
                logger.warning("%s wrote a line that is not a STATE value: %s", self.name, text[:200])
                continue
            self._on_state(value)

    def _pass_stderr(self, stderr: IO[bytes]) -> None:
        for line in stderr:
            text = line.decode(errors="replace").rstrip("\n")
            self._tail.append(text)
            sys.stderr.write(f"[{self.name}] {text}\n")
        sys.stderr.flush()

    def send(self, lines: bytes) -> None:
        """Queue Singer lines (each ending with a newline) for the sender thread.

        Waits while ``QUEUED`` chunks are queued; a downstream gone raises ``ForwardError``.
        """
        while True:
            self._raise_failure()
            try:
                self._queue.put(lines, timeout=0.5)
            except queue.Full:
                continue
            return

    def _send_queued(self) -> None:
        """The sender thread: write queued chunks in order, flushing whenever the queue runs dry."""
        try:
            while (chunk := self._queue.get()) is not None:
                self._stdin.write(chunk)
                if self._queue.empty():
                    self._stdin.flush()
        except (BrokenPipeError, ValueError, OSError):
            self._failure = self._failed("stopped reading its input")
            while self._queue.get() is not None:  # unblock senders until finish() or kill()
                pass

    def _raise_failure(self) -> None:
        if self._failure is not None:
            raise self._failure

    def _failed(self, what: str) -> ForwardError:
        code = self._wait(timeout=EXIT_WAIT)
        if code is None:  # it closed its input but runs on
            self._proc.kill()
            self._wait(timeout=EXIT_WAIT)
            return ForwardError(self._describe(f"{what} (closed its input) and was stopped"))
        return ForwardError(self._describe(f"{what} and exited with {_exit(code)}"))

    def _wait(self, timeout: float | None) -> int | None:
        """Wait for the process and its output threads; its exit code (None if still running)."""
        try:
            code = self._proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None
        for thread in self._threads:
            thread.join(timeout=timeout)
        self._remove_config()
        return code

    def finish(self) -> None:
        """Send what is queued, end its input and wait for it: every STATE it emits is handled first.

        A failure raises ``ForwardError``.
        """
        self._queue.put(None)
        self._sender.join()
        self._raise_failure()
        with contextlib.suppress(BrokenPipeError, ValueError, OSError):
            self._stdin.close()
        code = self._wait(timeout=None)
        if code:
            raise ForwardError(self._describe(f"exited with {_exit(code)}"))

    def kill(self) -> None:
        """Stop it now (the run failed before its end)."""
        with contextlib.suppress(OSError):
            self._proc.kill()
        self._queue.put(None)
        self._sender.join(timeout=EXIT_WAIT)
        self._wait(timeout=EXIT_WAIT)

    def _describe(self, what: str) -> str:
        tail = "\n".join(f"  {line}" for line in self._tail) or "  (nothing)"
        return (
            f"the downstream target {self.name!r} {what}; no STATE past what it acknowledged was passed on. "
            f"Its last stderr lines:\n{tail}"
        )

    def _remove_config(self) -> None:
        if self._config is not None:
            with contextlib.suppress(FileNotFoundError):
                Path(self._config).unlink()
            self._config = None


def _exit(code: int | None) -> str:
    if code is not None and code < 0:
        return f"signal {-code}"
    return f"code {code}"
