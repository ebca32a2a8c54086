"""Fault plans: which API request gets which injected failure (pure logic).

A rule is written ``KIND[:OPTION=VALUE[,OPTION=VALUE...]]``, for example
``429:every=5,retry_after=2``, ``500:at=3+7``, ``reset:rate=0.1`` or
``504:first=2,delay=0.5``. Triggers (at least one, all may be combined; a rule
fires when any of its triggers does):

- ``at=N+M+...``  the API requests with these 1-based numbers;
- ``every=K``     every K-th API request;
- ``first=K``     the first K API requests;
- ``rate=P``      each request with probability P (seeded, so repeatable).

Other options: ``retry_after`` (seconds, for 429 and quota), ``delay`` (seconds:
how long a 504 waits before answering, or how long a slow body takes to send).
The first rule that fires for a request wins.
"""

from __future__ import annotations

import enum
import random
from dataclasses import dataclass, field


class FaultKind(enum.StrEnum):
    """Failures an emulator can inject."""

    RATE_LIMITED = "429"
    SERVER_ERROR = "500"
    BAD_GATEWAY = "502"
    GATEWAY_TIMEOUT = "504"
    RESET = "reset"
    TRUNCATE = "truncate"
    SLOW = "slow"
    QUOTA = "quota"


@dataclass(frozen=True)
class FaultRule:
    """One kind of failure and when it fires."""

    kind: FaultKind
    at: frozenset[int] = frozenset()
    every: int | None = None
    first: int | None = None
    rate: float | None = None
    retry_after: int = 1
    delay: float = 0.0

    def fires(self, request_number: int, draw: float) -> bool:
        """Whether this rule hits API request ``request_number`` (1-based)."""
        return (
            request_number in self.at
            or (self.every is not None and request_number % self.every == 0)
            or (self.first is not None and request_number <= self.first)
            or (self.rate is not None and draw < self.rate)
        )

    @property
    def spec(self) -> str:
        """The rule written back in the ``KIND:OPTION=VALUE`` form."""
        options = []
        if self.at:
            options.append("at=" + "+".join(str(n) for n in sorted(self.at)))
        for name in ("every", "first", "rate"):
            value = getattr(self, name)
            if value is not None:
                options.append(f"{name}={value}")
        if self.kind in (FaultKind.RATE_LIMITED, FaultKind.QUOTA):
            options.append(f"retry_after={self.retry_after}")
        if self.delay:
            options.append(f"delay={self.delay}")
        return f"{self.kind.value}:{','.join(options)}"


class FaultSpecError(ValueError):
    """A fault rule that cannot be parsed."""


def parse_rule(spec: str) -> FaultRule:
    """Parse one ``KIND:OPTION=VALUE,...`` rule."""
    kind_text, _, options_text = spec.strip().partition(":")
    try:
        kind = FaultKind(kind_text.strip().lower())
    except ValueError:
        kinds = ", ".join(k.value for k in FaultKind)
        raise FaultSpecError(f"unknown fault kind {kind_text!r} in {spec!r}; use one of {kinds}") from None
    values: dict[str, object] = {}
    for option in filter(None, (o.strip() for o in options_text.split(","))):
        name, sep, raw = option.partition("=")
        if not sep:
            raise FaultSpecError(f"fault option {option!r} in {spec!r} needs a value (NAME=VALUE)")
        try:
            values[name] = _parse_option(name, raw)
        except ValueError as exc:
            raise FaultSpecError(f"bad value for {name!r} in fault {spec!r}: {exc}") from None
    rule = FaultRule(kind=kind, **values)  # type: ignore[arg-type]
    if not (rule.at or rule.every or rule.first or rule.rate is not None):
        raise FaultSpecError(f"fault {spec!r} has no trigger: give at=, every=, first= or rate=")
    return rule


def _parse_option(name: str, raw: str) -> object:
    if name == "at":
        return frozenset(_positive_int(part) for part in raw.split("+"))
    if name in ("every", "first", "retry_after"):
        return _positive_int(raw)
    if name == "rate":
        rate = float(raw)
        if not 0.0 <= rate <= 1.0:
            raise ValueError("rate is a probability between 0 and 1")
        return rate
    if name == "delay":
        delay = float(raw)
        if delay < 0:
            raise ValueError("delay cannot be negative")
        return delay
    raise ValueError(f"unknown option {name!r} (at, every, first, rate, retry_after, delay)")


def _positive_int(raw: str) -> int:
    number = int(raw)
    if number < 1:
        raise ValueError(f"{raw} is not a positive whole number")
    return number


@dataclass
class FaultPlan:
    """An ordered set of rules and the count of API requests seen so far."""

    rules: list[FaultRule] = field(default_factory=list)
    seed: int = 0
    requests: int = 0
    injected: list[tuple[int, FaultKind]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._random = random.Random(self.seed)

    @classmethod
    def from_specs(cls, specs: list[str], seed: int = 0) -> FaultPlan:
        """Build a plan from rule strings (see the module docstring)."""
        return cls(rules=[parse_rule(spec) for spec in specs], seed=seed)

    def next_request(self) -> FaultRule | None:
        """Count one API request and return the fault it gets, if any."""
        self.requests += 1
        draw = self._random.random()
        for rule in self.rules:
            if rule.fires(self.requests, draw):
                self.injected.append((self.requests, rule.kind))
                return rule
        return None
