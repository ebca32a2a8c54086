"""What the reconciliation engine and a destination exchange: versions, links, plans, the store."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Incoming:
    """One record of a batch, as the engine sees it (the record itself stays with the destination).

    ``key`` and ``corrects`` are canonical key texts (``key_text``); ``order`` is the encoded
    version order of the row (``encode_order``); ``digest`` identifies its content, so a replayed
    row (same key, same digest) is recognised. ``seq`` is the row's arrival sequence, given by
    the destination: greater than every stored one and increasing in input order (a row the
    engine drops as a replay leaves its number unused).
    """

    key: str
    corrects: str | None
    order: str
    digest: str
    seq: int


@dataclass(frozen=True, slots=True)
class Stored:
    """A version already committed: the ``Incoming`` fields plus its root and arrival sequence."""

    root: str
    seq: int
    key: str
    corrects: str | None
    order: str
    digest: str


@dataclass(frozen=True, slots=True)
class Link:
    """Where a key sits in the correction forest: the key it corrects (first seen wins) and its root."""

    parent: str | None
    root: str


@dataclass(frozen=True, slots=True)
class Winner:
    """The current version of a root: the winning row's sequence and how many versions the root has."""

    seq: int
    versions: int


@dataclass(slots=True)
class Plan:
    """What a destination must write, in one transaction, for one batch.

    - ``rows``: ``(batch index, seq, root)`` of every batch record to append to the history, in
      arrival order; replays and in-batch duplicates are left out.
    - ``links``: links to insert or replace, by key.
    - ``remaps``: old root -> new root (always a final root); every stored version and link
      under the old root moves, and the old root's current row is deleted. A key without a
      link is its own root.
    - ``current``: the winner of every root whose current row may have changed (its row is found
      by ``seq`` in the history or among ``rows``).
    - ``new_roots``: how many roots of ``current`` had no stored version before this batch.
    - ``dropped``: the sequences of the batch records left out, ascending. A destination stores
      each kept row's sequence lowered by the number dropped before it (``closed``), so stored
      sequences have no gaps and do not depend on how the input was cut into batches (a resumed
      run re-sends records already stored: its tables still equal a clean run's).
    """

    rows: list[tuple[int, int, str]] = field(default_factory=list)
    links: dict[str, Link] = field(default_factory=dict)
    remaps: dict[str, str] = field(default_factory=dict)
    current: dict[str, Winner] = field(default_factory=dict)
    new_roots: int = 0
    dropped: list[int] = field(default_factory=list)

    def closed(self, seq: int) -> int:
        """The sequence stored for a row numbered ``seq`` in the batch (see ``dropped``)."""
        return seq - bisect_left(self.dropped, seq)


class Store(Protocol):
    """What the engine reads of a stream's committed bookkeeping (a destination implements it)."""

    def links(self, keys: Collection[str]) -> dict[str, Link]:
        """The known links of these keys (unknown keys are absent)."""
        ...

    def versions(self, roots: Collection[str]) -> list[Stored]:
        """Every stored version under these roots."""
        ...
