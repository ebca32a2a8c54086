"""One background thread that writes a batch while the next one is read."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class Writer:
    """Runs one job at a time in a background thread; its error is raised by the next ``wait``.

    The database releases the GIL while it works, so reading and validating the next batch
    overlaps writing this one. Whoever uses the destination outside a job calls ``wait`` first.
    ``busy`` and ``waited`` say which side held the other up.
    """

    def __init__(self) -> None:
        """Start idle."""
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None
        self._first_line: int | None = None
        self.jobs = 0
        self.busy = 0.0
        """Seconds spent in jobs."""
        self.waited = 0.0
        """Seconds callers of ``wait`` (and ``submit``) spent waiting for a job to end."""

    def submit(self, job: Callable[[], None], first_line: int | None = None) -> None:
        """Wait for the running job (raising its error), then start ``job``.

        ``first_line`` is the first input line whose record the job commits (see ``pending``).
        """
        self.wait()
        self._first_line = first_line
        self._thread = threading.Thread(target=self._run, args=(job,), name="target-reconciled-writer")
        self._thread.start()

    def pending(self) -> int | None:
        """The first input line of the job still running, or None when idle.

        A job that has ended is waited for here, so its error is raised now.
        """
        if self._thread is not None and not self._thread.is_alive():
            self.wait()
        return self._first_line if self._thread is not None else None

    def _run(self, job: Callable[[], None]) -> None:
        start = time.monotonic()
        try:
            job()
        except BaseException as exc:  # raised again in the reading thread by ``wait``
            self._error = exc
        finally:
            self.jobs += 1
            self.busy += time.monotonic() - start

    def wait(self) -> None:
        """Wait until no job runs; raise the error of the last one, if it failed."""
        if self._thread is not None:
            start = time.monotonic()
            self._thread.join()
            self.waited += time.monotonic() - start
            self._thread = None
            self._first_line = None
        if self._error is not None:
            error, self._error = self._error, None
            raise error
