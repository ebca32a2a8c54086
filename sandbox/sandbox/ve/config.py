"""Every choice of the Ve emulator, with the notes' section that motivates it.

Fields marked UNKNOWN are undocumented behaviours: the default is the emulator's
guess and the field lets a test or a demo pick another reading.
"""

from __future__ import annotations

import re
import zoneinfo
from dataclasses import dataclass
from typing import Literal

DateField = Literal["creationDate", "modifiedDate", "checkOutDate"]
DATE_FIELDS: tuple[DateField, ...] = ("creationDate", "modifiedDate", "checkOutDate")

SANDBOX_BASE = "/InvoicingApiSandbox"
"""DOC §2: the sandbox base path."""

_COUNTRY = re.compile(r"[A-Z]{2}")


@dataclass(frozen=True)
class Account:
    """A Ve account: a merchant domain running in one or more countries (ISO 3166 alpha-2)."""

    domain: str
    countries: tuple[str, ...]

    def __post_init__(self) -> None:
        if not self.domain or self.domain != self.domain.strip().lower():
            raise ValueError(f"account domain {self.domain!r} must be a lower-case host name")
        if not self.countries or not all(_COUNTRY.fullmatch(c) for c in self.countries):
            raise ValueError(
                f"account {self.domain} needs ISO alpha-2 countries such as GB, got {self.countries}"
            )

    @classmethod
    def parse(cls, text: str) -> Account:
        """``DOMAIN:CC[,CC...]``, e.g. ``fashion.example:GB,FR``."""
        domain, sep, countries = text.partition(":")
        if not sep:
            raise ValueError(f"account {text!r} must look like DOMAIN:CC[,CC...]")
        return cls(
            domain.strip().lower(), tuple(c.strip().upper() for c in countries.split(",") if c.strip())
        )


DEFAULT_OWN_ACCOUNT = Account("myshop.example", ("GB",))
DEFAULT_MERCHANTS = (
    Account("fashion.example", ("GB", "FR", "DE")),
    Account("travel.example", ("US", "BR")),
    Account("electronics.example", ("ES", "IT")),
)


@dataclass(frozen=True)
class VeConfig:
    """Options of ``VeEmulator`` (keyword arguments) and of ``python -m sandbox ve``."""

    # -- keys and accounts (notes §3, §4.1) -------------------------------------------
    keys: tuple[str, ...] = ("sandbox-ve-key",)
    """Subscription keys of the sandbox product (``/InvoicingApiSandbox``)."""
    production_keys: tuple[str, ...] = ("production-ve-key",)
    """Keys of the production product. APIM subscriptions are per product (INFERRED),
    so a sandbox key is an invalid key on the production path and vice versa."""
    production_base: str = "/InvoicingApi"
    """UNKNOWN §2: production base path (INFERRED from the ``XxxApiSandbox`` -> ``XxxApi`` pattern)."""
    own_account: Account = DEFAULT_OWN_ACCOUNT
    """The key holder's own account, read when ``domain`` is empty or absent."""
    merchants: tuple[Account, ...] = DEFAULT_MERCHANTS
    """An agency's merchants, read with ``domain=<merchant>`` (and optionally ``country``)."""
    denied_body: Literal["aspnet", "empty"] = "aspnet"
    """UNKNOWN §4.1: body of the backend 401 for a domain/country the key may not read:
    ``aspnet`` = ``{"message":"Authorization has been denied for this request."}``, or no body."""

    # -- data set -------------------------------------------------------------------
    size: int = 500
    """Transactions in the initial history; new ones keep arriving at the same daily rate."""
    days: int = 90
    """Length of the initial history, in days before the virtual clock's start."""
    commission_types: tuple[str, ...] = ("Percentage", "Fixed")
    """UNKNOWN §4.1: ``commissionType`` values (each account has one)."""

    # -- gateway limits (notes §2, §6) ------------------------------------------------
    max_request_bytes: int = 512
    """UNKNOWN §6.5: "0.5kb" request size limit, measured as request line + headers + body; 0 = off."""
    size_status: int = 400
    """UNKNOWN §6.5: status of an oversized request (400 as APIM ``validate-content`` answers)."""
    rate_limit: int = 10
    """Sandbox requests per key in any ``rate_window`` seconds (DOC: 10 per minute); 0 = unlimited."""
    production_rate_limit: int = 0
    """Production requests per key per window (DOC for sibling APIs: unlimited); 0 = unlimited."""
    rate_window: float = 60.0
    """Length of the sliding window, in seconds."""
    count_rejected: bool = False
    """UNKNOWN §6.1: whether a request refused with 429 also counts in the window."""

    # -- GetTransactions semantics (notes §4.1, §7) -----------------------------------
    date_field: DateField = "creationDate"
    """UNKNOWN §7: field that ``dateFrom``/``dateTo`` filter ("transactions generated ...")."""
    date_bounds: Literal["inclusive", "half_open"] = "inclusive"
    """UNKNOWN §7: ``inclusive`` = dateFrom <= x <= dateTo; ``half_open`` = dateFrom <= x < dateTo."""
    server_tz: str = "UTC"
    """UNKNOWN §7: the backend's local time zone (IANA name): naive ``dateFrom``/``dateTo`` are
    read in it, and ``date_style="unspecified"`` writes dates in it."""
    max_results: int | None = None
    """UNKNOWN §10: a query matching more rows answers 500 as a timing-out backend would; None = no cap."""
    type_format: Literal["name", "name_description"] = "name"
    """UNKNOWN §4.1: wire value of ``transactionType``: the name, or ``name - description``
    (unique per row). The filter matches the wire value or the bare name, case-insensitively."""
    status_format: Literal["name", "name_stage"] = "name"
    """UNKNOWN §4.1: wire value of ``transactionStatus``: the name, or for a later billing
    stage ``name - stage`` (e.g. ``Approved - Paid``). The filter matches either form."""
    date_style: Literal["sample", "unspecified"] = "sample"
    """UNKNOWN §4.1: ``sample`` = ``2016-12-09T11:02:07.216Z`` as the portal sample;
    ``unspecified`` = Json.NET's zone-less form in server time, e.g. ``2016-12-09T11:02:07.216``."""
    missing_strings: Literal["null", "empty"] = "null"
    """UNKNOWN §4.1: how an absent email, promoCodeName or orderNumber is written."""
    uninvoiced_subinvoice: Literal["zero", "null"] = "zero"
    """UNKNOWN §4.1: ``subInvoiceId`` before invoicing (0: numbers are not null, INFERRED)."""
    currency_format: Literal["alpha3", "alpha2"] = "alpha3"
    """UNKNOWN §4.4: ``alpha3`` = ISO 4217 (``GBP``); ``alpha2`` = the docs' "ISO2" read literally
    as the code's first two letters (``GB``)."""

    def __post_init__(self) -> None:
        if not self.keys or not self.production_keys:
            raise ValueError("both products need at least one subscription key")
        if set(self.keys) & set(self.production_keys):
            raise ValueError("a key belongs to one product: sandbox and production keys must differ")
        domains = [self.own_account.domain, *(m.domain for m in self.merchants)]
        if len(set(domains)) != len(domains):
            raise ValueError("account domains must be distinct")
        if sum(len(a.countries) for a in self.accounts) > 99:
            raise ValueError("at most 99 account countries are supported")
        if not self.production_base.startswith("/") or self.production_base.lower() == SANDBOX_BASE.lower():
            raise ValueError("the production base must be a path other than /InvoicingApiSandbox")
        if self.size < 0 or self.days < 1:
            raise ValueError("size must be >= 0 and days >= 1")
        if (
            min(self.max_request_bytes, self.rate_limit, self.production_rate_limit) < 0
            or self.rate_window <= 0
        ):
            raise ValueError("limits cannot be negative and the rate window must be positive")
        if not 400 <= self.size_status <= 599:
            raise ValueError("size_status must be an HTTP error status")
        if self.max_results is not None and self.max_results < 0:
            raise ValueError("max_results cannot be negative")
        if not self.commission_types:
            raise ValueError("commission_types cannot be empty")
        if self.date_field not in DATE_FIELDS:
            raise ValueError(f"date_field must be one of {', '.join(DATE_FIELDS)}")
        try:
            zoneinfo.ZoneInfo(self.server_tz)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {self.server_tz!r}") from None

    @property
    def accounts(self) -> tuple[Account, ...]:
        """The own account first, then the merchants."""
        return (self.own_account, *self.merchants)

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        """The server time zone."""
        return zoneinfo.ZoneInfo(self.server_tz)
