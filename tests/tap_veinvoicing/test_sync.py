"""tap-veinvoicing against the emulator: backfill, incremental runs, partitions and both date modes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from sandbox.server import EmulatorServer
from tap_veinvoicing.tap import TapVeInvoicing
from tap_veinvoicing.windows import SAFETY_MARGIN, parse_instant
from tests.tap_veinvoicing.conftest import (
    ACCOUNTS,
    KEY,
    NOW,
    Run,
    account_config,
    make_emulator,
    parse,
    run_tap,
    tap_config,
    truth_versions,
)


def plain(record: dict[str, Any]) -> dict[str, Any]:
    """A record with money as float, to compare with the emulator's truth."""
    return {k: float(v) if k in ("commission", "total", "conversionValue") else v for k, v in record.items()}


def partition_marks(run: Run) -> dict[tuple[str, str | None], str]:
    partitions = run.last_state["bookmarks"]["transactions"]["partitions"]
    return {
        (p["context"]["domain"], p["context"].get("country")): p["replication_key_value"] for p in partitions
    }


@pytest.mark.parametrize("bounds", ["inclusive", "half_open"])
def test_full_backfill_is_the_truth_row_for_row(serve: Any, tmp_path: Path, bounds: str) -> None:
    ve: EmulatorServer = serve(date_bounds=bounds, max_results=12)
    records: list[dict[str, Any]] = []
    for domain in ACCOUNTS:
        records += run_tap(tmp_path, account_config(ve, domain)).records
    truth = ve.emulator.truth()
    assert sorted((plain(r) for r in records), key=lambda r: r["transactionId"]) == truth
    splits = [r for r in ve.emulator.request_log if r["status"] == 500]
    assert splits, "max_results made some windows fail and split"


def test_second_run_returns_exactly_the_changes(ve: EmulatorServer, tmp_path: Path) -> None:
    config = account_config(ve, "fashion.example", lookback_days=110)
    first = run_tap(tmp_path, config)
    before = truth_versions(ve.emulator, domain="fashion.example")
    assert set(first.versions) == before
    summary = ve.emulator.advance(dt.timedelta(days=20))
    after = truth_versions(ve.emulator, domain="fashion.example")
    config["end_date"] = (NOW + dt.timedelta(days=20)).isoformat()
    second = run_tap(tmp_path, config, state=first.last_state)
    assert summary["new"]
    assert summary["status_changes"]
    assert set(second.versions) == after - before
    assert len(second.versions) == len(set(second.versions))
    third = run_tap(tmp_path, config, state=second.last_state)
    assert third.records == []


@pytest.mark.parametrize(("date_field", "lookback"), [("modifiedDate", 0), ("creationDate", 110)])
def test_every_change_is_caught(serve: Any, tmp_path: Path, date_field: str, lookback: int) -> None:
    ve: EmulatorServer = serve(date_field=date_field)
    config = account_config(ve, "travel.example", lookback_days=lookback)
    state = None
    seen: set[tuple[int, str]] = set()
    for step in range(3):
        end = NOW + dt.timedelta(days=10 * step)
        run = run_tap(tmp_path, {**config, "end_date": end.isoformat()}, state=state)
        assert not set(run.versions) & seen, "nothing is emitted twice"
        seen |= set(run.versions)
        assert truth_versions(ve.emulator, domain="travel.example") <= seen
        state = run.last_state
        ve.emulator.advance(dt.timedelta(days=10))


def test_creation_date_mode_without_lookback_misses_status_changes(serve: Any, tmp_path: Path) -> None:
    ve: EmulatorServer = serve()
    config = account_config(ve, "electronics.example", lookback_days=0)
    first = run_tap(tmp_path, config)
    ve.emulator.advance(dt.timedelta(days=15))
    second = run_tap(
        tmp_path, {**config, "end_date": (NOW + dt.timedelta(days=15)).isoformat()}, first.last_state
    )
    missed = (
        truth_versions(ve.emulator, domain="electronics.example") - set(first.versions) - set(second.versions)
    )
    assert missed, "the documented trade-off: old transactions' changes need lookback_days"


def test_partitions_keep_separate_bookmarks(ve: EmulatorServer, tmp_path: Path) -> None:
    config = tap_config(ve, domains=["fashion.example"], countries=["GB", "FR"])
    run = run_tap(tmp_path, config)
    marks = partition_marks(run)
    assert set(marks) == {("fashion.example", "GB"), ("fashion.example", "FR")}
    for (domain, country), mark in marks.items():
        rows = [r for r in run.records if r["country"] == country]
        assert rows
        assert all(r["domain"] == domain for r in rows)
        assert mark == max(r["modifiedDate"] for r in rows), "a frozen server: the newest version seen"
    assert marks[("fashion.example", "GB")] != marks[("fashion.example", "FR")]
    # A partition added later starts from start_date; the others keep their bookmark.
    ve.emulator.advance(dt.timedelta(days=2))
    wider = {**config, "countries": ["GB", "FR", "DE"], "end_date": (NOW + dt.timedelta(days=2)).isoformat()}
    second = run_tap(tmp_path, wider, state=run.last_state)
    de = [r for r in second.records if r["country"] == "DE"]
    assert {(r["transactionId"], r["modifiedDate"]) for r in de} == truth_versions(
        ve.emulator, domain="fashion.example", country="DE"
    )
    assert len(second.records) > len(de)


def test_own_account_and_no_countries(ve: EmulatorServer, tmp_path: Path) -> None:
    run = run_tap(tmp_path, tap_config(ve))
    assert run.records
    assert {(r["domain"], r["country"]) for r in run.records} == {(None, None)}
    assert set(run.versions) == truth_versions(ve.emulator, domain="myshop.example")
    assert all(
        "domain=" not in r["path_qs"] and "country=" not in r["path_qs"] for r in ve.emulator.request_log
    )


def test_type_and_status_filters(ve: EmulatorServer, tmp_path: Path) -> None:
    truth = [r for r in ve.emulator.truth() if r["domain"] == "fashion.example"]
    one = run_tap(tmp_path, account_config(ve, "fashion.example", transaction_statuses=["Approved"]))
    assert set(one.versions) == {
        (r["transactionId"], r["modifiedDate"]) for r in truth if r["transactionStatus"] == "Approved"
    }
    assert all("transactionStatus=Approved" in r["path_qs"] for r in ve.emulator.request_log)
    sent = len(ve.emulator.request_log)
    wanted = {"Approved", "Pending"}
    several = run_tap(tmp_path, account_config(ve, "fashion.example", transaction_statuses=sorted(wanted)))
    assert set(several.versions) == {
        (r["transactionId"], r["modifiedDate"]) for r in truth if r["transactionStatus"] in wanted
    }
    later = ve.emulator.request_log[sent:]
    assert len(later) == sent, "several values: one unfiltered request per window, not one per value"
    assert all("transactionStatus" not in r["path_qs"] for r in later)


def test_a_change_made_during_a_run_is_caught_by_the_next(capsys: pytest.CaptureFixture[str]) -> None:
    """Creation-date windows return current versions: rows of early windows change while later
    ones are read. The mark is the pass start (not the newest row), so the next run has them."""
    emulator = make_emulator()
    with EmulatorServer(emulator) as server:
        config = {
            "subscription_key": KEY,
            "api_url": server.url,
            "start_date": (NOW - dt.timedelta(days=91)).isoformat(),
            "domains": ["fashion.example"],
            "countries": ["GB"],
            "window_days": 8,
            "lookback_days": 110,
            "requests_per_minute": 100000,
        }

        def run(state: dict | None, hours_per_request: int) -> Run:
            tap = TapVeInvoicing(config=config, state=state)
            stream = tap.streams["transactions"]
            stream.now = emulator.clock.now  # the tap and the API share the virtual time
            acquire = stream.limiter.acquire

            def acquire_as_time_passes() -> None:
                acquire()
                emulator.advance(dt.timedelta(hours=hours_per_request))

            stream.limiter.acquire = acquire_as_time_passes  # type: ignore[method-assign]
            tap.sync_all()
            return parse(capsys.readouterr().out)

        first = run(None, 48)
        changed_meanwhile = truth_versions(emulator, domain="fashion.example", country="GB") - set(
            first.versions
        )
        assert changed_meanwhile, "transactions changed while the first run was reading"
        newest_emitted = max(parse_instant(r["modifiedDate"]) for r in first.records)
        assert any(parse_instant(m) < newest_emitted for _, m in changed_meanwhile), (
            "some changes are older than the newest row emitted: a max(modifiedDate) mark would lose them"
        )
        second = run(first.last_state, 1)
        assert changed_meanwhile <= set(second.versions)
        repeated = set(first.versions) & set(second.versions)
        assert all(parse_instant(m) > NOW - SAFETY_MARGIN for _, m in repeated), (
            "only versions written while the first run was reading may come again"
        )
