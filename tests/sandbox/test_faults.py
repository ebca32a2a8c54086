"""Fault rules: parsing and which requests they hit."""

from __future__ import annotations

import pytest

from sandbox.faults import FaultKind, FaultPlan, FaultSpecError, parse_rule


def kinds_for(plan: FaultPlan, count: int) -> list[str | None]:
    return [(rule.kind.value if rule else None) for rule in (plan.next_request() for _ in range(count))]


def test_parse_round_trips_every_option() -> None:
    rule = parse_rule("429:at=2+9,every=5,first=1,rate=0.25,retry_after=7")
    assert rule.kind is FaultKind.RATE_LIMITED
    assert rule.at == frozenset({2, 9})
    assert (rule.every, rule.first, rule.rate, rule.retry_after) == (5, 1, 0.25, 7)
    assert parse_rule(rule.spec) == rule
    slow = parse_rule("slow:every=3,delay=1.5")
    assert parse_rule(slow.spec) == slow


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("teapot:every=2", "unknown fault kind"),
        ("500", "no trigger"),
        ("500:every", "needs a value"),
        ("500:every=0", "positive"),
        ("500:rate=2", "probability"),
        ("500:often=1", "unknown option"),
        ("504:every=1,delay=-1", "negative"),
    ],
)
def test_bad_specs_say_what_is_wrong(spec: str, message: str) -> None:
    with pytest.raises(FaultSpecError, match=message):
        parse_rule(spec)


def test_502_is_a_fault_kind() -> None:
    rule = parse_rule("502:rate=0.05")
    assert (rule.kind, rule.rate) == (FaultKind.BAD_GATEWAY, 0.05)
    assert parse_rule(rule.spec) == rule


def test_triggers_at_every_first() -> None:
    plan = FaultPlan.from_specs(["reset:at=2+7", "500:every=3", "429:first=1"])
    assert kinds_for(plan, 9) == ["429", "reset", "500", None, None, "500", "reset", None, "500"]
    assert plan.injected[:3] == [
        (1, FaultKind.RATE_LIMITED),
        (2, FaultKind.RESET),
        (3, FaultKind.SERVER_ERROR),
    ]


def test_rate_is_seeded_and_roughly_right() -> None:
    first = kinds_for(FaultPlan.from_specs(["500:rate=0.3"], seed=4), 2000)
    again = kinds_for(FaultPlan.from_specs(["500:rate=0.3"], seed=4), 2000)
    other = kinds_for(FaultPlan.from_specs(["500:rate=0.3"], seed=5), 2000)
    assert first == again
    assert first != other
    assert 500 < first.count("500") < 700


def test_empty_plan_never_fires() -> None:
    plan = FaultPlan()
    assert kinds_for(plan, 50) == [None] * 50
    assert plan.requests == 50
