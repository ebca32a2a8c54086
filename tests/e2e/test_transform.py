"""transform/ run by Meltano's dbt utilities after the pipelines: the models equal the emulators' truth."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import psycopg
import pytest

from sandbox.invoca import InvocaEmulator
from sandbox.server import EmulatorServer
from sandbox.ve import VeEmulator
from tests.e2e.conftest import Project
from tests.e2e.test_meltano_run import emulators, point_at

pytestmark = pytest.mark.e2e

PIPELINES = ["tap-invoca", "target-reconciled", "tap-veinvoicing", "target-reconciled"]
Fetch = Callable[[str], list[dict[str, Any]]]
CALL_COLUMNS = {
    # invoca_calls column -> key of the emulator's complete-call truth
    "complete_call_id": "complete_call_id",
    "call_transaction_id": "call_transaction_id",
    "has_call_row": "has_call_row",
    "call_rows": "call_rows",
    "post_call_event_rows": "post_call_event_rows",
    "sale_rows": "sale_rows",
    "corrections_merged": "corrections",
    "advertiser_payin_localized": "advertiser_payin_localized",
    "affiliate_payout_localized": "affiliate_payout_localized",
    "advertiser_call_fee_localized": "advertiser_call_fee_localized",
    "call_fee_localized": "call_fee_localized",
    "duration": "duration",
    "connect_duration": "connect_duration",
    "ivr_duration": "ivr_duration",
    "start_at": "start_at",
    "first_transaction_at": "first_transaction_at",
    "last_transaction_at": "last_transaction_at",
    "advertiser_id": "advertiser_id",
    "affiliate_id": "affiliate_id",
    "signals": "signals",
    "signal_values": "signal_values",
}
DOMAINS = ["fashion.example", "travel.example", "electronics.example"]
"""The Ve emulator's merchants, as the demo environment lists them."""
MONEY = {c for c in CALL_COLUMNS if c.endswith("_localized")}
TIMES = {"start_at", "first_transaction_at", "last_transaction_at"}


def _instant(value: Any) -> dt.datetime | None:
    if value is None:
        return None
    moment = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(value)
    return moment.astimezone(dt.UTC)


def _call(values: dict[str, Any]) -> dict[str, Any]:
    """One call's values in comparable form (decimals, UTC instants, parsed JSON)."""
    out = dict(values)
    for column in MONEY:
        out[column] = None if out[column] is None else Decimal(str(out[column]))
    for column in TIMES:
        out[column] = _instant(out[column])
    if isinstance(out["signal_values"], str):
        out["signal_values"] = json.loads(out["signal_values"])
    out["signals"] = list(out["signals"])
    return out


def assert_calls_match_truth(fetch: Fetch, invoca: InvocaEmulator) -> list[dict[str, Any]]:
    """analytics.invoca_calls equals the Invoca emulator's complete-call truth; returns the truth."""
    rows = fetch(f"select {', '.join(CALL_COLUMNS)} from analytics.invoca_calls order by complete_call_id")
    truth = invoca.complete_calls()
    expected = [_call({column: call[key] for column, key in CALL_COLUMNS.items()}) for call in truth]
    actual = [_call({column: row[column] for column in CALL_COLUMNS}) for row in rows]
    assert len(actual) == len(expected)
    mismatched = [(a, e) for a, e in zip(actual, expected, strict=True) if a != e]
    assert not mismatched, f"{len(mismatched)} calls differ, first: {mismatched[0]}"
    return truth


def assert_statuses_match_truth(fetch: Fetch, ve: VeEmulator, seen_at: list[dt.datetime]) -> int:
    """analytics.ve_transaction_statuses equals the Ve emulator's status sequences seen at ``seen_at``."""
    rows = fetch(
        "select transaction_id, step, status, sub_invoice_id, valid_from, valid_to, is_current "
        "from analytics.ve_transaction_statuses order by transaction_id, step"
    )
    actual: dict[int, list[tuple[Any, ...]]] = {}
    for row in rows:
        steps = actual.setdefault(row["transaction_id"], [])
        assert row["step"] == len(steps) + 1
        steps.append((row["status"], _instant(row["valid_from"]), row["sub_invoice_id"]))
        assert row["is_current"] == (row["valid_to"] is None)
    for row, following in itertools.pairwise(rows):
        if row["transaction_id"] == following["transaction_id"]:
            assert _instant(row["valid_to"]) == _instant(following["valid_from"])
    expected = {
        tx["transactionId"]: [
            (s["transactionStatus"], _instant(s["modifiedDate"]), s["subInvoiceId"]) for s in tx["statuses"]
        ]
        for tx in ve.status_sequences(seen_at=seen_at)
    }
    assert actual == expected
    return sum(len(steps) > 1 for steps in expected.values())


def duckdb_fetch(project: Project) -> Fetch:
    def fetch(sql: str) -> list[dict[str, Any]]:
        with project.duckdb() as con:
            cursor = con.execute(sql)
            names = [d[0] for d in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    return fetch


def postgres_fetch(url: str) -> Fetch:
    def fetch(sql: str) -> list[dict[str, Any]]:
        with psycopg.connect(url) as conn, conn.cursor() as cursor:
            cursor.execute(sql)
            names = [d.name for d in cursor.description or []]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    return fetch


def change_both_apis(invoca: InvocaEmulator, ve: VeEmulator) -> None:
    """New calls, post-call events and corrections (Signals among them); Ve status moves."""
    invoca.advance(dt.timedelta(hours=8))
    calls = invoca.complete_calls()
    with_event = next(c for c in calls if c["post_call_event_rows"] and c["has_call_row"])
    invoca.add_correction(with_event["call_transaction_id"], change="signal")
    invoca.add_correction(calls[0]["call_transaction_id"], change="payin")
    ve.advance(dt.timedelta(days=1))


def run_twice(
    project: Project, environment: str, dbt: str
) -> tuple[InvocaEmulator, VeEmulator, list[dt.datetime]]:
    """Both pipelines and ``dbt:run`` in one ``meltano run``, twice, the APIs changing in between."""
    invoca, ve = emulators()
    seen_at = []
    with EmulatorServer(invoca) as invoca_server, EmulatorServer(ve) as ve_server:
        point_at(project, invoca_server, ve_server)
        project.env["TAP_VEINVOICING_LOOKBACK_DAYS"] = "60"  # every transaction's status moves are re-read
        for run in range(2):
            if run:
                change_both_apis(invoca, ve)
            seen_at.append(ve.clock.now())
            project.meltano(f"--environment={environment}", "run", *PIPELINES, f"{dbt}:run")
    project.meltano(f"--environment={environment}", "invoke", f"{dbt}:test")
    return invoca, ve, seen_at


def test_models_on_duckdb_equal_the_emulators_truth(project: Project) -> None:
    invoca, ve, seen_at = run_twice(project, "demo", "dbt-duckdb")
    fetch = duckdb_fetch(project)
    truth = assert_calls_match_truth(fetch, invoca)
    assert any(c["call_rows"] == 2 for c in truth)  # a bundled campaign
    assert any(c["post_call_event_rows"] and c["corrections"] for c in truth)
    assert any("Purchase Made" in c["signal_values"] for c in truth)
    assert assert_statuses_match_truth(fetch, ve, seen_at) > 0
    current = fetch(
        "select count(*) as n, count(transaction_status_description) as described "
        "from analytics.ve_transactions_current"
    )
    assert current == [{"n": len(ve.truth()), "described": len(ve.truth())}]


def test_models_on_postgres_equal_the_emulators_truth(project: Project, postgres_url: str) -> None:
    schemas = ("tap_invoca", "tap_veinvoicing", "analytics")

    def drop() -> None:
        with psycopg.connect(postgres_url, autocommit=True) as conn:
            for schema in schemas:
                conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")

    drop()
    project.env.update(
        {
            "TAP_INVOCA_AUTH_TOKEN": "sandbox-invoca-token",
            "TAP_INVOCA_ACCOUNT_ID": "33",
            "TAP_VEINVOICING_SUBSCRIPTION_KEY": "production-ve-key",
            "TAP_VEINVOICING_DOMAINS": json.dumps(["", *DOMAINS]),
            "TARGET_RECONCILED_POSTGRES_URL": postgres_url,
            "DBT_POSTGRES_DBNAME": postgres_url.rsplit("/", 1)[1],
        }
    )
    try:
        invoca, ve, seen_at = run_twice(project, "prod", "dbt-postgres")
        fetch = postgres_fetch(postgres_url)
        assert_calls_match_truth(fetch, invoca)
        assert assert_statuses_match_truth(fetch, ve, seen_at) > 0
    finally:
        drop()
