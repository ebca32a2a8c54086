"""GetTransactions: fields, values, every parameter, accounts and validation."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from typing import Any
from zoneinfo import ZoneInfo

from sandbox.ve.catalog import PROMO_CODE_TYPES, TRANSACTION_STATUSES, TRANSACTION_TYPES
from sandbox.ve.wire import FIELDS
from tests.sandbox.ve.conftest import MERCHANTS, OWN, PRODUCTION, PRODUCTION_KEY

ISO_MS = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")
TYPE_NAMES = {row.name for row in TRANSACTION_TYPES}
STATUS_NAMES = {row.name for row in TRANSACTION_STATUSES}
PROMO_NAMES = {TRANSACTION_TYPES[row - 1].name for row in PROMO_CODE_TYPES}


def when(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def in_market(truth: list[dict[str, Any]], domain: str, *countries: str) -> list[dict[str, Any]]:
    return [
        {k: v for k, v in row.items() if k not in ("domain", "country")}
        for row in truth
        if row["domain"] == domain and row["country"] in countries
    ]


def test_own_account_rows_have_the_16_documented_fields(client) -> None:
    answer = client.get()
    assert answer.headers["Content-Type"] == "application/json"
    rows = answer.json()["transactions"]
    assert rows == in_market(client.emulator.truth(), *OWN[:1], *OWN[1])
    assert len(rows) > 20
    for row in rows:
        assert tuple(row) == FIELDS
        assert isinstance(row["transactionId"], int)
        assert isinstance(row["subInvoiceId"], int)
        for name in ("creationDate", "modifiedDate", "checkOutDate"):
            assert ISO_MS.fullmatch(row[name]), row[name]
        for name in ("commission", "total", "conversionValue"):
            assert isinstance(row[name], int | float)
        assert row["transactionType"] in TYPE_NAMES
        assert row["transactionStatus"] in STATUS_NAMES
        assert row["commissionType"] in ("Percentage", "Fixed")
        assert re.fullmatch(r"[A-Z]{3}", row["currency"])
        assert re.fullmatch(r"[A-Z]{3}", row["invoiceCurrency"])
        assert (row["promoCodeName"] is not None) == (row["transactionType"] in PROMO_NAMES)
        assert row["email"] is None or "@" in row["email"]
        assert when(row["creationDate"]) - dt.timedelta(minutes=10) <= when(row["checkOutDate"])
        assert when(row["checkOutDate"]) <= when(row["creationDate"]) <= when(row["modifiedDate"])
    assert [row["transactionId"] for row in rows] == sorted(row["transactionId"] for row in rows)
    # money is written with its two decimal places, as Json.NET writes a decimal
    assert re.search(r'"total":\d+\.\d\d,', answer.text)
    assert not re.search(r'"(total|commission|conversionValue)":\d+(\.\d)?[,}]', answer.text)


def test_the_data_set_uses_the_documented_values(client) -> None:
    truth = client.emulator.truth()
    statuses = Counter(row["transactionStatus"] for row in truth)
    assert {"Pending", "Approved", "Cancelled (auto cancel)", "Cancelled (fraud)"} <= set(statuses)
    assert any(row["email"] is None for row in truth)
    assert any(row["subInvoiceId"] == 0 for row in truth)
    assert any(row["subInvoiceId"] > 0 for row in truth)
    assert len({row["transactionType"] for row in truth}) > 20
    for row in truth:
        if row["transactionStatus"] == "Pending":
            assert row["subInvoiceId"] == 0
            assert row["modifiedDate"] == row["creationDate"]
        if row["transactionStatus"] == "Cancelled (auto cancel)":
            assert row["orderNumber"] is None or row["total"] == 0


def test_agency_merchants_by_domain_and_country(client) -> None:
    truth = client.emulator.truth()
    for domain, countries in MERCHANTS.items():
        assert client.rows(domain=domain) == in_market(truth, domain, *countries)
        for country in countries:
            assert client.rows(domain=domain, country=country.lower()) == in_market(truth, domain, country)
    assert client.rows(country="GB") == client.rows(domain="") == client.rows(domain=OWN[0])


def test_a_foreign_domain_or_country_is_a_backend_401(client, serve) -> None:
    for params in (
        {"domain": "foreign.example"},
        {"domain": "fashion.example", "country": "US"},
        {"country": "FR"},
    ):
        answer = client.get(params)
        assert answer.status_code == 401
        assert answer.json() == {"message": "Authorization has been denied for this request."}
    empty = serve(denied_body="empty").get({"domain": "foreign.example"})
    assert (empty.status_code, empty.content) == (401, b"")


def test_transaction_id_filter_and_empty_result(client) -> None:
    target = client.emulator.truth()[5]
    assert [
        row["transactionId"]
        for row in client.rows(domain=target["domain"], transactionid=target["transactionId"])
    ] == [target["transactionId"]]
    empty = client.get({"transactionId": 1})
    assert (empty.status_code, empty.text) == (200, '{"transactions":[]}')


def test_type_and_status_filters_match_names_case_insensitively(client) -> None:
    own = client.rows()
    clicks = client.rows(transactionType="click / email")
    assert clicks == [row for row in own if row["transactionType"] == "Click / Email"]
    approved = client.rows(TRANSACTIONSTATUS="APPROVED")
    assert approved
    assert approved == [row for row in own if row["transactionStatus"] == "Approved"]
    assert client.rows(transactionStatus="Nonsense") == []


def test_subinvoice_filter(client) -> None:
    own = client.rows()
    invoice = next(row["subInvoiceId"] for row in own if row["subInvoiceId"])
    assert client.rows(subInvoiceId=invoice) == [row for row in own if row["subInvoiceId"] == invoice]
    assert client.rows(subinvoiceid=0) == [row for row in own if row["subInvoiceId"] == 0]


def test_malformed_numbers_and_dates_are_400(client) -> None:
    answer = client.get(
        {"transactionId": "12a", "subinvoiceId": "99999999999", "dateFrom": "2024-02-30", "dateTo": "x"}
    )
    assert answer.status_code == 400
    assert answer.json() == {
        "message": "The request is invalid.",
        "details": {
            "transactionId": "The value '12a' is not valid for transactionId.",
            "subinvoiceId": "The value '99999999999' is not valid for subinvoiceId.",
            "dateFrom": "The value '2024-02-30' is not valid for dateFrom.",
            "dateTo": "The value 'x' is not valid for dateTo.",
        },
    }
    # parameters are validated before the account check
    assert client.get({"domain": "foreign.example", "transactionId": "x"}).status_code == 400


def test_date_window_on_creation_date_is_inclusive_by_default(client) -> None:
    own = client.rows()
    target = next(row for row in own if row["modifiedDate"] != row["creationDate"])
    exact = client.rows(dateFrom=target["creationDate"], dateTo=target["creationDate"])
    assert target in exact
    assert all(row["creationDate"] == target["creationDate"] for row in exact)
    assert target not in client.rows(dateFrom=target["modifiedDate"], dateTo=target["modifiedDate"])
    day = target["creationDate"][:10]
    next_day = (dt.date.fromisoformat(day) + dt.timedelta(days=1)).isoformat()
    window = client.rows(datefrom=day, DATETO=next_day)
    assert window == [row for row in own if f"{day}T" <= row["creationDate"] <= f"{next_day}T00:00:00.000Z"]
    assert client.rows(dateFrom=next_day, dateTo=day) == []


def test_half_open_bounds(serve) -> None:
    client = serve(date_bounds="half_open")
    target = client.rows()[3]
    assert client.rows(dateFrom=target["creationDate"], dateTo=target["creationDate"]) == []
    later = (when(target["creationDate"]) + dt.timedelta(milliseconds=1)).isoformat()
    assert target in client.rows(dateFrom=target["creationDate"], dateTo=later)


def test_date_window_on_modified_date(serve) -> None:
    client = serve(date_field="modifiedDate")
    own = client.rows()
    target = next(row for row in own if row["modifiedDate"][:10] != row["creationDate"][:10])
    assert target in client.rows(dateFrom=target["modifiedDate"], dateTo=target["modifiedDate"])
    assert target not in client.rows(dateFrom=target["creationDate"], dateTo=target["creationDate"])
    start = "2024-06-01T00:00:00"
    assert client.rows(dateFrom=start) == [row for row in own if row["modifiedDate"] >= start]


def test_naive_dates_are_read_in_the_server_time_zone(serve) -> None:
    utc = serve()
    assert utc.rows(dateFrom="2024-06-01T12:00:00") == utc.rows(dateFrom="2024-06-01T12:00:00Z")
    london = serve(server_tz="Europe/London")
    assert london.rows(dateFrom="2024-06-01T13:00:00") == london.rows(dateFrom="2024-06-01T12:00:00Z")
    assert london.rows(dateFrom="06/01/2024 13:00") == london.rows(dateFrom="2024-06-01T14:00:00+01:00")
    target = london.rows()[-1]
    created = when(target["creationDate"])
    local = (
        created.astimezone(ZoneInfo("Europe/London")).replace(tzinfo=None).isoformat(timespec="milliseconds")
    )
    assert target in london.rows(dateFrom=local, dateTo=local)
    assert target not in london.rows(
        dateTo=target["creationDate"].removesuffix("Z")
    )  # an hour earlier in London


def test_max_results_answers_500_so_windows_must_be_split(serve) -> None:
    client = serve(max_results=10)
    whole = client.get()
    assert (whole.status_code, whole.json()) == (500, {"message": "An error has occurred."})
    assert len(client.rows(dateFrom="2024-06-10", dateTo="2024-06-15")) <= 10


def test_name_stage_status_and_name_description_type_formats(serve) -> None:
    client = serve(status_format="name_stage", type_format="name_description")
    own = client.rows()
    statuses = {row["transactionStatus"] for row in own}
    assert {"Approved - Paid", "Pending"} <= statuses
    assert {"Approved - Invoiced, charge", "Approved - Paid"} & statuses
    paid = client.rows(transactionStatus="approved - paid")
    assert paid
    assert all(row["transactionStatus"] == "Approved - Paid" for row in paid)
    assert len(client.rows(transactionStatus="Approved")) > len(paid)  # a bare name selects every stage
    described = {f"{row.name} - {row.description}" for row in TRANSACTION_TYPES}
    assert all(row["transactionType"] in described for row in own)
    cookie = "Click / Email - Transaction Generated without promo codes,sale converted by cookie"
    assert all(row["transactionType"] == cookie for row in client.rows(transactionType=cookie))
    assert len(client.rows(transactionType="Click / Email")) >= len(client.rows(transactionType=cookie))


def test_null_currency_and_date_style_options(serve) -> None:
    client = serve(
        missing_strings="empty",
        uninvoiced_subinvoice="null",
        currency_format="alpha2",
        date_style="unspecified",
        server_tz="Europe/Paris",
    )
    rows = client.rows(domain="fashion.example")
    assert all(row["email"] is not None and row["promoCodeName"] is not None for row in rows)
    assert any(row["promoCodeName"] == "" for row in rows)
    pending = [row for row in rows if row["transactionStatus"] == "Pending"]
    assert pending
    assert all(row["subInvoiceId"] is None for row in pending)
    assert {row["currency"] for row in rows} == {"GB", "EU"}
    assert all(
        re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,3})?", row["creationDate"]) for row in rows
    )
    default = serve().rows(domain="fashion.example")
    paris = dt.datetime.fromisoformat(rows[0]["creationDate"]).replace(
        tzinfo=dt.timezone(dt.timedelta(hours=1))
    )
    assert abs(paris - when(default[0]["creationDate"])) <= dt.timedelta(hours=1)


def test_production_path_serves_the_same_data(client) -> None:
    production = client.get({"domain": "travel.example"}, path=PRODUCTION, key=PRODUCTION_KEY)
    assert production.json()["transactions"] == client.rows(domain="travel.example")
