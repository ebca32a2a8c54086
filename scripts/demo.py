"""``make demo``: both emulators, two real ``meltano run`` passes, and what DuckDB holds.

1. ``meltano install`` (plugins into .meltano/, from this checkout);
2. start the Invoca and Ve emulators on 127.0.0.1:8401 and :8402;
3. ``meltano --environment=demo run tap-invoca target-reconciled tap-veinvoicing target-reconciled
   dbt-duckdb:run`` (the dbt models of transform/ after both pipelines);
4. move the emulators' time on (new calls, corrections, status changes) and run again,
   incrementally from Meltano's stored state; then ``dbt-duckdb:test``;
5. print a report from ``output/reconciled.duckdb`` (tables, a few complete calls, one Ve
   status timeline) and stop the emulators.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
from emulators import EMULATORS, admin, emulators

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
OUTPUT = ROOT / "output"
DATABASE = OUTPUT / "reconciled.duckdb"
PIPELINE = ["tap-invoca", "target-reconciled", "tap-veinvoicing", "target-reconciled", "dbt-duckdb:run"]
ADVANCE_SECONDS = 20 * 3600  # stays before the real clock, which the Ve tap reads up to


def step(text: str) -> None:
    """Say what happens next."""
    print(f"\n==> {text}", flush=True)


def meltano(*args: str) -> None:
    """Run the meltano CLI in the project, its output going straight to the terminal."""
    env = {**os.environ, "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false"}
    subprocess.run([str(BIN / "meltano"), *args], cwd=ROOT, env=env, check=True)


def move_time_on() -> None:
    """New rows, corrections and status changes arrive in both APIs."""
    for api, (port, _) in EMULATORS.items():
        summary = admin(port, f"advance?seconds={ADVANCE_SECONDS}", method="POST")
        counts = {
            k: len(v) if isinstance(v, list) else v for k, v in summary.items() if k not in {"from", "to"}
        }
        print(f"    {api}: {summary['from']} -> {summary['to']}: {counts}", flush=True)


def report() -> None:
    """Rows per table, corrections merged and versions superseded."""
    with duckdb.connect(str(DATABASE), read_only=True) as con:
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_name not like '\\_reconciled%' escape '\\' order by 1, 2"
        ).fetchall()
        print(f"    {'table':<40} {'rows':>8}")
        for schema, table in tables:
            count = con.execute(f'select count(*) from "{schema}"."{table}"').fetchone()[0]
            print(f"    {schema + '.' + table:<40} {count:>8}")
        for schema, table in tables:
            if table.endswith("__history") or schema == "analytics":
                continue
            seen, roots = con.execute(
                f'select sum(_reconciled_versions), count(*) from "{schema}"."{table}"'
            ).fetchone()
            merged = con.execute(
                f'select count(*) from "{schema}"."{table}" where _reconciled_versions > 1'
            ).fetchone()[0]
            print(
                f"    {schema}.{table}: {seen} versions received for {roots} records; "
                f"{merged} records merged from several versions, {seen - roots} versions superseded"
            )


def show(con: duckdb.DuckDBPyConnection, sql: str) -> None:
    """Print a query's rows under its column names, one ``name: value`` line each."""
    cursor = con.execute(sql)
    names = [d[0] for d in cursor.description]
    for row in cursor.fetchall():
        print()
        for name, value in zip(names, row, strict=True):
            print(f"    {name:<26} {value}")


def models() -> None:
    """A few complete calls (one bundled, ones with corrections and events) and one Ve timeline."""
    with duckdb.connect(str(DATABASE), read_only=True) as con:
        print("    analytics.invoca_calls: a bundled call, then calls with a post-call event and corrections")
        show(
            con,
            "select complete_call_id, start_at, duration, call_rows, post_call_event_rows, sale_rows, "
            "corrections_merged, advertiser_payin_localized::decimal(18, 2) as advertiser_payin_localized, "
            "affiliate_payout_localized::decimal(18, 2) as affiliate_payout_localized, "
            "call_fee_localized::decimal(18, 2) as call_fee_localized, "
            "first_transaction_at, last_transaction_at, signals, signal_values, "
            "advertiser_name, affiliate_name "
            "from analytics.invoca_calls "
            "order by is_bundled desc, (post_call_event_rows > 0 and corrections_merged > 0) desc, "
            "corrections_merged desc, complete_call_id limit 3",
        )
        print("\n    analytics.ve_transaction_statuses: the transaction with the longest timeline")
        longest = con.execute(
            "select transaction_id from analytics.ve_transaction_statuses "
            "group by transaction_id order by count(*) desc, transaction_id limit 1"
        ).fetchone()
        if longest is None:
            return
        for step, status, sub_invoice, since, until, current in con.execute(
            "select step, status, sub_invoice_id, valid_from, valid_to, is_current "
            "from analytics.ve_transaction_statuses where transaction_id = ? order by step",
            [longest[0]],
        ).fetchall():
            mark = "  (current)" if current else ""
            invoice = f", sub-invoice {sub_invoice}" if sub_invoice else ""
            print(f"    {longest[0]} step {step}: {status}{invoice}, {since} -> {until or 'now'}{mark}")


def main() -> int:
    """Run the demo end to end."""
    OUTPUT.mkdir(exist_ok=True)
    DATABASE.unlink(missing_ok=True)
    step("meltano install (plugins from this checkout into .meltano/)")
    meltano("install")
    with emulators():
        step("first run: full extraction into output/reconciled.duckdb")
        meltano("--environment=demo", "run", "--full-refresh", *PIPELINE)
        report()
        step(f"emulated time moves on {ADVANCE_SECONDS // 3600} h")
        move_time_on()
        step("second run: incremental, from Meltano's stored state")
        meltano("--environment=demo", "run", *PIPELINE)
        report()
    step("dbt-duckdb:test: the models' data tests")
    meltano("--environment=demo", "invoke", "dbt-duckdb:test")
    step("what users query: schema analytics (transform/)")
    models()
    step(f"done: the tables are in {DATABASE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
