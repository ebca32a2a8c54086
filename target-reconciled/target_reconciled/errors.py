"""How an error that ends the run is shown: one line, with its traceback only at debug level."""

from __future__ import annotations

import logging


def one_line(exc: BaseException) -> str:
    """The error's message on one line (a database's multi-line message joined), or its type."""
    text = " ".join(str(exc).split())
    return text or type(exc).__name__


def report(logger: logging.Logger, exc: BaseException) -> None:
    """Log the error as one line; its traceback follows only when the log level is debug."""
    logger.error("%s", one_line(exc))
    logger.debug("the traceback of that error (shown at log level debug)", exc_info=exc)


class WithoutSDKErrorLines(logging.Filter):
    """Drops the line the SDK logs before re-raising a sink's setup error: ``report`` shows the error."""

    def filter(self, record: logging.LogRecord) -> bool:
        """False for the SDK's "Error initializing target sink" line."""
        return record.msg != "Error initializing target sink '%s'"
