"""The documented value tables are carried verbatim, duplicates included."""

from __future__ import annotations

from collections import Counter

from sandbox.ve.catalog import (
    APPROVED,
    AUTO_CANCELLED,
    CANCELLED,
    PROMO_CODE_TYPES,
    STAGED_STATUSES,
    TRANSACTION_STATUSES,
    TRANSACTION_TYPES,
)


def test_transaction_types_are_the_39_documented_rows() -> None:
    assert len(TRANSACTION_TYPES) == 39
    assert [row.number for row in TRANSACTION_TYPES] == list(range(1, 40))
    assert TRANSACTION_TYPES[0] == (1, "Promo Codes", "Transaction generaty by promo codes way")
    assert TRANSACTION_TYPES[22].description == "Transaction Generated without promo codes,open no click"
    names = Counter(row.name for row in TRANSACTION_TYPES)
    assert len(names) == 29
    assert names["Click / Email"] == 3
    assert {name for name, count in names.items() if count == 2} == {
        "VeAssist",
        "VePrompt Advanced",
        "VePrompt Feedback",
        "VePrompt Prompt",
        "VePrompt Proactive Email",
        "VePrompt Proactive SMS",
        "VePromote",
        "VePanel",
    }
    assert len(PROMO_CODE_TYPES) == 12


def test_transaction_statuses_are_the_29_documented_rows() -> None:
    assert len(TRANSACTION_STATUSES) == 29
    assert len({row.name for row in TRANSACTION_STATUSES}) == 12
    assert TRANSACTION_STATUSES[7].name == "Cancel (sold out)"  # row 8's own spelling
    assert TRANSACTION_STATUSES[6].description == "Waiting for min commision"
    assert TRANSACTION_STATUSES[28].name == "Trial Period not processed by Recurly"
    assert len({(row.name, row.description) for row in TRANSACTION_STATUSES}) == 29


def test_lifecycles_pair_each_outcome_with_its_billing_stages() -> None:
    for cycle in (APPROVED, AUTO_CANCELLED, *CANCELLED.values()):
        decided, waiting, invoiced, paid = (TRANSACTION_STATUSES[row - 1] for row in cycle)
        assert waiting.description == "Waiting for min commision"
        assert invoiced.description.lower().startswith("invoiced")
        assert paid.description.lower().startswith("paid")
        assert invoiced.name == paid.name == decided.name
    assert len(STAGED_STATUSES) == 18
