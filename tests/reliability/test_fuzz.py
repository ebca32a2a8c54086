"""The pytest share of ``fuzz``: 200 mutated inputs, each accepted rightly or refused with one clear line."""

from __future__ import annotations

from tests.reliability import fuzz


def test_fuzzed_input_is_loaded_right_or_refused_clearly() -> None:
    (figures,) = fuzz.run(200, 20261204)
    figures.check()
    assert figures.outcomes["accepted"]
    assert figures.outcomes["refused, one clear line"]
