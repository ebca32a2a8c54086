"""Engine unit tests: links, merges, replays and winners, run through MemoryStore."""

from __future__ import annotations

import itertools
import time
from typing import Any

import pytest

from target_reconciled.engine import incoming, plan
from target_reconciled.keys import BadKey, key_text
from target_reconciled.model import Link
from target_reconciled.rules import StreamRules, resolve_rules
from tests.target_reconciled.memory_store import MemoryStore

INVOCA_SCHEMA = {
    "type": "object",
    "properties": {
        "transaction_id": {"type": ["string"]},
        "corrects_transaction_id": {"type": ["string", "null"]},
        "corrected_at": {"type": ["string", "null"], "format": "date-time"},
        "amount": {"type": ["number", "null"]},
        "rev": {"type": ["integer", "null"]},
    },
}
VE_SCHEMA = {
    "type": "object",
    "properties": {
        "transactionId": {"type": ["integer"]},
        "modifiedDate": {"type": ["string", "null"], "format": "date-time"},
        "status": {"type": ["string", "null"]},
    },
}
INVOCA = resolve_rules("transactions", INVOCA_SCHEMA, ["transaction_id"], ["transaction_id"], None)
VE = resolve_rules("transactions", VE_SCHEMA, ["transactionId"], ["modifiedDate"], None)
ARRIVAL = resolve_rules("transactions", VE_SCHEMA, ["transactionId"], None, None)
T1 = "2024-01-01T00:00:00Z"
VERSIONED = resolve_rules("transactions", INVOCA_SCHEMA, ["transaction_id"], None, {"version": "rev"})


def inv(tid: str, corrects: str | None = None, at: str | None = None, **extra: Any) -> dict[str, Any]:
    return {"transaction_id": tid, "corrects_transaction_id": corrects, "corrected_at": at, **extra}


def ve(tid: int, modified: str | None, status: str = "ok", **extra: Any) -> dict[str, Any]:
    return {"transactionId": tid, "modifiedDate": modified, "status": status, **extra}


def k(*values: Any) -> str:
    return key_text(values)


def run(rules: StreamRules, *batches: list[dict[str, Any]]) -> MemoryStore:
    store = MemoryStore()
    for batch in batches:
        store.feed(rules, batch)
    return store


def winner_ids(store: MemoryStore, column: str = "transaction_id") -> dict[str, Any]:
    return {root: record[column] for root, record in store.current().items()}


# --- incoming


def test_incoming_fields() -> None:
    item = incoming(INVOCA, inv("b", "a", "2024-01-01T10:00:00+02:00", amount=1.5), 1)
    assert item.key == '["b"]'
    assert item.corrects == '["a"]'
    assert len(item.digest) == 32
    assert incoming(INVOCA, inv("a", ""), 1).corrects is None
    assert incoming(INVOCA, inv("a", None), 1).corrects is None


def test_digest_ignores_sdc_columns_and_key_order() -> None:
    one = incoming(INVOCA, {**inv("a", amount=1), "_sdc_extracted_at": "2024-01-01T00:00:00Z"}, 1)
    two = incoming(INVOCA, {"amount": 1, "_sdc_extracted_at": "2025-01-01T00:00:00Z", **inv("a")}, 1)
    three = incoming(INVOCA, inv("a", amount=2), 1)
    assert one == two
    assert one.digest != three.digest


def test_int_and_string_keys_are_the_same_key() -> None:
    assert incoming(VE, ve(5, None), 1).key == incoming(VE, {**ve(5, None), "transactionId": "5"}, 1).key


@pytest.mark.parametrize("value", [None, True, 1.5])
def test_bad_key_value_names_the_column(value: Any) -> None:
    with pytest.raises(BadKey, match="transactionId"):
        incoming(VE, {**ve(1, None), "transactionId": value}, 1)
    with pytest.raises(BadKey, match="corrects_transaction_id"):
        incoming(INVOCA, inv("a", value if value is not None else 2.5), 1)


def test_missing_key_column() -> None:
    with pytest.raises(BadKey, match="transaction_id"):
        incoming(INVOCA, {"amount": 1}, 1)


def test_incoming_cost() -> None:
    record = {
        **inv("abcdef0123456789", "0123456789abcdef", "2024-05-01T10:00:00-07:00"),
        **{f"column_{i}": f"value {i}" for i in range(30)},
        "amount": 12.5,
        "_sdc_extracted_at": "2024-05-01T10:00:00Z",
    }
    rounds = 20_000
    start = time.perf_counter()
    for _ in range(rounds):
        incoming(INVOCA, record, 1)
    per_record = (time.perf_counter() - start) / rounds
    assert per_record < 100e-6, f"incoming takes {per_record * 1e6:.1f} µs per record"


# --- corrections


def test_correction_before_original() -> None:
    store = run(INVOCA, [inv("b", "a", "2024-01-02T00:00:00Z", amount=2)])
    assert winner_ids(store) == {k("a"): "b"}
    assert store.all_links() == {k("a"): Link(None, k("a")), k("b"): Link(k("a"), k("a"))}
    store.feed(INVOCA, [inv("a", amount=1)])
    assert winner_ids(store) == {k("a"): "b"}
    assert store.winners()[k("a")].versions == 2


def test_original_after_correction_changes_no_winner_even_when_later_dated() -> None:
    store = run(INVOCA, [inv("b", "a", "2024-01-01T00:00:00Z")], [inv("a", None, "2030-01-01T00:00:00Z")])
    assert winner_ids(store) == {k("a"): "b"}


CHAIN = [inv("a", amount=1), inv("b", "a", "2024-01-02T00:00:00Z"), inv("c", "b", "2024-01-01T00:00:00Z")]


@pytest.mark.parametrize("order", list(itertools.permutations(range(3))))
@pytest.mark.parametrize("together", [False, True])
def test_chain_in_every_order(order: tuple[int, ...], together: bool) -> None:
    records = [CHAIN[i] for i in order]
    store = run(INVOCA, records) if together else run(INVOCA, *([r] for r in records))
    # c corrects b which corrects a: c wins although its corrected_at is earlier.
    assert winner_ids(store) == {k("a"): "c"}
    assert store.winners()[k("a")].versions == 3
    assert {link.root for link in store.all_links().values()} == {k("a")}


def test_two_corrections_of_the_root_then_a_correction_of_one() -> None:
    store = run(
        INVOCA,
        [inv("a"), inv("b", "a", "2024-01-02T00:00:00Z"), inv("c", "a", "2024-01-03T00:00:00+05:00")],
    )
    # c at 2024-01-02T19:00Z is later than b.
    assert winner_ids(store) == {k("a"): "c"}
    store.feed(INVOCA, [inv("d", "b", "2024-01-02T12:00:00Z")])
    # leaves c (19:00Z) and d (12:00Z): c is later.
    assert winner_ids(store) == {k("a"): "c"}
    store.feed(INVOCA, [inv("e", "c", None)])
    # e beats c; leaves d (12:00Z) and e (null corrected_at, lowest): d wins.
    assert winner_ids(store) == {k("a"): "d"}


def test_null_corrected_at_ties_break_by_arrival() -> None:
    store = run(INVOCA, [inv("a"), inv("b", "a")], [inv("c", "a")])
    assert winner_ids(store) == {k("a"): "c"}


def test_groups_merge_across_batches() -> None:
    store = run(
        INVOCA,
        [inv("b", "a", "2024-01-01T00:00:00Z"), inv("d", "c", "2024-01-05T00:00:00Z")],
    )
    assert winner_ids(store) == {k("a"): "b", k("c"): "d"}
    result = store.feed(INVOCA, [inv("c", "a", "2024-01-02T00:00:00Z")])
    assert result.remaps == {k("c"): k("a")}
    assert winner_ids(store) == {k("a"): "d"}
    assert store.winners()[k("a")].versions == 3
    assert {link.root for link in store.all_links().values()} == {k("a")}


def test_groups_merge_in_a_chain_within_one_batch() -> None:
    store = run(INVOCA, [inv("a")], [inv("b")], [inv("c")])
    result = store.feed(
        INVOCA, [inv("a", "b", "2024-01-01T00:00:00Z"), inv("b", "c", "2024-01-01T00:00:00Z")]
    )
    assert result.remaps == {k("a"): k("c"), k("b"): k("c")}
    assert set(result.current) == {k("c")}
    assert winner_ids(store) == {k("c"): "a"}
    assert store.winners()[k("c")].versions == 5


def test_groups_merge_in_a_reversed_chain_within_one_batch() -> None:
    store = run(INVOCA, [inv("a")], [inv("b")], [inv("c")])
    result = store.feed(
        INVOCA, [inv("b", "c", "2024-01-01T00:00:00Z"), inv("a", "b", "2024-01-01T00:00:00Z")]
    )
    assert result.remaps == {k("a"): k("c"), k("b"): k("c")}
    assert winner_ids(store) == {k("c"): "a"}


def test_cycle_is_ignored() -> None:
    store = run(INVOCA, [inv("a", "b", "2024-01-01T00:00:00Z")], [inv("b", "a", "2024-01-02T00:00:00Z")])
    assert store.all_links()[k("b")] == Link(None, k("b"))
    assert winner_ids(store) == {k("b"): "a"}


def test_cycle_within_one_batch_and_self_correction() -> None:
    store = run(INVOCA, [inv("a", "b"), inv("b", "c"), inv("c", "a"), inv("x", "x")])
    links = store.all_links()
    assert links[k("c")] == Link(None, k("c"))
    assert links[k("x")] == Link(None, k("x"))
    assert winner_ids(store) == {k("c"): "a", k("x"): "x"}


def test_first_parent_wins() -> None:
    store = run(INVOCA, [inv("b", "a", amount=1)], [inv("b", "c", amount=2)])
    assert store.all_links()[k("b")] == Link(k("a"), k("a"))
    assert k("c") not in store.all_links()
    assert winner_ids(store) == {k("a"): "b"}
    assert store.current()[k("a")]["amount"] == 2


def test_ignored_cyclic_parent_leaves_room_for_a_later_one() -> None:
    store = run(INVOCA, [inv("a", "b")], [inv("b", "a", amount=1)], [inv("b", "z", amount=2)])
    assert store.all_links()[k("b")] == Link(k("z"), k("z"))
    assert set(store.current()) == {k("z")}


def test_replay_changes_nothing() -> None:
    batch = [inv("a", amount=1), inv("b", "a", "2024-01-01T00:00:00Z"), inv("x", "y")]
    store = run(INVOCA, batch)
    history, current = store.history(), store.current()
    result = store.feed(INVOCA, [{**r, "_sdc_extracted_at": "2030-01-01T00:00:00Z"} for r in reversed(batch)])
    assert (result.rows, result.links, result.remaps, result.current) == ([], {}, {}, {})
    assert result.dropped == [4, 5, 6]  # the replays' numbers, closed up when stored
    assert store.history() == history
    assert store.current() == current


def test_duplicates_within_a_batch_are_stored_once() -> None:
    store = run(INVOCA, [inv("a", amount=1), inv("a", amount=1), inv("a", amount=2)])
    assert [stored.seq for stored, _ in store.history()] == [1, 3]  # the duplicate's number stays unused
    assert store.plans[0].rows == [(0, 1, k("a")), (2, 3, k("a"))]
    assert store.plans[0].dropped == [2]  # a destination stores the third row as 2
    assert [store.plans[0].closed(seq) for _, seq, _ in store.plans[0].rows] == [1, 2]
    assert store.current()[k("a")]["amount"] == 2


def test_new_version_of_a_key_without_order_wins_by_arrival() -> None:
    store = run(INVOCA, [inv("a", amount=1)], [inv("a", amount=2)], [inv("a", amount=1)])
    # The third row is a replay of the first: it does not bring amount 1 back.
    assert store.current()[k("a")]["amount"] == 2


# --- other modes


def test_replication_key_compares_instants() -> None:
    store = run(VE, [ve(1, "2024-01-01T10:00:00+02:00", "first")], [ve(1, "2024-01-01T09:30:00Z", "second")])
    assert store.current()[k(1)]["status"] == "second"
    store.feed(VE, [ve(1, "2024-01-01T11:59:00+03:00", "older, late")])
    assert store.current()[k(1)]["status"] == "second"
    store.feed(VE, [ve(1, None, "undated")])
    assert store.current()[k(1)]["status"] == "second"
    assert store.winners()[k(1)].versions == 4


def test_replication_key_tie_breaks_by_arrival() -> None:
    store = run(VE, [ve(1, "2024-01-01T00:00:00Z", "a")], [ve(1, "2024-01-01T00:00:00+00:00", "b")])
    assert store.current()[k(1)]["status"] == "b"


def test_replication_key_mode_has_no_links() -> None:
    store = run(VE, [ve(1, None), ve(2, None)])
    assert store.all_links() == {}
    assert set(store.current()) == {k(1), k(2)}


def test_arrival_mode() -> None:
    store = run(
        ARRIVAL, [ve(1, "2030-01-01T00:00:00Z", "a"), ve(2, None)], [ve(1, "2020-01-01T00:00:00Z", "b")]
    )
    assert store.current()[k(1)]["status"] == "b"
    store.feed(ARRIVAL, [ve(1, "2030-01-01T00:00:00Z", "a")])
    assert store.current()[k(1)]["status"] == "b"


def test_version_mode_with_nulls() -> None:
    store = run(
        VERSIONED, [inv("a", rev=None, amount=1)], [inv("a", rev=2, amount=2)], [inv("a", rev=None, amount=3)]
    )
    assert store.current()[k("a")]["amount"] == 2
    store.feed(VERSIONED, [inv("a", rev=1, amount=4)])
    assert store.current()[k("a")]["amount"] == 2
    store.feed(VERSIONED, [inv("a", rev=10, amount=5)])
    assert store.current()[k("a")]["amount"] == 5


def test_version_mode_keeps_corrections_roots_but_ignores_leaves() -> None:
    store = run(VERSIONED, [inv("a", rev=5)], [inv("b", "a", rev=3)])
    assert winner_ids(store) == {k("a"): "a"}


def test_plan_is_pure() -> None:
    store = run(INVOCA, [inv("a")])
    batch = [incoming(INVOCA, inv("b", "a", "2024-01-01T00:00:00Z"), 1)]
    assert plan(INVOCA, batch, store) == plan(INVOCA, batch, store)
    assert winner_ids(store) == {k("a"): "a"}
