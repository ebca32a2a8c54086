"""The tap-veinvoicing plugin: settings and streams."""

from __future__ import annotations

import sys
from typing import Any

from singer_sdk import Stream, Tap
from singer_sdk import typing as th
from singer_sdk.contrib.msgspec import MsgSpecWriter
from singer_sdk.exceptions import ConfigValidationError

from tap_veinvoicing.errors import mask, report
from tap_veinvoicing.settings import BASE_PATHS, MAX_LOOKBACK_DAYS, MAX_WINDOW_DAYS, config_errors
from tap_veinvoicing.streams import TransactionsStream

ENVIRONMENTS = list(BASE_PATHS)


class TapVeInvoicing(Tap):
    """Extracts Ve Invoicing transactions incrementally by modifiedDate."""

    name = "tap-veinvoicing"
    message_writer_class = MsgSpecWriter

    config_jsonschema = th.PropertiesList(
        th.Property(
            "subscription_key",
            th.StringType(min_length=1),
            required=True,
            secret=True,
            title="Subscription key",
            description="API Management subscription key (your developer portal profile). "
            "Sent only in the Ocp-Apim-Subscription-Key header.",
        ),
        th.Property(
            "api_url",
            th.URIType,
            default="https://api.veinteractive.com",
            title="API URL",
            description="Gateway host of the Ve APIs.",
        ),
        th.Property(
            "environment",
            th.StringType,
            default="sandbox",
            allowed_values=ENVIRONMENTS,
            title="Environment",
            description="sandbox (/InvoicingApiSandbox) or production (/InvoicingApi).",
        ),
        th.Property(
            "start_date",
            th.DateTimeType,
            required=True,
            title="Start date",
            description="Earliest date read when a partition has no state (ISO 8601; UTC if no zone).",
        ),
        th.Property(
            "end_date",
            th.DateTimeType,
            title="End date",
            description="Read windows up to this date instead of now (must be after start_date).",
        ),
        th.Property(
            "domains",
            th.ArrayType(th.StringType),
            title="Merchant domains",
            description="Agencies: the merchant domains to read (an empty entry is your own account). "
            "Default: your own account only.",
        ),
        th.Property(
            "countries",
            th.ArrayType(th.StringType),
            title="Countries",
            description="ISO alpha-2 country codes read for each domain; each domain x country has its "
            "own bookmark. Default: every country of the account in one partition.",
        ),
        th.Property(
            "transaction_types",
            th.ArrayType(th.StringType),
            title="Transaction types",
            description="Only these transactionType values. One value is sent to the API; several are "
            "filtered by the tap (the API takes one value per parameter). Default: all.",
        ),
        th.Property(
            "transaction_statuses",
            th.ArrayType(th.StringType),
            title="Transaction statuses",
            description="Only these transactionStatus values, sent or filtered as transaction_types. "
            "Default: all.",
        ),
        th.Property(
            "requests_per_minute",
            th.IntegerType(minimum=1),
            default=10,
            title="Requests per minute",
            description="Client-side limit in any 60-second window (sandbox tier: 10).",
        ),
        th.Property(
            "window_days",
            th.IntegerType(minimum=1, maximum=MAX_WINDOW_DAYS),
            default=7,
            title="Window days",
            description="Days per dateFrom/dateTo request; a window the API fails on is split in halves.",
        ),
        th.Property(
            "lookback_days",
            th.IntegerType(minimum=0, maximum=MAX_LOOKBACK_DAYS),
            default=30,
            title="Lookback days",
            description="Re-read this many days before the bookmark so status changes of older "
            "transactions are caught.",
        ),
    ).to_dict()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        try:
            super().__init__(*args, **kwargs)
        except ConfigValidationError as exc:  # a JSON Schema error quotes the value, a secret's too
            errors = [mask(error, self.config.get("subscription_key")) for error in exc.errors]
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

    def discover_streams(self) -> list[Stream]:
        """The ``transactions`` stream."""
        return [TransactionsStream(self)]
