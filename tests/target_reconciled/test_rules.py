"""Rules resolution: defaults for the Invoca and Ve shapes, overrides, and errors."""

from __future__ import annotations

from typing import Any

import pytest

from target_reconciled.rules import RulesError, StreamRules, column_kind, resolve_rules

INVOCA = {
    "type": "object",
    "properties": {
        "transaction_id": {"type": ["string"]},
        "corrects_transaction_id": {"type": ["string", "null"]},
        "corrected_at": {"type": ["string", "null"], "format": "date-time"},
        "start_time_utc": {"type": ["integer", "null"]},
        "sale_amount": {"type": ["number", "null"]},
        "account_id": {"type": ["string", "null"]},
    },
}
VE = {
    "type": "object",
    "properties": {
        "transactionId": {"type": ["integer"]},
        "modifiedDate": {"anyOf": [{"type": "string", "format": "date-time"}, {"type": "null"}]},
        "status": {"type": ["string", "null"]},
        "domain": {"type": "string"},
    },
}


def rules(
    schema: dict[str, Any], keys: list[str], bookmarks: list[str] | None, **override: Any
) -> StreamRules:
    return resolve_rules("transactions", schema, keys, bookmarks, override or None)


def test_invoca_shape() -> None:
    got = rules(INVOCA, ["transaction_id"], ["transaction_id"])
    assert got == StreamRules(
        "transactions",
        ("transaction_id",),
        "corrects_transaction_id",
        "corrections",
        ("corrected_at",),
        ("date-time",),
    )
    assert "corrects corrects_transaction_id" in got.describe()


def test_invoca_without_corrected_at_orders_by_arrival_among_leaves() -> None:
    schema = {"properties": {k: v for k, v in INVOCA["properties"].items() if k != "corrected_at"}}
    got = rules(schema, ["transaction_id"], None)
    assert (got.mode, got.order_columns, got.kinds) == ("corrections", (), ())


def test_ve_shape() -> None:
    got = rules(VE, ["transactionId"], ["modifiedDate"])
    assert got == StreamRules(
        "transactions", ("transactionId",), None, "replication_key", ("modifiedDate",), ("date-time",)
    )
    assert got.describe() == (
        "stream transactions: key (transactionId); "
        "winner: latest modifiedDate (date-time), then latest arrival"
    )


def test_replication_key_that_is_not_a_date_time_means_arrival() -> None:
    got = rules(VE, ["transactionId"], ["transactionId"])
    assert (got.mode, got.order_columns) == ("arrival", ())
    assert rules(VE, ["transactionId"], None).mode == "arrival"
    assert rules(VE, ["transactionId"], ["missing"]).mode == "arrival"


def test_overrides() -> None:
    got = rules(VE, ["transactionId"], ["modifiedDate"], key=["domain", "transactionId"], version="status")
    assert (got.key, got.corrects, got.mode, got.order_columns, got.kinds) == (
        ("domain", "transactionId"),
        None,
        "version",
        ("status",),
        ("text",),
    )
    got = rules(INVOCA, ["transaction_id"], None, corrects="account_id", version="start_time_utc")
    assert (got.corrects, got.mode, got.kinds) == ("account_id", "version", ("number",))


@pytest.mark.parametrize("off", ["", None])
def test_corrects_can_be_turned_off(off: str | None) -> None:
    got = rules(INVOCA, ["transaction_id"], None, corrects=off)
    assert (got.corrects, got.mode) == (None, "arrival")


def test_composite_key_without_corrects() -> None:
    got = rules(INVOCA, ["transaction_id"], None, key=["account_id", "transaction_id"], corrects="")
    assert got.key == ("account_id", "transaction_id")


@pytest.mark.parametrize(
    ("schema", "key", "override", "message"),
    [
        (VE, [], {}, r"has no key.*streams\.transactions\.key"),
        (
            VE,
            ["nope"],
            {},
            r"key_properties of its SCHEMA .*streams\.transactions\.key\) names 'nope', not in",
        ),
        (VE, ["transactionId", "transactionId"], {}, r"key_properties of its SCHEMA .* repeats a column"),
        (VE, True, {}, r"key_properties of its SCHEMA .* must be a list of columns: True"),
        (VE, ["transactionId"], {"key": ["domain", "domain"]}, r"streams\.transactions\.key repeats"),
        (VE, ["transactionId"], {"key": "domain"}, r"streams\.transactions\.key must be a list"),
        (VE, ["transactionId"], {"corrects": "nope"}, r"streams\.transactions\.corrects names 'nope'"),
        (
            VE,
            ["transactionId"],
            {"corrects": "transactionId"},
            r"streams\.transactions\.corrects .* is the key",
        ),
        (VE, ["transactionId"], {"version": "nope"}, r"streams\.transactions\.version names 'nope'"),
        (VE, ["transactionId"], {"version": 3}, r"streams\.transactions\.version must be a column name"),
        (VE, ["transactionId"], {"verison": "status"}, r"unknown setting.*streams\.transactions\.verison"),
        (
            INVOCA,
            ["transaction_id"],
            {"key": ["account_id", "transaction_id"]},
            r"streams\.transactions\.corrects \(corrects_transaction_id\) needs a single-column key",
        ),
    ],
)
def test_errors(schema: dict[str, Any], key: list[str], override: dict[str, Any], message: str) -> None:
    with pytest.raises(RulesError, match=message) as raised:
        resolve_rules("transactions", schema, key, None, override)
    assert "'transactions'" in str(raised.value)


@pytest.mark.parametrize(
    ("schema", "kind"),
    [
        ({"type": "string", "format": "date-time"}, "date-time"),
        ({"anyOf": [{"type": "null"}, {"type": "string", "format": "date-time"}]}, "date-time"),
        ({"type": ["integer", "null"]}, "number"),
        ({"type": ["number", "integer"]}, "number"),
        ({"type": ["string", "number"]}, "text"),
        ({"type": "string", "format": "date"}, "text"),
        ({"type": "null"}, "text"),
        ({}, "text"),
    ],
)
def test_column_kind(schema: dict[str, Any], kind: str) -> None:
    assert column_kind(schema) == kind
