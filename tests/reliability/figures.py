"""What a reliability scenario counts: trials, how each ended, what broke the promise, secret hits."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

PLANTED = {
    "auth_token": "planted-invoca-token-5d1e0c",
    "subscription_key": "planted-ve-key-93b2aa",
    "postgres password": "planted-pg-password-4f70",
}
"""Secret values given to every run of the suite; none may appear in any output."""


def secret_hits(*outputs: str | bytes) -> int:
    """How many times a planted secret appears in ``outputs``."""
    total = 0
    for output in outputs:
        text = output.decode("utf-8", "replace") if isinstance(output, bytes) else output
        total += sum(text.count(value) for value in PLANTED.values())
    return total


@dataclass
class Figures:
    """The tally of one scenario: trials run, outcome classes, broken promises with their details."""

    scenario: str
    trials: int = 0
    identical: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    secrets: int = 0
    problems: list[str] = field(default_factory=list)

    def add(
        self, outcome: str, *, identical: bool, outputs: tuple[str | bytes, ...], problem: str = ""
    ) -> None:
        """Count one trial: its outcome class, whether it kept the promise, secrets in its outputs."""
        self.trials += 1
        self.outcomes[outcome] += 1
        hits = secret_hits(*outputs)
        self.secrets += hits
        if identical and not hits:
            self.identical += 1
            return
        detail = problem or outcome
        if hits:
            detail += f"; {hits} planted secret(s) in the output"
        self.problems.append(f"trial {self.trials}: {detail}")

    def check(self) -> None:
        """Fail with every broken promise (for the pytest share of the suite)."""
        assert self.trials, f"{self.scenario}: no trial ran"
        assert not self.problems, f"{self.scenario}: " + "\n".join(self.problems[:10])


def table(all_figures: list[Figures]) -> str:
    """The soak's table: one row per scenario."""
    rows = [("scenario", "trials", "identical", "secret hits", "outcomes")]
    for f in all_figures:
        outcomes = ", ".join(f"{name} {count}" for name, count in sorted(f.outcomes.items()))
        rows.append((f.scenario, str(f.trials), str(f.identical), str(f.secrets), outcomes))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = []
    for n, row in enumerate(rows):
        cells = [row[0].ljust(widths[0]), *(row[i].rjust(widths[i]) for i in (1, 2, 3)), row[4]]
        lines.append("  ".join(cells))
        if n == 0:
            lines.append("  ".join("-" * w for w in [*widths, len("outcomes")]))
    return "\n".join(lines)
