"""Forwarded rows go downstream in chunks sized by values, so wide rows hold less memory."""

from __future__ import annotations

from target_reconciled.destinations.outbox import SEND_CHUNK, SEND_CHUNK_MIN, SEND_VALUES, send_chunk


def test_narrow_tables_keep_the_full_chunk() -> None:
    assert send_chunk(10) == SEND_CHUNK
    assert send_chunk(SEND_VALUES // SEND_CHUNK) == SEND_CHUNK


def test_wide_tables_send_fewer_rows_a_chunk() -> None:
    invoca = 190  # tap-invoca's columns and the forwarded metadata
    assert send_chunk(invoca) == SEND_VALUES // invoca < SEND_CHUNK
    assert send_chunk(invoca) * invoca <= SEND_VALUES


def test_a_chunk_has_at_least_the_minimum() -> None:
    assert send_chunk(100_000) == SEND_CHUNK_MIN
    assert send_chunk(0) == SEND_CHUNK
