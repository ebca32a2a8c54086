"""``InvocaEmulator``: the Transactions API's routes, auth, accounts and ground truth."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, ClassVar

from aiohttp import web

from sandbox.clock import VirtualClock
from sandbox.faults import FaultKind, FaultPlan, FaultRule
from sandbox.invoca.calls import complete_calls
from sandbox.invoca.columns import CUSTOM_DATA, DEFAULT_COLUMNS, VIEWS
from sandbox.invoca.data import DataSet
from sandbox.invoca.errors import ApiError, classed, invalid_version, unauthorized
from sandbox.invoca.factory import CHANGES
from sandbox.invoca.model import Account, Row
from sandbox.invoca.options import Options
from sandbox.invoca.query import FILTERS_SINCE, parse, run
from sandbox.invoca.selection import Selection, Served, select
from sandbox.invoca.wire import Wire
from sandbox.server import ADMIN_PREFIX, Emulator, json_response

SCOPES = {"network": "networks", "advertiser": "advertisers", "affiliate": "affiliates"}
"""Account types (as the tap names them) -> path scopes."""
FORMATS = ("json", "csv")
TRUTH_COLUMNS = (DEFAULT_COLUMNS, CUSTOM_DATA)
_GATEWAY_PAGES = {
    FaultKind.BAD_GATEWAY: (502, "502 Bad Gateway"),
    FaultKind.GATEWAY_TIMEOUT: (504, "504 Gateway Time-out"),
}
"""A gateway's own ``text/html`` error pages (nginx's wording), by fault kind."""


def _ms(instant: dt.datetime) -> int:
    return int(instant.timestamp() * 1000)


class InvocaEmulator(Emulator):
    """The Invoca Transactions API of one network, its advertisers and affiliates.

    ``InvocaEmulator(clock=VirtualClock(now), seed=1, size=500)``; every keyword
    is an ``Options`` field.
    """

    name: ClassVar[str] = "invoca"

    def __init__(self, *, clock: VirtualClock, faults: FaultPlan | None = None, **options: Any) -> None:
        super().__init__(clock=clock, faults=faults)
        self.options = Options(**options)
        self.wire = Wire(self.options)
        self.data = DataSet(self.options, self.wire, _ms(clock.now()))
        accounts = [self.data.network, *self.data.advertisers, *self.data.affiliates]
        self._tokens = {self._token(a): a for a in accounts}
        self._by_path = {(a.scope, self._path_id(a)): a for a in accounts}
        self._selections: dict[tuple[Any, ...], Selection] = {}
        self._served_pages: list[tuple[Selection, list[Served]]] = []
        self._error_handles = 1228118400

    # -- accounts and tokens ---------------------------------------------------
    def _token(self, account: Account) -> str:
        if account.scope == "networks":
            return self.options.token
        return f"{self.options.token}-{account.scope[:-1]}-{account.id}"

    def _path_id(self, account: Account) -> str:
        """The id in the URL path: the Invoca id or, by option, the network's id (§1: UNKNOWN)."""
        if account.scope == "networks" or self.options.path_id == "invoca":
            return account.id
        return account.id_from_network

    def token_for(self, account_type: str, account_id: str) -> str:
        """The API token of ``network``/``advertiser``/``affiliate`` ``account_id`` (its path id)."""
        account = self._by_path.get((SCOPES[account_type], account_id))
        if account is None:
            raise KeyError(f"no {account_type} {account_id}")
        return self._token(account)

    def accounts(self) -> dict[str, Any]:
        """Every account with its path id, ids, name and token (``GET /_sandbox/accounts``)."""

        def describe(account: Account) -> dict[str, str]:
            return {
                "id": self._path_id(account),
                "invoca_id": account.id,
                "id_from_network": account.id_from_network,
                "name": account.name,
                "token": self._token(account),
                "path": f"/api/2020-10-01/{account.scope}/transactions/{self._path_id(account)}.json",
            }

        return {
            "network": describe(self.data.network),
            "advertisers": [describe(a) for a in self.data.advertisers],
            "affiliates": [describe(a) for a in self.data.affiliates],
        }

    # -- routes ----------------------------------------------------------------
    def api_routes(self) -> list[web.RouteDef]:
        """The Transactions API."""
        return [web.get("/api/{version}/{scope}/transactions/{resource}", self._transactions)]

    def extra_admin_routes(self) -> list[web.RouteDef]:
        """Accounts and tokens, on-demand corrections, and the complete-call truth."""
        return [
            web.get(f"{ADMIN_PREFIX}/accounts", self._accounts_route),
            web.post(f"{ADMIN_PREFIX}/corrections", self._correction_route),
            web.get(f"{ADMIN_PREFIX}/calls", self._calls_route),
        ]

    async def _transactions(self, request: web.Request) -> web.StreamResponse:
        try:
            return self._answer_transactions(request)
        except ApiError as error:
            return json_response(error.body, status=error.status, **error.headers)

    def _answer_transactions(self, request: web.Request) -> web.StreamResponse:
        info = request.match_info
        version, scope = info["version"], info["scope"]
        path_id, _, fmt = info["resource"].rpartition(".")
        if scope not in VIEWS:
            raise web.HTTPNotFound()
        if version not in self.options.versions:
            raise invalid_version(version)
        if fmt not in FORMATS:
            raise classed(
                400, "UnsupportedFormat", f"Format {fmt or '(none)'} is not supported by this emulator"
            )
        token = request.headers.get("Authorization") or request.query.get("oauth_token")
        user = self._tokens.get(token or "")
        if user is None:
            raise unauthorized()
        with self.lock:
            account = self._by_path.get((scope, path_id))
            if account is None:
                raise classed(404, "RecordNotFound", f"{scope[:-1].capitalize()} {path_id} not found")
            if account is not user:
                raise classed(403, "UnauthorizedOperation", f"Not authorized to read {scope} {path_id}")
            query = parse(request.query, version, self.options, self.wire.tz)
            rows = run(self.data, account, query, self.options.unknown_cursor)
            selection = self._selection(
                account,
                _columns(request.query.get("include_columns")),
                _columns(request.query.get("exclude_columns")) or [],
                custom_data=fmt == "json" and version >= FILTERS_SINCE,
            )
            served = [(row, row.tx) for row in rows]
            if self.options.record_served:
                self._served_pages.append((selection, served))
            if fmt == "csv":
                values = [selection.values(row, tx, self.wire) for row, tx in served]
                return _csv_response(selection, values, request.query)
            body = selection.render_page(served, self.wire)
        return web.Response(body=body.encode(), content_type="application/json", charset="utf-8")

    def _selection(
        self, account: Account, include: list[str] | None, exclude: list[str], custom_data: bool
    ) -> Selection:
        key = (id(account), tuple(include) if include is not None else None, tuple(exclude), custom_data)
        selection = self._selections.get(key)
        if selection is None:
            if len(self._selections) > 256:
                self._selections.clear()
            view = VIEWS[account.scope]
            selection = select(view, account.custom_fields, include, exclude, custom_data)
            self._selections[key] = selection
        return selection

    async def _accounts_route(self, _: web.Request) -> web.Response:
        return json_response(self.accounts())

    async def _calls_route(self, _: web.Request) -> web.Response:
        return json_response(self.complete_calls())

    async def _correction_route(self, request: web.Request) -> web.Response:
        try:
            row = self.add_correction(
                request.query.get("transaction_id", ""),
                change=request.query.get("change"),
                notes=request.query.get("notes"),
            )
        except (KeyError, ValueError) as exc:
            return json_response({"error": str(exc)}, status=400)
        return json_response(row)

    # -- faults ----------------------------------------------------------------
    def fault_response(self, rule: FaultRule) -> web.Response:
        """429 with Retry-After, 500 InternalServiceError, or a gateway's 502 or 504 page (§10)."""
        if rule.kind is FaultKind.RATE_LIMITED:
            error = classed(
                429,
                "TooManyRequests",
                f"Rate limit exceeded; retry after {rule.retry_after} seconds",
                **{"Retry-After": str(rule.retry_after)},
            )
            return json_response(error.body, status=429, **error.headers)
        if rule.kind in _GATEWAY_PAGES:
            status, title = _GATEWAY_PAGES[rule.kind]
            page = (
                f"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n"
                f"<center><h1>{title}</h1></center>\r\n</body>\r\n</html>\r\n"
            )
            return web.Response(status=status, text=page, content_type="text/html")
        with self.lock:
            self._error_handles += 1
            handle = self._error_handles
        error = classed(500, "InternalServiceError", f"refer to error handle {handle}")
        return json_response(error.body, status=500)

    # -- time, corrections and truth -------------------------------------------
    def advance(self, delta: dt.timedelta) -> dict[str, Any]:
        """Move the clock; add the calls, events, sales and corrections of the interval."""
        with self.lock:
            old, new = self.clock.advance(delta)
            summary = self.data.advance(_ms(old), _ms(new))
        return {"from": old.isoformat(), "to": new.isoformat(), **summary}

    def add_correction(
        self, transaction_id: str, *, change: str | None = None, notes: str | None = None
    ) -> dict[str, Any]:
        """Correct a transaction now; return the new row (network view with ``custom_data``).

        The row corrects ``transaction_id`` and carries the latest values of its chain,
        changed by ``change`` (``payin``, ``payout``, ``signal`` or ``notes``; seeded choice
        when None); ``notes`` sets the notes.
        """
        if change is not None and change not in CHANGES:
            raise ValueError(f"unknown change {change!r}: use one of {', '.join(CHANGES)}")
        with self.lock:
            target = self.data.by_tid.get(transaction_id)
            if target is None:
                raise KeyError(f"no transaction {transaction_id!r}")
            row = self.data.add_correction(target, _ms(self.clock.now()), change, notes)
            return self._full_row(row)

    def _full_row(self, row: Row) -> dict[str, Any]:
        selection = self._selection(self.data.network, list(TRUTH_COLUMNS), [], custom_data=True)
        return json.loads(selection.render(row, row.tx, self.wire))

    def truth(self) -> list[dict[str, Any]]:
        """Per original transaction: its latest version's full row plus ``root_transaction_id``."""
        with self.lock:
            return [
                {**self._full_row(root.latest), "root_transaction_id": root.tid} for root in self.data.roots
            ]

    def complete_calls(self) -> list[dict[str, Any]]:
        """Per ``complete_call_id``: the call's truth (see ``sandbox.invoca.calls``)."""
        with self.lock:
            return complete_calls(self.data)

    def served(self) -> list[dict[str, Any]]:
        """Every row served so far, as served, in order (empty when ``record_served`` is off)."""
        rows: list[dict[str, Any]] = []
        with self.lock:
            for selection, page in self._served_pages:
                rows += json.loads(selection.render_page(page, self.wire))
        return rows


def _columns(text: str | None) -> list[str] | None:
    """A comma-separated column list, names trimmed (clients send ``", "``); blank is absent."""
    names = [name.strip() for name in (text or "").split(",") if name.strip()]
    return names or None


def _csv_response(selection: Selection, rows: list[list[Any]], params: Any) -> web.Response:
    """Answer in the CSV format ("Anything-Separated Values") with the CSV-only parameters of §1."""
    separator = params.get("column_separator") or ","
    newline = params.get("row_separator") or "\n"
    force = params.get("force_quotes", "0") == "1"
    special = ('"', separator, "\r", "\n", *newline)

    def cell(value: Any) -> str:
        text = "" if value is None else str(value)
        if force or any(mark in text for mark in special):
            return '"' + text.replace('"', '""') + '"'
        return text

    lines = [separator.join(cell(v) for v in row) for row in rows]
    if params.get("include_header", "1") != "0":
        lines.insert(0, separator.join(cell(n) for n in selection.names))
    body = "".join(line + newline for line in lines)
    return web.Response(body=body.encode(), content_type="text/csv", charset="utf-8")
