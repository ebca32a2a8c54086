"""Invoca Transactions pages served from memory, so a benchmark measures the client.

``python -m bench.invoca_pages --size N`` walks an Invoca emulator once with
tap-invoca's default query (every page of the network's transactions, default
columns plus ``custom_data``), keeps each response body, drops the emulator, and
serves the bodies by ``start_after_transaction_id`` from a stdlib HTTP server. It
prints one line, ``<url> <rows> <pages> <bytes>``, once it accepts requests.
With ``--cache DIR`` the bodies are files in DIR, rendered on first use and reused
while the size, days and ``VERSION`` match (a million rows are about 6.6 GB).

Any request for other parameters, path or token is refused, so every client that
gets an answer was sent the same bytes.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import requests

from bench.measure import RunError
from sandbox.clock import VirtualClock
from sandbox.invoca import InvocaEmulator
from sandbox.server import EmulatorServer
from tap_invoca.paging import PageRequest
from tap_invoca.tap import MAX_PAGE_SIZE, TapInvoca

ACCOUNT_ID = "33"
TOKEN = "sandbox-invoca-token"
PATH = f"/api/2020-10-01/networks/transactions/{ACCOUNT_ID}.json"
CURSOR = "start_after_transaction_id"
NOW = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
VERSION = 1
"""Bump when rendered pages change, so a cache directory is rendered again."""
ROOT = Path(__file__).resolve().parent.parent


def first_page() -> PageRequest:
    """The first request of a tap-invoca sync with its default settings."""
    include = TapInvoca.config_jsonschema["properties"]["include_columns"]["default"]
    return PageRequest(limit=MAX_PAGE_SIZE, cursor=None, window=None, include_columns=tuple(include))


def bodies(url: str) -> Iterator[bytes]:
    """Every page body of tap-invoca's default query from the server at ``url``, in order.

    Each body is read in one read, not decoded: the next cursor is the last ``transaction_id``
    in its bytes, and a page shorter than the limit is the last.
    """
    page = first_page()
    with requests.Session() as session:
        while True:
            params, headers = page.params(), {"Authorization": TOKEN}
            with session.get(url + PATH, params=params, headers=headers, stream=True) as response:
                response.raise_for_status()
                body = response.raw.read()
            yield body
            last = body.rfind(b'"transaction_id":"')
            if body.count(b'"transaction_id":"') < page.limit or last < 0:
                return
            page = page.after(body[last + 18 : body.index(b'"', last + 18)].decode())


def walk(size: int, days: float) -> Iterator[tuple[str, bytes, int]]:
    """Every page of the emulator's data set: its cursor (``""`` first), body and row count."""
    emulator = InvocaEmulator(clock=VirtualClock(NOW), seed=1, size=size, days=days, record_served=False)
    page = first_page()
    with EmulatorServer(emulator) as server, requests.Session() as session:
        while True:
            response = session.get(server.url + PATH, params=page.params(), headers={"Authorization": TOKEN})
            response.raise_for_status()
            rows = response.json()
            yield page.cursor or "", response.content, len(rows)
            if len(rows) < page.limit:
                return
            page = page.after(rows[-1]["transaction_id"])


def render(size: int, days: float) -> tuple[dict[str, bytes], int]:
    """Every page body by its cursor, and the row count."""
    pages: dict[str, bytes] = {}
    total = 0
    for cursor, body, count in walk(size, days):
        pages[cursor] = body
        total += count
    return pages, total


class DiskPages:
    """Page bodies kept as files of a cache directory, read on each request."""

    def __init__(self, directory: Path, index: dict[str, str]) -> None:
        """``index``: cursor -> file name in ``directory``."""
        self.directory = directory
        self.index = index

    def __contains__(self, cursor: object) -> bool:
        return cursor in self.index

    def __getitem__(self, cursor: str) -> bytes:
        return self.path(cursor).read_bytes()

    def path(self, cursor: str) -> Path:
        """The file holding the page after ``cursor``."""
        return self.directory / self.index[cursor]


def cached(directory: Path, size: int, days: float) -> tuple[DiskPages, dict[str, Any]]:
    """The pages in ``directory``, rendered there first unless a matching render is complete."""
    meta_path = directory / "meta.json"
    wanted = {"version": VERSION, "size": size, "days": days}
    if meta_path.exists():
        meta = json.loads(meta_path.read_text())
        if {k: meta[k] for k in wanted} == wanted:
            return DiskPages(directory, meta["index"]), meta
    directory.mkdir(parents=True, exist_ok=True)
    meta_path.unlink(missing_ok=True)
    for old in directory.glob("*.json"):
        old.unlink()
    index: dict[str, str] = {}
    rows = size_bytes = 0
    for number, (cursor, body, count) in enumerate(walk(size, days)):
        index[cursor] = f"{number:05d}.json"
        (directory / index[cursor]).write_bytes(body)
        rows += count
        size_bytes += len(body)
    meta = {**wanted, "rows": rows, "pages": len(index), "bytes": size_bytes, "index": index}
    meta_path.write_text(json.dumps(meta))  # last: a render cut short is not reused
    return DiskPages(directory, index), meta


def handler_for(pages: Mapping[str, bytes] | DiskPages) -> type[BaseHTTPRequestHandler]:
    """A request handler answering ``GET PATH?<first_page params>[&cursor]`` from ``pages``."""
    expected = {k: v for k, v in first_page().params() if k != CURSOR}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as the real API

        def do_GET(self) -> None:
            url = urlsplit(self.path)
            params = dict(parse_qsl(url.query, keep_blank_values=True))
            cursor = params.pop(CURSOR, "")
            if url.path != PATH or params != expected or self.headers.get("Authorization") != TOKEN:
                self._send(HTTPStatus.BAD_REQUEST, f"only {PATH} with {expected} is served".encode())
            elif cursor not in pages:
                self._send(HTTPStatus.NOT_FOUND, f"no page after {cursor!r}".encode())
            elif isinstance(pages, DiskPages):
                with pages.path(cursor).open("rb") as body:
                    self._head(HTTPStatus.OK, os.fstat(body.fileno()).st_size)
                    self.connection.sendfile(body)  # the kernel copies the file to the socket
            else:
                self._send(HTTPStatus.OK, pages[cursor])

        def _head(self, status: HTTPStatus, length: int) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(length))
            self.end_headers()

        def _send(self, status: HTTPStatus, body: bytes) -> None:
            self._head(status, len(body))
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            """Quiet: the benchmark's output is its table."""

    return Handler


@contextmanager
def running(label: str, *options: str) -> Iterator[tuple[str, int]]:
    """``python -m bench.invoca_pages OPTIONS`` in its own process; yields its URL and row count."""
    cmd = [sys.executable, "-m", "bench.invoca_pages", *options]
    with (
        tempfile.TemporaryFile() as stderr,
        subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=stderr, text=True) as proc,
    ):
        try:
            assert proc.stdout is not None
            ready = proc.stdout.readline().split()
            if not ready:
                stderr.seek(0)
                raise RunError(f"the page server did not start:\n{stderr.read().decode()[-3000:]}")
            url, rows, pages, size = ready
            print(
                f"{label}: {int(rows):,} rows in {pages} pages ({int(size) / 1e6:,.0f} MB of JSON)",
                flush=True,
            )
            yield url, int(rows)
        finally:
            proc.terminate()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.invoca_pages", description=__doc__)
    parser.add_argument("--size", type=int, required=True, help="calls in the emulator's history")
    parser.add_argument("--days", type=float, default=90, help="days of history (default 90)")
    parser.add_argument("--cache", type=Path, help="keep the page bodies as files in this directory")
    args = parser.parse_args()
    if args.cache:
        served, meta = cached(args.cache, args.size, args.days)
        rows, count, size = meta["rows"], meta["pages"], meta["bytes"]
    else:
        pages, rows = render(args.size, args.days)
        served, count, size = pages, len(pages), sum(map(len, pages.values()))
    gc.collect()
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler_for(served))
    host, port = server.server_address[:2]
    print(f"http://{host}:{port} {rows} {count} {size}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
