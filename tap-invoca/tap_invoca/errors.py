"""Errors that end a run: one line saying what failed, where and what to do; secrets masked.

``requests``' network errors embed the request's full URL: ``connection_error`` names only
the host of ``api_url``. Response bodies are shown by their start, with the secret masked.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import ssl
from typing import TypeVar
from urllib.parse import urlsplit

import requests
from singer_sdk.exceptions import ConfigValidationError, FatalAPIError, RetriableAPIError

_SHOWN = 200
_E = TypeVar("_E", bound=BaseException)
_CUT = (ssl.SSLEOFError, ssl.SSLZeroReturnError, ssl.SSLSyscallError)
"""TLS errors of a connection cut short, not of a refused handshake."""


def report(logger: logging.Logger, exc: BaseException) -> None:
    """Log ``exc`` as one ERROR line; its traceback follows only when ``logger`` is at debug level."""
    text = str(exc)
    if isinstance(exc, ConfigValidationError) and exc.errors:
        found = " ".join(error.rstrip(".") + "." for error in exc.errors)
        text = f"{text}: {found} Fix these settings and run again."
    debug = logger.isEnabledFor(logging.DEBUG)
    logger.error("%s", " ".join(text.split()) or type(exc).__name__, exc_info=exc if debug else None)


def mask(text: str, secret: object) -> str:
    """``text`` with ``secret`` replaced by ``***``."""
    secret = str(secret or "")
    return text.replace(secret, "***") if secret else text


def host(url: str) -> str:
    """``host:port`` of ``url``: never its user, password, path or query."""
    parts = urlsplit(url)
    with contextlib.suppress(ValueError):
        return f"{parts.hostname}:{parts.port or (443 if parts.scheme == 'https' else 80)}"
    return str(parts.hostname)


def place(url: str) -> str:
    """``host:port/path`` of ``url`` (no user, password or query)."""
    return host(url) + urlsplit(url).path


def looks_like_json(body: bytes) -> bool:
    """Whether ``body`` is empty or starts as a JSON array or object (possibly cut short)."""
    start = body.lstrip()[:1]
    return start in (b"", b"[", b"{")


def describe_body(body: bytes, secret: object) -> str:
    """The start of a response body on one line, the secret masked, saying when it is not JSON."""
    text = " ".join(mask(body.decode("utf-8", "replace"), secret).split())
    shown = repr(text if len(text) <= _SHOWN else text[:_SHOWN] + "...")
    if not text:
        return "an empty body"
    if looks_like_json(body):
        return f"body {shown}"
    return f"{'an HTML page' if text.startswith('<') else 'a body'} that is not JSON: {shown}"


def connection_error(exc: requests.RequestException, api_url: str) -> FatalAPIError | RetriableAPIError:
    """``exc`` as an error naming ``api_url`` and its host, without the URL ``exc`` holds.

    A name that does not exist and a failed TLS handshake or certificate stop the run at
    once; refused or broken connections (a handshake cut short too) and timeouts are retried.
    """
    where = f"{host(api_url)} (api_url)"
    causes = _causes(exc)
    dns = _first(causes, socket.gaierror)
    if dns is not None:
        message = (
            f"Cannot reach {where}: the name {urlsplit(api_url).hostname} does not resolve. "
            "Check the host name in api_url and this machine's DNS."
        )
        return RetriableAPIError(message) if dns.errno == socket.EAI_AGAIN else FatalAPIError(message)
    cert = _first(causes, ssl.SSLCertVerificationError)
    if cert is not None:
        return FatalAPIError(
            f"The TLS certificate of {where} failed verification ({cert.verify_message}). "
            "Check api_url: use the API's own https:// address, whose certificate this machine trusts."
        )
    tls = _first(causes, ssl.SSLError)
    if tls is not None:
        message = (
            f"The TLS handshake with {where} failed ({getattr(tls, 'reason', None) or type(tls).__name__}). "
            "Check api_url: https:// needs a server that speaks TLS (http:// is for one that does not)."
        )
        return RetriableAPIError(message) if isinstance(tls, _CUT) else FatalAPIError(message)
    if isinstance(exc, requests.Timeout):
        what = "no answer in time"
    elif _first(causes, ConnectionRefusedError) is not None:
        what = "connection refused"
    else:
        what = f"the connection failed ({type(causes[-1]).__name__})"
    return RetriableAPIError(
        f"Cannot connect to {where}: {what}. Check api_url and that the API is reachable from this machine."
    )


def _causes(exc: BaseException) -> list[BaseException]:
    """``exc`` and the errors behind it (urllib3's ``reason``, ``args``, chained), nearest first."""
    found = [exc]
    for error in found:  # grows while read: breadth first
        for cause in (getattr(error, "reason", None), *error.args, error.__cause__, error.__context__):
            if isinstance(cause, BaseException) and all(cause is not seen for seen in found):
                found.append(cause)
    return found


def _first(causes: list[BaseException], kind: type[_E]) -> _E | None:
    return next((cause for cause in causes if isinstance(cause, kind)), None)
