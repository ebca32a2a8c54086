"""The pytest share of ``meltano-kill``: two kills of a whole ``meltano run``, then a rerun each."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.reliability.meltano_kill import run

pytestmark = pytest.mark.e2e


def test_kill_9_of_meltano_run_then_run_again() -> None:
    for figures in run(2, dt.date.today().toordinal()):
        figures.check()
