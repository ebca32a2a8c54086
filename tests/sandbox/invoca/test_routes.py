"""Path, API versions, formats, accounts and authentication (api-notes §1, §2, §10)."""

from __future__ import annotations

import pytest
import requests

from sandbox.invoca.options import CODE_VERSIONS, DOCUMENTED_VERSIONS


@pytest.mark.parametrize("version", sorted(DOCUMENTED_VERSIONS | CODE_VERSIONS))
def test_documented_versions_and_2023_10_09_are_accepted(api, version):
    assert api.get({"limit": 1}, version=version).status_code == 200


@pytest.mark.parametrize("version", ["2018-02-01", "2026-02-01", "latest", "v1"])
def test_other_versions_answer_400_with_the_signal_api_message(api, version):
    response = api.get({"limit": 1}, version=version)
    assert response.status_code == 400
    error = response.json()["errors"]
    assert error["class"] == "InvalidApiVersion"
    assert error["invalid_data"].startswith(
        "Attempted to make a request with an invalid API Version for route"
    )


def test_accept_version_option_adds_a_version(make_api):
    api = make_api(versions=frozenset({"2020-10-01", "2099-01-01"}))
    assert api.get({"limit": 1}, version="2099-01-01").status_code == 200
    assert api.get({"limit": 1}, version="2019-02-01").status_code == 400


def test_body_is_a_bare_json_array(api):
    response = api.get({"limit": 2})
    assert response.headers["Content-Type"].startswith("application/json")
    body = response.json()
    assert isinstance(body, list)
    assert len(body) == 2
    assert all(isinstance(row, dict) for row in body)


@pytest.mark.parametrize("fmt", ["xml", "txt"])
def test_unsupported_formats_answer_400(api, fmt):
    response = api.get({"limit": 1}, fmt=fmt)
    assert response.status_code == 400
    assert response.json()["errors"]["class"] == "UnsupportedFormat"


def test_unknown_scope_is_not_a_route(api):
    assert api.get({"limit": 1}, scope="publishers").status_code == 404


def test_unknown_account_is_record_not_found(api):
    response = api.get({"limit": 1}, account="34")
    assert response.status_code == 404
    assert response.json() == {"errors": {"class": "RecordNotFound", "invalid_data": "Network 34 not found"}}


def test_another_account_is_unauthorized_operation(api):
    advertiser = api.emulator.accounts()["advertisers"][0]["id"]
    response = api.get({"limit": 1}, scope="advertisers", account=advertiser)
    assert response.status_code == 403
    error = response.json()["errors"]
    assert error["class"] == "UnauthorizedOperation"
    assert advertiser in error["invalid_data"]
    adv_token = api.emulator.token_for("advertiser", advertiser)
    assert api.get({"limit": 1}, token=adv_token).status_code == 403


def test_authorization_header_carries_the_raw_token(api):
    assert api.get({"limit": 1}).status_code == 200
    assert api.get({"limit": 1}, token="Bearer sandbox-invoca-token").status_code == 401


def test_oauth_token_query_parameter_is_accepted(api):
    response = api.get({"limit": 1, "oauth_token": "sandbox-invoca-token"}, token=None)
    assert response.status_code == 200
    assert len(response.json()) == 1


@pytest.mark.parametrize("token", [None, "", "wrong-token"])
def test_missing_or_wrong_token_is_401_with_a_classed_body(api, token):
    response = api.get({"limit": 1}, token=token)
    assert response.status_code == 401
    assert response.json() == {
        "errors": {"class": "Unauthorized", "invalid_data": "Invalid or missing OAuth token"}
    }


def test_version_is_checked_before_the_token(api):
    assert api.get({"limit": 1}, version="1999-01-01", token="wrong").status_code == 400


def test_accounts_route_lists_ids_and_tokens(api):
    listing = requests.get(api.url + "/_sandbox/accounts", timeout=10).json()
    assert listing["network"] == {
        "id": "33",
        "invoca_id": "33",
        "id_from_network": "33",
        "name": "Sandbox Network",
        "token": "sandbox-invoca-token",
        "path": "/api/2020-10-01/networks/transactions/33.json",
    }
    assert len(listing["advertisers"]) == 3
    assert len(listing["affiliates"]) == 4
    for kind in ("advertiser", "affiliate"):
        for entry in listing[kind + "s"]:
            assert entry["token"] == api.emulator.token_for(kind, entry["id"])
            assert entry["token"] == f"sandbox-invoca-token-{kind}-{entry['invoca_id']}"
            assert api.get({"limit": 1}, scope=kind + "s", account=entry["id"], token=entry["token"]).ok


def test_network_id_and_token_options(make_api):
    api = make_api(network_id="7", token="secret")
    assert api.get({"limit": 1}, account="7", token="secret").status_code == 200
    assert api.get({"limit": 1}, account="33", token="secret").status_code == 404


def test_path_id_option_uses_the_network_assigned_id(make_api):
    api = make_api(path_id="network")
    advertiser = api.emulator.data.advertisers[0]
    token = api.emulator.token_for("advertiser", advertiser.id_from_network)
    assert api.get({"limit": 1}, scope="advertisers", account=advertiser.id_from_network, token=token).ok
    assert api.get({"limit": 1}, scope="advertisers", account=advertiser.id, token=token).status_code == 404
