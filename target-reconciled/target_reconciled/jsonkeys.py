"""Finding a JSON object that names a key twice.

RFC 8259 leaves the meaning of such an object open (parsers keep the first, the last, or refuse
it); the target refuses it rather than guess which value the tap meant.
"""

from __future__ import annotations

import json
from typing import Any

import msgspec

_decode = msgspec.json.Decoder().decode
_encode = msgspec.json.Encoder().encode


class DuplicateKey(ValueError):  # noqa: N818 (raised by the exact check, caught here)
    """The key an object names twice."""


def _refuse_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for name, value in pairs:
        if name in seen:
            raise DuplicateKey(name)
        seen[name] = value
    return seen


def duplicated_key(text: bytes) -> str | None:
    r"""The first key that an object of the JSON document ``text`` names twice, or None.

    The fast check: every ``:`` outside strings follows a key, and re-encoding the decoded value
    keeps one of each key while a ``:`` inside a string stays one ``:``; so ``text`` names no key
    twice when both hold as many. Only when they differ, or a string writes ``:`` as ``\u003a``,
    does the exact (slower) check run. Text that is not valid JSON gives None: its parser says why.
    """
    try:
        same = b"\\u003" not in text and text.count(b":") == _encode(_decode(text)).count(b":")
    except (msgspec.DecodeError, OverflowError):
        return None
    if same:
        return None
    try:
        json.loads(text, object_pairs_hook=_refuse_duplicates)
    except DuplicateKey as found:
        return str(found)
    except ValueError:
        return None
    return None


def first_duplicate(lines: list[bytes]) -> tuple[int, str] | None:
    """The index of the first of ``lines`` (JSON documents) that names a key twice, and that key.

    Checks the lines together as one array first (one decode for all of them), one by one only
    when the array fails the fast check.
    """
    joined = b"[" + b",".join(lines) + b"]"
    if duplicated_key(joined) is None:
        return None
    for index, line in enumerate(lines):
        if (key := duplicated_key(line)) is not None:
            return index, key
    return None
