"""The ``transactions`` stream: paging, per-page checkpoints, retries and errors."""

from __future__ import annotations

import itertools
import logging
import os
import time
from collections.abc import Callable, Generator, Iterable
from http import HTTPStatus
from typing import Any

import backoff
import msgspec
import requests
import singer_sdk.singerlib as singer
from singer_sdk import RESTStream
from singer_sdk.exceptions import FatalAPIError, RetriableAPIError
from singer_sdk.helpers._typing import conform_record_data_types
from singer_sdk.helpers._util import utc_now
from singer_sdk.helpers.conform import TypeConformanceLevel
from urllib3.exceptions import HTTPError as TransportError

from tap_invoca.errors import connection_error, describe_body, looks_like_json, place
from tap_invoca.pace import Pace
from tap_invoca.paging import PageRequest, Window, is_last_page
from tap_invoca.records import decode_page, normalize
from tap_invoca.retry import max_tries, retry_delay
from tap_invoca.schema import TRANSACTIONS_SCHEMA

SCOPES = {"network": "networks", "advertiser": "advertisers", "affiliate": "affiliates"}


class TransactionsStream(RESTStream):
    """Every transaction row, corrections included, in the API's own order."""

    name = "transactions"
    primary_keys = ("transaction_id",)
    replication_key = "transaction_id"
    is_sorted = True  # the API's order; the id itself is opaque and never compared
    check_sorted = False
    schema = TRANSACTIONS_SCHEMA
    TYPE_CONFORMANCE_LEVEL = TypeConformanceLevel.NONE  # ``normalize`` types every row
    timeout = 180  # the API's gateway gives up at 120 s (api-notes §10)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # One checkpoint per full page: the SDK writes STATE after every N-th record.
        self.STATE_MSG_FREQUENCY = self.config["page_size"]
        # ``_fetch`` reads each body itself, in one read.
        self.requests_session.stream = True
        self._checked_mask: singer.SelectionMask | None = None
        self._all_selected = False
        self._extracted_at = utc_now()
        self.max_tries = max_tries(os.environ)

    @property
    def url_base(self) -> str:
        """``<api_url>/api/<api_version>``."""
        return f"{self.config['api_url'].rstrip('/')}/api/{self.config['api_version']}"

    @property
    def path(self) -> str:
        """``/<scope>/transactions/<account_id>.json``."""
        return f"/{SCOPES[self.config['account_type']]}/transactions/{self.config['account_id']}.json"

    @property
    def http_headers(self) -> dict[str, str]:
        """The token goes in the Authorization header only, raw (no Bearer prefix)."""
        return {
            **super().http_headers,
            "Authorization": self.config["auth_token"],
            "Accept": "application/json",
        }

    @property
    def partitions(self) -> list[dict[str, str]] | None:
        """A backfill window is a partition: its cursor never touches the incremental bookmark."""
        if self.config.get("from_date"):
            return [{"from_date": str(self.config["from_date"]), "to_date": str(self.config["to_date"])}]
        return None

    def first_request(self, context: dict | None) -> PageRequest:
        """Where this sync starts: the saved cursor, else the configured one, else the oldest row."""
        window = Window.from_context(context)
        cursor = self.get_starting_replication_key_value(context)
        if cursor is None and window is None:
            cursor = self.config.get("start_after_transaction_id")
        return PageRequest(
            limit=self.config["page_size"],
            cursor=cursor,
            window=window,
            transaction_types=tuple(self.config.get("transaction_types") or ()),
            include_columns=tuple(self.config.get("include_columns") or ()),
            exclude_columns=tuple(self.config.get("exclude_columns") or ()),
        )

    def get_records(self, context: dict | None) -> Iterable[dict[str, Any]]:
        """Page through the API; each yielded page is fully emitted before the next request."""
        page = self.first_request(context)
        fetch = self.request_decorator(self._fetch)
        pace = Pace(time.monotonic())
        while True:
            rows = fetch(page, context)
            self._extracted_at = utc_now()
            last = None
            for row in rows:
                yield (last := normalize(row))
            pace.rows += len(rows)
            if last is None or is_last_page(len(rows), page.limit):
                self.logger.info("Read every page: %s", pace.summary(time.monotonic()))
                return
            if pace.due(time.monotonic()):
                self.logger.info("Progress: %s", pace.summary(time.monotonic()))
            page = page.after(last["transaction_id"])
            del rows  # free this page before the next one is downloaded and decoded

    def _fetch(self, page: PageRequest, context: dict | None) -> list[Any]:
        request = self.requests_session.prepare_request(
            requests.Request("GET", self.get_url(context), params=page.params(), headers=self.http_headers)
        )
        with self._send(request, context) as response:  # closing returns the connection to the pool
            try:
                # One read (and one buffer): requests' ``.content`` joins 10 KiB chunks.
                body = response.raw.read(decode_content=True)
            except TransportError as exc:
                # urllib3's errors while reading the body (connection reset, read timeout,
                # body shorter than its Content-Length, bad gzip): ask again.
                message = f"Response body from {place(response.url)} cut short: {exc}"
                raise RetriableAPIError(message, response) from exc
        try:
            return decode_page(body)
        except msgspec.DecodeError as exc:
            if not looks_like_json(body):
                raise FatalAPIError(
                    f"{response.status_code} {response.reason} from {place(response.url)}: "
                    f"{describe_body(body, self.config['auth_token'])}. This is not the Invoca API: check "
                    "api_url (https://invoca.net or your network's https://<network>.invoca.net)."
                ) from None
            # A body cut short in transit decodes badly: ask again.
            message = f"Unreadable response body from {place(response.url)}: {exc}"
            raise RetriableAPIError(message, response) from exc

    def _write_request_duration_log(
        self, endpoint: str, response: requests.Response, context: dict | None, extra_tags: dict | None
    ) -> None:
        """A METRIC line per page only at DEBUG: at INFO the progress line stands for them."""
        if self.logger.isEnabledFor(logging.DEBUG):
            super()._write_request_duration_log(endpoint, response, context, extra_tags)

    def _send(self, request: requests.PreparedRequest, context: dict | None) -> requests.Response:
        """``_request``; a network error becomes ``connection_error``'s, without the URL or its chain."""
        try:
            return self._request(request, context)
        except requests.RequestException as exc:
            error = connection_error(exc, self.config["api_url"])
        raise error

    def _generate_record_messages(
        self, record: dict[str, Any]
    ) -> Generator[singer.RecordMessage, None, None]:
        """The SDK's RECORD messages, without its selection pass when nothing is deselected.

        ``Stream._generate_record_messages`` (singer-sdk ~=0.54.9, guarded by tests) runs
        ``pop_deselected_record_properties`` on every record: a copy of the record and a
        mask lookup per column, a third of the run time. When no breadcrumb of the mask
        is deselected that pass removes nothing (a missing breadcrumb takes its parent's
        value, up to the selected root), so it is skipped; otherwise the SDK method runs.
        ``time_extracted`` is when the record's page arrived: one clock read a page.
        """
        if not self._nothing_deselected():
            yield from super()._generate_record_messages(record)
            return
        record = conform_record_data_types(
            stream_name=self.name,
            record=record,
            schema=self.effective_schema,
            level=self.TYPE_CONFORMANCE_LEVEL,
            logger=self.logger,
        )
        for stream_map in self.stream_maps:
            mapped_record = stream_map.transform(record)
            if mapped_record is not None:  # a stream map may filter the record out
                yield singer.RecordMessage(
                    stream=stream_map.stream_alias,
                    record=mapped_record,
                    version=self._stream_version,
                    time_extracted=self._extracted_at,
                )

    def generate_child_contexts(self, record: dict[str, Any], context: dict | None) -> Iterable[dict | None]:
        """The SDK's child contexts, or none when the stream has no child streams.

        The SDK's default yields the record itself, which ``Stream._process_record`` then
        copies for child streams that do not exist: a copy of 180 columns a record, about 5%
        of a sync.
        """
        if self.child_streams:
            yield from super().generate_child_contexts(record, context)

    def _nothing_deselected(self) -> bool:
        """Whether every breadcrumb of the selection mask is selected (checked once per mask)."""
        mask = self.mask
        if mask is not self._checked_mask:
            self._checked_mask = mask
            self._all_selected = all(mask.values())
        return self._all_selected

    def validate_response(self, response: requests.Response) -> None:
        """Retry 429, 5xx and timeouts; stop on 4xx with what to check."""
        status = response.status_code
        if status == HTTPStatus.TOO_MANY_REQUESTS or status >= HTTPStatus.INTERNAL_SERVER_ERROR:
            raise RetriableAPIError(self.response_error_message(response), response)
        if status >= HTTPStatus.BAD_REQUEST:
            raise FatalAPIError(self.fatal_message(response))

    def fatal_message(self, response: requests.Response) -> str:
        """A 4xx explained in terms of the settings that cause it."""
        account = f"{self.config['account_type']} {self.config['account_id']}"
        hint = {
            HTTPStatus.UNAUTHORIZED: "Invoca rejected the token: check the auth_token setting "
            "(a current API token of a user of this account, without a 'Bearer' prefix).",
            HTTPStatus.FORBIDDEN: f"The token may not read {account}, or a parameter was refused: "
            "check account_type, account_id and the auth_token setting (the token's user), and "
            "transaction_types/include_columns/from_date/to_date.",
            HTTPStatus.NOT_FOUND: f"Invoca found no {account} (or the cursor): check api_url, "
            "account_type and account_id, and start_after_transaction_id or the saved state.",
            HTTPStatus.BAD_REQUEST: f"Invoca refused the request: check api_version "
            f"({self.config['api_version']!r}) and api_url.",
        }.get(HTTPStatus(response.status_code), "Check the tap's settings.")
        status = f"{response.status_code} {response.reason} from {place(response.url)}"
        return f"{status}. {hint} Response: {self._body(response)}"

    def response_error_message(self, response: requests.Response) -> str:
        """Status, host, path and the start of the body (never the headers nor the query)."""
        return (
            f"{response.status_code} {response.reason} from {place(response.url)}: {self._body(response)}. "
            "Run again later; if this persists, check api_url and Invoca's status."
        )

    def _body(self, response: requests.Response) -> str:
        return describe_body(response.content, self.config["auth_token"])

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
        """Honour Retry-After on 429/503; otherwise 1, 2, 4 ... 60 seconds."""
        exception = yield 0.0
        for attempt in itertools.count():
            response = getattr(exception, "response", None)
            retry_after = response.headers.get("Retry-After") if response is not None else None
            exception = yield retry_delay(retry_after, attempt)

    def backoff_max_tries(self) -> int:
        """Attempts per page before the run fails (``retry.max_tries``)."""
        return self.max_tries
