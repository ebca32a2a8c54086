"""The benchmark's baseline: Invoca transactions through a stock-settings SDK ``RESTStream``.

What following the SDK docs and cookiecutter gives: ``records_jsonpath = "$[*]"``,
the default ``parse_response`` (``requests`` JSON), the default type conformance and
the default JSON message writer, with tap-invoca's schema, auth header and query.
The paginator takes the last row's id as the next cursor and stops on a short page;
it reads that id from the records the stream has just parsed, so each page is
parsed once. Values are passed through as the API sends them (no normalisation),
which is less work than tap-invoca does.

``python bench/baseline_invoca.py --config CONFIG`` (``api_url``, ``auth_token``,
``account_id``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import requests
from singer_sdk import RESTStream, Stream, Tap
from singer_sdk import typing as th
from singer_sdk.pagination import BaseAPIPaginator

from tap_invoca.schema import TRANSACTIONS_SCHEMA

PAGE_SIZE = 4000


class LastIdPaginator(BaseAPIPaginator[str | None]):
    """``start_after_transaction_id`` = the last row of the page; a short page is the last."""

    def __init__(self, stream: TransactionsStream) -> None:
        super().__init__(None)
        self.stream = stream

    def has_more(self, response: requests.Response) -> bool:
        return self.stream.page_rows == PAGE_SIZE

    def get_next(self, response: requests.Response) -> str | None:
        return self.stream.last_id


class TransactionsStream(RESTStream):
    """The network's transactions in server order."""

    name = "transactions"
    path = "/api/2020-10-01/networks/transactions/{account_id}.json"
    primary_keys = ("transaction_id",)
    replication_key = "transaction_id"
    is_sorted = True  # server order; the id itself is opaque
    check_sorted = False
    schema = TRANSACTIONS_SCHEMA
    records_jsonpath = "$[*]"
    page_rows = 0
    last_id: str | None = None

    @property
    def url_base(self) -> str:
        return self.config["api_url"]

    @property
    def http_headers(self) -> dict[str, str]:
        return {**super().http_headers, "Authorization": self.config["auth_token"]}

    def get_new_paginator(self) -> LastIdPaginator:
        return LastIdPaginator(self)

    def get_url_params(self, context: dict | None, next_page_token: str | None) -> dict[str, Any]:
        cursor = next_page_token or self.get_starting_replication_key_value(context)
        params: dict[str, Any] = {
            "limit": PAGE_SIZE,
            "include_columns": "$invoca_default_columns,custom_data",
        }
        if cursor:
            params["start_after_transaction_id"] = cursor
        return params

    def parse_response(self, response: requests.Response) -> Iterable[dict]:
        """The default parsing, noting the page's size and last id for the paginator."""
        self.page_rows = 0
        for row in super().parse_response(response):
            self.page_rows += 1
            self.last_id = row["transaction_id"]
            yield row


class BaselineInvoca(Tap):
    """A stock-settings Invoca transactions tap."""

    name = "baseline-invoca"
    config_jsonschema = th.PropertiesList(
        th.Property("api_url", th.StringType, required=True),
        th.Property("auth_token", th.StringType, required=True, secret=True),
        th.Property("account_id", th.StringType, required=True),
    ).to_dict()

    def discover_streams(self) -> list[Stream]:
        return [TransactionsStream(self)]


if __name__ == "__main__":
    BaselineInvoca.cli()
