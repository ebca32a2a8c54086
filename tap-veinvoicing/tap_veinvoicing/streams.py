"""The ``transactions`` stream: windows per partition, bookmarks, rate limit, retries and errors."""

from __future__ import annotations

import datetime as dt
import decimal
import itertools
import logging
import os
import time
from collections import deque
from collections.abc import Callable, Generator, Iterable
from http import HTTPStatus
from importlib.metadata import version
from typing import Any
from urllib.parse import quote_plus, urlsplit

import backoff
import msgspec
import requests
from singer_sdk import RESTStream
from singer_sdk.exceptions import FatalAPIError, RetriableAPIError
from singer_sdk.helpers.conform import TypeConformanceLevel

from tap_veinvoicing.errors import connection_error, describe_body, looks_like_json, place
from tap_veinvoicing.progress import Progress
from tap_veinvoicing.ratelimit import SlidingLog
from tap_veinvoicing.records import PassFilter, normalize
from tap_veinvoicing.request_size import MAX_REQUEST_BYTES, oversize_message, request_bytes
from tap_veinvoicing.retry import max_tries, retry_delay
from tap_veinvoicing.schema import TRANSACTIONS_SCHEMA
from tap_veinvoicing.settings import BASE_PATHS, client_filter, partition_contexts, server_filter
from tap_veinvoicing.windows import MIN_WINDOW, UTC, Bookmark, Window, parse_instant, plan_windows, run_stop

KEY_HEADER = "Ocp-Apim-Subscription-Key"
USER_AGENT = f"tap-veinvoicing/{version('tap-veinvoicing')}"
SPLIT_STATUSES = (HTTPStatus.INTERNAL_SERVER_ERROR, HTTPStatus.GATEWAY_TIMEOUT)
"""What a window too large for the backend gets (api-notes §4.1, §6.6): split it."""


class Envelope(msgspec.Struct):
    """The ``GetTransactions`` answer: ``{"transactions": [...]}``."""

    transactions: list[dict[str, Any]]


_decode = msgspec.json.Decoder(Envelope, float_hook=decimal.Decimal).decode


class ServerFailureError(Exception):
    """A 500 or 504: the window is read in halves, or the run stops at the minimum size."""

    def __init__(self, message: str, response: requests.Response) -> None:
        super().__init__(message)
        self.response = response


class TransactionsStream(RESTStream):
    """``GetTransactions`` rows of every domain x country partition, read window by window."""

    name = "transactions"
    primary_keys = ("transactionId",)
    replication_key = "modifiedDate"
    is_sorted = False  # the bookmark is kept per window (see ``get_records``), never taken from rows
    schema = TRANSACTIONS_SCHEMA
    TYPE_CONFORMANCE_LEVEL = TypeConformanceLevel.NONE  # ``normalize`` types every row
    timeout = 120

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limiter = SlidingLog(self.config["requests_per_minute"])
        """One limiter for every partition of the run (tests inject a fake clock)."""
        self.now: Callable[[], dt.datetime] = lambda: dt.datetime.now(UTC)
        """The clock that ends windows and starts passes."""
        self.progress: Progress | None = None
        self.max_tries = max_tries(os.environ)
        # Only the headers the API needs: the gateway counts every byte (0.5 kB limit).
        self.requests_session.headers.clear()
        self.requests_session.headers.update({"User-Agent": USER_AGENT, "Accept-Encoding": "gzip"})

    @property
    def url_base(self) -> str:
        """``<api_url>/InvoicingApiSandbox`` or ``<api_url>/InvoicingApi``."""
        return self.config["api_url"].rstrip("/") + BASE_PATHS[self.config["environment"]]

    path = "/GetTransactions"

    @property
    def http_headers(self) -> dict[str, str]:
        """The subscription key, in its header only."""
        return {KEY_HEADER: self.config["subscription_key"]}

    @property
    def partitions(self) -> list[dict[str, str]]:
        """Every ``domains`` x ``countries`` combination (see ``settings.partition_contexts``)."""
        return partition_contexts(self.config)

    def get_replication_key_signpost(self, context: dict | None = None) -> None:
        """No signpost: the bookmark is set per window by ``get_records``, never from rows."""
        return

    def _increment_stream_state(self, latest_record: dict[str, Any], *, context: dict | None = None) -> None:
        """Leave the bookmark alone per record: ``get_records`` moves it after each whole window."""

    # -- planning ---------------------------------------------------------------
    def _bounds(self) -> tuple[dt.datetime, dt.datetime, dt.timedelta, dt.timedelta]:
        end_date = self.config.get("end_date")
        return (
            parse_instant(self.config["start_date"]),
            run_stop(self.now(), parse_instant(end_date) if end_date else None),
            dt.timedelta(days=self.config["window_days"]),
            dt.timedelta(days=self.config["lookback_days"]),
        )

    def _planned_windows(self) -> int:
        """Windows of every partition, as planned at the start of the run."""
        start_date, stop, size, lookback = self._bounds()
        return sum(
            len(
                plan_windows(
                    Bookmark.from_state(self.get_context_state(c)).range_start(start_date, lookback),
                    stop,
                    size,
                )
            )
            for c in self.partitions
        )

    # -- reading ----------------------------------------------------------------
    def get_records(self, context: dict | None) -> Iterable[dict[str, Any]]:
        """Read one partition window by window, saving its state after every window.

        The pass starts at the mark minus ``lookback_days`` (or resumes an interrupted
        pass where it stopped) and ends now or at ``end_date``. A window that fails
        with 500/504 is replaced by its halves. Rows pass ``PassFilter`` (mark,
        shared boundaries, several types/statuses); at the end the mark moves on
        (``Bookmark.finish``).
        """
        context = context or {}
        if self.progress is None:
            self.progress = Progress(
                self._planned_windows(), self.config["requests_per_minute"], started=time.monotonic()
            )
        state = self.get_context_state(context)
        start_date, stop, size, lookback = self._bounds()
        bookmark = Bookmark.from_state(state)
        start = bookmark.range_start(start_date, lookback)
        if bookmark.in_progress:
            self.logger.info("Resuming the interrupted pass of %s at %s", _label(context), start.isoformat())
        bookmark = bookmark.begin(self.now(), start)
        self._save(state, bookmark)
        rows = PassFilter(
            bookmark.mark,
            types=client_filter(self.config.get("transaction_types")),
            statuses=client_filter(self.config.get("transaction_statuses")),
        )
        windows = deque(plan_windows(start, stop, size))
        fetch = self.request_decorator(self._fetch)
        while windows:
            window = windows.popleft()
            try:
                answer = fetch(window, context)
            except ServerFailureError as exc:
                if not window.can_split():
                    raise FatalAPIError(
                        f"Window {window} of {_label(context)} still fails after splitting down to "
                        f"{MIN_WINDOW}: the API cannot answer it now; run again later (the state "
                        f"resumes at this window). Last answer: {exc}"
                    ) from exc
                windows.extendleft(reversed(window.halves()))
                self.progress.window_split()
                self.logger.info(
                    "Window %s of %s failed on the server: reading it in halves", window, _label(context)
                )
                continue
            newest: dt.datetime | None = None
            emitted = 0
            for row in answer:
                record = normalize(row, context.get("domain") or None, context.get("country"))
                if record["modifiedDate"] is not None:
                    modified = parse_instant(record["modifiedDate"])
                    newest = modified if newest is None or modified > newest else newest
                if rows.keep(record):
                    emitted += 1
                    yield record
            bookmark = bookmark.after_window(window, newest)
            self._save(state, bookmark)
            self.progress.window_done(emitted)
            self.logger.debug(
                "%s window %s: %d rows, %d emitted", _label(context), window, len(answer), emitted
            )
            if self.progress.due(time.monotonic()):
                self.logger.info("Progress: %s", self.progress.summary())
        self._save(state, bookmark.finish(stop))
        self.logger.info("%s read up to %s. %s", _label(context), stop.isoformat(), self.progress.summary())

    def _save(self, state: dict, bookmark: Bookmark) -> None:
        """Write ``bookmark`` into the partition's state and emit a STATE message."""
        for key, value in bookmark.state_values().items():
            if value is None:
                state.pop(key, None)
            else:
                state[key] = value
        if "replication_key_value" in state:
            state["replication_key"] = self.replication_key
        self.state_manager.is_flushed = False
        self._write_state_message()

    def _params(self, window: Window, context: dict) -> dict[str, str]:
        params = {"domain": context.get("domain", ""), "country": context.get("country", "")}
        params["transactionType"] = server_filter(self.config.get("transaction_types")) or ""
        params["transactionStatus"] = server_filter(self.config.get("transaction_statuses")) or ""
        return {**{k: v for k, v in params.items() if v}, **window.params()}

    def _fetch(self, window: Window, context: dict) -> list[dict[str, Any]]:
        request = self.requests_session.prepare_request(
            requests.Request(
                "GET", self.get_url(context), params=self._params(window, context), headers=self.http_headers
            )
        )
        size = request_bytes(request)
        if size > MAX_REQUEST_BYTES:
            raise FatalAPIError(
                oversize_message(size, f"{_label(context)} {window}", self._size_parts(context))
            )
        self.limiter.acquire()
        response = self._send(request, context)
        try:
            return _decode(response.content).transactions
        except msgspec.DecodeError as exc:
            if not looks_like_json(response.content):
                raise FatalAPIError(
                    f"{response.status_code} {response.reason} from {place(response.url)}: "
                    f"{self._body(response)}. This is not the Ve Invoicing API: check api_url "
                    "(https://api.veinteractive.com) and environment."
                ) from None
            # A body cut short in transit decodes badly: ask again.
            message = f"Unreadable response body from {place(response.url)}: {exc}"
            raise RetriableAPIError(message, response) from exc

    def _write_request_duration_log(
        self, endpoint: str, response: requests.Response, context: dict | None, extra_tags: dict | None
    ) -> None:
        """A METRIC line per request only at DEBUG: at INFO the progress summary stands for them."""
        if self.logger.isEnabledFor(logging.DEBUG):
            super()._write_request_duration_log(endpoint, response, context, extra_tags)

    def _send(self, request: requests.PreparedRequest, context: dict | None) -> requests.Response:
        """``_request``; a network error becomes ``connection_error``'s, without the URL or its chain."""
        try:
            return self._request(request, context)
        except requests.RequestException as exc:
            error = connection_error(exc, self.config["api_url"])
        raise error

    def _size_parts(self, context: dict) -> dict[str, int]:
        """Bytes each setting adds to a request (for the size-limit message)."""
        url = urlsplit(self.config["api_url"])
        parts = {
            "api_url": len(url.netloc) + len(url.path.rstrip("/")),
            "subscription_key": len(self.config["subscription_key"]),
        }
        if context.get("domain"):
            parts[f"domains entry {context['domain']!r}"] = len(quote_plus(context["domain"]))
        for setting in ("transaction_types", "transaction_statuses"):
            value = server_filter(self.config.get(setting))
            if value:
                parts[f"{setting} value {value!r}"] = len(quote_plus(value))
        return parts

    # -- errors and retries -----------------------------------------------------
    def validate_response(self, response: requests.Response) -> None:
        """Retry 429 and network failures, split on 500/504, stop on 4xx with what to check."""
        status = response.status_code
        if status in SPLIT_STATUSES:
            raise ServerFailureError(self.response_error_message(response), response)
        if status == HTTPStatus.TOO_MANY_REQUESTS or status >= HTTPStatus.INTERNAL_SERVER_ERROR:
            raise RetriableAPIError(self.response_error_message(response), response)
        if status >= HTTPStatus.BAD_REQUEST:
            raise FatalAPIError(self.fatal_message(response))

    def fatal_message(self, response: requests.Response) -> str:
        """A 4xx explained in terms of the settings that cause it."""
        status = response.status_code
        body = self._body(response)
        if status == HTTPStatus.UNAUTHORIZED and "subscription key" in body:
            hint = (
                "The gateway rejected the key: check subscription_key, and environment "
                f"({self.config['environment']!r}): a sandbox key is refused on production and the reverse."
            )
        elif status == HTTPStatus.UNAUTHORIZED:
            hint = (
                "The key may not read this merchant or country: check domains and countries "
                "(an empty domain is your own account)."
            )
        elif status == HTTPStatus.FORBIDDEN:
            hint = (
                "The subscription's call quota is used up: run again once it is replenished, "
                "or ask Ve for a higher tier for this subscription_key."
            )
        elif status == HTTPStatus.NOT_FOUND:
            hint = "No such operation: check api_url and environment."
        elif status == HTTPStatus.BAD_REQUEST:
            hint = "The API refused a parameter: check start_date, end_date, domains and countries."
        else:
            hint = "Check the tap's settings."
        return f"{status} {response.reason} from {place(response.url)}. {hint} Response: {body}"

    def response_error_message(self, response: requests.Response) -> str:
        """Status, host, path and the start of the body (never the URL's query or the headers)."""
        return (
            f"{response.status_code} {response.reason} from {place(response.url)}: {self._body(response)}. "
            "Run again later; if this persists, check api_url and environment."
        )

    def _body(self, response: requests.Response) -> str:
        return describe_body(response.content, self.config["subscription_key"])

    def request_decorator(self, func: Callable[..., Any]) -> Callable[..., Any]:
        """Retry ``RetriableAPIError`` (``_send`` makes one of a network error) as ``backoff_*`` say.

        Unlike the SDK's, ``backoff``'s own log lines (the request's URL, and an extra
        ERROR line for the last failure) are left out: ``backoff_handler`` logs each retry.
        """
        return backoff.on_exception(
            self.backoff_wait_generator,
            RetriableAPIError,
            max_tries=self.backoff_max_tries,
            on_backoff=self.backoff_handler,
            on_giveup=self.giveup_handler,
            jitter=self.backoff_jitter,
            logger=None,
        )(func)

    def log(self, message: str, *args: Any, level: int = logging.INFO, **kwargs: Any) -> None:
        """The SDK's stream log; its "unhandled error" line at debug level (the tap logs the error)."""
        if message.startswith("An unhandled error occurred"):
            level = logging.DEBUG
        super().log(message, *args, level=level, **kwargs)

    def giveup_handler(self, details: dict[str, Any]) -> None:
        """After the last try, the error says how many were made."""
        exc = details.get("exception")
        if details["tries"] > 1 and exc is not None and exc.args and isinstance(exc.args[0], str):
            exc.args = (f"After {details['tries']} tries: {exc.args[0]}", *exc.args[1:])

    def backoff_handler(self, details: dict[str, Any]) -> None:
        """One WARNING line per retry: which try failed, why, and the wait."""
        self.logger.warning(
            "Try %d of %d failed, trying again in %.1f s: %s",
            details["tries"],
            self.max_tries,
            details["wait"],
            details.get("exception"),
        )

    def backoff_wait_generator(self) -> Generator[float, Any, None]:
        """Honour Retry-After (or the 429 body's wait); otherwise 1, 2, 4 ... 60 seconds."""
        exception = yield 0.0
        for attempt in itertools.count():
            response = getattr(exception, "response", None)
            retry_after = response.headers.get("Retry-After") if response is not None else None
            body = response.text if response is not None else ""
            exception = yield retry_delay(retry_after, body, attempt)

    def backoff_max_tries(self) -> int:
        """Attempts per request before the run fails (``retry.max_tries``)."""
        return self.max_tries


def _label(context: dict) -> str:
    """``fashion.example/GB``, ``own account``: a partition for logs and messages."""
    domain = context.get("domain") or "own account"
    return f"{domain}/{context['country']}" if context.get("country") else domain
