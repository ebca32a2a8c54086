"""Property tests: MemoryStore fed through the engine equals a brute-force reference.

Acceptance: for any interleaving of originals, corrections, chains and replays, the current table
equals the reference "latest version per root"; shuffling the input changes nothing; replaying it
changes nothing.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from collections.abc import Callable, Sequence
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from target_reconciled.keys import key_text
from target_reconciled.rules import StreamRules, resolve_rules
from tests.target_reconciled.memory_store import MemoryStore

SCHEMA = {
    "type": "object",
    "properties": {
        "id": {"type": ["string", "integer"]},
        "corrects": {"type": ["string", "null"]},
        "corrected_at": {"type": ["string", "null"], "format": "date-time"},
        "modified": {"type": ["string", "null"], "format": "date-time"},
        "rev": {"type": ["integer", "null"]},
        "amount": {"type": ["integer", "null"]},
    },
}
CORRECTIONS = resolve_rules("s", SCHEMA, ["id"], None, {"corrects": "corrects"})
VERSIONED = resolve_rules("s", SCHEMA, ["id"], None, {"corrects": "corrects", "version": "rev"})
REPLICATION = resolve_rules("s", SCHEMA, ["id"], ["modified"], None)
ARRIVAL = resolve_rules("s", SCHEMA, ["id"], None, None)
ALL_RULES = [CORRECTIONS, VERSIONED, REPLICATION, ARRIVAL]
EPOCH = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
KEYS = ["a", "b", "c", "d", "e", 1, "1", 2]

Record = dict[str, Any]


# --- the reference: brute force over the whole input, in arrival order


def parse_instant(text: str | None) -> tuple[Any, ...]:
    return (0,) if text is None else (1, dt.datetime.fromisoformat(text).astimezone(dt.UTC))


def json_content(record: Record) -> str:
    """A record's content as the engine's digest sees it: its JSON without ``_sdc_*`` columns."""
    return json.dumps({k: v for k, v in record.items() if not k.startswith("_sdc_")}, sort_keys=True)


def reference(
    rules: StreamRules, records: Sequence[Record], content: Callable[[Record], str] = json_content
) -> tuple[dict[str, Record], dict[str, int]]:
    """Current row and version count per root, by the rules' definitions.

    A record whose key and ``content`` equal an earlier record's is a replay.
    """
    seen: set[tuple[str, str]] = set()
    kept: list[Record] = []
    parent: dict[str, str] = {}
    for record in records:
        key = str(record["id"])
        if (key, content(record)) not in seen:
            seen.add((key, content(record)))
            kept.append(record)
        target = record.get(rules.corrects) if rules.corrects else None
        if target in (None, "") or key in parent:
            continue
        ancestor: str | None = str(target)
        while ancestor is not None and ancestor != key:
            ancestor = parent.get(ancestor)
        if ancestor is None:  # the target is not under key: no cycle
            parent[key] = str(target)

    def root(key: str) -> str:
        while key in parent:
            key = parent[key]
        return key

    groups: dict[str, list[tuple[int, Record]]] = {}
    for arrival, record in enumerate(kept):
        groups.setdefault(root(str(record["id"])), []).append((arrival, record))

    def rank(item: tuple[int, Record]) -> tuple[Any, ...]:
        arrival, record = item
        if rules.mode == "version":
            value = record["rev"]
            return ((0,) if value is None else (1, value)), arrival
        if rules.mode == "corrections":
            return parse_instant(record["corrected_at"]), arrival
        if rules.mode == "replication_key":
            return parse_instant(record["modified"]), arrival
        return (arrival,)

    corrected = set(parent.values())
    current, counts = {}, {}
    for group, members in groups.items():
        if rules.mode == "corrections":
            members_ = [m for m in members if str(m[1]["id"]) not in corrected]
        else:
            members_ = members
        current[key_text([group])] = max(members_, key=rank)[1]
        counts[key_text([group])] = len(members)
    return current, counts


# --- inputs


def instant(minutes: int, offset_minutes: int) -> str:
    zone = dt.timezone(dt.timedelta(minutes=offset_minutes))
    return (EPOCH + dt.timedelta(minutes=minutes)).astimezone(zone).isoformat()


offsets = st.sampled_from([0, 60, -300, 330, 840])
maybe_instant = st.one_of(st.none(), st.builds(instant, st.integers(0, 5), offsets))


@st.composite
def records(draw: st.DrawFn) -> Record:
    return {
        "id": draw(st.sampled_from(KEYS)),
        "corrects": draw(st.one_of(st.none(), st.just(""), st.sampled_from([str(k) for k in KEYS]))),
        "corrected_at": draw(maybe_instant),
        "modified": draw(maybe_instant),
        "rev": draw(st.one_of(st.none(), st.integers(0, 3))),
        "amount": draw(st.integers(0, 2)),
        "_sdc_extracted_at": draw(st.sampled_from(["x", "y"])),
    }


@st.composite
def with_replays(draw: st.DrawFn, rows: list[Record]) -> list[Record]:
    """Insert copies of some rows (with a new ``_sdc_extracted_at``) later in the input."""
    result = list(rows)
    for index in draw(st.lists(st.integers(0, max(len(rows) - 1, 0)), max_size=len(rows) // 2)):
        copy = {**rows[index], "_sdc_extracted_at": "replayed"}
        result.insert(draw(st.integers(index + 1, len(result))), copy)
    return result


@st.composite
def batchings(draw: st.DrawFn, rows: list[Record]) -> list[list[Record]]:
    """Cut the input into batches at random points."""
    cuts = sorted(draw(st.sets(st.integers(1, max(len(rows) - 1, 1)), max_size=4)))
    bounds = [0, *[c for c in cuts if c < len(rows)], len(rows)]
    return [rows[a:b] for a, b in itertools.pairwise(bounds) if b > a]


def feed(store: MemoryStore, rules: StreamRules, batches: list[list[Record]]) -> MemoryStore:
    for batch in batches:
        store.feed(rules, batch)
    return store


def check_links(store: MemoryStore, rules: StreamRules, rows: Sequence[Record]) -> None:
    """Links are a forest whose roots are where versions and current rows live."""
    if rules.corrects is None:
        assert store.all_links() == {}
        return
    links = store.all_links()
    for key, link in links.items():
        assert links[link.root].parent is None
        hops, node = 0, key
        while links[node].parent is not None:
            node, hops = links[node].parent, hops + 1
            assert hops <= len(links)
        assert node == link.root
    for stored, _ in store.history():
        assert links[stored.key].root == stored.root
    assert set(store.current()) == {stored.root for stored, _ in store.history()}
    assert {key_text([r["id"]]) for r in rows} <= set(links)


def versions(store: MemoryStore) -> dict[str, int]:
    return {root: winner.versions for root, winner in store.winners().items()}


# --- properties


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(ALL_RULES), st.lists(records(), max_size=14).flatmap(with_replays), st.data())
def test_current_equals_reference(rules: StreamRules, rows: list[Record], data: st.DataObject) -> None:
    store = feed(MemoryStore(), rules, data.draw(batchings(rows)))
    expected, counts = reference(rules, rows)
    assert store.current() == expected
    assert versions(store) == counts
    check_links(store, rules, rows)


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(ALL_RULES), st.lists(records(), max_size=12).flatmap(with_replays), st.data())
def test_replaying_changes_nothing(rules: StreamRules, rows: list[Record], data: st.DataObject) -> None:
    store = feed(MemoryStore(), rules, data.draw(batchings(rows)))
    history, current, links = store.history(), store.current(), store.all_links()
    again = [{**row, "_sdc_extracted_at": "again"} for row in data.draw(st.permutations(rows))]
    plans = len(store.plans)
    feed(store, rules, data.draw(batchings(again)))
    assert store.history() == history
    assert store.current() == current
    assert store.all_links() == links
    assert all(not (p.rows or p.links or p.remaps or p.current) for p in store.plans[plans:])


@st.composite
def forests(draw: st.DrawFn, rules: StreamRules) -> list[Record]:
    """Arrival-independent input: acyclic corrections, one parent per key, distinct order values."""
    size = draw(st.integers(1, 7))
    parents = [draw(st.one_of(st.none(), st.integers(0, i - 1))) if i else None for i in range(size)]
    copies = [draw(st.integers(0, 2)) for _ in range(size)]
    moments = iter(
        draw(st.lists(st.integers(0, 10_000), min_size=sum(copies), max_size=sum(copies), unique=True))
    )
    rows = []
    for i, (parent, count) in enumerate(zip(parents, copies, strict=True)):
        for _ in range(count):
            moment = instant(next(moments), draw(offsets))
            rows.append(
                {
                    "id": f"k{i}",
                    "corrects": None if parent is None or rules.corrects is None else f"k{parent}",
                    "corrected_at": moment,
                    "modified": moment,
                    "amount": draw(st.integers(0, 1)),
                }
            )
    rows += draw(st.lists(st.sampled_from(rows), max_size=3)) if rows else []
    return rows


@settings(max_examples=150, deadline=None)
@given(
    st.sampled_from([CORRECTIONS, REPLICATION]).flatmap(lambda r: st.tuples(st.just(r), forests(r))),
    st.data(),
)
def test_shuffling_changes_nothing(case: tuple[StreamRules, list[Record]], data: st.DataObject) -> None:
    rules, rows = case
    first = feed(MemoryStore(), rules, data.draw(batchings(rows)))
    shuffled = data.draw(st.permutations(rows))
    second = feed(MemoryStore(), rules, data.draw(batchings(shuffled)))
    assert second.current() == first.current()
    assert versions(second) == versions(first)
    assert first.current() == reference(rules, rows)[0]
