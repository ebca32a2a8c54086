"""Canonical text of a record key: a compact JSON array of strings."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec

_encode = msgspec.json.encode
_decoder = msgspec.json.Decoder(list[str])


class BadKey(ValueError):  # noqa: N818 (the name is the shared API)
    """A key value that is missing or cannot be part of a key (bool, float, null, ...)."""


def key_text(values: Sequence[Any], columns: Sequence[str] = ()) -> str:
    """Canonical text of a key: every value as ``str`` (so ``5`` and ``"5"`` are the same key).

    Only strings and integers are accepted; ``columns`` names the key columns for error messages.
    """
    parts: list[str] = []
    for i, value in enumerate(values):
        if isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool)):
            parts.append(str(value))
            continue
        column = columns[i] if i < len(columns) else f"#{i}"
        what = "missing (null)" if value is None else f"a {type(value).__name__} ({value!r})"
        raise BadKey(f"key column {column!r} is {what}: key values must be strings or integers")
    return _encode(parts).decode()


def key_values(text: str) -> list[str]:
    """The values of a key text (each as a string)."""
    return _decoder.decode(text)
