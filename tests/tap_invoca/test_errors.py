"""Errors a user can act on: one ERROR line naming the setting, the host and what to do; no secret."""

from __future__ import annotations

import socket
import ssl
from collections.abc import Callable
from typing import Any

import pytest
import requests
from singer_sdk.exceptions import FatalAPIError, RetriableAPIError
from urllib3.exceptions import MaxRetryError

from tap_invoca.errors import connection_error, describe_body
from tap_invoca.retry import TRIES_VARIABLE, max_tries
from tests.tap_invoca.conftest import TAP
from tests.tap_invoca.error_harness import (
    SECRET,
    Endpoints,
    Runs,
    assert_one_line_error,
    html,
    run_levels,
    where,
)

UNAUTHORIZED = '{"errors":{"class":"Unauthorized","invalid_data":"Invalid or missing OAuth token"}}'
FORBIDDEN = '{"errors":{"class":"Forbidden","invalid_data":"Access is not authorized"}}'
API_CASES: dict[str, tuple[Callable[[Endpoints], str], tuple[str, ...]]] = {
    "refused": (
        Endpoints.refused,
        ("api_url", "{where}", "connection refused", "Check api_url and that the API is reachable"),
    ),
    "unresolvable": (
        lambda _: "https://no-such-host.invalid",
        ("api_url", "no-such-host.invalid", "the name no-such-host.invalid does not resolve"),
    ),
    "plain HTTP on https": (
        lambda e: e.answering(200, "[]", "application/json", scheme="https"),
        ("api_url", "{where}", "TLS handshake", "failed", "Check api_url"),
    ),
    "self-signed": (
        Endpoints.self_signed,
        ("api_url", "{where}", "TLS certificate", "failed verification", "Check api_url"),
    ),
    "HTML 200": (
        lambda e: e.answering(200, html("Sign in")),
        (
            "200 OK from {where}/api/2020-10-01/",
            "an HTML page that is not JSON",
            "<title>Sign in",
            "check api_url",
        ),
    ),
    "HTML 503": (
        lambda e: e.answering(503, html("503 Service Unavailable")),
        (
            "503 Service Unavailable from {where}/",
            "an HTML page that is not JSON",
            "'<html>",
            "check api_url",
        ),
    ),
    "HTML 404": (
        lambda e: e.answering(404, html("404 Not Found")),
        ("404 Not Found from {where}/", "an HTML page that is not JSON", "'<html>", "check api_url"),
    ),
    "401": (
        lambda e: e.answering(401, UNAUTHORIZED, "application/json"),
        ("401 Unauthorized from {where}/", "check the auth_token setting"),
    ),
    "403": (
        lambda e: e.answering(403, FORBIDDEN, "application/json"),
        ("403 Forbidden from {where}/", "auth_token setting"),
    ),
}
CONFIG_CASES: dict[str, tuple[dict[str, Any], tuple[str, ...]]] = {
    "missing": ({"auth_token": None}, ("'auth_token' is a required property",)),
    "not a string": ({"auth_token": [SECRET]}, ("*** is not of type 'string' in config['auth_token']",)),
    "no scheme": ({"api_url": "invoca.net"}, ("api_url must be a base URL",)),
}


def config(**overrides: Any) -> dict[str, Any]:
    """A config with the planted secret; an override of None leaves that setting out."""
    settings = {"api_url": "https://invoca.net", "auth_token": SECRET, "account_id": "33", **overrides}
    return {name: value for name, value in settings.items() if value is not None}


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Runs:
    """Every case: its api_url and its two runs (every run at once)."""
    tmp_path = tmp_path_factory.mktemp("errors")
    with Endpoints(tmp_path) as endpoints:
        configs = {name: config(api_url=endpoint(endpoints)) for name, (endpoint, _) in API_CASES.items()}
        configs |= {name: config(**settings) for name, (settings, _) in CONFIG_CASES.items()}
        outcomes = run_levels(TAP, tmp_path, configs, {TRIES_VARIABLE: "2"})
    return {name: (configs[name]["api_url"], *outcomes[name]) for name in configs}


@pytest.mark.parametrize("case", API_CASES)
def test_a_failing_api_is_one_line(runs: Runs, case: str) -> None:
    url, default, debug = runs[case]
    assert_one_line_error(default, debug, *(word.format(where=where(url)) for word in API_CASES[case][1]))


def test_a_port_nobody_answers_fails_after_the_retries(runs: Runs) -> None:
    _, default, _ = runs["refused"]
    assert "Try 1 of 2 failed" in default.stderr
    assert "After 2 tries: Cannot connect to" in default.errors[0]
    assert "Try 2 " not in default.stderr
    assert default.seconds < 30


@pytest.mark.parametrize("case", CONFIG_CASES)
def test_invalid_config_is_one_line(runs: Runs, case: str) -> None:
    _, default, debug = runs[case]
    assert_one_line_error(default, debug, "Config validation failed", *CONFIG_CASES[case][1])


@pytest.mark.parametrize(
    ("cause", "kind", "words"),
    [
        (socket.gaierror(socket.EAI_NONAME, "Name or service not known"), FatalAPIError, "does not resolve"),
        (socket.gaierror(socket.EAI_AGAIN, "Temporary failure"), RetriableAPIError, "does not resolve"),
        (ssl.SSLError(1, "[SSL: WRONG_VERSION_NUMBER] wrong version number"), FatalAPIError, "TLS handshake"),
        (ssl.SSLEOFError(8, "EOF occurred in violation of protocol"), RetriableAPIError, "TLS handshake"),
        (ConnectionResetError(104, "Connection reset by peer"), RetriableAPIError, "(ConnectionResetError)"),
    ],
)
def test_network_errors_name_the_host_only(cause: OSError, kind: type, words: str) -> None:
    exc = requests.ConnectionError(
        MaxRetryError(None, "/api/2020-10-01/networks/transactions/33.json?q=" + SECRET, reason=cause)
    )
    error = connection_error(exc, f"https://user:{SECRET}@api.example:8443")
    assert type(error) is kind
    assert words in str(error)
    assert "api.example:8443 (api_url)" in str(error)
    assert SECRET not in str(error)


def test_a_body_is_shown_by_its_start_with_the_secret_masked() -> None:
    page = f"<html><body>{'x' * 180}{SECRET}</body></html>".encode()
    assert (
        describe_body(page, SECRET) == f"an HTML page that is not JSON: '<html><body>{'x' * 180}***</bod...'"
    )
    assert describe_body(b'{"message": "no"}', SECRET) == 'body \'{"message": "no"}\''
    assert describe_body(b"  ", SECRET) == "an empty body"


def test_max_tries_comes_from_the_environment() -> None:
    assert max_tries({}) == 8
    assert max_tries({TRIES_VARIABLE: " 3 "}) == 3
    with pytest.raises(ValueError, match=TRIES_VARIABLE):
        max_tries({TRIES_VARIABLE: "0"})
