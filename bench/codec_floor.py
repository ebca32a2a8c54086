"""The floor of a tap on the Invoca pages: start-up with the SDK, HTTP, and msgspec alone.

``python -m bench.codec_floor URL`` imports ``singer_sdk`` (every SDK tap's start-up), walks
every page of ``bench.invoca_pages`` as tap-invoca's default query does, decodes each body with
``msgspec`` (dicts, floats as ``Decimal``) and writes each row, encoded by ``msgspec``, as a
line to stdout. No normalisation and no Singer messages: what any Python tap of these rows must
at least do. Python's garbage collector is off, as it may be in a process that creates no
reference cycles.
"""

from __future__ import annotations

import decimal
import gc
import sys
from typing import Any

import msgspec
import singer_sdk  # noqa: F401  (the start-up every SDK tap pays)

from bench.invoca_pages import bodies


def walk(url: str) -> int:
    """Decode and encode every page's rows to stdout; the number of rows."""
    decode = msgspec.json.Decoder(list[dict[str, Any]], float_hook=decimal.Decimal).decode
    encode = msgspec.json.Encoder(decimal_format="number").encode
    out, pending, rows = sys.stdout.buffer, bytearray(), 0
    for body in bodies(url):
        for record in decode(body):
            pending += encode(record)
            pending += b"\n"
            rows += 1
            if len(pending) >= 1 << 20:  # written a megabyte at a time, as tap-invoca does
                out.write(pending)
                pending.clear()
    out.write(pending)
    return rows


if __name__ == "__main__":
    gc.disable()
    walk(sys.argv[1])
