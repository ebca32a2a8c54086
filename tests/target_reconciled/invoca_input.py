"""Invoca-like Singer input: 25 columns, a share of corrections (some of corrections), distinct times.

``python tests/target_reconciled/invoca_input.py N OUT.jsonl`` writes N records (10% corrections).
"""

from __future__ import annotations

import json
import random
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

STRINGS = [f"col_{n:02d}" for n in range(12)]
PROPERTIES: dict[str, Any] = {
    "transaction_id": {"type": "string"},
    "corrects_transaction_id": {"type": ["string", "null"]},
    "corrected_at": {"type": ["string", "null"], "format": "date-time"},
    "transaction_type": {"type": ["string", "null"]},
    "call_start_time": {"type": ["string", "null"], "format": "date-time"},
    "start_time_utc": {"type": ["integer", "null"]},
    "duration": {"type": ["integer", "null"]},
    "connect_duration": {"type": ["integer", "null"]},
    "sale_amount": {"type": ["number", "null"]},
    "revenue": {"type": ["number", "null"]},
    "is_verified": {"type": ["boolean", "null"]},
    "custom_data": {"type": ["array", "null"], "items": {"type": "object"}},
    **{name: {"type": ["string", "null"]} for name in STRINGS},
    "advertiser_id": {"type": ["integer", "null"]},
}
SCHEMA = {"type": "object", "properties": PROPERTIES}


def records(count: int, *, seed: int = 7, corrections: float = 0.1) -> Iterator[dict[str, Any]]:
    """``count`` records; about ``corrections`` of them correct an earlier (or corrected) one."""
    rng = random.Random(seed)
    issued: list[str] = []
    for n in range(count):
        row: dict[str, Any] = {
            "transaction_id": f"T{n:08d}",
            "corrects_transaction_id": None,
            "corrected_at": None,
            "transaction_type": "call",
            "call_start_time": f"2026-01-{1 + n % 28:02d}T{n % 24:02d}:{n % 60:02d}:00-05:00",
            "start_time_utc": 1767225600 + n,
            "duration": rng.randrange(600),
            "connect_duration": rng.randrange(600),
            "sale_amount": f"{rng.randrange(100000) / 100:.2f}",
            "revenue": f"{rng.randrange(10000) / 100:.2f}",
            "is_verified": n % 3 == 0,
            "custom_data": [{"name": "campaign", "value": f"c{n % 50}"}],
            **{name: f"{name}-{rng.randrange(1000)}" for name in STRINGS},
            "advertiser_id": n % 97,
        }
        if issued and rng.random() < corrections:
            row["corrects_transaction_id"] = rng.choice(issued[-5000:])
            row["corrected_at"] = (
                f"2026-02-{1 + n // 86400 % 28:02d}T{n // 3600 % 24:02d}:{n // 60 % 60:02d}:{n % 60:02d}Z"
            )
            row["transaction_type"] = "correction"
        issued.append(row["transaction_id"])
        yield row


def lines(count: int, **kwargs: Any) -> Iterator[str]:
    """The Singer messages: SCHEMA, RECORDs and a STATE every 4000 records (numbers as JSON numbers)."""
    yield json.dumps(
        {"type": "SCHEMA", "stream": "transactions", "schema": SCHEMA, "key_properties": ["transaction_id"]}
    )
    for n, row in enumerate(records(count, **kwargs), 1):
        text = json.dumps({"type": "RECORD", "stream": "transactions", "record": row})
        for money in ("sale_amount", "revenue"):
            text = text.replace(f'"{money}": "{row[money]}"', f'"{money}": {row[money]}')
        yield text
        if n % 4000 == 0:
            yield json.dumps(
                {"type": "STATE", "value": {"bookmarks": {"transactions": row["transaction_id"]}}}
            )
    yield json.dumps({"type": "STATE", "value": {"bookmarks": {"transactions": "end"}}})


if __name__ == "__main__":
    with Path(sys.argv[2]).open("w") as out:
        for line in lines(int(sys.argv[1])):
            out.write(line + "\n")
