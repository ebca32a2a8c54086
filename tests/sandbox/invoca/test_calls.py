"""The complete-call truth (``complete_calls()``, ``GET /_sandbox/calls``)."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict

import requests

from sandbox.clock import VirtualClock
from sandbox.invoca import InvocaEmulator
from sandbox.invoca.model import CALL, POST_CALL_EVENT, Row
from tests.sandbox.invoca.conftest import NOW, SMALL

KEYS = [
    "complete_call_id",
    "call_transaction_id",
    "has_call_row",
    "call_rows",
    "post_call_event_rows",
    "sale_rows",
    "corrections",
    "advertiser_payin_localized",
    "affiliate_payout_localized",
    "advertiser_call_fee_localized",
    "call_fee_localized",
    "duration",
    "connect_duration",
    "ivr_duration",
    "start_at",
    "first_transaction_at",
    "last_transaction_at",
    "advertiser_id",
    "affiliate_id",
    "signals",
    "signal_values",
]
HOUR = dt.timedelta(hours=1)


def iso(ms: int) -> str:
    return dt.datetime.fromtimestamp(ms / 1000, dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "+00:00"


def money(cents: int) -> str:
    return f"{'-' if cents < 0 else ''}{abs(cents) // 100}.{abs(cents) % 100:02d}"


def emulator(**options: object) -> InvocaEmulator:
    return InvocaEmulator(clock=VirtualClock(NOW), **{**SMALL, **options})


def by_id(emu: InvocaEmulator) -> dict[str, dict]:
    return {call["complete_call_id"]: call for call in emu.complete_calls()}


WIRE = [
    "transaction_id",
    "transaction_type",
    "complete_call_id",
    "corrects_transaction_id",
    "corrected_at",
    "start_time_utc",
    "duration",
    "signal_occurred_at",
    "advertiser_payin_localized",
    "call_fee_localized",
]


def reported_ms(row: dict, call_end_ms: int) -> int:
    """The time the API shows for a served row (see INVOCA.md, "Complete calls")."""
    if row["corrects_transaction_id"]:
        return int(dt.datetime.strptime(row["corrected_at"], "%Y-%m-%d %H:%M:%S %z").timestamp() * 1000)
    if row["transaction_type"] == "Call":
        return call_end_ms
    if row["transaction_type"] == "Post Call Event":
        return int(row["signal_occurred_at"]) * 1000
    return row["start_time_utc"]


def cents(values: list[str]) -> str | None:
    present = [round(float(v) * 100) for v in values if v != ""]
    return money(sum(present)) if present else None


def test_a_client_rolls_up_the_same_from_every_served_row(api):
    calls = api.emulator.complete_calls()
    assert [c["complete_call_id"] for c in calls] == sorted(api.emulator.data.by_call)
    assert all(list(call) == KEYS for call in calls)
    by_ccid = {c["complete_call_id"]: c for c in calls}
    rows = api.walk({"include_columns": ",".join(WIRE)})
    per_call: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        per_call[row["complete_call_id"]].append(row)
    parent = {r["transaction_id"]: r["corrects_transaction_id"] for r in rows}
    expected = {}
    for ccid, mine in per_call.items():
        kinds = Counter("correction" if r["corrects_transaction_id"] else r["transaction_type"] for r in mine)
        latest: dict[str, dict] = {}
        for row in mine:  # follow corrections to the root; the last row served wins
            root = row["transaction_id"]
            while parent[root]:
                root = parent[root]
            latest[root] = row
        end = mine[0]["start_time_utc"] + 1000 * max(r["duration"] or 0 for r in mine)
        times = [reported_ms(r, end) for r in mine]
        expected[ccid] = {
            "call_rows": kinds["Call"],
            "post_call_event_rows": kinds["Post Call Event"],
            "sale_rows": kinds["Reported Conversion"],
            "corrections": kinds["correction"],
            "advertiser_payin_localized": cents([r["advertiser_payin_localized"] for r in latest.values()]),
            "call_fee_localized": cents([r["call_fee_localized"] for r in latest.values()]),
            "start_at": iso(mine[0]["start_time_utc"]),
            "first_transaction_at": iso(min(times)),
            "last_transaction_at": iso(max(times)),
        }
    assert {ccid: {k: by_ccid[ccid][k] for k in wanted} for ccid, wanted in expected.items()} == expected
    assert sum(c["corrections"] for c in calls) > 0
    with_sale = [c for c in calls if c["sale_rows"]]
    assert with_sale, "the seeded set has sales"
    assert all(c["first_transaction_at"] == c["start_at"] for c in with_sale), "a sale shows its call's start"


def test_bundled_call_has_two_call_rows_and_sums_both():
    emu = emulator()
    per_call = Counter(r.call.ccid for r in emu.data.roots if r.facts.kind == CALL)
    ccid = next(ccid for ccid, n in per_call.items() if n == 2)
    first, second = sorted((r for r in emu.data.by_call[ccid] if r.root is r), key=lambda r: r.tid)
    call = by_id(emu)[ccid]
    assert call["call_rows"] == 2
    assert call["call_transaction_id"] == first.tid
    assert call["call_fee_localized"] == money(first.latest.facts.call_fee + second.latest.facts.call_fee)
    assert call["advertiser_payin_localized"] == money(first.latest.facts.payin + second.latest.facts.payin)
    duration, connect, ivr = first.call.durations
    assert (call["duration"], call["connect_duration"], call["ivr_duration"]) == (duration, connect, ivr)
    assert call["advertiser_id"] == first.campaign.advertiser.id


def test_corrections_money_times_and_the_signal_rebuild():
    emu = emulator()
    pce = next(
        r
        for r in emu.data.roots
        if r.facts.kind == POST_CALL_EVENT
        and r.custom["Purchase Made"][2] is True
        and len(emu.data.by_call[r.call.ccid]) == 2
    )
    ccid = pce.call.ccid
    call_row: Row = next(r for r in emu.data.by_call[ccid] if r.facts.kind == CALL)
    before = by_id(emu)[ccid]
    duration, connect, ivr = call_row.call.durations
    assert before == {
        **before,
        "call_transaction_id": call_row.tid,
        "has_call_row": True,
        "call_rows": 1,
        "post_call_event_rows": 1,
        "sale_rows": 0,
        "corrections": 0,
        "advertiser_payin_localized": money(call_row.facts.payin + pce.facts.payin),
        "affiliate_payout_localized": money(call_row.facts.payout + pce.facts.payout),
        "call_fee_localized": money(call_row.facts.call_fee),
        "duration": duration,
        "connect_duration": connect,
        "ivr_duration": ivr,
        "start_at": iso(call_row.call.start_ms),
        "first_transaction_at": iso(call_row.call.start_ms + duration * 1000),
        "last_transaction_at": iso(pce.facts.signal_at_s * 1000),
    }
    assert "Purchase Made" in before["signals"]

    emu.add_correction(pce.tid, change="signal")  # the purchase retracted at NOW
    after = by_id(emu)[ccid]
    assert after["corrections"] == 1
    assert after["post_call_event_rows"] == 1
    assert after["signal_values"]["Purchase Made"] is False
    assert "Purchase Made" not in after["signals"]
    assert after["last_transaction_at"] == iso(int(NOW.timestamp() * 1000))
    assert after["advertiser_payin_localized"] == before["advertiser_payin_localized"]

    emu.add_correction(call_row.tid, change="signal")  # the call gets a purchase at the same instant
    tie = by_id(emu)[ccid]
    assert tie["corrections"] == 2
    assert tie["signal_values"]["Purchase Made"] is True, "at equal times a true wins"
    assert "Purchase Made" in tie["signals"]

    emu.clock.advance(HOUR)
    emu.add_correction(pce.tid, change="notes")  # the PCE's false, now later than the call's true
    later = by_id(emu)[ccid]
    assert later["corrections"] == 3
    assert later["signal_values"]["Purchase Made"] is False, "a later false clears an earlier true"
    assert later["last_transaction_at"] == iso(int((NOW + HOUR).timestamp() * 1000))
    assert later["first_transaction_at"] == before["first_transaction_at"]
    assert later["signals"] == sorted(n for n, v in later["signal_values"].items() if v)


def test_money_follows_a_payin_correction():
    emu = emulator()
    call_row = next(
        r
        for r in emu.data.roots
        if r.facts.kind == CALL and r.facts.payin and len(emu.data.by_call[r.call.ccid]) == 1
    )
    emu.add_correction(call_row.tid, change="payin")  # a paid call becomes unpaid
    call = by_id(emu)[call_row.call.ccid]
    assert (call["advertiser_payin_localized"], call["affiliate_payout_localized"]) == ("0.00", "0.00")
    assert call["call_transaction_id"] == call_row.tid


def test_the_admin_route_answers_the_same_and_is_never_faulted(make_api):
    api = make_api()
    api.emulator.set_faults(["500:every=1"])
    answer = requests.get(api.url + "/_sandbox/calls", timeout=30)
    assert answer.status_code == 200
    assert answer.json() == api.emulator.complete_calls()
