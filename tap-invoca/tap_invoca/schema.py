"""JSON Schema of the ``transactions`` stream.

The properties are the superset of the network, advertiser and affiliate views of
the Invoca Transactions API (180 documented columns). Every property is nullable
except ``transaction_id``. The object allows additional properties: flat Marketing
Data columns (``$invoca_custom_columns``) and any column an account adds pass through.

Types: durations, ``start_time_utc`` (epoch ms) and ``signal_occurred_at`` (epoch s)
are integers; call and correction times are ISO 8601 date-times with an offset; money
is a decimal number; ``custom_data`` is an array of objects; everything else is a
string (the API's JSON encodings of ids and codes are not documented).
"""

from __future__ import annotations

from typing import Any

INTEGER_FIELDS = frozenset(
    {"duration", "connect_duration", "ivr_duration", "start_time_utc", "signal_occurred_at"}
)
"""Integers: seconds, epoch milliseconds (``start_time_utc``), epoch seconds (``signal_occurred_at``)."""

DATETIME_FIELDS = frozenset(
    {
        "start_time_local",
        "start_time_network_timezone",
        "corrected_at",
        "start_time_xml",
        "start_time_network_timezone_xml",
    }
)
"""Date-times with an offset; the API sends ``YYYY-MM-DD HH:MM:SS ±HH:MM`` or ISO 8601."""

DECIMAL_FIELDS = frozenset(
    {
        "advertiser_payin_localized",
        "affiliate_payout_localized",
        "margin_localized",
        "call_fee_localized",
        "advertiser_call_fee_localized",
        "revenue",
        "sale_amount",
    }
)
"""Money: decimal numbers in the account's currency."""

_RINGPOOL = "RingPool referrer"
_ADWORDS = "AdWords (RingPool referrer)"
_CONVERSION = "Conversion reporting"
_ECP = "Enhanced Caller Profile (data append)"
_DEPRECATED = "Deprecated signal column, removed under Signal Rollup"

# Every documented column in the docs' order, with its report name or meaning.
DESCRIPTIONS: dict[str, str] = {
    "transaction_id": "Transaction ID: unique, opaque id of this row (primary key; not ordered)",
    "corrects_transaction_id": "Corrects Call: id of the transaction this correction replaces",
    "corrected_at": "Corrected At: time of the correction (token user's time zone)",
    "transaction_type": "Type: Call, Post Call Event, Reported Conversion or Signal",
    "complete_call_id": "Call Record ID: shared by every transaction of one call",
    "original_order_id": "Order ID: the transaction a reported conversion refers to",
    "start_time_local": "Call Start Time (token user's time zone)",
    "start_time_utc": "Call Start Time (UTC timestamp), epoch milliseconds",
    "start_time_xml": "Call Start Time (XML formatted), token user's time zone",
    "start_time_network_timezone": "Call start time in the network's current time zone",
    "start_time_network_timezone_xml": "Call start time in the network's time zone (XML formatted)",
    "duration": "Total Duration in seconds, IVR included",
    "connect_duration": "Connected Duration: seconds connected to the call center",
    "ivr_duration": "IVR Duration in seconds",
    "advertiser_id": "Advertiser ID",
    "advertiser_id_from_network": "Advertiser ID assigned by the network",
    "advertiser_name": "Advertiser name",
    "advertiser_campaign_id": "Advertiser campaign ID",
    "advertiser_campaign_id_from_network": "Advertiser campaign ID assigned by the network",
    "advertiser_campaign_name": "Advertiser campaign name",
    "advertiser_campaign_country": "Advertiser campaign country",
    "advertiser_promo_line_description": "Advertiser's promo line description",
    "affiliate_id": "Affiliate (publisher) ID",
    "affiliate_id_from_network": "Affiliate ID assigned by the network",
    "affiliate_name": "Affiliate name",
    "affiliate_campaign_id_from_network": "Affiliate campaign ID assigned by the network",
    "affiliate_call_volume_ranking": "Affiliate call volume ranking (0-5, -1 = new)",
    "affiliate_commissions_ranking": "Affiliate commissions ranking (0-5, -1 = new)",
    "affiliate_conversion_rate_ranking": "Affiliate conversion rate ranking (0-5, -1 = new)",
    "advertiser_payin_localized": "Earned: advertiser pay-in (summed for the call under rollup)",
    "affiliate_payout_localized": "Paid: affiliate payout (summed for the call under rollup)",
    "margin_localized": "Margin: pay-in minus payout",
    "call_fee_localized": "Fees for the call",
    "advertiser_call_fee_localized": "Advertiser Fees",
    "revenue": "Revenue applied via Signal revenue proxies or Post Call Events",
    "sale_amount": "Sale amount of a reported conversion",
    "matching_advertiser_payin_policies": "Matching pay-in policies, e.g. base+bonus1",
    "matching_affiliate_payout_policies": "Matching payout policies",
    "payin_conditions": "Pay-in conditions met",
    "payout_conditions": "Payout conditions met",
    "call_result_description_detail": "Call Result",
    "call_result_description_detail_managed_advertiser": "Call Result (advertiser view)",
    "call_source_description": "Source",
    "media_type": "Media Type",
    "promo_line_description": "Promo line description",
    "virtual_line_id": "Promo Number ID",
    "syndicated_ident": "Syndicated ID",
    "transfer_from_type": "Transfer Type",
    "hangup_cause": "End of Call Reason",
    "destination_phone_number": "Destination phone number",
    "calling_phone_number": "Caller ID",
    "mobile": "Phone Type: Landline or Mobile",
    "repeat_calling_phone_number": "Repeat Caller",
    "city": "Caller city",
    "region": "Caller region",
    "qualified_regions": "Qualified regions",
    "verified_zip": "Verified Zip Code",
    "notes": "Notes",
    "opt_in_SMS": "Opt In Sms: whether the caller opted in to SMS",
    "recording": "URL of the call recording page",
    "recording_download_url": "Signed, expiring recording download URL",
    "real_time_response": "Real-time response",
    "external_data": "External data",
    "keypresses": "IVR keypresses",
    **{f"keypress_{n}": f"IVR keypress {n}" for n in range(1, 5)},
    "dynamic_number_pool_id": "RingPool ID",
    "dynamic_number_pool_pool_type": "RingPool type: Search, SearchKeyword or Custom",
    **{
        f"dynamic_number_pool_referrer_param{n}_{part}": f"{_RINGPOOL} parameter {n} {part}"
        for n in range(1, 26)
        for part in ("name", "value")
    },
    "dynamic_number_pool_referrer_search_engine": f"{_RINGPOOL} search engine",
    "dynamic_number_pool_referrer_search_keywords": f"{_RINGPOOL} search keywords",
    "dynamic_number_pool_referrer_search_type": f"{_RINGPOOL} search type: Paid or Organic",
    "dynamic_number_pool_referrer_ad": f"{_ADWORDS} ad",
    "dynamic_number_pool_referrer_ad_group": f"{_ADWORDS} ad group",
    "dynamic_number_pool_referrer_ad_group_id": f"{_ADWORDS} ad group ID",
    "dynamic_number_pool_referrer_ad_id": f"{_ADWORDS} ad ID",
    "dynamic_number_pool_referrer_referrer_campaign": f"{_ADWORDS} campaign",
    "dynamic_number_pool_referrer_referrer_campaign_id": f"{_ADWORDS} campaign ID",
    "dynamic_number_pool_referrer_search_keywords_id": f"{_ADWORDS} keywords ID",
    "dynamic_number_pool_referrer_keyword_match_type": f"{_ADWORDS} keyword match type",
    **{
        name: f"{_CONVERSION}: {name.replace('_', ' ')}"
        for name in (
            "address1",
            "address2",
            "cell_phone_number",
            "country",
            "email_address",
            "home_phone_number",
            "name",
            "order_city",
            "quantity_list",
            "reason_code",
            "sku_list",
            "state_or_province",
            "zip_code",
        )
    },
    "call_center_call_id": "Call center call ID (legacy)",
    "signal_name": "Signal name (merged results under Signal Rollup)",
    "signal_description": _DEPRECATED,
    "signal_partner_unique_id": "Partner unique ID of the signal or post-call event",
    "signal_source": _DEPRECATED,
    "signal_value": _DEPRECATED,
    **{f"signal_custom_parameter_{n}": _DEPRECATED for n in range(1, 4)},
    "signal_occurred_at": "Signal time, epoch seconds (UTC)",
    **{
        f"{name}_data_append": f"{_ECP}: {name.replace('_', ' ')}"
        for name in (
            "address_city",
            "address_country",
            "address_full_street",
            "address_state",
            "address_type",
            "address_zip",
            "age_range",
            "carrier",
            "display_name",
            "first_name",
            "gender",
            "is_prepaid",
            "last_name",
            "line_type",
            "primary_email_address",
            "linked_email_addresses",
            "household_income",
            "marital_status",
            "home_owner_status",
            "home_market_value",
            "length_of_residence_years",
            "occupation",
            "education",
            "has_children",
            "high_net_worth",
        )
    },
    "custom_data": "Marketing Data and Signal values (only when custom_data is in include_columns)",
}

STRING_FIELDS = frozenset(DESCRIPTIONS) - INTEGER_FIELDS - DATETIME_FIELDS - DECIMAL_FIELDS - {"custom_data"}
"""Documented columns typed as strings (``transaction_id`` included)."""

_CUSTOM_DATA_ITEM: dict[str, Any] = {
    "type": "object",
    "properties": {
        "name": {"type": ["string", "null"], "description": "Marketing Data field or Signal name"},
        "partner_name": {"type": ["string", "null"], "description": "Partner (API) name"},
        "data_type": {"type": ["string", "null"], "description": "Signal, Category, Long Text or Short Text"},
        "source": {"type": ["string", "null"], "description": "Where the value came from, e.g. Api, AI"},
        "value": {"type": ["boolean", "string", "null"], "description": "true/false for a Signal, else text"},
    },
    "additionalProperties": True,
}


def _property(name: str) -> dict[str, Any]:
    if name in INTEGER_FIELDS:
        schema: dict[str, Any] = {"type": ["integer", "null"]}
    elif name in DECIMAL_FIELDS:
        schema = {"type": ["number", "null"]}
    elif name in DATETIME_FIELDS:
        schema = {"type": ["string", "null"], "format": "date-time"}
    elif name == "custom_data":
        schema = {"type": ["array", "null"], "items": _CUSTOM_DATA_ITEM}
    elif name == "transaction_id":
        schema = {"type": "string"}
    else:
        schema = {"type": ["string", "null"]}
    schema["description"] = DESCRIPTIONS[name]
    return schema


TRANSACTIONS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {name: _property(name) for name in DESCRIPTIONS},
    "required": ["transaction_id"],
    "additionalProperties": True,
}
"""Schema of the ``transactions`` stream (key ``transaction_id``)."""
