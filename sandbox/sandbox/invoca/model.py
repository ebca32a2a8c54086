"""What the emulated network is made of: accounts, promo lines, calls, transactions.

A row's values are kept pre-encoded (``Wire``) in five tuples, one per group of
``GROUPS``: the transaction's own (``TX_GROUP``), its call's (``CALL_HEAD``), and
three shared by many rows: the promo line's (``CAMPAIGN_GROUP``), a RingPool
referrer variant (``REFERRER_PART``) and a caller-profile variant (``DEMOGRAPHICS``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sandbox.invoca.columns import ADWORDS, DEMOGRAPHICS, KEYPRESS, REFERRER_PARAMS, SERVED_COLUMNS
from sandbox.invoca.store import Listing

CALL, POST_CALL_EVENT, SALE = "Call", "Post Call Event", "Reported Conversion"
"""``transaction_type`` values; no Signal rows, the account has Signal Rollup (§7)."""

CAMPAIGN_GROUP = (
    "advertiser_id",
    "advertiser_id_from_network",
    "advertiser_name",
    "advertiser_campaign_id",
    "advertiser_campaign_id_from_network",
    "advertiser_campaign_name",
    "advertiser_campaign_country",
    "advertiser_promo_line_description",
    "affiliate_id",
    "affiliate_id_from_network",
    "affiliate_name",
    "affiliate_campaign_id_from_network",
    "affiliate_call_volume_ranking",
    "affiliate_commissions_ranking",
    "affiliate_conversion_rate_ranking",
    "call_source_description",
    "media_type",
    "promo_line_description",
    "virtual_line_id",
    "syndicated_ident",
    "transfer_from_type",
    "destination_phone_number",
    "dynamic_number_pool_id",
    "dynamic_number_pool_pool_type",
)
CALL_HEAD = (
    "complete_call_id",
    "start_time_local",
    "start_time_utc",
    "start_time_xml",
    "start_time_network_timezone",
    "start_time_network_timezone_xml",
    "hangup_cause",
    "calling_phone_number",
    "mobile",
    "repeat_calling_phone_number",
    "city",
    "region",
    "qualified_regions",
    "verified_zip",
    "opt_in_SMS",
    "recording",
    "recording_download_url",
    *KEYPRESS,
)
REFERRER_PART = (
    *REFERRER_PARAMS,
    "dynamic_number_pool_referrer_search_engine",
    "dynamic_number_pool_referrer_search_keywords",
    "dynamic_number_pool_referrer_search_type",
    *ADWORDS,
)
_OTHERS = {*CALL_HEAD, *CAMPAIGN_GROUP, *REFERRER_PART, *DEMOGRAPHICS}
TX_GROUP = tuple(c for c in SERVED_COLUMNS if c not in _OTHERS)
GROUPS: tuple[tuple[str, ...], ...] = (TX_GROUP, CALL_HEAD, CAMPAIGN_GROUP, REFERRER_PART, DEMOGRAPHICS)
"""Column groups: a row's own, its call's, then the three shared ones (see ``selection``)."""
TX_INDEX = {name: i for i, name in enumerate(TX_GROUP)}


@dataclass(frozen=True)
class CustomField:
    """A Marketing Data field or Signal (§9.5)."""

    name: str
    data_type: str
    source: str


NETWORK_FIELDS = (
    CustomField("utm_source", "Category", "DynamicAttribution"),
    CustomField("utm_medium", "Category", "DynamicAttribution"),
    CustomField("utm_campaign", "Short Text", "DynamicAttribution"),
    CustomField("gclid", "Short Text", "DynamicAttribution"),
    CustomField("landing_page", "Long Text", "DynamicAttribution"),
    CustomField("Quote", "Signal", "Expression"),
    CustomField("Purchase Made", "Signal", "AI"),
    CustomField("30 Seconds Plus Calls", "Signal", "Expression"),
    CustomField("Not Answered by Agent", "Signal", "Expression"),
)
ADVERTISER_FIELDS = (
    CustomField("location_name", "Category", "LookupTable"),
    CustomField("Appointment Booked", "Signal", "AI"),
    CustomField("policy_type", "Short Text", "Api"),
    CustomField("Voicemail 20 Seconds Plus", "Signal", "Expression"),
)
"""Advertiser k has ``ADVERTISER_FIELDS[k % 4]`` on top of the network's fields."""

Custom = dict[str, tuple[str, str, bool | str]]
"""A transaction's Marketing Data: name -> (data_type, source, value); no null values."""


@dataclass(eq=False)
class Account:
    """The network, an advertiser or an affiliate, with the rows it may read."""

    scope: str
    id: str
    id_from_network: str
    name: str
    custom_fields: tuple[CustomField, ...]
    listing: Listing = field(default_factory=Listing)


@dataclass(eq=False)
class Campaign:
    """A promo line: an advertiser campaign, run directly or through an affiliate."""

    advertiser: Account
    affiliate: Account | None
    kind: str
    payin: int
    payout: int
    field: CustomField
    block: tuple[str, ...]
    referrers: tuple[tuple[tuple[str, ...], dict[str, str]], ...]
    """RingPool lines: encoded ``REFERRER_PART`` variants and their UTM values."""


@dataclass(eq=False, slots=True)
class Call:
    """One phone call (one ``complete_call_id``)."""

    ccid: str
    start_ms: int
    end_ms: int
    durations: tuple[int, int, int]
    campaign: Campaign
    head: tuple[str, ...]
    referrers: tuple[str, ...]
    demographics: tuple[str, ...]
    marketing: Custom
    first: Row | None = None


@dataclass(slots=True)
class Facts:
    """A transaction's own raw values (what a correction changes)."""

    kind: str
    durations: tuple[int, int, int] | None
    payin: int
    payout: int
    call_fee: int | None
    advertiser_fee: int | None
    outcome: str
    notes: str = ""
    revenue: int | None = None
    sale_amount: int | None = None
    partner_unique_id: str = ""
    signal_at_s: int | None = None
    original_order_id: str = ""
    conversion: tuple[str, ...] | None = None
    external_data: str = ""


class Row:
    """One transaction as the server stores it."""

    __slots__ = (
        "call",
        "campaign",
        "corrects",
        "created_ms",
        "custom",
        "custom_data",
        "facts",
        "latest",
        "root",
        "seq",
        "start_ms",
        "tid",
        "tx",
    )

    def __init__(
        self, tid: str, call: Call, campaign: Campaign, facts: Facts, custom: Custom, created_ms: int
    ) -> None:
        self.tid = tid
        self.call = call
        self.campaign = campaign
        self.facts = facts
        self.custom = custom
        self.created_ms = created_ms
        self.start_ms = call.start_ms
        self.seq = -1
        self.corrects: Row | None = None
        self.root: Row = self
        self.latest: Row = self
        self.tx: tuple[str, ...] = ()
        self.custom_data = "[]"
        """The encoded ``custom_data`` array (null values are never stored, so never sent)."""


def true_signals(custom: Custom) -> list[str]:
    """Names of the Signals that are true on a transaction."""
    return [name for name, (kind, _, value) in custom.items() if kind == "Signal" and value is True]
