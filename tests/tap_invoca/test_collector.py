"""tap-invoca collects garbage less often while it syncs, and leaves Python's settings as they were."""

from __future__ import annotations

import gc

import pytest
from singer_sdk import Tap

from tap_invoca.collector import YOUNG_THRESHOLD, fewer_collections
from tap_invoca.tap import TapInvoca


def test_settings_hold_inside_the_block_and_are_restored_after_an_error() -> None:
    threshold, frozen = gc.get_threshold(), gc.get_freeze_count()
    inside: list[tuple[tuple[int, int, int], int]] = []

    def fail() -> None:
        with fewer_collections():
            inside.append((gc.get_threshold(), gc.get_freeze_count()))
            raise RuntimeError

    with pytest.raises(RuntimeError):
        fail()
    assert inside[0][0] == (YOUNG_THRESHOLD, *threshold[1:])
    assert inside[0][1] > frozen
    assert gc.get_threshold() == threshold
    assert gc.get_freeze_count() == frozen


def test_the_sync_runs_inside_the_block(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[tuple[int, int, int]] = []
    monkeypatch.setattr(Tap, "sync_all", lambda self: seen.append(gc.get_threshold()))
    tap = TapInvoca(config={"auth_token": "t", "account_id": "1"}, validate_config=False)
    threshold = gc.get_threshold()
    tap.sync_all()
    assert seen == [(YOUNG_THRESHOLD, *threshold[1:])]
    assert gc.get_threshold() == threshold
