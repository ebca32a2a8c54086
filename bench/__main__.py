"""``python -m bench``: run every benchmark and print one table (``make bench``)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from bench import dbt_calls, forward_target, invoca_tap, invoca_target, pipeline, postgres_target
from bench.measure import Comparison, RunError, format_table

BENCHMARKS: dict[str, Callable[[int], Comparison]] = {
    invoca_tap.NAME: invoca_tap.run,
    invoca_target.NAME: invoca_target.run,
    postgres_target.NAME: postgres_target.run,
    forward_target.NAME: forward_target.run,
    dbt_calls.NAME: dbt_calls.run,
    pipeline.NAME: pipeline.run,
}
"""Benchmark name -> function running it that many times against its peer."""


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--runs", type=int, default=3, help="timed runs of each contender (default 3)")
    parser.add_argument(
        "--only", action="append", choices=sorted(BENCHMARKS), help="run only this benchmark (repeatable)"
    )
    args = parser.parse_args()
    try:
        comparisons = [
            run(args.runs) for name, run in BENCHMARKS.items() if not args.only or name in args.only
        ]
    except RunError as exc:
        sys.exit(f"bench: {exc}")
    print(format_table(comparisons))


if __name__ == "__main__":
    main()
