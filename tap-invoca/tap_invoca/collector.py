"""Python's cyclic garbage collector, set for a sync that allocates millions of short-lived rows."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

YOUNG_THRESHOLD = 50_000
"""Container allocations between collections of the youngest generation (Python's default: 700)."""


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Collect less often while the block runs; Python's settings are restored after it.

    A page is 4,000 row dicts holding lists and dicts, none in a reference cycle. At Python's
    default threshold the collector ran after every 700 of them, and every tenth run walked the
    page again (about a tenth of the tap's CPU). The objects that exist before the sync (modules,
    the SDK's) are frozen, so the rare full collections do not walk them either.
    """
    threshold = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(YOUNG_THRESHOLD, *threshold[1:])
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        gc.unfreeze()
