"""limit, start_after_transaction_id and cursor-mode order (api-notes §3, §4.1)."""

from __future__ import annotations

import pytest


def test_limit_defaults_to_1000(big_api):
    assert len(big_api.rows({"include_columns": "transaction_id"})) == 1000


def test_limit_above_4000_is_clamped_by_default(big_api):
    assert len(big_api.emulator.data.rows) > 4000
    assert len(big_api.rows({"limit": 5000, "include_columns": "transaction_id"})) == 4000


def test_limit_above_4000_can_be_an_error(make_api):
    api = make_api(over_limit="error")
    response = api.get({"limit": 4001})
    assert response.status_code == 403
    assert response.json() == {"errors": {"limit": ["must be less than or equal to 4000"]}}
    assert api.get({"limit": 4000}).status_code == 200


@pytest.mark.parametrize(
    ("limit", "message"),
    [("abc", "is not a number"), ("0", "must be greater than 0"), ("-5", "must be greater than 0")],
)
def test_invalid_limit_is_a_field_error(api, limit, message):
    response = api.get({"limit": limit})
    assert response.status_code == 403
    assert response.json() == {"errors": {"limit": [message]}}


def test_cursor_walks_the_whole_sequence_once_and_ends_with_an_empty_page(big_api):
    rows = big_api.walk({"include_columns": "transaction_id"}, limit=1500)
    ids = [row["transaction_id"] for row in rows]
    assert ids == [row.tid for row in big_api.emulator.data.rows]
    assert len(set(ids)) == len(ids)
    assert big_api.rows({"start_after_transaction_id": ids[-1]}) == []


def test_last_page_is_short(api):
    total = len(api.emulator.data.rows)
    first = api.rows({"limit": total - 7, "include_columns": "transaction_id"})
    rest = api.rows({"limit": 100, "start_after_transaction_id": first[-1]["transaction_id"]})
    assert len(rest) == 7


def test_empty_cursor_starts_at_the_oldest(api):
    oldest = api.emulator.data.rows[0].tid
    assert api.rows({"limit": 1, "start_after_transaction_id": ""})[0]["transaction_id"] == oldest
    assert api.rows({"limit": 1})[0]["transaction_id"] == oldest


def test_server_order_is_creation_order_not_call_start_order(api):
    rows = api.walk({"include_columns": "transaction_id,start_time_utc,corrected_at"})
    starts = [row["start_time_utc"] for row in rows]
    assert starts != sorted(starts), "corrections and post-call events of older calls come later"


@pytest.mark.parametrize(
    ("option", "expected"), [("empty", "empty"), ("oldest", "oldest"), ("error", "error")]
)
def test_unknown_cursor_follows_the_option(make_api, option, expected):
    api = make_api(unknown_cursor=option)
    response = api.get({"limit": 5, "start_after_transaction_id": "C624DA2C-CF3367C3"})
    if expected == "error":
        assert response.status_code == 404
        assert response.json()["errors"]["class"] == "RecordNotFound"
    elif expected == "empty":
        assert response.json() == []
    else:
        assert [r["transaction_id"] for r in response.json()] == [r.tid for r in api.emulator.data.rows[:5]]


def test_default_unknown_cursor_gives_an_empty_page(api):
    assert api.rows({"start_after_transaction_id": "00000000-00000000"}) == []


def test_a_cursor_from_another_account_counts_as_unknown(api):
    advertiser = api.emulator.data.advertisers[0]
    foreign = next(r for r in api.emulator.data.rows if r.campaign.advertiser is not advertiser)
    token = api.emulator.token_for("advertiser", advertiser.id)
    page = api.rows(
        {"start_after_transaction_id": foreign.tid}, scope="advertisers", account=advertiser.id, token=token
    )
    assert page == []
