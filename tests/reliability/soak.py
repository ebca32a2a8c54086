"""``make soak``: every reliability scenario with many trials, then one table of figures.

``python -m tests.reliability.soak [--only NAME ...] [--scale X]`` (``--scale 0.1``: a tenth of
the trials). The pytest share of the same scenarios (``tests/reliability/test_*.py``) runs few trials.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time

from tests.reliability.figures import Figures, table

SCENARIOS: dict[str, tuple[str, int]] = {
    "target-kill": ("tests.reliability.target_kill", 50),
    "fuzz": ("tests.reliability.fuzz", 1000),
    "meltano-kill": ("tests.reliability.meltano_kill", 50),
    "faults": ("tests.reliability.faults", 5),
}
"""Name: (module with ``run(trials, seed) -> list[Figures]``, trials in the soak)."""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", nargs="*", choices=sorted(SCENARIOS), default=sorted(SCENARIOS))
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=20261204)
    args = parser.parse_args()
    results: list[Figures] = []
    for name in SCENARIOS:
        if name not in args.only:
            continue
        module, trials = SCENARIOS[name]
        started = time.monotonic()
        found = importlib.import_module(module).run(max(1, round(trials * args.scale)), args.seed)
        print(f"{name}: {time.monotonic() - started:.0f} s", file=sys.stderr, flush=True)
        results.extend(found)
    print(table(results))
    problems = [f"{f.scenario}: {p}" for f in results for p in f.problems]
    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
