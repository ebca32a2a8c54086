"""Columns: catalogue, views, include/exclude, constants, custom data, CSV (api-notes §1, §3, §9)."""

from __future__ import annotations

import csv
import io

import pytest

from sandbox.invoca.columns import CATALOGUE, SERVED_COLUMNS, VIEWS
from sandbox.invoca.model import GROUPS

CUSTOM_DATA_TYPES = {"Signal", "Category", "Long Text", "Short Text"}
CUSTOM_SOURCES = {
    "UserOverride",
    "Api",
    "Import",
    "DynamicAttribution",
    "LookupTable",
    "Expression",
    "Ivr",
    "VirtualLine",
    "AffiliateCampaign",
    "AdvertiserCampaign",
    "Affiliate",
    "Advertiser",
    "Network",
    "AI",
    "Default",
    "Syndicated",
}


def custom_names(api) -> list[str]:
    return [f.name for f in api.emulator.data.network.custom_fields]


def test_catalogue_is_the_180_property_superset():
    assert len(CATALOGUE) == 180
    assert len(set(CATALOGUE)) == 180
    for view in VIEWS.values():
        assert set(view.default) <= view.columns <= set(CATALOGUE)


def test_every_served_column_is_stored_in_exactly_one_group():
    stored = [column for group in GROUPS for column in group]
    assert sorted(stored) == sorted(SERVED_COLUMNS)


def test_views_differ_as_documented():
    network, advertiser, affiliate = VIEWS["networks"], VIEWS["advertisers"], VIEWS["affiliates"]
    assert {"affiliate_campaign_id_from_network", "promo_line_description", "real_time_response"} <= (
        network.columns - set(network.default)
    )
    for missing in (
        "advertiser_id",
        "advertiser_id_from_network",
        "advertiser_name",
        "affiliate_payout_localized",
    ):
        assert missing not in advertiser.columns
    assert {"advertiser_promo_line_description", "call_result_description_detail_managed_advertiser"} <= set(
        advertiser.default
    )
    assert "margin_localized" in advertiser.columns - set(advertiser.default)
    for missing in ("advertiser_payin_localized", "advertiser_call_fee_localized", "sale_amount", "gclid"):
        assert missing not in affiliate.columns
    assert {"calling_phone_number", "recording", "signal_name", "external_data"} <= (
        affiliate.columns - set(affiliate.default)
    )
    assert "dynamic_number_pool_referrer_param1_name" in affiliate.default
    assert "first_name_data_append" not in affiliate.columns
    for removed in ("signal_value", "signal_source", "signal_description", "call_center_call_id"):
        assert all(removed not in view.columns for view in VIEWS.values())


def test_default_is_every_default_column_and_no_custom_data(api):
    row = api.rows({"limit": 1})[0]
    assert set(row) == set(VIEWS["networks"].default)
    assert api.rows({"limit": 1, "include_columns": "$invoca_default_columns"})[0] == row


def test_blank_column_lists_are_absent(api):
    assert api.rows({"limit": 1, "include_columns": "", "exclude_columns": " "}) == api.rows({"limit": 1})


def test_documented_custom_data_example_shape(api):
    """§9.6(a): include_columns=transaction_id,start_time_local,custom_data."""
    rows = api.walk({"include_columns": "transaction_id,start_time_local,custom_data"})
    assert all(list(row) == ["transaction_id", "start_time_local", "custom_data"] for row in rows)
    items = [item for row in rows for item in row["custom_data"]]
    assert items
    for item in items:
        assert list(item) == ["name", "data_type", "source", "value"]
        assert item["data_type"] in CUSTOM_DATA_TYPES
        assert item["source"] in CUSTOM_SOURCES
        assert item["value"] is not None
        assert isinstance(item["value"], bool) == (item["data_type"] == "Signal")
    names = {item["name"] for item in items}
    assert {"Purchase Made", "utm_medium", "30 Seconds Plus Calls"} <= names
    assert any(item["value"] is False for item in items), "false Signals are sent; only nulls are omitted"


def test_documented_example_custom_columns_without_defaults(api):
    """§3.2: include_columns=transaction_id,$invoca_custom_columns&exclude_columns=$invoca_default_columns."""
    params = (
        "limit=50&include_columns=transaction_id,$invoca_custom_columns"
        "&exclude_columns=$invoca_default_columns&from=2015-03-26&to=2015-03-27"
    )
    rows = api.rows(params)
    assert 0 < len(rows) <= 50
    assert all(list(row) == ["transaction_id", *custom_names(api)] for row in rows)
    whole = api.rows(
        {"from": "2015-03-26", "to": "2015-03-27", "limit": 50, "include_columns": "start_time_local"}
    )
    assert {r["start_time_local"][:10] for r in whole} <= {"2015-03-26", "2015-03-27"}


def test_documented_example_exclusions_with_a_cursor(make_api, api):
    """§3.2: limit=50&exclude_columns=calling_phone_number,recording&start_after_transaction_id=<docs' id>."""
    params = (
        "limit=50&exclude_columns=calling_phone_number,recording&start_after_transaction_id=C624DA2C-CF3367C3"
    )
    assert api.rows(params) == [], "the docs' id is unknown here: an empty page by default"
    oldest = make_api(unknown_cursor="oldest")
    rows = oldest.rows(params)
    assert len(rows) == 50
    assert all(
        set(row) == set(VIEWS["networks"].default) - {"calling_phone_number", "recording"} for row in rows
    )
    real = api.rows(params.replace("C624DA2C-CF3367C3", api.emulator.data.rows[9].tid))
    assert real[0]["transaction_id"] == api.emulator.data.rows[10].tid


def test_documented_example_post_call_events_in_a_date_range(api):
    """§3.2: transaction_type=PostCallEvent&from=2015-03-24&to=2015-03-27."""
    rows = api.rows("transaction_type=PostCallEvent&from=2015-03-24&to=2015-03-27")
    assert rows
    assert {r["transaction_type"] for r in rows} == {"Post Call Event"}
    assert {r["start_time_local"][:10] for r in rows} <= {
        "2015-03-24",
        "2015-03-25",
        "2015-03-26",
        "2015-03-27",
    }


def test_flat_custom_columns_match_custom_data(api):
    rows = api.walk({"include_columns": "transaction_id,custom_data,$invoca_custom_columns"})
    for row in rows:
        nested = {item["name"]: item["value"] for item in row["custom_data"]}
        for name in custom_names(api):
            value = nested.get(name)
            if isinstance(value, bool):
                assert row[name] == (1 if value else None), "flat Signals are 1 or null"
            else:
                assert row[name] == value


def test_explicit_custom_names_may_contain_spaces(api):
    rows = api.rows("limit=200&include_columns=transaction_id,utm_medium,gclid,Quote,Purchase%20Made")
    assert all(
        list(row) == ["transaction_id", "utm_medium", "gclid", "Quote", "Purchase Made"] for row in rows
    )
    assert {row["Quote"] for row in rows} == {1, None}


def test_custom_source_columns_follow_their_fields(api):
    rows = api.rows(
        {
            "limit": 100,
            "include_columns": "transaction_id,$invoca_custom_columns,$invoca_custom_source_columns",
        }
    )
    expected = ["transaction_id"] + [key for name in custom_names(api) for key in (name, name + ".source")]
    assert list(rows[0]) == expected
    for row in rows:
        for name in custom_names(api):
            if row[name] is not None:
                assert row[name + ".source"] in CUSTOM_SOURCES
    only_sources = api.rows({"limit": 1, "include_columns": "$invoca_custom_source_columns"})[0]
    assert list(only_sources) == [name + ".source" for name in custom_names(api)]


def test_optional_columns_only_when_named(api):
    row = api.rows(
        {"limit": 1, "include_columns": "transaction_id,promo_line_description,real_time_response"}
    )[0]
    assert list(row) == ["transaction_id", "promo_line_description", "real_time_response"]
    assert "promo_line_description" not in api.rows({"limit": 1})[0]


def test_unknown_and_unavailable_names_are_ignored(api):
    row = api.rows(
        {"limit": 1, "include_columns": "transaction_id,no_such_column,signal_value,call_center_call_id"}
    )[0]
    assert list(row) == ["transaction_id"]


def test_explicit_exclusion_beats_explicit_inclusion(api):
    row = api.rows({"limit": 1, "include_columns": "transaction_id,notes", "exclude_columns": "notes"})[0]
    assert list(row) == ["transaction_id"]


def test_exclude_alone_removes_from_the_default(api):
    row = api.rows({"limit": 1, "exclude_columns": "$invoca_default_columns"})[0]
    assert row == {}


def test_names_are_trimmed(api):
    row = api.rows({"limit": 1, "include_columns": "$invoca_custom_columns, $invoca_default_columns"})[0]
    assert set(row) == set(VIEWS["networks"].default) | set(custom_names(api))


def test_custom_data_needs_2019_02_01(api):
    row = api.rows({"limit": 1, "include_columns": "transaction_id,custom_data"}, version="2017-04-01")[0]
    assert list(row) == ["transaction_id"]


@pytest.mark.parametrize("kind", ["advertiser", "affiliate"])
def test_each_view_serves_its_default_columns(api, kind):
    entry = api.emulator.accounts()[kind + "s"][0]
    row = api.rows({"limit": 1}, scope=kind + "s", account=entry["id"], token=entry["token"])[0]
    assert set(row) == set(VIEWS[kind + "s"].default)


def test_advertiser_gets_its_own_custom_fields(api):
    advertiser = api.emulator.data.advertisers[1]
    token = api.emulator.token_for("advertiser", advertiser.id)
    row = api.rows(
        {"limit": 1, "include_columns": "$invoca_custom_columns"},
        scope="advertisers",
        account=advertiser.id,
        token=token,
    )[0]
    assert list(row) == [f.name for f in advertiser.custom_fields]
    assert len(row) < len(custom_names(api))


def test_affiliates_get_no_custom_data(api):
    entry = api.emulator.accounts()["affiliates"][0]
    params = {
        "limit": 1,
        "include_columns": "transaction_id,custom_data,$invoca_custom_columns,Quote,calling_phone_number",
    }
    row = api.rows(params, scope="affiliates", account=entry["id"], token=entry["token"])[0]
    assert list(row) == ["transaction_id", "calling_phone_number"]


def test_csv_with_header_quotes_and_custom_columns(api):
    params = {"limit": 400, "include_columns": "transaction_id,keypresses,duration,Purchase Made,custom_data"}
    response = api.get(params, fmt="csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(response.text)))
    assert table[0] == ["transaction_id", "keypresses", "duration", "Purchase Made"], (
        "custom_data is JSON/XML only"
    )
    json_rows = api.rows({**params, "include_columns": "transaction_id,keypresses,duration,Purchase Made"})
    assert len(table) == len(json_rows) + 1
    for line, row in zip(table[1:], json_rows, strict=True):
        assert line == ["" if v is None else str(v) for v in row.values()]
    assert any("," in line[1] for line in table[1:]), "multi-key keypresses are quoted"


def test_csv_separators_header_and_forced_quotes(api):
    params = {
        "limit": 3,
        "include_columns": "transaction_id,transaction_type",
        "column_separator": "|",
        "row_separator": "\r\n",
        "include_header": "0",
        "force_quotes": "1",
    }
    text = api.get(params, fmt="csv").text
    lines = text.split("\r\n")
    assert lines[-1] == ""
    assert len(lines) == 4
    ids = [r["transaction_id"] for r in api.rows({"limit": 3})]
    assert [line.split("|")[0] for line in lines[:3]] == [f'"{tid}"' for tid in ids]
    tab = api.get({**params, "column_separator": "\t", "force_quotes": "0"}, fmt="csv").text
    assert tab.split("\r\n")[0] == f"{ids[0]}\tCall" or "\t" in tab.split("\r\n")[0]
