"""The deterministic transaction data set and each transaction's status lifecycle.

Every transaction's fields and status schedule come from its own seeded random
stream, and arrival times from one sequential stream, so the same seed gives the
same world however ``advance`` is chunked. Lifecycle (notes §4.1, INFERRED):

1. Pending at creation (``subInvoiceId`` not yet assigned);
2. hours later auto-cancelled (order number or total not captured), or 1-10 days
   later Approved or Cancelled for one of the four documented reasons;
3. at the first monthly invoice run (the 1st, 02:00 UTC, plus up to 3 h of jitter)
   after that: sometimes "Waiting for min commision" until the next run, then
   invoiced, which assigns the sub-invoice of that account and month;
4. 7-30 days after invoicing: paid.
"""

from __future__ import annotations

import bisect
import datetime as dt
import random
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from sandbox.ve.catalog import (
    APPROVED,
    AUTO_CANCELLED,
    CANCELLED,
    PENDING,
    PROMO_CODE_TYPES,
    TRANSACTION_TYPES,
    Lifecycle,
)
from sandbox.ve.config import VeConfig

FIRST_ID = 100001
CENT = Decimal("0.01")

# Local currency per country (ISO 4217) and its rough value in US dollars.
CURRENCIES = {
    "GB": "GBP", "IE": "EUR", "FR": "EUR", "DE": "EUR", "ES": "EUR", "IT": "EUR", "NL": "EUR",
    "BE": "EUR", "PT": "EUR", "AT": "EUR", "FI": "EUR", "US": "USD", "CA": "CAD", "BR": "BRL",
    "MX": "MXN", "AU": "AUD", "NZ": "NZD", "JP": "JPY", "IN": "INR", "SG": "SGD", "HK": "HKD",
    "CH": "CHF", "SE": "SEK", "NO": "NOK", "DK": "DKK", "PL": "PLN", "ZA": "ZAR", "AE": "AED",
}  # fmt: skip
USD_VALUE = {
    "GBP": "1.27", "EUR": "1.08", "USD": "1", "CAD": "0.74", "BRL": "0.20", "MXN": "0.058",
    "AUD": "0.66", "NZD": "0.61", "JPY": "0.0067", "INR": "0.012", "SGD": "0.74", "HKD": "0.128",
    "CHF": "1.13", "SEK": "0.095", "NOK": "0.094", "DKK": "0.145", "PLN": "0.25", "ZAR": "0.055",
    "AED": "0.27",
}  # fmt: skip
INVOICE_CURRENCIES = ("GBP", "EUR", "USD")  # INFERRED: Ve invoices in these, else in USD
PROMO_CODES = ("WELCOME10", "SAVE15", "SPRING20", "FREESHIP", "COMEBACK10", "VIP25", "EXTRA5")
FIRST_NAMES = ("alice", "bruno", "chloe", "dmitri", "elena", "farid", "grace", "hugo", "ines", "jonas")
LAST_NAMES = ("smith", "martin", "garcia", "muller", "rossi", "silva", "jones", "dubois")
MAIL_DOMAINS = ("example.com", "example.org", "example.net")


@dataclass(frozen=True)
class Event:
    """A status that a transaction takes at ``at`` (the new ``modifiedDate``)."""

    at: dt.datetime
    status: int
    """Row number in ``TRANSACTION_STATUSES``."""
    sub_invoice_id: int | None


@dataclass(frozen=True)
class Market:
    """One account in one country, with its commercial terms."""

    index: int
    domain: str
    country: str
    commission_type: str
    rate: Decimal
    """Share of the total for percentage commissions, or the amount for ``Fixed``."""
    order_prefix: str

    @property
    def currency(self) -> str:
        """Currency of the market's baskets (USD where the country is not in the table)."""
        return CURRENCIES.get(self.country, "USD")

    @property
    def invoice_currency(self) -> str:
        """Currency Ve invoices this market in."""
        return self.currency if self.currency in INVOICE_CURRENCIES else "USD"


@dataclass(frozen=True)
class Transaction:
    """One transaction: fixed fields plus its status schedule (first event: Pending at creation)."""

    transaction_id: int
    market: Market
    type_row: int
    created: dt.datetime
    checkout: dt.datetime
    order_number: str | None
    total: Decimal
    commission: Decimal
    conversion_value: Decimal
    email: str | None
    promo_code: str | None
    events: tuple[Event, ...]

    def state_at(self, when: dt.datetime) -> Event:
        """The status event in force at ``when``."""
        index = bisect.bisect_right(self.events, when, key=lambda event: event.at)
        return self.events[max(0, index - 1)]


def _ms(value: dt.datetime) -> dt.datetime:
    return value.replace(microsecond=value.microsecond // 1000 * 1000)


def next_invoice_run(after: dt.datetime) -> dt.datetime:
    """The first monthly invoice run (the 1st at 02:00 UTC) strictly after ``after``."""
    run = after.astimezone(dt.UTC).replace(day=1, hour=2, minute=0, second=0, microsecond=0)
    if run <= after:
        run = (run + dt.timedelta(days=32)).replace(day=1)
    return run


def sub_invoice_id(run: dt.datetime, market: Market) -> int:
    """The sub-invoice of ``market`` for the run's month, e.g. 20240503 (May 2024, market 3)."""
    return (run.year * 100 + run.month) * 100 + market.index + 1


class Ledger:
    """All transactions created so far, in creation (= id) order."""

    def __init__(self, config: VeConfig, seed: int, now: dt.datetime) -> None:
        self.seed = seed
        self.markets = [
            self._market(index, domain, country, config.commission_types)
            for index, (domain, country) in enumerate(
                (account.domain, country) for account in config.accounts for country in account.countries
            )
        ]
        self.transactions: list[Transaction] = []
        span = dt.timedelta(days=config.days)
        history = random.Random(f"{seed}:history")
        start = now - span
        for offset in sorted(history.uniform(0, span.total_seconds()) for _ in range(config.size)):
            self._create(_ms(start + dt.timedelta(seconds=offset)))
        self._arrivals = random.Random(f"{seed}:arrivals")
        self._mean_gap = span.total_seconds() / config.size if config.size else None
        self._next_arrival = self._after(now)

    def advance(self, old: dt.datetime, new: dt.datetime) -> tuple[int, int]:
        """Create the arrivals in ``(old, new]``; return (new transactions, status changes in it)."""
        created = 0
        while self._next_arrival is not None and self._next_arrival <= new:
            self._create(self._next_arrival)
            self._next_arrival = self._after(self._next_arrival)
            created += 1
        changes = sum(1 for tx in self.transactions for event in tx.events[1:] if old < event.at <= new)
        return created, changes

    def _after(self, moment: dt.datetime) -> dt.datetime | None:
        if self._mean_gap is None:
            return None
        return _ms(moment + dt.timedelta(seconds=self._arrivals.expovariate(1 / self._mean_gap)))

    def _market(self, index: int, domain: str, country: str, commission_types: tuple[str, ...]) -> Market:
        rng = random.Random(f"{self.seed}:market:{domain}:{country}")
        kind = rng.choice(commission_types)
        fixed = kind.lower() == "fixed"
        rate = Decimal(
            rng.choice(("1.50", "2.00", "2.50", "5.00") if fixed else ("0.05", "0.075", "0.10", "0.125"))
        )
        prefix = f"{domain[:2].upper()}{country}-"
        return Market(index, domain, country, kind, rate, prefix)

    def _create(self, created: dt.datetime) -> None:
        transaction_id = FIRST_ID + len(self.transactions)
        rng = random.Random(f"{self.seed}:transaction:{transaction_id}")
        market = rng.choice(self.markets)
        type_row = rng.choice(TRANSACTION_TYPES).number
        auto_cancelled = rng.random() < 0.04
        order_number: str | None = f"{market.order_prefix}{rng.randrange(10**7):07d}"
        total = Decimal(rng.randint(500, 40000)).scaleb(-2)
        if auto_cancelled and rng.random() < 0.5:
            order_number = None
        elif auto_cancelled:
            total = Decimal("0.00")
        if market.commission_type.lower() == "fixed":
            commission = market.rate
        else:
            commission = (total * market.rate).quantize(CENT, ROUND_HALF_UP)
        fx = Decimal(USD_VALUE.get(market.currency, "1")) / Decimal(USD_VALUE[market.invoice_currency])
        email = None
        if rng.random() >= 0.15:
            name = f"{rng.choice(FIRST_NAMES)}.{rng.choice(LAST_NAMES)}{rng.randint(1, 99)}"
            email = f"{name}@{rng.choice(MAIL_DOMAINS)}"
        checkout = created if rng.random() < 0.2 else _ms(created - dt.timedelta(seconds=rng.uniform(0, 600)))
        self.transactions.append(
            Transaction(
                transaction_id=transaction_id,
                market=market,
                type_row=type_row,
                created=created,
                checkout=checkout,
                order_number=order_number,
                total=total,
                commission=commission,
                conversion_value=(total * fx).quantize(CENT, ROUND_HALF_UP),
                email=email,
                promo_code=rng.choice(PROMO_CODES) if type_row in PROMO_CODE_TYPES else None,
                events=_schedule(rng, created, market, auto_cancelled),
            )
        )


def _schedule(
    rng: random.Random, created: dt.datetime, market: Market, auto_cancelled: bool
) -> tuple[Event, ...]:
    cycle: Lifecycle
    if auto_cancelled:
        cycle, decided = AUTO_CANCELLED, created + dt.timedelta(hours=rng.uniform(1, 6))
    else:
        cycle = APPROVED if rng.random() < 0.8 else CANCELLED[rng.choice(sorted(CANCELLED))]
        decided = created + dt.timedelta(days=rng.uniform(1, 10))
    events = [Event(created, PENDING, None), Event(_ms(decided), cycle.decided, None)]
    run = next_invoice_run(decided)
    jitter = dt.timedelta(seconds=rng.uniform(0, 3 * 3600))
    if rng.random() < 0.15:
        events.append(Event(_ms(run + jitter), cycle.waiting, None))
        run = next_invoice_run(run)
    invoiced = _ms(run + jitter)
    sub_invoice = sub_invoice_id(run, market)
    events.append(Event(invoiced, cycle.invoiced, sub_invoice))
    events.append(Event(_ms(invoiced + dt.timedelta(days=rng.uniform(7, 30))), cycle.paid, sub_invoice))
    return tuple(events)
