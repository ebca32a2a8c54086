"""Failing endpoints and the checks of a one-line error, for the error tests of both taps.

Each case runs the tap twice, at the default log level and with ``LOGLEVEL=debug``, all
the runs of a test module at once (``run_levels``), against a local endpoint: a port nobody
answers, a name that does not resolve, a server that speaks plain HTTP or has a self-signed
certificate, or one that answers a fixed status and body. The bodies echo the request's
credentials (``{key}``), as a debug page might: the tap must mask them.
"""

from __future__ import annotations

import contextlib
import http.server
import json
import os
import shutil
import socket
import ssl
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

SECRET = "planted-Secret-4f1c9e"
"""The secret setting's value in every case: it must appear in no output."""
CREDENTIAL_HEADERS = ("authorization", "ocp-apim-subscription-key")
DEADLINE = 60.0
"""Seconds a batch of runs may take."""
QUIET_ENV = ("LOGLEVEL", "TAP_INVOCA_LOGLEVEL", "TAP_VEINVOICING_LOGLEVEL", "SINGER_SDK_LOG_CONFIG")


def html(title: str) -> str:
    """An error page as a proxy or web server sends it, echoing the credentials it got."""
    return f"<html>\n<head><title>{title}</title></head>\n<body><p>Request for {{key}}</p></body>\n</html>\n"


@dataclass
class Outcome:
    """What one tap process did."""

    returncode: int
    stdout: str
    stderr: str
    seconds: float
    """From the start of the batch to the end of this run, at most."""

    @property
    def errors(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if "| ERROR " in line]

    @property
    def tracebacks(self) -> int:
        return sum(line.startswith("Traceback") for line in self.stderr.splitlines())


Runs = dict[str, tuple[str, Outcome, Outcome]]
"""Per case: the api_url, the run at the default log level and the run at debug level."""


class _Answer(http.server.BaseHTTPRequestHandler):
    status = 200
    body = ""
    content_type = "text/html"

    def do_GET(self) -> None:
        key = " ".join(v for k, v in self.headers.items() if k.lower() in CREDENTIAL_HEADERS)
        payload = self.body.replace("{key}", key).encode()
        self.send_response(self.status)
        self.send_header("Content-Type", self.content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""


class Endpoints(contextlib.ExitStack):
    """Local failing endpoints, stopped when the ``with`` block ends."""

    def __init__(self, tmp_path: Path) -> None:
        super().__init__()
        self.tmp_path = tmp_path

    def refused(self) -> str:
        """A free local port: connections are refused."""
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            return f"http://127.0.0.1:{sock.getsockname()[1]}"

    def answering(self, status: int, body: str, content_type: str = "text/html", scheme: str = "http") -> str:
        """A server answering every GET with ``status`` and ``body``."""
        handler = type("Handler", (_Answer,), {"status": status, "body": body, "content_type": content_type})
        return f"{scheme}://127.0.0.1:{self._serve(handler)}"

    def self_signed(self) -> str:
        """An HTTPS server whose certificate is self-signed."""
        openssl = shutil.which("openssl")
        if openssl is None:
            pytest.fail("the openssl command is needed to make a self-signed certificate")
        cert, key = self.tmp_path / "cert.pem", self.tmp_path / "key.pem"
        request = ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-days", "1"]
        subprocess.run(
            [openssl, *request, "-keyout", str(key), "-out", str(cert)],
            check=True,
            capture_output=True,
        )
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        handler = type("Handler", (_Answer,), {"body": "[]", "content_type": "application/json"})
        return f"https://127.0.0.1:{self._serve(handler, context)}"

    def _serve(self, handler: type[_Answer], tls: ssl.SSLContext | None = None) -> int:
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        if tls is not None:
            server.socket = tls.wrap_socket(server.socket, server_side=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self.callback(server.server_close)
        self.callback(server.shutdown)
        return server.server_address[1]


def where(url: str) -> str:
    """``host:port`` of ``url``, as the error lines name it."""
    parts = urlsplit(url)
    return f"{parts.hostname}:{parts.port or (443 if parts.scheme == 'https' else 80)}"


def run_levels(
    executable: str, tmp_path: Path, configs: dict[str, dict[str, Any]], env: dict[str, str]
) -> dict[str, tuple[Outcome, Outcome]]:
    """Each config run twice, every run at once: at the default log level and with ``LOGLEVEL=debug``."""
    base = {k: v for k, v in os.environ.items() if k not in QUIET_ENV} | env
    started = time.monotonic()
    runs: dict[str, list[tuple[subprocess.Popen, Path]]] = {}
    for n, (name, config) in enumerate(configs.items()):
        config_file = tmp_path / f"config-{n}.json"
        config_file.write_text(json.dumps(config))
        runs[name] = []
        for level, extra in (("default", {}), ("debug", {"LOGLEVEL": "debug"})):
            out = tmp_path / f"run-{n}-{level}"
            with out.with_suffix(".out").open("w") as stdout, out.with_suffix(".err").open("w") as stderr:
                command = [executable, "--config", str(config_file)]
                process = subprocess.Popen(command, stdout=stdout, stderr=stderr, env=base | extra)
            runs[name].append((process, out))
    ended = [[_ended(process, out, started) for process, out in pair] for pair in runs.values()]
    return {name: (default, debug) for name, (default, debug) in zip(runs, ended, strict=True)}


def _ended(process: subprocess.Popen, out: Path, started: float) -> Outcome:
    """The run's outcome; a run still going ``DEADLINE`` seconds after the batch started is killed."""
    try:
        returncode = process.wait(timeout=max(0.0, started + DEADLINE - time.monotonic()))
        killed = ""
    except subprocess.TimeoutExpired:
        process.kill()
        returncode = process.wait()
        killed = f"\n(killed: still running {DEADLINE} s after the start)"
    stderr = out.with_suffix(".err").read_text() + killed
    return Outcome(returncode, out.with_suffix(".out").read_text(), stderr, time.monotonic() - started)


def assert_one_line_error(default: Outcome, debug: Outcome, *words: str) -> str:
    """Both runs failed with one ERROR line holding ``words``; a traceback at debug only; no secret."""
    for run in (default, debug):
        assert run.returncode != 0
        assert len(run.errors) == 1, run.stderr[-3000:]
        missing = [word for word in words if word not in run.errors[0]]
        assert not missing, f"{missing} not in {run.errors[0]}"
        assert SECRET not in run.stdout + run.stderr
    assert default.tracebacks == 0, default.stderr[-3000:]
    assert debug.tracebacks == 1, debug.stderr[-3000:]
    return default.errors[0]
