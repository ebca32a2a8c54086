"""What both emulators share: app, fault injection, admin routes, and runners.

An emulator runs in-process for tests (``EmulatorServer``) or in the foreground
for ``python -m sandbox`` (``serve_forever``).
"""

from __future__ import annotations

import abc
import asyncio
import datetime as dt
import email.utils
import json
import socket
import struct
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Any, ClassVar

from aiohttp import web

from sandbox.clock import VirtualClock
from sandbox.faults import FaultKind, FaultPlan, FaultRule, FaultSpecError

ADMIN_PREFIX = "/_sandbox"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def json_response(payload: Any, status: int = 200, **headers: str) -> web.Response:
    """A compact JSON response with ``application/json`` and no charset."""
    return web.Response(
        body=json.dumps(payload, separators=(",", ":")).encode(),
        status=status,
        content_type="application/json",
        headers=headers or None,
    )


class Emulator(abc.ABC):
    """One emulated API: its routes, data set, clock and fault plan."""

    name: ClassVar[str]

    def __init__(self, *, clock: VirtualClock, faults: FaultPlan | None = None) -> None:
        self.clock = clock
        self.faults = faults or FaultPlan()
        self.lock = threading.RLock()
        self.request_log: list[dict[str, Any]] = []

    # -- what each API provides ------------------------------------------------
    @abc.abstractmethod
    def api_routes(self) -> list[web.RouteDef]:
        """The API's own routes."""

    @abc.abstractmethod
    def fault_response(self, rule: FaultRule) -> web.Response:
        """The API's answer for an injected 429, 500, 502, 504 or quota fault."""

    @abc.abstractmethod
    def advance(self, delta: dt.timedelta) -> dict[str, Any]:
        """Move time forward, creating new rows and changes; return a summary."""

    @abc.abstractmethod
    def truth(self) -> list[dict[str, Any]]:
        """The current truth: the latest version of every original record."""

    @abc.abstractmethod
    def served(self) -> list[dict[str, Any]]:
        """Every row served so far, in the order served."""

    def extra_admin_routes(self) -> list[web.RouteDef]:
        """Admin routes of this emulator only (under ``ADMIN_PREFIX``: never faulted or rate limited)."""
        return []

    supported_faults: ClassVar[frozenset[FaultKind]] = frozenset(FaultKind) - {FaultKind.QUOTA}

    # -- shared machinery ------------------------------------------------------
    def set_faults(self, specs: list[str], seed: int = 0) -> None:
        """Replace the fault plan (and restart its request count)."""
        plan = FaultPlan.from_specs(specs, seed=seed)
        unsupported = {rule.kind for rule in plan.rules} - self.supported_faults
        if unsupported:
            kinds = ", ".join(sorted(k.value for k in unsupported))
            raise FaultSpecError(f"the {self.name} emulator cannot inject: {kinds}")
        with self.lock:
            self.faults = plan

    def build_app(self) -> web.Application:
        """The aiohttp application: admin routes plus the API behind the faults."""
        app = web.Application(middlewares=[self._fault_middleware])
        app.add_routes(self._admin_routes())
        app.add_routes(self.api_routes())
        app.on_response_prepare.append(self._date_header)
        return app

    async def _date_header(self, request: web.Request, response: web.StreamResponse) -> None:
        """Servers stamp answers with their own time: here, the emulated clock's."""
        now = self.clock.now().astimezone(dt.UTC)
        response.headers["Date"] = email.utils.format_datetime(now, usegmt=True)

    @web.middleware
    async def _fault_middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path.startswith(ADMIN_PREFIX):
            return await handler(request)
        with self.lock:
            rule = self.faults.next_request()
        entry = {
            "method": request.method,
            "path_qs": request.path_qs,
            "headers": dict(request.headers),
            "wall_time": time.time(),
            "fault": rule.kind.value if rule else None,
        }
        try:
            response = await self._answer(request, handler, rule)
        except web.HTTPException as exc:
            entry["status"] = exc.status
            raise
        finally:
            with self.lock:
                self.request_log.append(entry)
        entry["status"] = response.status
        return response

    async def _answer(
        self, request: web.Request, handler: Handler, rule: FaultRule | None
    ) -> web.StreamResponse:
        if rule is None:
            return await handler(request)
        if rule.kind is FaultKind.RESET:
            _reset(request)
            return web.Response(status=499)  # never reaches the client
        if rule.kind is FaultKind.GATEWAY_TIMEOUT:
            await asyncio.sleep(rule.delay)
            return self.fault_response(rule)
        if rule.kind in (FaultKind.TRUNCATE, FaultKind.SLOW):
            real = await handler(request)
            if not isinstance(real, web.Response) or real.body is None:
                return real
            body = bytes(real.body)  # type: ignore[arg-type]
            if rule.kind is FaultKind.TRUNCATE:
                return await _truncated(request, real, body)
            return await _slow(request, real, body, rule.delay)
        return self.fault_response(rule)

    def _admin_routes(self) -> list[web.RouteDef]:
        return [
            web.get(f"{ADMIN_PREFIX}/health", self._admin_health),
            web.post(f"{ADMIN_PREFIX}/advance", self._admin_advance),
            web.get(f"{ADMIN_PREFIX}/truth", self._admin_truth),
            web.get(f"{ADMIN_PREFIX}/served", self._admin_served),
            web.get(f"{ADMIN_PREFIX}/requests", self._admin_requests),
            web.get(f"{ADMIN_PREFIX}/faults", self._admin_get_faults),
            web.put(f"{ADMIN_PREFIX}/faults", self._admin_put_faults),
            *self.extra_admin_routes(),
        ]

    async def _admin_health(self, _: web.Request) -> web.Response:
        return json_response({"emulator": self.name, "now": self.clock.now().isoformat()})

    async def _admin_advance(self, request: web.Request) -> web.Response:
        try:
            seconds = float(request.query.get("seconds", "3600"))
            with self.lock:
                summary = self.advance(dt.timedelta(seconds=seconds))
        except ValueError as exc:
            return json_response({"error": str(exc)}, status=400)
        return json_response(summary)

    async def _admin_truth(self, _: web.Request) -> web.Response:
        with self.lock:
            return json_response(self.truth())

    async def _admin_served(self, _: web.Request) -> web.Response:
        with self.lock:
            return json_response(self.served())

    async def _admin_requests(self, _: web.Request) -> web.Response:
        with self.lock:
            return json_response(self.request_log)

    async def _admin_get_faults(self, _: web.Request) -> web.Response:
        with self.lock:
            plan = self.faults
            return json_response(
                {
                    "rules": [rule.spec for rule in plan.rules],
                    "requests": plan.requests,
                    "injected": [[n, kind.value] for n, kind in plan.injected],
                }
            )

    async def _admin_put_faults(self, request: web.Request) -> web.Response:
        body = await request.json()
        try:
            self.set_faults(list(body.get("rules", [])), seed=int(body.get("seed", 0)))
        except FaultSpecError as exc:
            return json_response({"error": str(exc)}, status=400)
        return await self._admin_get_faults(request)


def _reset(request: web.Request) -> None:
    """Drop the connection with a TCP RST (SO_LINGER 0), as a crashed peer would."""
    transport = request.transport
    if transport is None:
        return
    sock = transport.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()


async def _truncated(request: web.Request, real: web.Response, body: bytes) -> web.StreamResponse:
    """Promise the whole body, send half of it, then cut the connection."""
    stream = web.StreamResponse(status=real.status, headers=real.headers)
    stream.content_length = len(body)
    await stream.prepare(request)
    await stream.write(body[: len(body) // 2])
    await asyncio.sleep(0.05)  # let the half body leave before the cut
    _reset(request)
    return stream


async def _slow(request: web.Request, real: web.Response, body: bytes, delay: float) -> web.StreamResponse:
    """Send the body in ten pieces spread over ``delay`` seconds."""
    stream = web.StreamResponse(status=real.status, headers=real.headers)
    stream.content_length = len(body)
    await stream.prepare(request)
    pieces = 10
    step = max(1, -(-len(body) // pieces))
    for start in range(0, len(body), step):
        await stream.write(body[start : start + step])
        await asyncio.sleep(delay / pieces)
    await stream.write_eof()
    return stream


class EmulatorServer:
    """Serve an emulator on a loopback port from a background thread.

    ``with EmulatorServer(emulator) as server: requests.get(server.url + ...)``;
    leaving the block stops the server and joins its thread.
    """

    def __init__(self, emulator: Emulator, host: str = "127.0.0.1", port: int = 0) -> None:
        self.emulator = emulator
        self.host = host
        self.port = port
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:43817``."""
        return f"http://{self.host}:{self.port}"

    def start(self) -> EmulatorServer:
        """Bind, start serving, and return once requests are accepted."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        self.port = sock.getsockname()[1]
        self._loop = asyncio.new_event_loop()
        self._runner = web.AppRunner(self.emulator.build_app(), access_log=None, handler_cancellation=True)
        self._loop.run_until_complete(self._runner.setup())
        self._loop.run_until_complete(web.SockSite(self._runner, sock).start())
        self._thread = threading.Thread(target=self._loop.run_forever, name=f"sandbox-{self.emulator.name}")
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, close every connection and join the thread."""
        if self._loop is None or self._runner is None or self._thread is None:
            return
        asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(timeout=30)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=30)
        self._loop.close()
        self._loop = self._runner = self._thread = None

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()


def serve_forever(emulator: Emulator, host: str, port: int) -> None:
    """Serve in the foreground until SIGINT or SIGTERM."""
    print(f"{emulator.name} emulator listening on http://{host}:{port}", flush=True)
    web.run_app(emulator.build_app(), host=host, port=port, print=None, access_log=None)
