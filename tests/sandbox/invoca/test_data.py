"""The data set: ids, types on the wire, scoping, corrections and their chains (api-notes §5-§9)."""

from __future__ import annotations

import re
from collections import Counter

import pytest

TID = re.compile(r"[0-9A-F]{8}-[0-9A-F]{8}")
CCID = re.compile(r"[0-9A-F]{4}-[0-9A-F]{12}")
LOCAL = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} [+-]\d{2}:\d{2}")
MONEY = re.compile(r"-?\d+\.\d{2}")


def test_ids_have_the_documented_shapes_and_are_not_sorted(api):
    rows = api.walk({"include_columns": "transaction_id,complete_call_id"})
    ids = [r["transaction_id"] for r in rows]
    assert all(TID.fullmatch(tid) for tid in ids)
    assert all(CCID.fullmatch(r["complete_call_id"]) for r in rows)
    assert len(set(ids)) == len(ids)
    assert ids != sorted(ids), "ids are opaque: server order is not id order"


def test_several_transactions_share_a_call_record_id(api):
    per_call = Counter(r.call.ccid for r in api.emulator.data.rows)
    assert max(per_call.values()) >= 3
    kinds = {r.facts.kind for r in api.emulator.data.rows}
    assert kinds == {"Call", "Post Call Event", "Reported Conversion"}
    for ccid, count in per_call.items():
        if count > 1:
            rows = api.emulator.data.by_call[ccid]
            assert len({r.start_ms for r in rows}) == 1, "every transaction of a call carries its start"


def test_bundled_calls_have_two_call_rows_with_one_call_record_id(make_api):
    api = make_api(size=1500)
    originals = [r for r in api.emulator.data.rows if r.corrects is None and r.facts.kind == "Call"]
    per_call = Counter(r.call.ccid for r in originals)
    assert any(count == 2 for count in per_call.values())


def test_wire_types_by_default(api):
    rows = api.walk()
    originals = [r for r in rows if r["transaction_type"] == "Call" and not r["corrects_transaction_id"]]
    call = next(r for r in originals if r["duration"] is not None)  # not superseded by a correction
    assert isinstance(call["start_time_utc"], int)
    assert call["start_time_utc"] % 1000 == 0
    assert LOCAL.fullmatch(call["start_time_local"])
    assert LOCAL.fullmatch(call["start_time_network_timezone"])
    assert all(isinstance(call[k], int) for k in ("duration", "connect_duration", "ivr_duration"))
    assert call["duration"] >= call["connect_duration"] + call["ivr_duration"]
    for money in (
        "advertiser_payin_localized",
        "affiliate_payout_localized",
        "margin_localized",
        "call_fee_localized",
    ):
        assert MONEY.fullmatch(call[money])
    assert isinstance(call["advertiser_id"], str)
    assert call["advertiser_id"].isdigit()
    assert call["corrects_transaction_id"] == ""
    assert call["corrected_at"] == ""
    assert re.fullmatch(r"\d{3}-555-\d{4}", call["calling_phone_number"])
    with_signals = [r for r in rows if r["signal_occurred_at"]]
    assert with_signals
    assert all(re.fullmatch(r"\d{10}", r["signal_occurred_at"]) for r in with_signals)
    correction = next(r for r in rows if r["corrects_transaction_id"])
    assert LOCAL.fullmatch(correction["corrected_at"])


def test_encoding_options(make_api):
    api = make_api(money="number", integers="number", empty="null")
    call = next(r for r in api.walk() if r["transaction_type"] == "Call" and r["affiliate_id"] is None)
    assert isinstance(call["advertiser_payin_localized"], (int, float))
    assert isinstance(call["advertiser_id"], int)
    assert call["affiliate_name"] is None
    assert call["corrects_transaction_id"] is None


def test_margin_is_payin_minus_payout(api):
    columns = "transaction_id,advertiser_payin_localized,affiliate_payout_localized,margin_localized"
    for row in api.walk({"include_columns": columns}):
        payin, payout = float(row["advertiser_payin_localized"]), float(row["affiliate_payout_localized"])
        assert float(row["margin_localized"]) == pytest.approx(payin - payout)


@pytest.mark.parametrize("kind", ["advertiser", "affiliate"])
def test_advertiser_and_affiliate_views_get_only_their_rows(api, kind):
    for account in getattr(api.emulator.data, kind + "s"):
        token = api.emulator.token_for(kind, account.id)
        rows = api.walk(
            {"include_columns": "transaction_id"}, scope=kind + "s", account=account.id, token=token
        )
        expected = [r.tid for r in api.emulator.data.rows if getattr(r.campaign, kind) is account]
        assert expected
        assert [r["transaction_id"] for r in rows] == expected


def test_affiliate_rows_name_the_advertiser_and_earnings(api):
    affiliate = api.emulator.data.affiliates[0]
    token = api.emulator.token_for("affiliate", affiliate.id)
    row = api.rows({"limit": 1}, scope="affiliates", account=affiliate.id, token=token)[0]
    assert row["advertiser_name"]
    assert MONEY.fullmatch(row["affiliate_payout_localized"])
    assert "advertiser_payin_localized" not in row


def test_about_ten_percent_of_rows_are_corrections(make_api):
    api = make_api(size=2000)
    rows = api.emulator.data.rows
    share = sum(1 for r in rows if r.corrects is not None) / len(rows)
    assert 0.08 <= share <= 0.12


def corrections_and_roots(rows: list[dict]) -> tuple[list[dict], dict[str, dict]]:
    by_id = {r["transaction_id"]: r for r in rows}
    return [r for r in rows if r["corrects_transaction_id"]], by_id


def test_corrections_are_complete_rows_pointing_back(api):
    rows = api.walk({"include_columns": "$invoca_default_columns,custom_data"})
    corrections, by_id = corrections_and_roots(rows)
    assert corrections
    for correction in corrections:
        target = by_id[correction["corrects_transaction_id"]]
        assert by_id[correction["transaction_id"]] is correction
        assert list(correction) == list(target), "a correction is a complete row"
        assert correction["complete_call_id"] == target["complete_call_id"]
        assert correction["transaction_type"] == target["transaction_type"], "same type as what it corrects"
        assert correction["corrected_at"] >= (target["corrected_at"] or "")
        assert correction["start_time_utc"] == target["start_time_utc"]
    previous: dict[str, dict] = {}  # root id -> latest version so far
    changed = 0
    for row in rows:
        root = row["transaction_id"]
        while by_id[root]["corrects_transaction_id"]:
            root = by_id[root]["corrects_transaction_id"]
        if root in previous:
            keys = (
                "advertiser_payin_localized",
                "affiliate_payout_localized",
                "notes",
                "custom_data",
                "sale_amount",
            )
            changed += any(row[k] != previous[root][k] for k in keys)
        previous[root] = row
    assert changed == len(corrections), "each correction changes something of the latest version"


def test_chains_mix_root_and_previous_targets_by_default(make_api):
    api = make_api(size=1500)
    rows = api.emulator.data.rows
    second_or_later = [
        r for r in rows if r.corrects is not None and r.root.latest is not r.root and r.seq > 0
    ]
    chained = [r for r in rows if r.corrects is not None and r.corrects.corrects is not None]
    to_root_again = [
        r
        for r in rows
        if r.corrects is r.root and any(o.root is r.root and o.seq < r.seq and o.corrects for o in rows)
    ]
    assert second_or_later
    assert chained, "some corrections correct a correction"
    assert to_root_again, "some later corrections point at the original"


@pytest.mark.parametrize("chain", ["root", "previous"])
def test_chain_option(make_api, chain):
    api = make_api(size=1500, chain=chain)
    corrections = [r for r in api.emulator.data.rows if r.corrects is not None]
    if chain == "root":
        assert all(r.corrects is r.root for r in corrections)
    else:
        for row in corrections:
            earlier = [
                r for r in api.emulator.data.by_call[row.call.ccid] if r.root is row.root and r.seq < row.seq
            ]
            assert row.corrects is earlier[-1]


def test_old_rows_get_corrected_too(make_api):
    api = make_api(size=2000, days=30)
    lags = [r.created_ms - r.root.created_ms for r in api.emulator.data.rows if r.corrects is not None]
    assert max(lags) > 10 * 86_400_000


def test_superseded_rows_have_their_durations_cleared_on_reread(make_api):
    api = make_api()
    call = next(r for r in api.emulator.data.rows if r.facts.kind == "Call" and r.root.latest is r)
    before = api.rows({"transaction_id": call.tid})[0]
    assert isinstance(before["duration"], int)
    correction = api.emulator.add_correction(call.tid, notes="re-rated")
    after = api.rows({"transaction_id": call.tid})[0]
    assert after["duration"] is None
    assert after["connect_duration"] is None
    assert after["ivr_duration"] is None
    assert correction["duration"] == before["duration"], "the latest version keeps the durations"
    assert correction["notes"] == "re-rated"
    assert correction["corrects_transaction_id"] == call.tid
    assert api.rows({"transaction_id": correction["transaction_id"]})[0]["duration"] == before["duration"]


@pytest.mark.parametrize(("option", "expected"), [("zero", 0), ("keep", "same")])
def test_cleared_durations_option(make_api, option, expected):
    api = make_api(cleared_durations=option)
    call = next(r for r in api.emulator.data.rows if r.facts.kind == "Call" and r.root.latest is r)
    before = api.rows({"transaction_id": call.tid})[0]["duration"]
    api.emulator.add_correction(call.tid)
    after = api.rows({"transaction_id": call.tid})[0]["duration"]
    assert after == (before if expected == "same" else expected)


def test_add_correction_admin_route(make_api):
    api = make_api()
    target = api.emulator.data.rows[4]
    response = api.session.post(
        api.url + "/_sandbox/corrections",
        params={"transaction_id": target.tid, "change": "payin"},
        timeout=10,
    )
    assert response.status_code == 200
    row = response.json()
    assert row["corrects_transaction_id"] == target.tid
    assert api.rows({"start_after_transaction_id": api.emulator.data.rows[-2].tid}) == [
        api.rows({"transaction_id": row["transaction_id"]})[0]
    ]
    bad = api.session.post(api.url + "/_sandbox/corrections", params={"transaction_id": "nope"}, timeout=10)
    assert bad.status_code == 400
