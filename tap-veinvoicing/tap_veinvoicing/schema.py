"""JSON Schema of the ``transactions`` stream.

The 16 documented ``GetTransactions`` fields plus the partition a row was read from (api-notes §4.1).

Types: ids are integers, money is a decimal number, dates are ISO 8601 date-times; strings
may be null (an empty string from the API becomes null).
"""

from __future__ import annotations

from singer_sdk import typing as th

FIELDS = (
    "transactionId",
    "transactionType",
    "transactionStatus",
    "creationDate",
    "modifiedDate",
    "subInvoiceId",
    "commission",
    "commissionType",
    "orderNumber",
    "total",
    "currency",
    "invoiceCurrency",
    "conversionValue",
    "email",
    "promoCodeName",
    "checkOutDate",
)
"""The 16 documented response fields, in the portal sample's order."""
INTEGER_FIELDS = ("transactionId", "subInvoiceId")
DECIMAL_FIELDS = ("commission", "total", "conversionValue")
DATETIME_FIELDS = ("creationDate", "modifiedDate", "checkOutDate")
STRING_FIELDS = (
    "transactionType",
    "transactionStatus",
    "commissionType",
    "orderNumber",
    "currency",
    "invoiceCurrency",
    "email",
    "promoCodeName",
)

TRANSACTIONS_SCHEMA = th.PropertiesList(
    th.Property("transactionId", th.IntegerType, required=True, description="Ve's internal id (primary key)"),
    th.Property("transactionType", th.StringType, description="Type of transaction, e.g. Click / Email"),
    th.Property("transactionStatus", th.StringType, description="Status, e.g. Pending, Approved"),
    th.Property("creationDate", th.DateTimeType, description="When the transaction was created"),
    th.Property("modifiedDate", th.DateTimeType, description="Last change (replication key)"),
    th.Property("subInvoiceId", th.IntegerType, description="Sub-invoice id (0 before invoicing)"),
    th.Property("commission", th.NumberType, description="Commission, a decimal amount"),
    th.Property("commissionType", th.StringType, description="How the commission is computed"),
    th.Property("orderNumber", th.StringType, description="The merchant's order number"),
    th.Property("total", th.NumberType, description="Basket total, a decimal amount in currency"),
    th.Property("currency", th.StringType, description="Currency of total"),
    th.Property("invoiceCurrency", th.StringType, description="Currency Ve invoices in"),
    th.Property("conversionValue", th.NumberType, description="Conversion value, a decimal amount"),
    th.Property("email", th.StringType, description="End customer's e-mail (personal data)"),
    th.Property("promoCodeName", th.StringType, description="Promo code, for promo-code types"),
    th.Property("checkOutDate", th.DateTimeType, description="Checkout time"),
    th.Property(
        "domain",
        th.StringType,
        description="Merchant domain of the partition read (null: the subscription's own account)",
    ),
    th.Property(
        "country",
        th.StringType,
        description="Country of the partition read (null: every country of the account)",
    ),
).to_dict()
