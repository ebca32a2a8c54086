"""Each transaction's status sequence (``status_sequences()``, ``GET /_sandbox/statuses``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import requests

from tests.sandbox.ve.conftest import START, make_emulator

DAY = dt.timedelta(days=1)
SECOND = dt.timedelta(seconds=1)
STATUS_KEYS = ("transactionStatus", "modifiedDate", "subInvoiceId")


def status(row: dict[str, Any]) -> dict[str, Any]:
    return {key: row[key] for key in STATUS_KEYS}


def test_seen_at_replays_what_each_read_of_the_api_showed() -> None:
    emulator = make_emulator(size=300, days=60)
    reads = [START + n * 2 * DAY for n in range(6)]
    shown: dict[int, list[dict[str, Any]]] = {}
    for instant in reads:
        if instant > emulator.clock.now():
            emulator.advance(instant - emulator.clock.now())
        for row in emulator.truth():
            seen = shown.setdefault(row["transactionId"], [])
            if not seen or seen[-1] != status(row):
                seen.append(status(row))
    sequences = emulator.status_sequences(list(reversed(reads)))  # any order: instants are sorted
    assert {s["transactionId"]: s["statuses"] for s in sequences} == shown
    assert [s["transactionId"] for s in sequences] == sorted(shown)
    assert any(len(s["statuses"]) >= 2 for s in sequences), "some statuses moved between reads"


def test_without_seen_at_every_status_taken_by_now_ends_at_the_truth() -> None:
    emulator = make_emulator(size=200, days=60, uninvoiced_subinvoice="null", status_format="name_stage")
    before = {s["transactionId"]: s["statuses"] for s in emulator.status_sequences()}
    emulator.advance(20 * DAY)
    sequences = emulator.status_sequences()
    truth = {row["transactionId"]: row for row in emulator.truth()}
    assert [s["transactionId"] for s in sequences] == sorted(truth)
    for sequence in sequences:
        statuses, row = sequence["statuses"], truth[sequence["transactionId"]]
        assert statuses[-1] == status(row)
        assert statuses[0]["modifiedDate"] == row["creationDate"]
        assert statuses[0]["subInvoiceId"] is None
        dates = [s["modifiedDate"] for s in statuses]
        assert dates == sorted(set(dates))
        assert statuses[: len(before.get(sequence["transactionId"], []))] == before.get(
            sequence["transactionId"], []
        )
    assert any(len(s["statuses"]) >= 4 for s in sequences), "invoiced and paid stages are listed"


def test_instants_before_creation_or_after_now_are_skipped() -> None:
    emulator = make_emulator(size=100, days=30)
    last = emulator.ledger.transactions[-1]
    seen_at = [last.created - SECOND, last.created, START + 400 * DAY]
    sequence = emulator.status_sequences(seen_at)[-1]
    assert sequence == {
        "transactionId": last.transaction_id,
        "statuses": [
            {
                "transactionStatus": "Pending",
                "modifiedDate": emulator.wire.date(last.created),
                "subInvoiceId": 0,
            }
        ],
    }
    assert emulator.status_sequences([START - 365 * DAY])[0]["statuses"] == []


def test_the_admin_route_answers_the_same_and_rejects_bad_instants(serve) -> None:
    client = serve(rate_limit=1)
    client.emulator.set_faults(["500:every=1"])
    url = client.url + "/_sandbox/statuses"
    assert requests.get(url, timeout=10).json() == client.emulator.status_sequences()
    instants = [START - 3 * DAY, START]
    answer = requests.get(url, params=[("seen_at", i.isoformat()) for i in instants], timeout=10)
    assert answer.status_code == 200, "admin routes are neither faulted nor rate limited"
    assert answer.json() == client.emulator.status_sequences(instants)
    zulu = requests.get(url, params={"seen_at": "2024-06-12T12:00:00Z"}, timeout=10)
    assert zulu.json() == client.emulator.status_sequences([START - 3 * DAY])
    for bad in ("yesterday", "2024-06-12T12:00:00"):
        answer = requests.get(url, params={"seen_at": bad}, timeout=10)
        assert answer.status_code == 400
        assert bad in answer.json()["error"]
