"""Invoca Transactions pages served from memory, so a benchmark measures the client.

``python -m bench.invoca_pages --size N`` walks an Invoca emulator once with
tap-invoca's default query (every page of the network's transactions, default
columns plus ``custom_data``), keeps each response body, drops the emulator, and
serves the bodies by ``start_after_transaction_id`` from a stdlib HTTP server. It
prints one line, ``<url> <rows> <pages> <bytes>``, once it accepts requests.

Any request for other parameters, path or token is refused, so every client that
gets an answer was sent the same bytes.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

import requests

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


def first_page() -> PageRequest:
    """The first request of a tap-invoca sync with its default settings."""
    include = TapInvoca.config_jsonschema["properties"]["include_columns"]["default"]
    return PageRequest(limit=MAX_PAGE_SIZE, cursor=None, window=None, include_columns=tuple(include))


def render(size: int, days: float) -> tuple[dict[str, bytes], int]:
    """Every page body of the emulator's data set by its cursor (``""`` first), and the row count."""
    emulator = InvocaEmulator(clock=VirtualClock(NOW), seed=1, size=size, days=days, record_served=False)
    pages: dict[str, bytes] = {}
    total = 0
    page = first_page()
    with EmulatorServer(emulator) as server, requests.Session() as session:
        while True:
            response = session.get(server.url + PATH, params=page.params(), headers={"Authorization": TOKEN})
            response.raise_for_status()
            pages[page.cursor or ""] = response.content
            rows = response.json()
            total += len(rows)
            if len(rows) < page.limit:
                return pages, total
            page = page.after(rows[-1]["transaction_id"])


def handler_for(pages: dict[str, bytes]) -> type[BaseHTTPRequestHandler]:
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
            else:
                self._send(HTTPStatus.OK, pages[cursor])

        def _send(self, status: HTTPStatus, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            """Quiet: the benchmark's output is its table."""

    return Handler


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.invoca_pages", description=__doc__)
    parser.add_argument("--size", type=int, required=True, help="calls in the emulator's history")
    parser.add_argument("--days", type=float, default=90, help="days of history (default 90)")
    args = parser.parse_args()
    pages, rows = render(args.size, args.days)
    gc.collect()
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler_for(pages))
    host, port = server.server_address[:2]
    size = sum(map(len, pages.values()))
    print(f"http://{host}:{port} {rows} {len(pages)} {size}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
