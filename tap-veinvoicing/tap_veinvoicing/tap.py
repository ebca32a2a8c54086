"""The tap-veinvoicing plugin: settings and streams."""

from __future__ import annotations

from singer_sdk import Stream, Tap
from singer_sdk import typing as th

ENVIRONMENTS = ["sandbox", "production"]


class TapVeInvoicing(Tap):
    """Extracts Ve Invoicing transactions incrementally by modifiedDate."""

    name = "tap-veinvoicing"

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
            description="Earliest transaction date to read when a partition has no state.",
        ),
        th.Property(
            "end_date",
            th.DateTimeType,
            title="End date",
            description="Stop at this date instead of now.",
        ),
        th.Property(
            "domains",
            th.ArrayType(th.StringType),
            title="Merchant domains",
            description="Agencies: the merchant domains to read. Empty: your own account.",
        ),
        th.Property(
            "countries",
            th.ArrayType(th.StringType),
            title="Countries",
            description="Country codes to read for each domain; each domain x country has its own bookmark.",
        ),
        th.Property(
            "transaction_types",
            th.ArrayType(th.StringType),
            title="Transaction types",
            description="Only these transactionType values. Default: all.",
        ),
        th.Property(
            "transaction_statuses",
            th.ArrayType(th.StringType),
            title="Transaction statuses",
            description="Only these transactionStatus values. Default: all.",
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
            th.IntegerType(minimum=1),
            default=7,
            title="Window days",
            description="Days per dateFrom/dateTo request window.",
        ),
        th.Property(
            "lookback_days",
            th.IntegerType(minimum=0),
            default=30,
            title="Lookback days",
            description="Re-read this many days before the bookmark so status changes of older "
            "transactions are caught.",
        ),
    ).to_dict()

    def discover_streams(self) -> list[Stream]:
        """The tap's streams (the transactions stream arrives with its implementation)."""
        return []
