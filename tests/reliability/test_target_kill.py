"""The pytest share of ``target_kill``: kill -9 and resume, on DuckDB and PostgreSQL, each log level once."""

from __future__ import annotations

from tests.reliability import target_kill


def test_killed_and_resumed_runs_end_with_the_clean_runs_tables(postgres_url: str) -> None:
    for figures in target_kill.run(trials=3, seed=11, records=1500):
        figures.check()
