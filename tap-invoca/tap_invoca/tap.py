"""The tap-invoca plugin: settings and streams."""

from __future__ import annotations

import sys
from typing import Any

from singer_sdk import Stream, Tap
from singer_sdk import typing as th
from singer_sdk.exceptions import ConfigValidationError

from tap_invoca.collector import fewer_collections
from tap_invoca.errors import mask, report
from tap_invoca.output import BufferedWriter
from tap_invoca.settings import config_errors
from tap_invoca.streams import TransactionsStream

ACCOUNT_TYPES = ["network", "advertiser", "affiliate"]
TRANSACTION_TYPES = ["Call", "PostCallEvent", "Sale", "Signal"]
MAX_PAGE_SIZE = 4000


class TapInvoca(Tap):
    """Extracts Invoca transactions and their corrections incrementally."""

    name = "tap-invoca"
    message_writer_class = BufferedWriter
    message_writer: BufferedWriter

    config_jsonschema = th.PropertiesList(
        th.Property(
            "auth_token",
            th.StringType(min_length=1),
            required=True,
            secret=True,
            title="API token",
            description="Invoca API token (Integrations > Manage Integrations > Invoca APIs). "
            "Sent only in the Authorization header.",
        ),
        th.Property(
            "account_type",
            th.StringType,
            default="network",
            allowed_values=ACCOUNT_TYPES,
            title="Account type",
            description="Whose transactions to read: network, advertiser or affiliate.",
        ),
        th.Property(
            "account_id",
            th.StringType(min_length=1),
            required=True,
            title="Account ID",
            description="The network, advertiser or affiliate id in the API path.",
        ),
        th.Property(
            "api_url",
            th.URIType,
            default="https://invoca.net",
            title="API URL",
            description="Base URL: https://invoca.net or your network's https://<network>.invoca.net.",
        ),
        th.Property(
            "api_version",
            th.StringType,
            default="2020-10-01",
            title="API version",
            description="Transactions API version in the path (YYYY-MM-DD).",
        ),
        th.Property(
            "page_size",
            th.IntegerType(minimum=1, maximum=MAX_PAGE_SIZE),
            default=MAX_PAGE_SIZE,
            title="Page size",
            description="Rows per request (the API's limit parameter), at most 4000.",
        ),
        th.Property(
            "start_after_transaction_id",
            th.StringType,
            title="Start after transaction ID",
            description="First cursor when there is no state: skip every transaction up to and "
            "including this one.",
        ),
        th.Property(
            "from_date",
            th.DateType,
            title="Backfill from date",
            description="Start of a date-window backfill (YYYY-MM-DD, inclusive, account time zone). "
            "Requires to_date; does not move the incremental cursor.",
        ),
        th.Property(
            "to_date",
            th.DateType,
            title="Backfill to date",
            description="End of the date-window backfill (YYYY-MM-DD, inclusive). Requires from_date.",
        ),
        th.Property(
            "transaction_types",
            th.ArrayType(th.StringType(allowed_values=TRANSACTION_TYPES)),
            title="Transaction types",
            description="Only these types: Call, PostCallEvent, Sale, Signal. Default: all.",
        ),
        th.Property(
            "include_columns",
            th.ArrayType(th.StringType),
            default=["$invoca_default_columns", "custom_data"],
            title="Include columns",
            description="Columns to request; may use $invoca_default_columns, $invoca_custom_columns "
            "and custom_data (nested marketing data).",
        ),
        th.Property(
            "exclude_columns",
            th.ArrayType(th.StringType),
            title="Exclude columns",
            description="Columns to leave out of the response.",
        ),
    ).to_dict()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        try:
            super().__init__(*args, **kwargs)
        except ConfigValidationError as exc:  # a JSON Schema error quotes the value, a secret's too
            errors = [mask(error, self.config.get("auth_token")) for error in exc.errors]
            raise ConfigValidationError(str(exc), errors=errors) from None
        errors = config_errors(self.config)
        if errors:
            raise ConfigValidationError("Config validation failed", errors=errors)

    @classmethod
    def invoke(cls, **kwargs: Any) -> None:  # type: ignore[override]
        """Run the tap; an error ends it with one line (its traceback at log level debug)."""
        try:
            super().invoke(**kwargs)
        except Exception as exc:
            report(cls.logger, exc)
            sys.exit(1)

    def sync_all(self) -> None:
        """Sync the selected streams (collecting garbage less often); then write what the output buffers."""
        try:
            with fewer_collections():
                super().sync_all()
        finally:
            self.message_writer.end()

    def run_connection_test(self) -> bool:
        """The SDK's ``--test`` run (a record per stream); then write what the output still buffers."""
        try:
            return super().run_connection_test()
        finally:
            self.message_writer.end()

    def discover_streams(self) -> list[Stream]:
        """The ``transactions`` stream."""
        return [TransactionsStream(self)]
