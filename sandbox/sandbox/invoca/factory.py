"""Makes the network's accounts, promo lines, calls and transactions from one seeded RNG."""

from __future__ import annotations

import copy
import random
from collections.abc import Callable

from sandbox.invoca import pools
from sandbox.invoca.columns import CONVERSION, DEMOGRAPHICS, KEYPRESS
from sandbox.invoca.model import (
    ADVERTISER_FIELDS,
    CALL,
    CALL_HEAD,
    CAMPAIGN_GROUP,
    NETWORK_FIELDS,
    POST_CALL_EVENT,
    REFERRER_PART,
    SALE,
    TX_GROUP,
    TX_INDEX,
    Account,
    Call,
    Campaign,
    Custom,
    CustomField,
    Facts,
    Row,
    true_signals,
)
from sandbox.invoca.options import Options
from sandbox.invoca.wire import Wire

CHANGES = ("payin", "payout", "signal", "notes")
"""What a correction changes (§6 causes: pay-in/payout, Signals, notes)."""
_DATA_TYPES = {f.name: f.data_type for f in NETWORK_FIELDS}
BUNDLED_RATE = 0.03
"""Share of calls through a bundled campaign: two Call rows, one ``complete_call_id`` (§7)."""


class Factory:
    """Draws every new thing from ``rng``, in call order, so the data set is repeatable."""

    def __init__(self, options: Options, wire: Wire) -> None:
        self.options = options
        self.wire = wire
        self.rng = random.Random(options.seed)
        self._ids: set[str] = set()
        self.network, self.advertisers, self.affiliates, self.campaigns = self._accounts()
        self._empty_referrers = (wire.empty,) * len(REFERRER_PART)
        self._empty_demographics = (wire.empty,) * len(DEMOGRAPHICS)
        self._demographics = tuple(self._demographic_variant() for _ in range(16))

    # -- accounts --------------------------------------------------------------
    def _accounts(self) -> tuple[Account, list[Account], list[Account], list[Campaign]]:
        o, rng = self.options, self.rng
        account_ids = rng.sample(range(1000, 99999), o.advertisers + o.affiliates)
        advertisers = [
            Account(
                "advertisers",
                str(account_ids[k]),
                f"ADV{k + 1:03d}",
                _numbered(pools.ADVERTISER_NAMES, k),
                (*NETWORK_FIELDS, ADVERTISER_FIELDS[k % len(ADVERTISER_FIELDS)]),
            )
            for k in range(o.advertisers)
        ]
        affiliates = [
            Account(
                "affiliates",
                str(account_ids[o.advertisers + k]),
                f"PUB{k + 1:03d}",
                _numbered(pools.AFFILIATE_NAMES, k),
                (),
            )
            for k in range(o.affiliates)
        ]
        names: dict[str, CustomField] = {f.name: f for a in advertisers for f in a.custom_fields}
        network = Account("networks", o.network_id, o.network_id, "Sandbox Network", tuple(names.values()))
        campaigns: list[Campaign] = []
        affiliate_turn = 0
        for adv_index, advertiser in enumerate(advertisers):
            for number in range(2):
                campaign_id = rng.randint(100_000, 999_999)
                kind = pools.CAMPAIGN_KINDS[(adv_index * 2 + number) % len(pools.CAMPAIGN_KINDS)]
                lines: list[Account | None] = [None]
                for _ in range(1 + (number + adv_index) % 2):
                    lines.append(affiliates[affiliate_turn % len(affiliates)])
                    affiliate_turn += 1
                for affiliate in lines:
                    campaigns.append(self._campaign(advertiser, affiliate, kind, campaign_id, number))
        for affiliate in affiliates[affiliate_turn:]:  # more affiliates than lines: one more line each
            campaigns.append(
                self._campaign(advertisers[0], affiliate, "Search", rng.randint(100_000, 999_999), 0)
            )
        return network, advertisers, affiliates, campaigns

    def _campaign(
        self, advertiser: Account, affiliate: Account | None, kind: str, campaign_id: int, number: int
    ) -> Campaign:
        w, rng = self.wire, self.rng
        pool = kind in pools.POOLED_KINDS
        media = pools.MEDIA_TYPES[kind]
        line = f"{kind} line" + (f" via {affiliate.name}" if affiliate else " (direct)")
        rank = (lambda: w.code(rng.randint(-1, 5))) if affiliate else (lambda: w.empty)
        values = {
            "advertiser_id": w.code(int(advertiser.id)),
            "advertiser_id_from_network": w.text(advertiser.id_from_network),
            "advertiser_name": w.text(advertiser.name),
            "advertiser_campaign_id": w.code(campaign_id),
            "advertiser_campaign_id_from_network": w.text(f"{advertiser.id_from_network}-C{number + 1}"),
            "advertiser_campaign_name": w.text(f"{advertiser.name} {kind}"),
            "advertiser_campaign_country": w.text(rng.choice(pools.COUNTRIES)),
            "advertiser_promo_line_description": w.text(f"{kind} promo number"),
            "affiliate_id": w.code(int(affiliate.id)) if affiliate else w.empty,
            "affiliate_id_from_network": w.text(affiliate.id_from_network) if affiliate else w.empty,
            "affiliate_name": w.text(affiliate.name) if affiliate else w.empty,
            "affiliate_campaign_id_from_network": w.text(f"AFC{rng.randint(1000, 9999)}")
            if affiliate
            else w.empty,
            "affiliate_call_volume_ranking": rank(),
            "affiliate_commissions_ranking": rank(),
            "affiliate_conversion_rate_ranking": rank(),
            "call_source_description": w.text(kind),
            "media_type": w.text(media if not pool else rng.choice((media, "Pooling"))),
            "promo_line_description": w.text(line),
            "virtual_line_id": w.code(rng.randint(10_000_000, 99_999_999)),
            "syndicated_ident": w.text(f"SYN{rng.randint(100, 999)}") if affiliate else w.empty,
            "transfer_from_type": w.text("Publisher Direct" if affiliate else "Advertiser Direct"),
            "destination_phone_number": w.text(f"800-555-{rng.randint(0, 9999):04d}"),
            "dynamic_number_pool_id": w.code(rng.randint(1000, 9999)) if pool else w.empty,
            "dynamic_number_pool_pool_type": w.text(rng.choice(pools.POOL_TYPES)) if pool else w.empty,
        }
        referrers = tuple(self._referrer_variant() for _ in range(12)) if pool else ()
        payin = rng.choice((1500, 2000, 2500, 4000))
        return Campaign(
            advertiser=advertiser,
            affiliate=affiliate,
            kind=kind,
            payin=payin,
            payout=payin * 6 // 10 if affiliate else 0,
            field=advertiser.custom_fields[-1],
            block=tuple(values[c] for c in CAMPAIGN_GROUP),
            referrers=referrers,
        )

    def _referrer_variant(self) -> tuple[tuple[str, ...], dict[str, str]]:
        w, rng = self.wire, self.rng
        engine = rng.choice(pools.SEARCH_ENGINES)
        utm = {
            "utm_source": engine.split(".")[0] if rng.random() < 0.8 else rng.choice(pools.UTM_SOURCES),
            "utm_medium": rng.choice(pools.UTM_MEDIUMS),
            "utm_campaign": f"spring_{rng.randint(1, 9)}",
        }
        if engine == "google.com":
            utm["gclid"] = f"{rng.getrandbits(64):016x}"
        utm["landing_page"] = (
            f"https://www.example.com/lp/{rng.randint(1, 40)}?utm_source={utm['utm_source']}"
        )
        values = dict.fromkeys(REFERRER_PART, w.empty)
        for n, (name, value) in enumerate(utm.items(), start=1):
            values[f"dynamic_number_pool_referrer_param{n}_name"] = w.text(name)
            values[f"dynamic_number_pool_referrer_param{n}_value"] = w.text(value)
        paid = rng.random() < 0.6
        values["dynamic_number_pool_referrer_search_engine"] = w.text(engine)
        values["dynamic_number_pool_referrer_search_keywords"] = w.text(rng.choice(pools.SEARCH_KEYWORDS))
        values["dynamic_number_pool_referrer_search_type"] = w.text("Paid" if paid else "Organic")
        if paid and engine == "google.com":
            group = rng.randint(10**9, 10**10)
            values["dynamic_number_pool_referrer_ad"] = w.text(f"Call now - ad {rng.randint(1, 9)}")
            values["dynamic_number_pool_referrer_ad_group"] = w.text(f"Group {group % 7}")
            values["dynamic_number_pool_referrer_ad_group_id"] = w.text(str(group))
            values["dynamic_number_pool_referrer_ad_id"] = w.text(str(rng.randint(10**9, 10**10)))
            values["dynamic_number_pool_referrer_referrer_campaign"] = w.text(utm["utm_campaign"])
            values["dynamic_number_pool_referrer_referrer_campaign_id"] = w.text(
                str(rng.randint(10**8, 10**9))
            )
            values["dynamic_number_pool_referrer_search_keywords_id"] = w.text(str(rng.randint(10**6, 10**7)))
            values["dynamic_number_pool_referrer_keyword_match_type"] = w.text(rng.choice(pools.MATCH_TYPES))
        return tuple(values[c] for c in REFERRER_PART), utm

    def _demographic_variant(self) -> tuple[str, ...]:
        w, rng = self.wire, self.rng
        city, region, _, zip_code = rng.choice(pools.CITIES)
        first, last = rng.choice(pools.FIRST_NAMES), rng.choice(pools.LAST_NAMES)
        values = {
            "address_city": city,
            "address_country": "CA" if region == "ON" else "US",
            "address_full_street": rng.choice(pools.STREETS),
            "address_state": region,
            "address_type": rng.choice(("Residential", "Business")),
            "address_zip": zip_code,
            "age_range": rng.choice(pools.AGE_RANGES),
            "carrier": rng.choice(pools.CARRIERS),
            "display_name": f"{first} {last}",
            "first_name": first,
            "gender": rng.choice(("Male", "Female", "")),
            "is_prepaid": rng.choice(("true", "false")),
            "last_name": last,
            "line_type": rng.choice(("Mobile", "Landline", "VoIP")),
            "primary_email_address": f"{first.lower()}.{last.lower().replace(chr(39), '')}@example.com",
            "linked_email_addresses": "",
            "household_income": rng.choice(pools.INCOMES),
            "marital_status": rng.choice(("Married", "Single", "")),
            "home_owner_status": rng.choice(("Owner", "Renter")),
            "home_market_value": rng.choice(("$250,000-$499,999", "$500,000-$749,999", "")),
            "length_of_residence_years": str(rng.randint(0, 25)),
            "occupation": rng.choice(pools.OCCUPATIONS),
            "education": rng.choice(pools.EDUCATION),
            "has_children": rng.choice(("Yes", "No")),
            "high_net_worth": rng.choice(("Yes", "No")),
        }
        return tuple(w.text(values[c.removesuffix("_data_append")]) for c in DEMOGRAPHICS)

    # -- transactions ----------------------------------------------------------
    def _new_id(self, make: Callable[[], str]) -> str:
        while True:
            candidate = make()
            if candidate not in self._ids:
                self._ids.add(candidate)
                return candidate

    def _tid(self) -> str:
        bits = self.rng.getrandbits
        return self._new_id(lambda: f"{bits(32):08X}-{bits(32):08X}")

    def call(self, end_ms: int) -> list[Row]:
        """A completed call: one Call row, two for a bundled campaign (§7)."""
        w, rng = self.wire, self.rng
        campaign = rng.choice(self.campaigns)
        bits = rng.getrandbits
        ccid = self._new_id(lambda: f"{bits(16):04X}-{bits(48):012X}")
        answered = rng.random() < 0.82
        ivr = rng.randint(5, 60) if rng.random() < 0.35 else 0
        connect = min(3600, int(rng.expovariate(1 / 170)) + 1) if answered else 0
        duration = ivr + connect + rng.randint(0, 25)
        start_ms = end_ms - duration * 1000
        city, region, area, zip_code = rng.choice(pools.CITIES)
        keys = rng.sample(pools.KEYNAMES, rng.randint(1, 3)) if rng.random() < 0.4 else []
        head = {
            "complete_call_id": w.plain(ccid),
            "start_time_local": w.local(start_ms),
            "start_time_utc": w.integer(start_ms),
            "start_time_xml": w.xml(start_ms),
            "start_time_network_timezone": w.local(start_ms, w.network_tz),
            "start_time_network_timezone_xml": w.xml(start_ms, w.network_tz),
            "hangup_cause": w.text(rng.choice(pools.HANGUP_CAUSES if answered else pools.NO_ANSWER_CAUSES)),
            "calling_phone_number": w.plain(f"{area}-555-{rng.randint(0, 9999):04d}"),
            "mobile": w.text(rng.choice(pools.PHONE_TYPES)),
            "repeat_calling_phone_number": w.text("Yes" if rng.random() < 0.15 else "No"),
            "city": w.text(city),
            "region": w.text(region),
            "qualified_regions": w.text(region if rng.random() < 0.9 else ""),
            "verified_zip": w.text(zip_code if rng.random() < 0.3 else ""),
            "opt_in_SMS": w.code(1 if rng.random() < 0.1 else 0),
            "recording": w.plain(f"https://invoca.net/call/recording/{ccid}") if connect else w.empty,
            "recording_download_url": (
                w.plain(
                    f"https://recordings.invoca.net/{ccid}.mp3?expires={end_ms // 1000 + 604800}"
                    f"&signature={rng.getrandbits(64):016x}"
                )
                if connect
                else w.empty
            ),
            "keypresses": w.text(",".join(keys)),
        }
        for n, name in enumerate(KEYPRESS[1:]):
            head[name] = w.text(keys[n] if n < len(keys) else "")
        if campaign.referrers:
            referrers, utm = rng.choice(campaign.referrers)
            marketing: Custom = {
                name: (_DATA_TYPES[name], "DynamicAttribution", value) for name, value in utm.items()
            }
        else:
            referrers = self._empty_referrers
            marketing = {"utm_medium": ("Category", "VirtualLine", campaign.kind)}
        extra = campaign.field
        if extra.data_type != "Signal":
            pool = pools.LOCATIONS if extra.data_type == "Category" else pools.POLICY_TYPES
            marketing[extra.name] = (extra.data_type, extra.source, rng.choice(pool))
        demographics = rng.choice(self._demographics) if rng.random() < 0.3 else self._empty_demographics
        call = Call(
            ccid=ccid,
            start_ms=start_ms,
            end_ms=end_ms,
            durations=(duration, connect, ivr),
            campaign=campaign,
            head=tuple(head[c] for c in CALL_HEAD),
            referrers=referrers,
            demographics=demographics,
            marketing=marketing,
        )
        rows = [self._call_row(call, campaign)]
        if rng.random() < BUNDLED_RATE:
            partners = [  # another campaign of the advertiser, through the same affiliate (or direct)
                c
                for c in self.campaigns
                if c.advertiser is campaign.advertiser
                and c.affiliate is campaign.affiliate
                and c is not campaign
            ]
            if partners:
                rows.append(self._call_row(call, rng.choice(partners)))
        call.first = rows[0]
        return rows

    def _call_row(self, call: Call, campaign: Campaign) -> Row:
        rng = self.rng
        duration, connect, _ = call.durations
        custom = dict(call.marketing)
        signal = ("Signal", "Expression")
        custom["30 Seconds Plus Calls"] = (*signal, connect >= 30)
        if connect == 0:
            custom["Not Answered by Agent"] = (*signal, True)
        draw = rng.random()
        if draw < 0.4:
            custom["Quote"] = (*signal, draw < 0.25)
        if campaign.field.data_type == "Signal" and rng.random() < 0.3:
            custom[campaign.field.name] = ("Signal", campaign.field.source, rng.random() < 0.6)
        outcome = "unanswered" if connect == 0 else "short" if connect < 60 else "paid"
        if outcome == "paid" and rng.random() < 0.1:
            outcome = "region"
        facts = Facts(
            kind=CALL,
            durations=call.durations,
            payin=0,
            payout=0,
            call_fee=(duration * 25 + 59) // 60,
            advertiser_fee=(connect * 15 + 59) // 60,
            outcome=outcome,
            notes=rng.choice(pools.NOTES) if rng.random() < 0.1 else "",
            signal_at_s=call.end_ms // 1000,
            external_data=f"sub_id={rng.randint(100, 999)}"
            if campaign.affiliate and rng.random() < 0.3
            else "",
        )
        if outcome == "paid":
            bonus = rng.random() < 0.2
            facts.payin = campaign.payin + (500 if bonus else 0)
            facts.payout = campaign.payout
        return Row(self._tid(), call, campaign, facts, custom, call.end_ms)

    def post_call_event(self, call: Call, at_ms: int) -> Row:
        """A Post Call Event (Signal file upload or API) on a completed call (§7)."""
        rng = self.rng
        bought = rng.random() < 0.7
        custom = dict(call.marketing)
        custom["Purchase Made"] = ("Signal", rng.choice(("Import", "Api")), bought)
        facts = Facts(
            kind=POST_CALL_EVENT,
            durations=None,
            payin=500 if bought else 0,
            payout=250 if bought and call.campaign.affiliate else 0,
            call_fee=None,
            advertiser_fee=None,
            outcome="",
            revenue=rng.randint(20, 400) * 100 + rng.choice((0, 99)) if bought else None,
            partner_unique_id=f"PCE-{rng.getrandbits(40):010x}",
            signal_at_s=at_ms // 1000,
        )
        return Row(self._tid(), call, call.campaign, facts, custom, at_ms)

    def sale(self, call: Call, at_ms: int) -> Row:
        """A Reported Conversion (a Sale) for a call (§7)."""
        rng = self.rng
        amount = rng.randint(30, 900) * 100 + rng.choice((0, 50, 99))
        city, region, area, zip_code = rng.choice(pools.CITIES)
        first, last = rng.choice(pools.FIRST_NAMES), rng.choice(pools.LAST_NAMES)
        conversion = {
            "address1": rng.choice(pools.STREETS),
            "address2": rng.choice(("", "", "Apt 4")),
            "cell_phone_number": f"{area}-555-{rng.randint(0, 9999):04d}",
            "country": "CA" if region == "ON" else "US",
            "email_address": f"{first.lower()}@example.com",
            "home_phone_number": "",
            "name": f"{first} {last}",
            "order_city": city,
            "quantity_list": str(rng.randint(1, 3)),
            "reason_code": "",
            "sku_list": rng.choice(pools.SKUS),
            "state_or_province": region,
            "zip_code": zip_code,
        }
        assert call.first is not None
        facts = Facts(
            kind=SALE,
            durations=None,
            payin=amount // 10,
            payout=amount // 20 if call.campaign.affiliate else 0,
            call_fee=None,
            advertiser_fee=None,
            outcome="",
            sale_amount=amount,
            original_order_id=call.first.tid,
            conversion=tuple(conversion[c] for c in CONVERSION),
        )
        return Row(self._tid(), call, call.campaign, facts, dict(call.marketing), at_ms)

    def correction(self, target: Row, at_ms: int, change: str | None = None, notes: str | None = None) -> Row:
        """A new row correcting ``target``: the latest version of its root, changed (§6).

        ``change`` is one of ``CHANGES`` (a seeded choice when None); a change that
        would change nothing changes the notes instead. ``notes`` sets the notes.
        The row is not registered yet.
        """
        rng = self.rng
        base = target.root.latest
        facts = copy.copy(base.facts)
        custom = dict(base.custom)
        kind = change or rng.choice(CHANGES)
        if kind == "payin":
            _rerate(facts, base.campaign, rng)
        elif kind == "payout" and base.campaign.affiliate is not None:
            facts.payout = max(0, facts.payout + rng.choice((-500, -250, 250, 500)))
        elif kind == "signal":  # a later AI Signal (§7): adds a purchase, or retracts one
            bought = custom.get("Purchase Made", ("", "", False))[2] is not True
            custom["Purchase Made"] = ("Signal", "AI", bought)
            facts.revenue = rng.randint(20, 400) * 100 if bought else None
            facts.signal_at_s = at_ms // 1000
        if notes is not None:
            facts.notes = notes
        elif facts == base.facts and custom == base.custom:
            facts.notes = rng.choice([n for n in pools.CORRECTION_NOTES if n != facts.notes])
        row = Row(self._tid(), base.call, base.campaign, facts, custom, at_ms)
        row.corrects = target
        row.root = target.root
        return row

    # -- encoding --------------------------------------------------------------
    def encode_tx(self, row: Row) -> tuple[str, ...]:
        """The row's own columns, encoded, in ``TX_GROUP`` order."""
        w, f = self.wire, row.facts
        values = [w.empty] * len(TX_GROUP)
        values[TX_INDEX["transaction_id"]] = w.plain(row.tid)
        values[TX_INDEX["transaction_type"]] = w.text(f.kind)
        if row.corrects is not None:
            values[TX_INDEX["corrects_transaction_id"]] = w.plain(row.corrects.tid)
            values[TX_INDEX["corrected_at"]] = w.local(row.created_ms)
        if f.original_order_id:
            values[TX_INDEX["original_order_id"]] = w.plain(f.original_order_id)
        if f.durations is not None:
            for name, seconds in zip(
                ("duration", "connect_duration", "ivr_duration"), f.durations, strict=True
            ):
                values[TX_INDEX[name]] = w.integer(seconds)
        values[TX_INDEX["advertiser_payin_localized"]] = w.money(f.payin)
        values[TX_INDEX["affiliate_payout_localized"]] = w.money(f.payout)
        values[TX_INDEX["margin_localized"]] = w.money(f.payin - f.payout)
        values[TX_INDEX["call_fee_localized"]] = w.money(f.call_fee)
        values[TX_INDEX["advertiser_call_fee_localized"]] = w.money(f.advertiser_fee)
        values[TX_INDEX["revenue"]] = w.money(f.revenue)
        values[TX_INDEX["sale_amount"]] = w.money(f.sale_amount)
        if f.payin:
            values[TX_INDEX["matching_advertiser_payin_policies"]] = w.text(
                "base+bonus1" if f.payin % 1000 == 500 else "base"
            )
        if f.payout:
            values[TX_INDEX["matching_affiliate_payout_policies"]] = w.text("base")
        if f.kind == CALL:
            failing = f.outcome in ("short", "unanswered")
            condition = "{duration > 1 min} and in_region" if failing else "duration > 1 min and {in_region}"
            values[TX_INDEX["payin_conditions"]] = w.text(
                "duration > 1 min and in_region" if f.payin else condition
            )
            values[TX_INDEX["payout_conditions"]] = w.text(
                "duration > 1 min and in_region" if f.payout else condition
            )
            wording, managed = pools.CALL_RESULTS[f.outcome]
            values[TX_INDEX["call_result_description_detail"]] = w.text(wording)
            values[TX_INDEX["call_result_description_detail_managed_advertiser"]] = w.text(managed)
        values[TX_INDEX["notes"]] = w.text(f.notes)
        signals = true_signals(row.custom)
        values[TX_INDEX["signal_name"]] = w.text(", ".join(signals))
        values[TX_INDEX["signal_partner_unique_id"]] = w.text(f.partner_unique_id)
        if any(t == "Signal" for t, _, _ in row.custom.values()):
            values[TX_INDEX["signal_occurred_at"]] = w.code(f.signal_at_s)
        values[TX_INDEX["external_data"]] = w.text(f.external_data)
        if f.conversion is not None:
            for name, value in zip(CONVERSION, f.conversion, strict=True):
                values[TX_INDEX[name]] = w.text(value)
        return tuple(values)

    def cleared(self, row: Row) -> tuple[str, ...]:
        """``row.tx`` with its durations cleared, as on a superseded row (§6)."""
        if self.wire.cleared is None or row.facts.durations is None:
            return row.tx
        values = list(row.tx)
        for name in ("duration", "connect_duration", "ivr_duration"):
            values[TX_INDEX[name]] = self.wire.cleared
        return tuple(values)


def _numbered(names: tuple[str, ...], k: int) -> str:
    name = names[k % len(names)]
    return name if k < len(names) else f"{name} {k // len(names) + 1}"


def _rerate(facts: Facts, campaign: Campaign, rng: random.Random) -> None:
    """An Earned/Paid correction: a sale re-valued, a paid call unpaid, an unpaid one paid."""
    if facts.kind == SALE and facts.sale_amount is not None:
        facts.sale_amount = max(100, facts.sale_amount - rng.randint(1, 20) * 100)
        facts.payin = facts.sale_amount // 10
    elif facts.payin:
        facts.payin, facts.payout = 0, 0
        facts.outcome = "region" if facts.kind == CALL else ""
    else:
        facts.payin = campaign.payin + rng.choice((0, 500))
        facts.payout = campaign.payout if facts.kind == CALL else 0
        facts.outcome = "paid" if facts.kind == CALL else ""
