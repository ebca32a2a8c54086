"""Invoca-like Singer input for the target benchmark, written once to a cache file.

``python -m bench.invoca_records N OUT.jsonl`` writes a SCHEMA, N RECORDs and STATEs.

The rows have the shape of Invoca transactions (25 columns): ``transaction_id``, its
``corrects_transaction_id`` and ``corrected_at``, date-times with offsets, integers,
decimals (as JSON numbers), booleans, a ``custom_data`` array of objects and a dozen
strings. A share of the rows (10% by default) correct an earlier row, drawn from the
last 5,000 ids issued, corrections included, so some corrections form chains. Every
``transaction_id`` is new: a keyed upsert ends with one row per record, a reconciling
target with one current row per original (records minus corrections).

Deterministic: the same count and seed always give the same bytes. Independent of the
test suite's generator (``tests/target_reconciled/invoca_input.py``) on purpose.
"""

from __future__ import annotations

import json
import os
import random
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

STREAM = "transactions"
KEY = "transaction_id"
VERSION = 1
"""Bump when the output changes, so cached files are not reused."""
STRINGS = [
    "transaction_type",
    "advertiser_name",
    "affiliate_name",
    "media_type",
    "city",
    "region",
    "calling_phone_number",
    "destination_phone_number",
    "promo_number",
    "complete_call_id",
    "call_result_description_detail",
]
PROPERTIES: dict[str, Any] = {
    KEY: {"type": "string"},
    "corrects_transaction_id": {"type": ["string", "null"]},
    "corrected_at": {"type": ["string", "null"], "format": "date-time"},
    "call_start_time": {"type": ["string", "null"], "format": "date-time"},
    "start_time_local": {"type": ["string", "null"], "format": "date-time"},
    "start_time_utc": {"type": ["integer", "null"]},
    "duration": {"type": ["integer", "null"]},
    "connect_duration": {"type": ["integer", "null"]},
    "advertiser_id": {"type": ["integer", "null"]},
    "sale_amount": {"type": ["number", "null"]},
    "revenue": {"type": ["number", "null"]},
    "is_verified": {"type": ["boolean", "null"]},
    "signal_fired": {"type": ["boolean", "null"]},
    "custom_data": {"type": ["array", "null"], "items": {"type": "object"}},
    **{name: {"type": ["string", "null"]} for name in STRINGS},
}
assert len(PROPERTIES) == 25
SCHEMA_MESSAGE = {
    "type": "SCHEMA",
    "stream": STREAM,
    "schema": {"type": "object", "properties": PROPERTIES},
    "key_properties": [KEY],
}
STATE_EVERY = 4000
OFFSETS = ("-05:00", "-08:00", "+00:00", "+01:00", "-03:30")
CITIES = ("Austin", "Boston", "Denver", "Miami", "Portland", "Santa Barbara", "Tulsa")
MEDIA = ("Online", "Offline", "Search", "Social")


@dataclass(frozen=True)
class Counts:
    """What a target should hold after loading a file."""

    records: int
    corrections: int

    @property
    def roots(self) -> int:
        """Records that correct nothing: one current row each in a reconciling target."""
        return self.records - self.corrections


def _record(n: int, rng: random.Random) -> dict[str, Any]:
    day, hour, minute, second = 1 + n % 28, n // 3600 % 24, n // 60 % 60, n % 60
    offset = OFFSETS[n % len(OFFSETS)]
    row: dict[str, Any] = {
        KEY: f"T{n:09d}",
        "corrects_transaction_id": None,
        "corrected_at": None,
        "call_start_time": f"2026-01-{day:02d}T{hour:02d}:{minute:02d}:{second:02d}{offset}",
        "start_time_local": f"2026-01-{day:02d}T{hour:02d}:{minute:02d}:{second:02d}-05:00",
        "start_time_utc": 1_767_225_600 + n,
        "duration": rng.randrange(3600),
        "connect_duration": rng.randrange(600),
        "advertiser_id": 1000 + n % 97,
        "sale_amount": _Decimal(f"{rng.randrange(1_000_000) / 100:.2f}"),
        "revenue": _Decimal(f"{rng.randrange(10_000) / 100:.2f}"),
        "is_verified": n % 3 == 0,
        "signal_fired": rng.random() < 0.4,
        "custom_data": [
            {"name": "campaign", "value": f"c{n % 50}"},
            {"name": "keyword", "value": f"kw-{rng.randrange(500)}"},
        ],
        "transaction_type": "Call",
        "advertiser_name": f"Advertiser {n % 97}",
        "affiliate_name": f"Affiliate {rng.randrange(40)}",
        "media_type": MEDIA[n % len(MEDIA)],
        "city": CITIES[rng.randrange(len(CITIES))],
        "region": f"R{rng.randrange(50):02d}",
        "calling_phone_number": f"+1555{rng.randrange(10_000_000):07d}",
        "destination_phone_number": f"+1800{n % 1000:07d}",
        "promo_number": f"+1866{rng.randrange(1000):07d}",
        "complete_call_id": f"{n:08X}-{rng.getrandbits(32):08X}",
        "call_result_description_detail": None if n % 7 else "Voicemail",
    }
    return row


class _Decimal(str):
    """A decimal written as a JSON number (``json`` would quote a str, and a float may round)."""


def _dumps(message: dict[str, Any]) -> str:
    # Decimals are strings in the dict; write them unquoted so they arrive as JSON numbers.
    record = message["record"]
    text = json.dumps(message, separators=(",", ":"))
    for name in ("sale_amount", "revenue"):
        value = record[name]
        text = text.replace(f'"{name}":"{value}"', f'"{name}":{value}', 1)
    return text


def write(count: int, out: TextIO, *, seed: int = 7, corrections: float = 0.1) -> Counts:
    """Write the messages for ``count`` records to ``out``; return what they should load to."""
    rng = random.Random(seed)
    issued: list[str] = []
    corrected = 0
    out.write(json.dumps(SCHEMA_MESSAGE, separators=(",", ":")) + "\n")
    for n in range(count):
        row = _record(n, rng)
        if issued and rng.random() < corrections:
            row["corrects_transaction_id"] = rng.choice(issued[-5000:])
            day, hour, minute, second = 1 + n // 86400 % 28, n // 3600 % 24, n // 60 % 60, n % 60
            row["corrected_at"] = f"2026-02-{day:02d}T{hour:02d}:{minute:02d}:{second:02d}Z"
            row["transaction_type"] = "Correction"
            row["sale_amount"] = _Decimal(f"{rng.randrange(1_000_000) / 100:.2f}")
            corrected += 1
        issued.append(row[KEY])
        out.write(_dumps({"type": "RECORD", "stream": STREAM, "record": row}) + "\n")
        if (n + 1) % STATE_EVERY == 0:
            out.write(json.dumps({"type": "STATE", "value": {"bookmarks": {STREAM: row[KEY]}}}) + "\n")
    out.write(json.dumps({"type": "STATE", "value": {"bookmarks": {STREAM: "end"}}}) + "\n")
    return Counts(count, corrected)


def cached(count: int, cache: Path | None = None) -> tuple[Path, Counts]:
    """The input file for ``count`` records, generated on first use; and its expected counts."""
    cache = cache or Path(tempfile.gettempdir()) / "bench-target-reconciled"
    cache.mkdir(parents=True, exist_ok=True)
    path = cache / f"invoca-v{VERSION}-{count}.jsonl"
    counts_path = path.with_suffix(".counts.json")
    if path.exists() and counts_path.exists():
        return path, Counts(**json.loads(counts_path.read_text()))
    partial = path.with_suffix(f".{os.getpid()}.partial")
    with partial.open("w") as out:
        counts = write(count, out)
    partial.replace(path)
    counts_path.write_text(json.dumps({"records": counts.records, "corrections": counts.corrections}))
    return path, counts


if __name__ == "__main__":
    with Path(sys.argv[2]).open("w") as out:
        print(write(int(sys.argv[1]), out))
