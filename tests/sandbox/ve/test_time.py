"""Time moving: new transactions, status transitions, determinism, truth and served rows."""

from __future__ import annotations

import datetime as dt
from typing import Any

import requests

from sandbox.clock import VirtualClock
from sandbox.ve import VeEmulator
from sandbox.ve.data import FIRST_ID
from tests.sandbox.ve.conftest import MERCHANTS, OWN, START, make_emulator

DAY = dt.timedelta(days=1)


def by_id(rows: list[dict[str, Any]]) -> dict[int, dict[str, Any]]:
    return {row["transactionId"]: row for row in rows}


def test_initial_history_has_the_requested_size_and_span() -> None:
    emulator = make_emulator(size=120, days=30)
    truth = emulator.truth()
    assert [row["transactionId"] for row in truth] == list(range(FIRST_ID, FIRST_ID + 120))
    created = [row["creationDate"] for row in truth]
    assert created == sorted(created)
    assert (START - 30 * DAY).isoformat()[:10] <= created[0][:10]
    assert created[-1] < "2024-06-15T12:00:00.000Z"


def test_advance_creates_transactions_and_status_changes() -> None:
    emulator = make_emulator(size=300, days=60, status_format="name_stage")  # every stage visible
    before = by_id(emulator.truth())
    summary = emulator.advance(3 * DAY)
    after = by_id(emulator.truth())
    assert summary["from"] == START.isoformat()
    assert summary["to"] == (START + 3 * DAY).isoformat()
    assert summary["new"] > 0
    assert summary["transactions"] == len(after) == len(before) + summary["new"]
    new_ids = sorted(set(after) - set(before))
    assert new_ids == list(range(max(before) + 1, max(before) + 1 + summary["new"]))
    for tx_id in new_ids:
        assert "2024-06-15T12:00:00.000Z" < after[tx_id]["creationDate"] <= "2024-06-18T12:00:00.000Z"
    changed = [tx_id for tx_id in before if after[tx_id] != before[tx_id]]
    assert changed
    for tx_id in changed:
        assert after[tx_id]["modifiedDate"] > before[tx_id]["modifiedDate"]
        assert after[tx_id]["transactionStatus"] != before[tx_id]["transactionStatus"]
        assert after[tx_id]["creationDate"] == before[tx_id]["creationDate"]
    # every status change in the interval is counted, also those of new transactions
    assert summary["status_changes"] >= len(changed)


def test_invoicing_assigns_the_sub_invoice_of_the_month() -> None:
    emulator = make_emulator(size=200, days=20)
    invoiced_before = {row["transactionId"] for row in emulator.truth() if row["subInvoiceId"]}
    emulator.advance(20 * DAY)  # past the July 1st invoice run
    fresh = [
        row for row in emulator.truth() if row["subInvoiceId"] and row["transactionId"] not in invoiced_before
    ]
    assert fresh
    assert all(str(row["subInvoiceId"]).startswith("202407") for row in fresh)
    assert all(row["modifiedDate"] >= "2024-07-01T02:00:00.000Z" for row in fresh)


def test_same_seed_same_world_however_time_is_chunked() -> None:
    one, two, other = make_emulator(seed=7), make_emulator(seed=7), make_emulator(seed=8)
    assert one.truth() == two.truth() != other.truth()
    totals = one.advance(5 * DAY)
    pieces = [two.advance(DAY) for _ in range(5)]
    assert one.truth() == two.truth()
    assert totals["new"] == sum(p["new"] for p in pieces)
    assert totals["status_changes"] == sum(p["status_changes"] for p in pieces)


def test_truth_is_the_latest_version_of_everything_reachable(serve) -> None:
    client = serve()
    client.emulator.advance(2 * DAY)
    reachable = [
        {**row, "domain": OWN[0], "country": row_country}
        for row_country in OWN[1]
        for row in client.rows(country=row_country)
    ]
    for domain, countries in MERCHANTS.items():
        for country in countries:
            reachable += [
                {**row, "domain": domain, "country": country}
                for row in client.rows(domain=domain, country=country)
            ]
    truth = client.emulator.truth()
    assert sorted(reachable, key=lambda row: row["transactionId"]) == truth
    assert client.emulator.served() == reachable  # served in order, with their account
    assert requests.get(client.url + "/_sandbox/truth", timeout=5).json() == truth


def test_served_rows_record_each_answer(client) -> None:
    assert client.emulator.served() == []
    rows = client.rows(domain="travel.example", country="BR")
    client.rows(transactionId=1)
    served = client.emulator.served()
    assert served == [{**row, "domain": "travel.example", "country": "BR"} for row in rows]
    assert requests.get(client.url + "/_sandbox/served", timeout=5).json() == served


def test_admin_advance_moves_the_api_forward(client) -> None:
    before = len(client.rows(domain="fashion.example"))
    summary = requests.post(client.url + "/_sandbox/advance?seconds=259200", timeout=5).json()
    assert summary["to"] == "2024-06-18T12:00:00+00:00"
    assert len(client.emulator.truth()) == summary["transactions"]
    assert len(client.rows(domain="fashion.example")) >= before


def test_no_arrivals_without_history() -> None:
    emulator = VeEmulator(clock=VirtualClock(START), size=0)
    assert emulator.advance(10 * DAY)["new"] == 0
    assert emulator.truth() == []
