"""Options of the Invoca emulator: data set size and every choice the docs leave open.

Each choice the notes (api-notes/invoca.md) mark UNKNOWN is an option whose
default is argued in sandbox/INVOCA.md; the section of the notes is cited next
to each field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DOCUMENTED_VERSIONS = frozenset(
    {
        "2015-12-10",
        "2016-01-25",
        "2016-02-01",
        "2016-06-01",
        "2016-06-12",
        "2016-08-22",
        "2016-10-01",
        "2016-12-01",
        "2017-02-01",
        "2017-04-01",
        "2019-02-01",
        "2019-05-01",
        "2020-10-01",
        "2021-08-09",
    }
)
"""Transactions API versions of the docs' branches (§1.1)."""
CODE_VERSIONS = frozenset({"2023-10-09"})
"""Seen only in public code (Matatika tap-invoca); whether official is UNKNOWN (§1.1)."""

_CHOICES = {
    "over_limit": ("clamp", "error"),
    "unknown_cursor": ("empty", "oldest", "error"),
    "chain": ("mixed", "root", "previous"),
    "cleared_durations": ("null", "zero", "keep"),
    "money": ("string", "number"),
    "integers": ("string", "number"),
    "empty": ("string", "null"),
    "path_id": ("invoca", "network"),
}


@dataclass(frozen=True)
class Options:
    """Everything that shapes one emulated Invoca network."""

    seed: int = 1
    size: int = 2000
    """Calls in the initial history (rows are about 1.5 times as many)."""
    days: float = 30.0
    """Length of the initial history, ending at the clock's now."""
    network_id: str = "33"
    """The network id of the docs' examples."""
    token: str = "sandbox-invoca-token"
    """The network user's API token; advertiser and affiliate tokens derive from it."""
    advertisers: int = 3
    affiliates: int = 4
    timezone: str = "America/Los_Angeles"
    """Time zone of every token (``start_time_local``, ``corrected_at``, ``from``/``to``; §8)."""
    network_timezone: str | None = None
    """Time zone of ``start_time_network_timezone``; None means ``timezone``."""
    correction_rate: float = 0.10
    """Share of rows that are corrections."""
    versions: frozenset[str] = field(default=DOCUMENTED_VERSIONS | CODE_VERSIONS)
    """Accepted API versions; any other answers 400 (§1.1: INFERRED from the Signal API)."""
    over_limit: str = "clamp"
    """``limit`` above 4000: ``clamp`` to 4000 or answer a 403 field ``error`` (§3: UNKNOWN)."""
    unknown_cursor: str = "empty"
    """Unknown ``start_after_transaction_id``: ``empty`` page, restart at the ``oldest``,
    or a 404 RecordNotFound ``error`` (§3, §13.5: UNKNOWN)."""
    chain: str = "mixed"
    """What a later correction points at: the ``root`` (original), the ``previous`` version,
    or a seeded ``mixed`` of both (§6: UNKNOWN)."""
    cleared_durations: str = "null"
    """Durations of superseded rows on re-read: ``null``, ``zero`` or ``keep`` (§6: UNKNOWN)."""
    money: str = "string"
    """Money columns as decimal ``string`` ("25.00") or JSON ``number`` (§13.1: UNKNOWN)."""
    integers: str = "string"
    """Integer-like codes (ids, rankings, ``opt_in_SMS``, ``signal_occurred_at``) as
    ``string`` or ``number`` (§13.1: UNKNOWN)."""
    empty: str = "string"
    """Empty values as ``""`` (``string``) or ``null`` (§13.1: UNKNOWN)."""
    path_id: str = "invoca"
    """Advertiser/affiliate path id: the ``invoca`` id or the id ``network`` assigned (§1: UNKNOWN)."""
    record_served: bool = True
    """Keep every served row for ``served()``; turn off for benchmarks."""

    def __post_init__(self) -> None:
        for name, allowed in _CHOICES.items():
            if getattr(self, name) not in allowed:
                raise ValueError(f"{name} must be one of {', '.join(allowed)}, not {getattr(self, name)!r}")
        if self.size < 0 or self.days <= 0:
            raise ValueError("size must be >= 0 and days > 0")
        if self.advertisers < 1 or self.affiliates < 1:
            raise ValueError("the network needs at least one advertiser and one affiliate")
        if not 0.0 <= self.correction_rate < 1.0:
            raise ValueError("correction_rate is a share between 0 and 1")
        for zone in (self.timezone, self.network_timezone or self.timezone):
            try:
                ZoneInfo(zone)
            except (ZoneInfoNotFoundError, ValueError):
                raise ValueError(f"unknown time zone {zone!r}") from None

    @staticmethod
    def choices(name: str) -> tuple[str, ...]:
        """The allowed values of a choice option (for the CLI)."""
        return _CHOICES[name]
