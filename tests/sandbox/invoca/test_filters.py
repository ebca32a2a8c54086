"""transaction_id, call_record_id and transaction_type filters (api-notes §3, §7, §10)."""

from __future__ import annotations

from collections import Counter

import pytest


def test_transaction_id_returns_that_row_only(api):
    row = api.emulator.data.rows[17]
    page = api.rows({"transaction_id": row.tid})
    assert [r["transaction_id"] for r in page] == [row.tid]


def test_unknown_transaction_id_is_an_empty_page_not_404(api):
    assert api.rows({"transaction_id": "FE7F3A51-11111111"}) == []


def test_call_record_id_returns_every_transaction_of_the_call(api):
    calls = Counter(r.call.ccid for r in api.emulator.data.rows)
    ccid, count = calls.most_common(1)[0]
    assert count >= 2
    page = api.rows({"call_record_id": ccid, "include_columns": "transaction_id,complete_call_id"})
    assert len(page) == count
    assert {r["complete_call_id"] for r in page} == {ccid}
    assert [r["transaction_id"] for r in page] == [r.tid for r in api.emulator.data.by_call[ccid]]


def test_transaction_id_and_call_record_id_must_both_match(api):
    row = api.emulator.data.rows[3]
    other = next(r for r in api.emulator.data.rows if r.call.ccid != row.call.ccid)
    assert len(api.rows({"transaction_id": row.tid, "call_record_id": row.call.ccid})) == 1
    assert api.rows({"transaction_id": row.tid, "call_record_id": other.call.ccid}) == []


def test_lookups_combine_with_the_cursor_and_types(api):
    ccid = Counter(r.call.ccid for r in api.emulator.data.rows).most_common(1)[0][0]
    rows = api.emulator.data.by_call[ccid]
    after_first = api.rows({"call_record_id": ccid, "start_after_transaction_id": rows[0].tid})
    assert [r["transaction_id"] for r in after_first] == [r.tid for r in rows[1:]]
    calls_only = api.rows({"call_record_id": ccid, "transaction_type": "Call"})
    assert {r["transaction_type"] for r in calls_only} <= {"Call"}


def test_lookup_filters_are_ignored_before_2019_02_01(api):
    row = api.emulator.data.rows[5]
    assert len(api.rows({"transaction_id": row.tid, "limit": 10}, version="2017-04-01")) == 10


def test_another_accounts_transaction_is_not_found(api):
    advertiser = api.emulator.data.advertisers[0]
    foreign = next(r for r in api.emulator.data.rows if r.campaign.advertiser is not advertiser)
    token = api.emulator.token_for("advertiser", advertiser.id)
    assert (
        api.rows({"transaction_id": foreign.tid}, scope="advertisers", account=advertiser.id, token=token)
        == []
    )


@pytest.mark.parametrize(
    ("value", "kind"),
    [("Call", "Call"), ("PostCallEvent", "Post Call Event"), ("Sale", "Reported Conversion")],
)
def test_transaction_type_filters_one_type(api, value, kind):
    page = api.rows({"transaction_type": value, "limit": 4000, "include_columns": "transaction_type"})
    expected = sum(1 for r in api.emulator.data.rows if r.facts.kind == kind)
    assert expected > 0
    assert len(page) == expected
    assert {r["transaction_type"] for r in page} == {kind}


def test_sale_maps_to_reported_conversion_rows_with_sale_columns(api):
    sale = api.rows({"transaction_type": "Sale", "limit": 1})[0]
    assert sale["transaction_type"] == "Reported Conversion"
    assert sale["sale_amount"]
    assert sale["original_order_id"]


def test_signal_filter_is_valid_but_rollup_has_no_signal_rows(api):
    assert api.rows({"transaction_type": "Signal"}) == []


def test_filter_values_are_case_insensitive_as_the_faq_writes_them(api):
    assert api.rows({"transaction_type": "call", "limit": 5}) == api.rows(
        {"transaction_type": "Call", "limit": 5}
    )


def test_array_form_selects_several_types(api):
    params = [("transaction_type[]", "Call"), ("transaction_type[]", "Sale"), ("limit", 4000)]
    page = api.rows([*params, ("include_columns", "transaction_type")])
    assert {r["transaction_type"] for r in page} == {"Call", "Reported Conversion"}
    assert len(page) == sum(
        1 for r in api.emulator.data.rows if r.facts.kind in ("Call", "Reported Conversion")
    )


def test_type_filter_pages_with_the_cursor(api):
    walked = api.walk({"transaction_type": "PostCallEvent", "include_columns": "transaction_id"}, limit=7)
    assert [r["transaction_id"] for r in walked] == [
        r.tid for r in api.emulator.data.rows if r.facts.kind == "Post Call Event"
    ]


def test_an_empty_transaction_type_filters_nothing(api):
    assert api.rows({"transaction_type": "", "limit": 9}) == api.rows({"limit": 9})


@pytest.mark.parametrize("value", ["Reported Conversion", "Correction", "Post Call Event", "Calls"])
def test_invalid_transaction_type_is_a_field_error(api, value):
    response = api.get({"transaction_type": value})
    assert response.status_code == 403
    assert response.json() == {"errors": {"transaction_type": ["is invalid"]}}
