"""TRANSACTIONS_SCHEMA against the documented property list (api-notes/invoca.md §9.2)."""

from __future__ import annotations

import re
from decimal import Decimal

import jsonschema
import pytest

from tap_invoca.schema import (
    DATETIME_FIELDS,
    DECIMAL_FIELDS,
    DESCRIPTIONS,
    INTEGER_FIELDS,
    STRING_FIELDS,
    TRANSACTIONS_SCHEMA,
)

# The §9.2 tables, section by section, in brace notation: `{1..4}` is a range and
# `{name,value}` a choice; the tally under the tables gives each section's size.
SECTIONS = {
    "core and timing": (
        14,
        """transaction_id corrects_transaction_id corrected_at transaction_type complete_call_id
        original_order_id start_time_local start_time_utc start_time_xml start_time_network_timezone
        start_time_network_timezone_xml duration connect_duration ivr_duration""",
    ),
    "advertiser, affiliate and money": (
        26,
        """advertiser_id advertiser_id_from_network advertiser_name advertiser_campaign_id
        advertiser_campaign_id_from_network advertiser_campaign_name advertiser_campaign_country
        advertiser_promo_line_description affiliate_id affiliate_id_from_network affiliate_name
        affiliate_campaign_id_from_network affiliate_{call_volume,commissions,conversion_rate}_ranking
        {advertiser_payin,affiliate_payout,margin,call_fee,advertiser_call_fee}_localized revenue sale_amount
        matching_{advertiser_payin,affiliate_payout}_policies {payin,payout}_conditions""",
    ),
    "call details": (
        28,
        """call_result_description_detail call_result_description_detail_managed_advertiser
        call_source_description media_type promo_line_description virtual_line_id syndicated_ident
        transfer_from_type hangup_cause destination_phone_number calling_phone_number mobile
        repeat_calling_phone_number city region qualified_regions verified_zip notes opt_in_SMS recording
        recording_download_url real_time_response external_data keypresses keypress_{1..4}""",
    ),
    "ringpool, adwords and conversion": (
        77,
        """dynamic_number_pool_id dynamic_number_pool_pool_type
        dynamic_number_pool_referrer_param{1..25}_{name,value}
        dynamic_number_pool_referrer_search_{engine,keywords,type}
        dynamic_number_pool_referrer_{ad,ad_group,ad_group_id,ad_id,referrer_campaign,referrer_campaign_id}
        dynamic_number_pool_referrer_{search_keywords_id,keyword_match_type}
        address1 address2 cell_phone_number country email_address home_phone_number name order_city
        quantity_list reason_code sku_list state_or_province zip_code call_center_call_id""",
    ),
    "signals, enhanced caller profile and custom data": (
        35,
        """signal_name signal_description signal_partner_unique_id signal_source signal_value
        signal_custom_parameter_{1..3} signal_occurred_at
        address_{city,country,full_street,state,type,zip}_data_append
        {age_range,carrier,display_name,first_name,gender,is_prepaid,last_name,line_type}_data_append
        {primary_email_address,linked_email_addresses,household_income,marital_status}_data_append
        {home_owner_status,home_market_value,length_of_residence_years,occupation}_data_append
        {education,has_children,high_net_worth}_data_append custom_data""",
    ),
}
BRACE = re.compile(r"\{([^{}]*)\}")


def expand(pattern: str) -> list[str]:
    """Shell-style brace expansion, e.g. ``a{1..2}_{x,y}`` -> a1_x a1_y a2_x a2_y."""
    match = BRACE.search(pattern)
    if match is None:
        return [pattern]
    body = match.group(1)
    if ".." in body:
        low, high = body.split("..")
        choices = [str(n) for n in range(int(low), int(high) + 1)]
    else:
        choices = body.split(",")
    head, tail = pattern[: match.start()], pattern[match.end() :]
    return [name for choice in choices for name in expand(head + choice + tail)]


def section(text: str) -> list[str]:
    return [name for pattern in text.split() for name in expand(pattern)]


DOCUMENTED = [name for _, text in SECTIONS.values() for name in section(text)]
PROPERTIES = TRANSACTIONS_SCHEMA["properties"]
MONEY = {
    "advertiser_payin_localized",
    "affiliate_payout_localized",
    "margin_localized",
    "call_fee_localized",
    "advertiser_call_fee_localized",
    "revenue",
    "sale_amount",
}
TIMES = {
    "start_time_local",
    "corrected_at",
    "start_time_network_timezone",
    "start_time_xml",
    "start_time_network_timezone_xml",
}
INTEGERS = {"duration", "connect_duration", "ivr_duration", "start_time_utc", "signal_occurred_at"}


def test_expansion_matches_the_tally() -> None:
    assert expand("p{1..2}_{name,value}") == ["p1_name", "p1_value", "p2_name", "p2_value"]
    for title, (count, text) in SECTIONS.items():
        assert len(section(text)) == count, title
    assert len(DOCUMENTED) == len(set(DOCUMENTED)) == 180


def test_schema_is_valid_draft7() -> None:
    jsonschema.Draft7Validator.check_schema(TRANSACTIONS_SCHEMA)


def test_every_documented_property_and_nothing_else() -> None:
    assert len(PROPERTIES) == 180
    assert set(PROPERTIES) == set(DOCUMENTED)
    assert list(PROPERTIES) == DOCUMENTED  # the docs' order, for readable tables downstream
    assert set(DESCRIPTIONS) == set(DOCUMENTED)


def test_each_property_has_a_description() -> None:
    for name, schema in PROPERTIES.items():
        assert isinstance(schema.get("description"), str), name
        assert 0 < len(schema["description"]) <= 100, name


def test_only_transaction_id_is_required_and_not_null() -> None:
    assert TRANSACTIONS_SCHEMA["required"] == ["transaction_id"]
    assert PROPERTIES["transaction_id"]["type"] == "string"
    for name, schema in PROPERTIES.items():
        if name != "transaction_id":
            assert "null" in schema["type"], name


def test_object_accepts_unknown_columns() -> None:
    assert TRANSACTIONS_SCHEMA["additionalProperties"] is True
    row = {"transaction_id": "A-1", "Purchase Made": 1, "Quote.source": "Expression", "gclid": None}
    jsonschema.Draft7Validator(TRANSACTIONS_SCHEMA).validate(row)


def test_exported_type_sets() -> None:
    assert INTEGER_FIELDS == INTEGERS
    assert DECIMAL_FIELDS == MONEY
    assert {name for name in DOCUMENTED if name.endswith("_localized")} <= DECIMAL_FIELDS
    assert DATETIME_FIELDS == TIMES
    strings = set(DOCUMENTED) - INTEGERS - MONEY - TIMES - {"custom_data"}
    assert strings == STRING_FIELDS
    assert "transaction_id" in STRING_FIELDS


@pytest.mark.parametrize("name", sorted(PROPERTIES))
def test_property_type(name: str) -> None:
    schema = PROPERTIES[name]
    if name in INTEGERS:
        assert schema["type"] == ["integer", "null"]
    elif name in MONEY:
        assert schema["type"] == ["number", "null"]
    elif name in TIMES:
        assert schema["type"] == ["string", "null"]
        assert schema["format"] == "date-time"
    elif name == "custom_data":
        assert schema["type"] == ["array", "null"]
    elif name == "transaction_id":
        assert schema["type"] == "string"
    else:
        assert schema["type"] == ["string", "null"]
        assert "format" not in schema


def test_custom_data_items() -> None:
    items = PROPERTIES["custom_data"]["items"]
    assert items["type"] == "object"
    assert items["additionalProperties"] is True
    assert set(items["properties"]) == {"name", "partner_name", "data_type", "source", "value"}
    for key in ("name", "partner_name", "data_type", "source"):
        assert "string" in items["properties"][key]["type"]
    assert {"boolean", "string"} <= set(items["properties"]["value"]["type"])


@pytest.mark.parametrize(
    ("row", "valid"),
    [
        ({"transaction_id": "A-1"}, True),
        ({"transaction_id": "A-1", "duration": 187, "revenue": Decimal("25.00"), "notes": None}, True),
        ({"transaction_id": None}, False),
        ({"duration": 187}, False),
        ({"transaction_id": "A-1", "duration": "187"}, False),
        ({"transaction_id": "A-1", "revenue": "25.00"}, False),
        ({"transaction_id": "A-1", "advertiser_id": 1111}, False),
        ({"transaction_id": "A-1", "custom_data": [{"name": "Quote", "value": True, "extra": 1}]}, True),
        ({"transaction_id": "A-1", "custom_data": [{"name": "Quote", "value": 1.5}]}, False),
    ],
)
def test_validation(row: dict, valid: bool) -> None:
    assert jsonschema.Draft7Validator(TRANSACTIONS_SCHEMA).is_valid(row) is valid
