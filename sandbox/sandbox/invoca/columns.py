"""Column catalogue of the Transactions API and the columns each view serves.

``CATALOGUE`` is the 180-property superset of api-notes/invoca.md §9.2, in that
order. A ``View`` (network, advertiser, affiliate; §9.3) has default columns
(what ``$invoca_default_columns`` and an absent ``include_columns`` give) and
optional ones (served only when named in ``include_columns``).

The emulated account has the Signal Transactions Rollup feature (§7), so the
signal columns the rollup removes are in no view, whatever the API version;
``call_center_call_id`` is a 2015-2016 legacy column and is in no view either.
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_COLUMNS = "$invoca_default_columns"
CUSTOM_COLUMNS = "$invoca_custom_columns"
CUSTOM_SOURCE_COLUMNS = "$invoca_custom_source_columns"
CUSTOM_DATA = "custom_data"
SOURCE_SUFFIX = ".source"

CORE = (
    "transaction_id",
    "corrects_transaction_id",
    "corrected_at",
    "transaction_type",
    "complete_call_id",
    "original_order_id",
    "start_time_local",
    "start_time_utc",
    "start_time_xml",
    "start_time_network_timezone",
    "start_time_network_timezone_xml",
    "duration",
    "connect_duration",
    "ivr_duration",
)
PARTIES_AND_MONEY = (
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
    "advertiser_payin_localized",
    "affiliate_payout_localized",
    "margin_localized",
    "call_fee_localized",
    "advertiser_call_fee_localized",
    "revenue",
    "sale_amount",
    "matching_advertiser_payin_policies",
    "matching_affiliate_payout_policies",
    "payin_conditions",
    "payout_conditions",
)
KEYPRESS = ("keypresses", "keypress_1", "keypress_2", "keypress_3", "keypress_4")
CALL_DETAILS = (
    "call_result_description_detail",
    "call_result_description_detail_managed_advertiser",
    "call_source_description",
    "media_type",
    "promo_line_description",
    "virtual_line_id",
    "syndicated_ident",
    "transfer_from_type",
    "hangup_cause",
    "destination_phone_number",
    "calling_phone_number",
    "mobile",
    "repeat_calling_phone_number",
    "city",
    "region",
    "qualified_regions",
    "verified_zip",
    "notes",
    "opt_in_SMS",
    "recording",
    "recording_download_url",
    "real_time_response",
    "external_data",
    *KEYPRESS,
)
REFERRER_PARAMS = tuple(
    f"dynamic_number_pool_referrer_param{n}_{part}" for n in range(1, 26) for part in ("name", "value")
)
RINGPOOL = (
    "dynamic_number_pool_id",
    "dynamic_number_pool_pool_type",
    *REFERRER_PARAMS,
    "dynamic_number_pool_referrer_search_engine",
    "dynamic_number_pool_referrer_search_keywords",
    "dynamic_number_pool_referrer_search_type",
)
ADWORDS = (
    "dynamic_number_pool_referrer_ad",
    "dynamic_number_pool_referrer_ad_group",
    "dynamic_number_pool_referrer_ad_group_id",
    "dynamic_number_pool_referrer_ad_id",
    "dynamic_number_pool_referrer_referrer_campaign",
    "dynamic_number_pool_referrer_referrer_campaign_id",
    "dynamic_number_pool_referrer_search_keywords_id",
    "dynamic_number_pool_referrer_keyword_match_type",
)
CONVERSION = (
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
LEGACY = ("call_center_call_id",)
SIGNAL_ROLLUP_KEPT = ("signal_name", "signal_partner_unique_id", "signal_occurred_at")
SIGNAL_ROLLUP_REMOVED = (
    "signal_description",
    "signal_source",
    "signal_value",
    "signal_custom_parameter_1",
    "signal_custom_parameter_2",
    "signal_custom_parameter_3",
)
DEMOGRAPHICS = tuple(
    f"{name}_data_append"
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
)
SIGNALS_AND_CUSTOM = (
    "signal_name",
    "signal_description",
    "signal_partner_unique_id",
    "signal_source",
    "signal_value",
    "signal_custom_parameter_1",
    "signal_custom_parameter_2",
    "signal_custom_parameter_3",
    "signal_occurred_at",
    *DEMOGRAPHICS,
    CUSTOM_DATA,
)
CATALOGUE: tuple[str, ...] = (
    *CORE,
    *PARTIES_AND_MONEY,
    *CALL_DETAILS,
    *RINGPOOL,
    *ADWORDS,
    *CONVERSION,
    *LEGACY,
    *SIGNALS_AND_CUSTOM,
)
DURATIONS = ("duration", "connect_duration", "ivr_duration")
"""Cleared on superseded rows (§6: which ones is UNKNOWN; these three are presumed)."""

# The feature tables (§9.3): network and advertiser get all of them, affiliates only RingPool.
_FEATURES = (*RINGPOOL, *ADWORDS, *CONVERSION, "sale_amount", "revenue", *SIGNAL_ROLLUP_KEPT, *DEMOGRAPHICS)
# The tables below are the docs' `_{network,advertiser,affiliate}_param_table.rst` (branch 2022-08-01).
_SHARED_TABLE = (
    *CORE[:5],
    "original_order_id",
    "start_time_local",
    "start_time_utc",
    "start_time_xml",
    *DURATIONS,
    "advertiser_campaign_id",
    "advertiser_campaign_id_from_network",
    "advertiser_campaign_name",
    "call_source_description",
    "city",
    *KEYPRESS,
    "media_type",
    "mobile",
    "notes",
    "opt_in_SMS",
    "qualified_regions",
    "region",
    "transfer_from_type",
    "verified_zip",
    "virtual_line_id",
)
_NETWORK_TABLE = (
    *_SHARED_TABLE,
    "start_time_network_timezone",
    "start_time_network_timezone_xml",
    "advertiser_call_fee_localized",
    "advertiser_campaign_country",
    "advertiser_id",
    "advertiser_id_from_network",
    "advertiser_name",
    "advertiser_payin_localized",
    "affiliate_call_volume_ranking",
    "affiliate_commissions_ranking",
    "affiliate_conversion_rate_ranking",
    "affiliate_id",
    "affiliate_id_from_network",
    "affiliate_name",
    "affiliate_payout_localized",
    "call_fee_localized",
    "call_result_description_detail",
    "calling_phone_number",
    "destination_phone_number",
    "margin_localized",
    "matching_advertiser_payin_policies",
    "matching_affiliate_payout_policies",
    "payin_conditions",
    "payout_conditions",
    "recording",
    "recording_download_url",
    "repeat_calling_phone_number",
    "hangup_cause",
)
_NETWORK_OPTIONAL = ("affiliate_campaign_id_from_network", "promo_line_description", "real_time_response")
_ADVERTISER_TABLE = (
    *_SHARED_TABLE,
    "advertiser_payin_localized",
    "advertiser_promo_line_description",
    "affiliate_call_volume_ranking",
    "affiliate_commissions_ranking",
    "affiliate_conversion_rate_ranking",
    "affiliate_id",
    "affiliate_id_from_network",
    "affiliate_name",
    "call_result_description_detail_managed_advertiser",
    "calling_phone_number",
    "destination_phone_number",
    "matching_advertiser_payin_policies",
    "payin_conditions",
    "recording",
    "repeat_calling_phone_number",
    "syndicated_ident",
)
_ADVERTISER_OPTIONAL = (
    "advertiser_call_fee_localized",
    "affiliate_campaign_id_from_network",
    "margin_localized",
    "promo_line_description",
    "real_time_response",
)
_AFFILIATE_TABLE = (
    *_SHARED_TABLE,
    "advertiser_id",
    "advertiser_id_from_network",
    "advertiser_name",
    "affiliate_payout_localized",
    "call_result_description_detail",
    "matching_affiliate_payout_policies",
    "payout_conditions",
    "promo_line_description",
    "syndicated_ident",
)
_AFFILIATE_OPTIONAL = (
    "signal_name",
    "external_data",
    "recording",
    "calling_phone_number",
    "repeat_calling_phone_number",
    "real_time_response",
)


@dataclass(frozen=True)
class View:
    """The columns one kind of API user can get."""

    scope: str
    default: tuple[str, ...]
    """``$invoca_default_columns``, in catalogue order."""
    columns: frozenset[str]
    """Default plus optional columns: everything ``include_columns`` may name."""
    custom: bool
    """Whether Marketing Data and Signals (custom columns) are served (§3.1)."""


def _view(scope: str, table: tuple[str, ...], optional: tuple[str, ...], custom: bool) -> View:
    default = set(table) - set(optional)
    return View(
        scope, tuple(c for c in CATALOGUE if c in default), frozenset(default | set(optional)), custom
    )


VIEWS: dict[str, View] = {
    "networks": _view("networks", (*_NETWORK_TABLE, *_FEATURES), _NETWORK_OPTIONAL, custom=True),
    "advertisers": _view("advertisers", (*_ADVERTISER_TABLE, *_FEATURES), _ADVERTISER_OPTIONAL, custom=True),
    "affiliates": _view("affiliates", (*_AFFILIATE_TABLE, *RINGPOOL), _AFFILIATE_OPTIONAL, custom=False),
}
SERVED_COLUMNS: tuple[str, ...] = tuple(c for c in CATALOGUE if any(c in v.columns for v in VIEWS.values()))
"""Every standard column some view serves, in catalogue order."""
