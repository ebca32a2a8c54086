"""Time moving: advance(), determinism, ground truth and the served log."""

from __future__ import annotations

import datetime as dt

import requests

from sandbox.invoca.columns import VIEWS

FULL = {"include_columns": "$invoca_default_columns,custom_data"}
DAY = dt.timedelta(days=1)


def latest_per_root(rows: list[dict]) -> dict[str, dict]:
    """What a client computes: follow ``corrects_transaction_id`` to the root; the last row wins."""
    parent = {r["transaction_id"]: r["corrects_transaction_id"] for r in rows}
    latest: dict[str, dict] = {}
    for row in rows:
        root = row["transaction_id"]
        while parent.get(root):
            root = parent[root]
        latest[root] = row
    return latest


def test_advance_appends_new_rows_and_corrections(make_api):
    api = make_api()
    last = api.emulator.data.rows[-1].tid
    before = len(api.emulator.data.rows)
    old_now = api.emulator.clock.now()
    summary = api.emulator.advance(DAY)
    new_rows = api.walk(FULL)[before:]
    assert summary["rows"] == before + len(new_rows)
    assert summary["from"] == old_now.isoformat()
    assert summary["to"] == (old_now + DAY).isoformat()
    assert summary["calls"] > 20
    assert summary["corrections"] > 0
    assert summary["corrections_of_old_rows"] > 0
    assert sum(1 for r in new_rows if r["corrects_transaction_id"]) == summary["corrections"]
    originals = [r for r in new_rows if not r["corrects_transaction_id"]]
    assert len(originals) == summary["calls"] + summary["post_call_events"] + summary["sales"]
    window = (old_now.timestamp() * 1000, (old_now + DAY).timestamp() * 1000)
    new_calls = [
        api.emulator.data.by_tid[r["transaction_id"]].call
        for r in originals
        if r["transaction_type"] == "Call"
    ]
    assert all(window[0] < call.end_ms <= window[1] for call in new_calls), "calls that ended in the interval"
    old_ids = {r.tid for r in api.emulator.data.rows[:before]}
    assert any(r["corrects_transaction_id"] in old_ids for r in new_rows), "old rows get corrected too"
    assert api.rows({"start_after_transaction_id": last, "limit": 4000, **FULL}) == new_rows


def test_advance_admin_route(make_api):
    api = make_api()
    summary = requests.post(api.url + "/_sandbox/advance?seconds=7200", timeout=10).json()
    assert summary["to"] == (api.emulator.clock.now()).isoformat()
    assert summary["rows"] == len(api.emulator.data.rows)


def test_same_seed_and_same_advances_give_identical_data(make_api):
    first, second = make_api(seed=7), make_api(seed=7)
    for api in (first, second):
        api.emulator.advance(DAY)
        api.emulator.advance(dt.timedelta(hours=5))
    assert first.walk(FULL) == second.walk(FULL)
    assert first.emulator.truth() == second.emulator.truth()
    other = make_api(seed=8)
    assert other.rows({"limit": 5})[0]["transaction_id"] != first.rows({"limit": 5})[0]["transaction_id"]


def test_truth_is_the_latest_version_of_every_original(make_api):
    api = make_api()
    api.emulator.advance(DAY)
    truth = api.emulator.truth()
    roots = [r for r in api.emulator.data.rows if r.corrects is None]
    assert [t["root_transaction_id"] for t in truth] == [r.tid for r in roots]
    assert set(truth[0]) == {*VIEWS["networks"].default, "custom_data", "root_transaction_id"}
    corrected = [t for t in truth if t["transaction_id"] != t["root_transaction_id"]]
    assert corrected
    assert all(isinstance(t["duration"], int) for t in truth if t["transaction_type"] == "Call")


def test_truth_equals_what_a_client_computes_from_everything_served(make_api):
    api = make_api()
    served = api.walk(FULL)
    api.emulator.advance(DAY)
    api.emulator.add_correction(served[0]["transaction_id"], change="signal")
    served += api.rows({**FULL, "limit": 4000, "start_after_transaction_id": served[-1]["transaction_id"]})
    api.emulator.advance(dt.timedelta(hours=3))
    served += api.rows({**FULL, "limit": 4000, "start_after_transaction_id": served[-1]["transaction_id"]})
    computed = latest_per_root(served)
    truth = {t["root_transaction_id"]: {k: v for k, v in t.items() if k != "root_transaction_id"} for t in
             api.emulator.truth()}  # fmt: skip
    assert computed == truth


def test_truth_admin_route(api):
    response = requests.get(api.url + "/_sandbox/truth", timeout=30)
    assert response.json() == api.emulator.truth()


def test_served_records_every_row_as_served(make_api):
    api = make_api()
    first = api.rows({"limit": 5, "include_columns": "transaction_id,duration"})
    rest = api.rows({"limit": 3, "start_after_transaction_id": first[-1]["transaction_id"]})
    api.rows({"transaction_id": "unknown"})
    api.get({"limit": 2}, token="wrong")
    assert api.emulator.served() == first + rest
    response = requests.get(api.url + "/_sandbox/served", timeout=10)
    assert response.json() == first + rest


def test_served_keeps_what_was_sent_even_after_a_correction(make_api):
    api = make_api()
    call = next(r for r in api.emulator.data.rows if r.facts.kind == "Call" and r.root.latest is r)
    sent = api.rows({"transaction_id": call.tid})
    api.emulator.add_correction(call.tid)
    assert api.emulator.served() == sent
    assert isinstance(sent[0]["duration"], int)


def test_recording_can_be_turned_off(make_api):
    api = make_api(record_served=False)
    api.rows({"limit": 10})
    assert api.emulator.served() == []
