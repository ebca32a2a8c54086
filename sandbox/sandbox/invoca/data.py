"""The network's transactions in server order, and how they grow as time moves.

Everything is drawn from one seeded ``random.Random`` in a fixed order, so the
same options, clock and sequence of ``advance`` calls give identical data.
"""

from __future__ import annotations

import random
from typing import Any

from sandbox.invoca.factory import Factory
from sandbox.invoca.model import CALL, POST_CALL_EVENT, SALE, Account, Call, Row
from sandbox.invoca.options import Options
from sandbox.invoca.wire import Wire

PCE_RATE, SALE_RATE = 0.2, 0.1
"""Share of calls that get a post-call event / a reported conversion."""
CHAIN_RATE = 0.3
"""Share of corrections that correct an already corrected transaction again."""
DAY_MS = 86_400_000


class DataSet:
    """The network's accounts and transactions, and how they grow over time."""

    def __init__(self, options: Options, wire: Wire, now_ms: int) -> None:
        self.options = options
        self.make = Factory(options, wire)
        self.rng = self.make.rng
        self.network = self.make.network
        self.advertisers = self.make.advertisers
        self.affiliates = self.make.affiliates
        self.rows: list[Row] = []
        self.roots: list[Row] = []
        self.by_tid: dict[str, Row] = {}
        self.by_call: dict[str, list[Row]] = {}
        self._history(now_ms)

    # -- the server sequence ---------------------------------------------------
    def can_read(self, account: Account, row: Row) -> bool:
        """Whether ``account`` may read ``row`` (advertisers and affiliates see their own rows)."""
        if account.scope == "advertisers":
            return row.campaign.advertiser is account
        if account.scope == "affiliates":
            return row.campaign.affiliate is account
        return True

    def _readers(self, row: Row) -> list[Account]:
        readers = [self.network, row.campaign.advertiser]
        if row.campaign.affiliate is not None:
            readers.append(row.campaign.affiliate)
        return readers

    def _register(self, row: Row) -> None:
        """Give ``row`` the next server sequence number; supersede the version it replaces."""
        row.seq = len(self.rows)
        row.tx = self.make.encode_tx(row)
        row.custom_data = self.make.wire.custom_data(row.custom)
        self.rows.append(row)
        self.by_tid[row.tid] = row
        self.by_call.setdefault(row.call.ccid, []).append(row)
        if row.root is row:
            self.roots.append(row)
        else:
            previous = row.root.latest
            previous.tx = self.make.cleared(previous)
            row.root.latest = row

    def _publish(self, rows: list[Row], bulk: bool) -> None:
        """Make registered rows readable through every reader's listing."""
        if not bulk:
            for row in rows:
                for account in self._readers(row):
                    account.listing.add(row)
            return
        mine: dict[Account, list[Row]] = {}
        for row in rows:
            for account in self._readers(row):
                mine.setdefault(account, []).append(row)
        for account, own in mine.items():
            account.listing.add_many(own)

    def add_correction(self, target: Row, at_ms: int, change: str | None, notes: str | None) -> Row:
        """Correct ``target`` now (``corrects_transaction_id`` = its id) and publish the row."""
        row = self.make.correction(target, at_ms, change, notes)
        self._register(row)
        self._publish([row], bulk=False)
        return row

    # -- history and evolution -------------------------------------------------
    def _history(self, now_ms: int) -> None:
        o, rng = self.options, self.rng
        begin_s = (now_ms - int(o.days * DAY_MS)) // 1000
        ends = sorted(rng.randint(begin_s, now_ms // 1000) * 1000 for _ in range(o.size))
        originals: list[Row] = []
        for end_ms in ends:
            originals.extend(self._with_follow_ups(self.make.call(end_ms), end_ms, now_ms))
        originals.sort(key=lambda r: r.created_ms)
        wanted = round(len(originals) * self._correction_share)
        plan: list[tuple[int, Row]] = []
        for _ in range(3 * wanted):
            if len(plan) >= wanted:
                break
            if plan and rng.random() < CHAIN_RATE:
                previous_at, root = plan[rng.randrange(len(plan))]
                at = previous_at + 60_000 + int(rng.expovariate(1 / DAY_MS))
            else:
                root = rng.choice(originals)
                at = self._correction_time(root.created_ms, now_ms)
            if at <= now_ms:
                plan.append((at, root))
        self._publish(self._merge(originals, plan), bulk=True)

    @property
    def _correction_share(self) -> float:
        """Corrections per original that make ``correction_rate`` of all rows corrections."""
        rate = self.options.correction_rate
        return rate / (1 - rate)

    def _with_follow_ups(self, call_rows: list[Row], end_ms: int, until_ms: int) -> list[Row]:
        """The call's rows plus its post-call event and sale, if they happen by ``until``."""
        rng, call = self.rng, call_rows[0].call
        rows = list(call_rows)
        if rng.random() < PCE_RATE:
            at = end_ms + 60_000 + int(rng.expovariate(1 / (6 * 3_600_000)))
            if at <= until_ms:
                rows.append(self.make.post_call_event(call, at))
        if rng.random() < SALE_RATE:
            at = end_ms + int(rng.uniform(0.1, 3.0) * DAY_MS)
            if at <= until_ms:
                rows.append(self.make.sale(call, at))
        return rows

    def _correction_time(self, created_ms: int, now_ms: int) -> int:
        """Minutes to days after the row; one in ten much later (a row from long ago)."""
        rng, draw = self.rng, self.rng.random()
        if draw < 0.6:
            return created_ms + 60_000 + int(rng.expovariate(1 / (3 * 3_600_000)))
        if draw < 0.9:
            return created_ms + int(rng.uniform(1, 10) * DAY_MS)
        return int(rng.uniform(created_ms, max(created_ms, now_ms))) + 1000

    def _merge(self, originals: list[Row], plan: list[tuple[int, Row]]) -> list[Row]:
        """Register originals and planned corrections in time order; return them in that order.

        Every planned correction lies after its root's creation, so the root is registered first.
        """
        plan = sorted(plan, key=lambda p: p[0])
        events = sorted(
            [(r.created_ms, 0, i) for i, r in enumerate(originals)]
            + [(at, 1, i) for i, (at, _) in enumerate(plan)]
        )
        rows: list[Row] = []
        for at, is_correction, index in events:
            row = self._chain_correction(plan[index][1], at) if is_correction else originals[index]
            self._register(row)
            rows.append(row)
        return rows

    def _chain_correction(self, root: Row, at_ms: int) -> Row:
        """A correction of ``root``'s chain, pointing where the ``chain`` option says (§6)."""
        chain = self.options.chain
        if chain == "mixed":
            chain = "root" if self.rng.random() < 0.5 else "previous"
        return self.make.correction(root if chain == "root" else root.latest, at_ms)

    def advance(self, old_ms: int, new_ms: int) -> dict[str, Any]:
        """Create the calls, events, sales and corrections of (old, new]; return counts."""
        o, rng = self.options, self.rng
        span = new_ms - old_ms
        expected = o.size / (o.days * DAY_MS) * span
        ends = sorted(
            min(new_ms, old_ms + 1000 * (1 + rng.randrange(max(1, span // 1000))))
            for _ in range(_draw_count(rng, expected))
        )
        originals: list[Row] = []
        for end_ms in ends:
            originals.extend(self._with_follow_ups(self.make.call(end_ms), end_ms, new_ms))
        recent_calls = self._recent_calls(old_ms - 3 * DAY_MS)
        for share, make in ((PCE_RATE, self.make.post_call_event), (SALE_RATE, self.make.sale)):
            for _ in range(_draw_count(rng, share * expected) if recent_calls else 0):
                originals.append(make(rng.choice(recent_calls), old_ms + 1 + rng.randrange(span)))
        originals.sort(key=lambda r: r.created_ms)
        recent_roots = self._recent_roots(old_ms - 2 * DAY_MS) + originals
        plan: list[tuple[int, Row]] = []
        for _ in range(_draw_count(rng, self._correction_share * max(len(originals), expected * 1.3))):
            root = self._pick_root(recent_roots, originals)
            earliest = max(old_ms, root.created_ms) if root else new_ms
            if root is not None and earliest < new_ms:
                plan.append((earliest + 1 + rng.randrange(new_ms - earliest), root))
        rows = self._merge(originals, plan)
        self._publish(rows, bulk=False)
        corrections = [r for r in rows if r.corrects is not None]
        kinds = [r.facts.kind for r in rows if r.corrects is None]
        return {
            "calls": kinds.count(CALL),
            "post_call_events": kinds.count(POST_CALL_EVENT),
            "sales": kinds.count(SALE),
            "corrections": len(corrections),
            "corrections_of_old_rows": sum(
                1 for r in corrections if r.root.created_ms <= old_ms - 2 * DAY_MS
            ),
            "rows": len(self.rows),
        }

    def _pick_root(self, recent: list[Row], batch: list[Row]) -> Row | None:
        """Half the time a recent transaction, else any one (often one from long ago)."""
        rng = self.rng
        if rng.random() < 0.5:
            return rng.choice(recent) if recent else None
        total = len(self.roots) + len(batch)
        if not total:
            return None
        index = rng.randrange(total)
        return self.roots[index] if index < len(self.roots) else batch[index - len(self.roots)]

    def _recent_roots(self, since_ms: int) -> list[Row]:
        recent: list[Row] = []
        for row in reversed(self.roots):
            if row.created_ms < since_ms:
                break
            recent.append(row)
        recent.reverse()
        return recent

    def _recent_calls(self, since_ms: int) -> list[Call]:
        return [r.call for r in self._recent_roots(since_ms) if r.facts.kind == CALL and r.call.first is r]


def _draw_count(rng: random.Random, expected: float) -> int:
    """A whole count with mean ``expected`` (integer part plus a Bernoulli remainder)."""
    whole = int(expected)
    return whole + (1 if rng.random() < expected - whole else 0)
