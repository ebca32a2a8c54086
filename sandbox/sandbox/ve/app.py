"""``VeEmulator``: the Invoicing API behind its Azure API Management gateway.

A call passes the gateway's checks in this order, then reaches the backend:

1. the path and method must name an operation of one product, else 404 (§6.4);
2. the ``Ocp-Apim-Subscription-Key`` must belong to that product, else 401 (§6.3);
3. the request must fit ``max_request_bytes``, else ``size_status`` (§6.5, UNKNOWN order:
   APIM checks the key before running policies, so keyless calls get 401 whatever their size);
4. the key's sliding-window rate limit, else 429 (§6.1);
5. backend: malformed parameters 400, then a domain/country the key may not read 401
   (INFERRED: binding happens before the action checks access), then the answer.

Injected faults (see ``sandbox.faults``) come before all of this and do not count
towards the rate limit.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from collections.abc import Callable
from typing import Any

from aiohttp import web

from sandbox.clock import VirtualClock
from sandbox.faults import FaultKind, FaultPlan, FaultRule
from sandbox.server import ADMIN_PREFIX, Emulator, json_response
from sandbox.ve import backend, gateway
from sandbox.ve.config import SANDBOX_BASE, VeConfig
from sandbox.ve.data import Event, Ledger, Transaction
from sandbox.ve.query import (
    InvalidRequestError,
    TransactionQuery,
    bind,
    not_valid,
    parse_int,
    transaction_query,
)
from sandbox.ve.ratelimit import SlidingWindowLimiter
from sandbox.ve.wire import Wire, plain

Handler = Callable[[web.Request], web.Response]


@dataclasses.dataclass(frozen=True)
class Product:
    """One APIM product: its base path, subscription keys and rate limiter."""

    base: str
    keys: frozenset[str]
    limiter: SlidingWindowLimiter

    @property
    def realm(self) -> str:
        """The ``WWW-Authenticate`` realm: the API's public URL."""
        return gateway.HOST + self.base


class VeEmulator(Emulator):
    """Emulator of the Ve Interactive Invoicing API (``GetTransactions``).

    ``VeEmulator(clock=VirtualClock(...), seed=1, rate_limit=5, ...)``: keyword
    options are ``VeConfig`` fields (or pass ``config=VeConfig(...)``).
    ``rate_clock`` is the limiter's clock (seconds), injectable for tests.
    """

    name = "ve"
    supported_faults = frozenset(FaultKind)

    def __init__(
        self,
        *,
        clock: VirtualClock,
        seed: int = 1,
        faults: FaultPlan | None = None,
        rate_clock: Callable[[], float] = time.monotonic,
        config: VeConfig | None = None,
        **options: Any,
    ) -> None:
        super().__init__(clock=clock, faults=faults)
        self.config = dataclasses.replace(config or VeConfig(), **options)
        self.seed = seed
        self.ledger = Ledger(self.config, seed, clock.now())
        self.wire = Wire(self.config)
        cfg = self.config
        self.products = {
            SANDBOX_BASE.lower(): Product(
                SANDBOX_BASE,
                frozenset(cfg.keys),
                SlidingWindowLimiter(cfg.rate_limit, cfg.rate_window, rate_clock, cfg.count_rejected),
            ),
            cfg.production_base.lower(): Product(
                cfg.production_base,
                frozenset(cfg.production_keys),
                SlidingWindowLimiter(
                    cfg.production_rate_limit, cfg.rate_window, rate_clock, cfg.count_rejected
                ),
            ),
        }
        self.operations: dict[str, tuple[str, Handler]] = {
            "gettransactions": ("GET", self._get_transactions),
            "getinvoicedetails": ("GET", self._get_invoice_details),
        }
        self._accounts = {account.domain: account for account in self.config.accounts}
        self._served_rows: list[dict[str, Any]] = []

    # -- routes ----------------------------------------------------------------
    def api_routes(self) -> list[web.RouteDef]:
        """One catch-all route: the gateway matches operations itself (case-insensitively)."""
        return [web.route("*", "/{tail:.*}", self._gateway)]

    def extra_admin_routes(self) -> list[web.RouteDef]:
        """``GET /_sandbox/statuses[?seen_at=ISO&seen_at=...]``: each transaction's status sequence."""
        return [web.get(f"{ADMIN_PREFIX}/statuses", self._statuses_route)]

    async def _statuses_route(self, request: web.Request) -> web.Response:
        texts = request.query.getall("seen_at", [])
        try:
            seen_at = [_instant(text) for text in texts] if texts else None
        except ValueError as exc:
            return json_response({"error": str(exc)}, status=400)
        return json_response(self.status_sequences(seen_at))

    async def _gateway(self, request: web.Request) -> web.Response:
        base, _, operation = request.path.rpartition("/")
        product = self.products.get(base.lower())
        route = self.operations.get(operation.lower()) if product else None
        if product is None or route is None or route[0] != request.method:
            return gateway.not_found()
        key = request.headers.get(gateway.KEY_HEADER, "")
        if not key:
            return gateway.missing_key(product.realm)
        if key not in product.keys:
            return gateway.invalid_key(product.realm)
        limit = self.config.max_request_bytes
        if limit:
            size = await gateway.request_size(request)
            if size > limit:
                return gateway.too_large(size, limit, self.config.size_status)
        with self.lock:
            wait = product.limiter.check(key)
        if wait is not None:
            return gateway.rate_limited(wait)
        return route[1](request)

    # -- operations ------------------------------------------------------------
    def _get_transactions(self, request: web.Request) -> web.Response:
        try:
            query = transaction_query(request.query, self.wire.tz)
        except InvalidRequestError as exc:
            return backend.invalid_request(exc.details)
        with self.lock:
            markets = self._readable(query.domain, query.country)
            if markets is None:
                return backend.denied(self.config.denied_body)
            now = self.clock.now()
            found: list[tuple[Transaction, Event]] = []
            for tx in self.ledger.transactions:
                if tx.market.index in markets:
                    state = tx.state_at(now)
                    if self._matches(tx, state, query):
                        found.append((tx, state))
            if self.config.max_results is not None and len(found) > self.config.max_results:
                return backend.server_error()  # UNKNOWN §10: the backend times out on big windows
            rows = [self.wire.row(tx, state) for tx, state in found]
            self._served_rows.extend(
                _located(plain(row), tx) for row, (tx, _) in zip(rows, found, strict=True)
            )
        return backend.ok({"transactions": rows})

    def _get_invoice_details(self, request: web.Request) -> web.Response:
        """§4.2: only the documented 400 is known; invoices themselves are not emulated."""
        raw = bind(request.query, ("invoiceId", "domain", "country"))
        if "invoiceId" not in raw:
            return backend.invalid_request({"invoiceId": "The 'invoiceId' field is required."})
        if parse_int(raw["invoiceId"]) is None:
            return backend.invalid_request({"invoiceId": not_valid("invoiceId", raw["invoiceId"])})
        domain = raw.get("domain", "").strip().lower() or None
        with self.lock:
            if self._readable(domain, raw.get("country", "").strip().upper() or None) is None:
                return backend.denied(self.config.denied_body)
        return backend.message(404, "Invoice not found.")

    def _readable(self, domain: str | None, country: str | None) -> set[int] | None:
        """Market indexes the caller may read: empty domain = own account (§4.1); None if denied."""
        account = self.config.own_account if domain is None else self._accounts.get(domain)
        if account is None or (country is not None and country not in account.countries):
            return None
        countries = (country,) if country else account.countries
        return {m.index for m in self.ledger.markets if m.domain == account.domain and m.country in countries}

    def _matches(self, tx: Transaction, state: Event, query: TransactionQuery) -> bool:
        if query.transaction_id is not None and tx.transaction_id != query.transaction_id:
            return False
        if query.transaction_type and not self.wire.type_matches(tx.type_row, query.transaction_type):
            return False
        if query.transaction_status and not self.wire.status_matches(state.status, query.transaction_status):
            return False
        if (
            query.subinvoice_id is not None
            and self.wire.sub_invoice(state.sub_invoice_id) != query.subinvoice_id
        ):
            return False
        moment = {"creationDate": tx.created, "modifiedDate": state.at, "checkOutDate": tx.checkout}[
            self.config.date_field
        ]
        if query.date_from is not None and moment < query.date_from:
            return False
        if query.date_to is not None:
            half_open = self.config.date_bounds == "half_open"
            return moment < query.date_to if half_open else moment <= query.date_to
        return True

    # -- Emulator hooks --------------------------------------------------------
    def fault_response(self, rule: FaultRule) -> web.Response:
        """APIM bodies for 429, quota (403), 502 and 504; ASP.NET's 500 body otherwise."""
        if rule.kind is FaultKind.RATE_LIMITED:
            return gateway.rate_limited(rule.retry_after)
        if rule.kind is FaultKind.QUOTA:
            return gateway.quota_exceeded(rule.retry_after)
        if rule.kind is FaultKind.GATEWAY_TIMEOUT:
            return gateway.gateway_timeout()
        if rule.kind is FaultKind.BAD_GATEWAY:
            return gateway.bad_gateway()
        return backend.server_error()

    def advance(self, delta: dt.timedelta) -> dict[str, Any]:
        """Move the clock; create the arrivals and count the status changes that fell due."""
        with self.lock:
            old, new = self.clock.advance(delta)
            created, changes = self.ledger.advance(old, new)
            total = len(self.ledger.transactions)
        return {
            "from": old.isoformat(),
            "to": new.isoformat(),
            "new": created,
            "status_changes": changes,
            "transactions": total,
        }

    def truth(self) -> list[dict[str, Any]]:
        """Every transaction as it is now: the 16 fields plus its ``domain`` and ``country``."""
        with self.lock:
            now = self.clock.now()
            return [
                _located(plain(self.wire.row(tx, tx.state_at(now))), tx) for tx in self.ledger.transactions
            ]

    def status_sequences(self, seen_at: list[dt.datetime] | None = None) -> list[dict[str, Any]]:
        """Per transaction created by now (every market, by id): the statuses it has shown.

        Without ``seen_at``: every event of its schedule due by now. With it: the event in
        force at each of those instants that lies between its creation and now, in instant
        order, repeats dropped: what a client reading the API at exactly those instants saw.
        Each status is rendered as ``truth()`` renders the row: ``transactionStatus``,
        ``modifiedDate`` and ``subInvoiceId``.
        """
        if seen_at is not None and any(instant.tzinfo is None for instant in seen_at):
            raise ValueError("seen_at instants need a time zone")
        with self.lock:
            now = self.clock.now()
            instants = sorted(seen_at) if seen_at is not None else None
            return [
                {
                    "transactionId": tx.transaction_id,
                    "statuses": [self._status(event) for event in _sequence(tx, now, instants)],
                }
                for tx in self.ledger.transactions
                if tx.created <= now
            ]

    def _status(self, event: Event) -> dict[str, Any]:
        return {
            "transactionStatus": self.wire.transaction_status(event.status),
            "modifiedDate": self.wire.date(event.at),
            "subInvoiceId": self.wire.sub_invoice(event.sub_invoice_id),
        }

    def served(self) -> list[dict[str, Any]]:
        """Every row served so far, in order, with the ``domain`` and ``country`` it was read from."""
        with self.lock:
            return [dict(row) for row in self._served_rows]


def _sequence(tx: Transaction, now: dt.datetime, instants: list[dt.datetime] | None) -> list[Event]:
    """The events ``tx`` has shown by ``now``: all of them, or those in force at ``instants``."""
    if instants is None:
        return [event for event in tx.events if event.at <= now]
    seen: list[Event] = []
    for instant in instants:
        if tx.created <= instant <= now:
            event = tx.state_at(instant)
            if not seen or seen[-1] is not event:
                seen.append(event)
    return seen


def _instant(text: str) -> dt.datetime:
    """An ISO 8601 instant with its zone (``Z`` or an offset), for ``seen_at``."""
    error = ValueError(f"seen_at {text!r} is not an ISO 8601 instant with a time zone (Z or ±HH:MM)")
    try:
        instant = dt.datetime.fromisoformat(text)
    except ValueError:
        raise error from None
    if instant.tzinfo is None:
        raise error
    return instant


def _located(row: dict[str, Any], tx: Transaction) -> dict[str, Any]:
    return {**row, "domain": tx.market.domain, "country": tx.market.country}
