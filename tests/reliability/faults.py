"""Scenario ``faults``: the emulators' fault matrix through whole ``meltano run`` pipelines.

Rate faults: for each kind (429 with Retry-After, 500, 502, 504, connection reset, truncated
body, slow response) both emulators inject it on 5% of API requests (``KIND:rate=0.05``, seeded
per trial) while ``meltano run`` runs both pipelines; the run must succeed and the current
tables equal the emulators' truth (no replayed row twice in history). One row of figures per kind.

Persistent faults (``KIND:rate=1`` on one emulator) must end ``meltano run TAP target-reconciled``
non-zero, at the default log level with no traceback and with the tap's last line naming the
failure, within this bound:

    bound = STARTUP + backoff
    backoff = 7 waits (8 attempts per request: ``MAX_TRIES``, ``TAP_*_MAX_TRIES`` unset) of ``retry_delay``
              (Retry-After when sent, else 1, 2, 4 ... 60 s) plus up to JITTER (the SDK's
              ``random_jitter``) each:
      429 with Retry-After 1:   7 x (1 + 1)                          =  14 s
      500, reset:               1 + 2 + 4 + 8 + 16 + 32 + 60 + 7 x 1  = 130 s
      tap-veinvoicing 500:      0 s (a failing window is halved, not retried, down to one minute)

STARTUP covers Meltano, catalog discovery, the plugins' start and the requests (about 7 s
measured on two cores, alone). Each persistent case runs once per ``run`` (one row per kind, one
trial per tap; its outcome gives the measured and the bound seconds), two at a time alongside the
rate trials, each in its own project copy.
"""

from __future__ import annotations

import random
import time
from concurrent.futures import ThreadPoolExecutor

from tap_invoca.retry import MAX_TRIES as INVOCA_TRIES
from tap_invoca.retry import retry_delay as invoca_delay
from tap_veinvoicing.retry import MAX_TRIES as VE_TRIES
from tap_veinvoicing.retry import retry_delay as ve_delay
from tests.reliability.figures import Figures
from tests.reliability.meltano_kill import LOG_LEVELS, PIPELINES, emulators, installed, serving, truth_problem

RULES = {
    "429": "429:rate=0.05,retry_after=1",
    "500": "500:rate=0.05",
    "502": "502:rate=0.05",
    "504": "504:rate=0.05,delay=0.5",
    "reset": "reset:rate=0.05",
    "truncate": "truncate:rate=0.05",
    "slow": "slow:rate=0.05,delay=1",
}
"""Each fault kind at 5% of API requests."""
PERSISTENT = {"429": "429:rate=1,retry_after=1", "500": "500:rate=1", "reset": "reset:rate=1"}
CUES = {"429": ("429",), "500": ("500",), "reset": ("reset", "connection")}
"""What the tap's last line must mention for each persistent fault (case-insensitive)."""
TAPS = ("tap-invoca", "tap-veinvoicing")
JITTER = 1.0
STARTUP = 30.0


def bound(kind: str, tap: str) -> float:
    """Seconds within which a persistent ``kind`` fault must end ``meltano run`` of ``tap``."""
    if tap == "tap-veinvoicing" and kind == "500":
        return STARTUP
    retry_after = "1" if kind == "429" else None
    if tap == "tap-invoca":
        waits = [invoca_delay(retry_after, attempt) for attempt in range(INVOCA_TRIES - 1)]
    else:
        waits = [ve_delay(retry_after, "", attempt) for attempt in range(VE_TRIES - 1)]
    return STARTUP + sum(waits) + JITTER * len(waits)


def rate_trial(kind: str, seed: int, level: str) -> tuple[str, str, tuple[str, ...]]:
    """Both pipelines with ``kind`` at 5%: (outcome, problem or '', outputs)."""
    invoca, ve = emulators(seed, invoca_size=1000, ve_size=600)
    invoca.set_faults([RULES[kind]], seed=seed)
    ve.set_faults([RULES[kind]], seed=seed + 1)
    with serving(invoca, ve, f"faults-{kind}-{seed}", page_rows=25, window_days=2) as project:
        result = project.meltano(f"--log-level={level}", "--environment=demo", "run", *PIPELINES, check=False)
        injected = len(invoca.faults.injected) + len(ve.faults.injected)
        if result.returncode:
            outcome, problem = "run failed", f"exit {result.returncode}: {result.stderr.strip()[-300:]}"
        else:
            problem = truth_problem(project, invoca, ve)
            hit = sum(bool(emulator.faults.injected) for emulator in (invoca, ve))
            outcome = (
                "wrong tables" if problem else ("no fault drawn", "one API faulted", "both APIs faulted")[hit]
            )
    if problem:
        problem = f"{kind} at 5%, seed {seed}, {injected} faults injected: {problem}"
    return outcome, problem, (result.stdout, result.stderr)


def persistent_trial(kind: str, tap: str, seed: int, copy: int) -> tuple[str, str, tuple[str, ...]]:
    """``meltano run TAP target-reconciled`` with ``kind`` on every request, in project ``copy``.

    Returns (outcome with the measured and bound seconds, problem or '', outputs).
    """
    invoca, ve = emulators(seed, invoca_size=100, ve_size=100)
    (invoca if tap == "tap-invoca" else ve).set_faults([PERSISTENT[kind]], seed=seed)
    with serving(
        invoca, ve, f"persistent-{kind}-{tap}-{seed}", page_rows=50, window_days=2, copy=copy
    ) as project:
        started = time.monotonic()
        result = project.meltano("--environment=demo", "run", tap, "target-reconciled", check=False)
        elapsed = time.monotonic() - started
    limit = bound(kind, tap)
    said = [line.partition(f"] {tap} ")[2].strip() for line in result.stderr.splitlines()]
    said = [text for text in said if text and not text.startswith("METRIC")]
    last = said[-1] if said else ""
    problems = []
    if not result.returncode:
        problems.append("the run succeeded")
    if elapsed > limit:
        problems.append(f"took {elapsed:.0f} s, over the {limit:.0f} s bound")
    if "Traceback (most recent call last)" in result.stderr:
        problems.append("a traceback at the default log level")
    if not any(cue in last.lower() for cue in CUES[kind]):
        problems.append(f"the tap's last line does not name the failure: {last[:200]!r}")
    problem = f"{tap}, {kind} on every request: " + "; ".join(problems) if problems else ""
    return f"{tap} {elapsed:.0f} s (bound {limit:.0f} s)", problem, (result.stdout, result.stderr)


def run(
    trials: int,
    seed: int,
    kinds: list[str] | None = None,
    persistent: list[tuple[str, str]] | None = None,
) -> list[Figures]:
    """``trials`` runs per rate-fault kind (default all) and each persistent (kind, tap) case once.

    The persistent cases run two at a time, alongside the rate trials, each in its own project copy.
    """
    cases = persistent if persistent is not None else [(kind, tap) for kind in PERSISTENT for tap in TAPS]
    for copy in range(len(cases) + 1):
        installed(copy)  # every copy ready before the threads use them
    rng = random.Random(seed)
    results = []
    with ThreadPoolExecutor(2) as pool:  # more at once would slow each other's start past the bound
        futures = [
            pool.submit(persistent_trial, kind, tap, seed, copy) for copy, (kind, tap) in enumerate(cases, 1)
        ]
        for shift, kind in enumerate(kinds or list(RULES)):
            figures = Figures(f"faults {kind} at 5%")
            for number in range(trials):
                level = LOG_LEVELS[(seed + shift + number) % len(LOG_LEVELS)]
                outcome, problem, outputs = rate_trial(kind, rng.randrange(1 << 30), level)
                figures.add(outcome, identical=not problem, outputs=outputs, problem=problem)
            results.append(figures)
        rows: dict[str, Figures] = {}
        for (kind, _), future in zip(cases, futures, strict=True):
            outcome, problem, outputs = future.result()
            figures = rows.setdefault(kind, Figures(f"faults persistent {kind}"))
            figures.add(outcome, identical=not problem, outputs=outputs, problem=problem)
    return results + list(rows.values())
