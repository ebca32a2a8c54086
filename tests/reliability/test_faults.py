"""The pytest share of ``faults``: one rate-fault kind and two persistent cases, rotated by the date.

The soak (``make soak``) runs every kind and every persistent case.
"""

from __future__ import annotations

import datetime as dt

import pytest

from tests.reliability.faults import RULES, TAPS, run

pytestmark = pytest.mark.e2e


def test_fault_at_5_percent_and_persistent_faults() -> None:
    seed = dt.date.today().toordinal()
    kind = list(RULES)[seed % len(RULES)]
    persistent = [("429", TAPS[seed % len(TAPS)]), ("500", "tap-veinvoicing")]
    for figures in run(1, seed, kinds=[kind], persistent=persistent):
        figures.check()
