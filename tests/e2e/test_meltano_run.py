"""The real ``meltano run`` pipelines of meltano.yml, against the emulators."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import psycopg
import pytest

from sandbox.clock import VirtualClock
from sandbox.invoca import InvocaEmulator
from sandbox.server import EmulatorServer
from sandbox.ve import VeEmulator
from tests.e2e.conftest import Project, hour_ago

pytestmark = pytest.mark.e2e

PIPELINES = ["tap-invoca", "target-reconciled", "tap-veinvoicing", "target-reconciled"]
INVOCA_STATE = "demo:tap-invoca-to-target-reconciled"
VE_STATE = "demo:tap-veinvoicing-to-target-reconciled"


def emulators() -> tuple[InvocaEmulator, VeEmulator]:
    invoca = InvocaEmulator(clock=VirtualClock(hour_ago() - dt.timedelta(days=1)), seed=5, size=300, days=10)
    ve = VeEmulator(
        clock=VirtualClock(hour_ago() - dt.timedelta(days=2)), seed=5, size=150, days=30, rate_limit=600
    )
    return invoca, ve


def point_at(project: Project, invoca: EmulatorServer, ve: EmulatorServer) -> None:
    project.env.update(
        {
            "TAP_INVOCA_API_URL": invoca.url,
            "TAP_VEINVOICING_API_URL": ve.url,
            "TAP_VEINVOICING_START_DATE": (hour_ago() - dt.timedelta(days=35)).isoformat(),
            "TAP_VEINVOICING_REQUESTS_PER_MINUTE": "600",
        }
    )


def assert_current_matches_truth(project: Project, invoca: InvocaEmulator, ve: VeEmulator) -> None:
    with project.duckdb() as con:
        assert_tables_match_truth(lambda sql: con.execute(sql).fetchall(), invoca, ve)


def assert_tables_match_truth(
    fetch: Callable[[str], list[tuple[Any, ...]]], invoca: InvocaEmulator, ve: VeEmulator
) -> None:
    """The current tables of both taps' schemas, read with ``fetch``, equal the emulators' truth."""
    rows = fetch(
        "select transaction_id, _reconciled_source_key, advertiser_payin_localized "
        "from tap_invoca.transactions"
    )
    current = {tid: (source, payin) for tid, source, payin in rows}
    truth = {
        t["root_transaction_id"]: (t["transaction_id"], _decimal(t["advertiser_payin_localized"]))
        for t in invoca.truth()
    }
    assert current == truth
    rows = fetch(
        'select "transactionId", "transactionStatus", "modifiedDate" from tap_veinvoicing.transactions'
    )
    current_ve = {tid: (status, modified) for tid, status, modified in rows}
    truth_ve = {
        t["transactionId"]: (t["transactionStatus"], dt.datetime.fromisoformat(t["modifiedDate"]))
        for t in ve.truth()
    }
    assert current_ve == truth_ve


def _decimal(value: str | None) -> Decimal | None:
    return Decimal(value) if value else None


def history_count(project: Project, table: str) -> int:
    with project.duckdb() as con:
        return con.execute(f"select count(*) from {table}__history").fetchone()[0]


def test_both_pipelines_then_an_incremental_run(project: Project) -> None:
    invoca, ve = emulators()
    with EmulatorServer(invoca) as invoca_server, EmulatorServer(ve) as ve_server:
        point_at(project, invoca_server, ve_server)
        project.meltano("--environment=demo", "run", *PIPELINES)
        assert_current_matches_truth(project, invoca, ve)
        served = len(invoca.served())
        bookmark = project.state(INVOCA_STATE)["singer_state"]["bookmarks"]["transactions"]
        assert bookmark["replication_key_value"] == invoca.served()[-1]["transaction_id"]
        assert history_count(project, "tap_invoca.transactions") == served
        assert project.state(VE_STATE)["singer_state"]["bookmarks"]["transactions"]
        ve_history = history_count(project, "tap_veinvoicing.transactions")
        requests_before = len(invoca.request_log)

        invoca.advance(dt.timedelta(hours=6))
        early = invoca.served()[0]["transaction_id"]
        invoca.add_correction(early, change="payin")
        changes = ve.advance(dt.timedelta(days=1))
        project.meltano("--environment=demo", "run", *PIPELINES)

        assert_current_matches_truth(project, invoca, ve)
        first = invoca.request_log[requests_before]
        cursor = parse_qs(urlsplit(first["path_qs"]).query)["start_after_transaction_id"]
        assert cursor == [bookmark["replication_key_value"]]
        new_rows = len(invoca.served()) - served
        assert new_rows > 0
        assert history_count(project, "tap_invoca.transactions") == served + new_rows
        moved = changes["new"] + changes["status_changes"]
        assert moved > 0
        assert ve_history < history_count(project, "tap_veinvoicing.transactions") <= ve_history + moved


@pytest.mark.parametrize("tap", ["tap-invoca", "tap-veinvoicing"])
def test_each_tap_into_target_jsonl(project: Project, tap: str) -> None:
    invoca, ve = emulators()
    with EmulatorServer(invoca) as invoca_server, EmulatorServer(ve) as ve_server:
        point_at(project, invoca_server, ve_server)
        project.meltano("--environment=demo", "run", tap, "target-jsonl")
    folder = project.root / "output" / "jsonl" / tap.replace("-", "_")  # one folder per tap
    assert [path.name for path in (project.root / "output" / "jsonl").iterdir()] == [folder.name]
    lines = (folder / "transactions.jsonl").read_text().splitlines()
    records = [json.loads(line) for line in lines]
    if tap == "tap-invoca":
        assert [r["transaction_id"] for r in records] == [r["transaction_id"] for r in invoca.served()]
    else:
        latest = {(r["transactionId"], r["modifiedDate"]) for r in ve.truth()}
        received = {(r["transactionId"], r["modifiedDate"].replace("+00:00", "Z")) for r in records}
        assert {key for key in latest if key in received} == latest


def test_target_behind_a_tap_that_is_not_ours(project: Project, tmp_path: Path) -> None:
    rows = [
        {"transaction_id": "A", "corrects_transaction_id": None, "amount": 10, "note": "first"},
        {"transaction_id": "C", "corrects_transaction_id": "B", "amount": 30, "note": "third"},
        {"transaction_id": "B", "corrects_transaction_id": "A", "amount": 20, "note": "second"},
        {"transaction_id": "X", "corrects_transaction_id": None, "amount": 5, "note": "alone"},
    ]
    source = tmp_path / "calls.jsonl"
    source.write_text("".join(json.dumps(row) + "\n" for row in rows))
    project.env.update(
        {
            "TAP_JSONL_PATH": str(source),
            "TAP_JSONL_STREAM_NAME": "calls",
            "TAP_JSONL_PRIMARY_KEYS": '["transaction_id"]',
        }
    )
    project.meltano("--environment=demo", "run", "tap-jsonl", "target-reconciled")
    with project.duckdb() as con:
        current = con.execute(
            "select transaction_id, _reconciled_source_key, amount, note, _reconciled_versions "
            "from tap_jsonl.calls order by 1"
        ).fetchall()
    assert [(r[0], r[1], int(r[2]), r[3], r[4]) for r in current] == [
        ("A", "C", 30, "third", 3),
        ("X", "X", 5, "alone", 1),
    ]


def test_prod_environment_writes_to_postgres(project: Project, postgres_url: str) -> None:
    """``--environment=prod`` as a user runs it (secrets from the environment), into PostgreSQL."""
    schemas = ("tap_invoca", "tap_veinvoicing")
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        for schema in schemas:
            conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
    invoca, ve = emulators()
    try:
        with EmulatorServer(invoca) as invoca_server, EmulatorServer(ve) as ve_server:
            point_at(project, invoca_server, ve_server)
            project.env.update(
                {
                    "TAP_INVOCA_AUTH_TOKEN": "sandbox-invoca-token",
                    "TAP_INVOCA_ACCOUNT_ID": "33",
                    "TAP_VEINVOICING_SUBSCRIPTION_KEY": "production-ve-key",  # the production path
                    "TAP_VEINVOICING_DOMAINS": json.dumps(["", *(m.domain for m in ve.config.merchants)]),
                    "TARGET_RECONCILED_POSTGRES_URL": postgres_url,
                }
            )
            project.meltano("--environment=prod", "run", *PIPELINES)
        assert not (project.root / "output" / "reconciled.duckdb").exists()
        with psycopg.connect(postgres_url) as conn:
            assert_tables_match_truth(lambda sql: conn.execute(sql).fetchall(), invoca, ve)
    finally:
        with psycopg.connect(postgres_url, autocommit=True) as conn:
            for schema in schemas:
                conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


def test_forwarding_loader_into_target_postgres(project: Project, postgres_url: str) -> None:
    """``target-reconciled-to-postgres``: reconciled in front of MeltanoLabs target-postgres, twice."""
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute("DROP SCHEMA IF EXISTS tap_invoca CASCADE")
    invoca, ve = emulators()
    live = (
        "select transaction_id, _reconciled_source_key, advertiser_payin_localized "
        "from tap_invoca.transactions where _reconciled_merged_into is null"
    )
    try:
        with EmulatorServer(invoca) as invoca_server, EmulatorServer(ve) as ve_server:
            point_at(project, invoca_server, ve_server)
            project.env["TARGET_POSTGRES_SQLALCHEMY_URL"] = postgres_url
            for step in range(2):
                if step:
                    invoca.advance(dt.timedelta(hours=6))
                    invoca.add_correction(invoca.served()[0]["transaction_id"], change="payin")
                    invoca.add_correction(invoca.served()[1]["transaction_id"], change="payin")
                result = project.meltano(
                    "--environment=demo", "run", "tap-invoca", "target-reconciled-to-postgres"
                )
                assert "[target-postgres]" in result.stderr  # the downstream's log, passed through
                with psycopg.connect(postgres_url) as conn:
                    rows = conn.execute(live).fetchall()
                current = {
                    tid: (source, _decimal(str(payin)) if payin is not None else None)
                    for tid, source, payin in rows
                }
                truth = {
                    t["root_transaction_id"]: (t["transaction_id"], _decimal(t["advertiser_payin_localized"]))
                    for t in invoca.truth()
                }
                assert current == truth
        state = project.state("demo:tap-invoca-to-target-reconciled-to-postgres")
        bookmark = state["singer_state"]["bookmarks"]["transactions"]["replication_key_value"]
        assert bookmark == invoca.served()[-1]["transaction_id"]
    finally:
        with psycopg.connect(postgres_url, autocommit=True) as conn:
            conn.execute("DROP SCHEMA IF EXISTS tap_invoca CASCADE")
