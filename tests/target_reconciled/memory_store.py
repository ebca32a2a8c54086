"""An in-memory ``Store`` that applies plans like a destination would, for tests of whole runs."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace
from typing import Any

from target_reconciled.engine import incoming, plan
from target_reconciled.model import Incoming, Link, Plan, Stored, Winner
from target_reconciled.rules import StreamRules


class MemoryStore:
    """Links, history and current rows of one stream, kept in dicts.

    ``apply`` checks the plan's invariants (increasing sequences, final remap targets, winners
    that exist) so an engine bug fails loudly instead of corrupting later batches.
    """

    def __init__(self) -> None:
        self._links: dict[str, Link] = {}
        self._history: dict[int, tuple[Stored, dict[str, Any]]] = {}
        self._by_root: dict[str, list[int]] = {}
        self._current: dict[str, Winner] = {}
        self._next_seq = 1
        self.plans: list[Plan] = []

    def links(self, keys: Collection[str]) -> dict[str, Link]:
        return {key: self._links[key] for key in keys if key in self._links}

    def versions(self, roots: Collection[str]) -> list[Stored]:
        return [self._history[seq][0] for root in roots for seq in self._by_root.get(root, ())]

    def apply(self, plan: Plan, batch: Sequence[Incoming], records: Sequence[Mapping[str, Any]]) -> None:
        """Write one plan, as a destination does in one transaction."""
        assert not set(plan.remaps.values()) & set(plan.remaps), f"remap to a merged root: {plan.remaps}"
        for old, new in plan.remaps.items():
            for seq in self._by_root.pop(old, ()):
                stored, record = self._history[seq]
                self._history[seq] = (replace(stored, root=new), record)
                self._by_root.setdefault(new, []).append(seq)
            for key, link in self._links.items():
                if link.root == old:
                    self._links[key] = Link(link.parent, new)
            self._current.pop(old, None)
        for key, link in plan.links.items():
            old_link = self._links.get(key)
            assert old_link is None or old_link.parent in (None, link.parent), (key, old_link, link)
            self._links[key] = link
        last = self._next_seq - 1
        for index, seq, root in plan.rows:
            item = batch[index]
            assert seq == item.seq > last, (seq, item.seq, last)
            last = seq
            stored = Stored(root, seq, item.key, item.corrects, item.order, item.digest)
            self._history[seq] = (stored, dict(records[index]))
            self._by_root.setdefault(root, []).append(seq)
        self._next_seq += len(batch)
        for root, winner in plan.current.items():
            assert root not in plan.remaps
            assert self._history[winner.seq][0].root == root, (root, winner)
            assert winner.versions == len(self._by_root[root]), (root, winner)
            self._current[root] = winner
        self.plans.append(plan)

    def feed(self, rules: StreamRules, records: Sequence[Mapping[str, Any]]) -> Plan:
        """Plan one batch of records against this store and apply it."""
        batch = [incoming(rules, record, self._next_seq + n) for n, record in enumerate(records)]
        result = plan(rules, batch, self)
        self.apply(result, batch, records)
        return result

    def current(self) -> dict[str, dict[str, Any]]:
        """Root key text -> winning record."""
        return {root: self._history[winner.seq][1] for root, winner in self._current.items()}

    def winners(self) -> dict[str, Winner]:
        """Root key text -> winner (sequence and version count)."""
        return dict(self._current)

    def history(self) -> list[tuple[Stored, dict[str, Any]]]:
        """Every stored version with its record, by sequence."""
        return [self._history[seq] for seq in sorted(self._history)]

    def all_links(self) -> dict[str, Link]:
        """Every link, by key."""
        return dict(self._links)
