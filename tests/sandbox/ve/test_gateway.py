"""The APIM gateway in front of the backend: operations, keys, size limit, rate limit."""

from __future__ import annotations

import http.client
import socket

import requests

from tests.sandbox.ve.conftest import KEY, PRODUCTION, PRODUCTION_KEY, SANDBOX, FakeClock, make_emulator

MISSING = (
    '{ "statusCode": 401, "message": "Access denied due to missing subscription key. '
    'Make sure to include subscription key when making requests to an API." }'
)
INVALID = (
    '{ "statusCode": 401, "message": "Access denied due to invalid subscription key. '
    'Make sure to provide a valid key for an active subscription." }'
)
NOT_FOUND = '{ "statusCode": 404, "message": "Resource not found" }'


def challenge(base: str) -> str:
    return (
        f'AzureApiManagementKey realm="https://api.veinteractive.com{base}",'
        'name="Ocp-Apim-Subscription-Key",type="header"'
    )


def test_missing_key_is_the_exact_apim_401(client) -> None:
    answer = client.get(key=None)
    assert (answer.status_code, answer.reason) == (401, "Access Denied")
    assert answer.text == MISSING
    assert answer.headers["Content-Length"] == "152"  # as in the public capture
    assert answer.headers["Content-Type"] == "application/json"
    assert answer.headers["WWW-Authenticate"] == challenge("/InvoicingApiSandbox")
    assert client.get(key="").text == MISSING


def test_invalid_key_is_the_exact_apim_401(client) -> None:
    answer = client.get(key="not-a-key")
    assert answer.status_code == 401
    assert answer.text == INVALID
    assert answer.headers["WWW-Authenticate"] == challenge("/InvoicingApiSandbox")


def test_each_product_has_its_own_keys(client) -> None:
    assert client.get(path=PRODUCTION, key=PRODUCTION_KEY).status_code == 200
    wrong = client.get(path=PRODUCTION, key=KEY)
    assert (wrong.status_code, wrong.text) == (401, INVALID)
    assert wrong.headers["WWW-Authenticate"] == challenge("/InvoicingApi")
    assert client.get(key=PRODUCTION_KEY).text == INVALID
    assert client.get(path=PRODUCTION, key=PRODUCTION_KEY).json() == client.get().json()


def test_configured_keys(serve) -> None:
    custom = serve(keys=("k1", "k2"), production_keys=("p1",))
    assert custom.get(key="k2").status_code == 200
    assert custom.get(key=KEY).status_code == 401
    assert custom.get(path=PRODUCTION, key="p1").status_code == 200


def test_unknown_operations_and_methods_are_apim_404(client) -> None:
    for path in (
        "/InvoicingApiSandbox/GetNothing",
        "/InvoicingApiSandbox/UpdateTransaction",
        "/",
        "/other/api",
    ):
        answer = requests.get(client.url + path, headers={"Ocp-Apim-Subscription-Key": KEY}, timeout=5)
        assert (answer.status_code, answer.text) == (404, NOT_FOUND)
        assert answer.headers["Content-Type"] == "application/json"
    posted = requests.post(client.url + SANDBOX, headers={"Ocp-Apim-Subscription-Key": KEY}, timeout=5)
    assert (posted.status_code, posted.text) == (404, NOT_FOUND)
    assert requests.get(client.url + "/nothing", timeout=5).status_code == 404  # before the key check


def test_operation_paths_match_case_insensitively(client) -> None:
    assert client.get(path="/invoicingapisandbox/gettransactions").json() == client.get().json()


def test_get_invoice_details_without_invoice_id_is_the_documented_400(client) -> None:
    path = "/InvoicingApiSandbox/GetInvoiceDetails"
    answer = client.get(path=path)
    assert answer.status_code == 400
    assert answer.json() == {
        "message": "The request is invalid.",
        "details": {"invoiceId": "The 'invoiceId' field is required."},
    }
    assert client.get({"invoiceId": "x"}, path=path).json()["details"] == {
        "invoiceId": "The value 'x' is not valid for invoiceId."
    }
    assert client.get({"invoiceId": "5", "domain": "foreign.example"}, path=path).status_code == 401
    assert client.get({"invoiceId": "5"}, path=path).json() == {"message": "Invoice not found."}


def raw_get(url: str, target: str, headers: dict[str, str], size: int) -> tuple[int, bytes]:
    """Send a GET of exactly ``size`` bytes (padding the query) and read the answer."""

    def build(pad: str) -> bytes:
        lines = [f"GET {target}&pad={pad} HTTP/1.1", *(f"{k}: {v}" for k, v in headers.items())]
        return ("\r\n".join(lines) + "\r\n\r\n").encode()

    data = build("x" * (size - len(build(""))))
    assert len(data) == size
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(data)
        answer = http.client.HTTPResponse(sock)
        answer.begin()
        return answer.status, answer.read()


def test_request_size_limit_is_512_bytes_of_request_line_headers_and_body(client) -> None:
    headers = {"Host": "api.veinteractive.com", "Ocp-Apim-Subscription-Key": KEY, "Connection": "close"}
    target = SANDBOX + "?domain=fashion.example"
    status, _ = raw_get(client.url, target, headers, 512)
    assert status == 200
    status, body = raw_get(client.url, target, headers, 513)
    assert status == 400
    assert body == (
        b'{ "statusCode": 400, "message": "Request\'s size is 513 bytes long '
        b'and it exceeds the limit of 512 bytes." }'
    )
    status, _ = raw_get(
        client.url, target, {k: v for k, v in headers.items() if k != "Ocp-Apim-Subscription-Key"}, 600
    )
    assert status == 401  # the key is checked first


def test_request_size_counts_the_body_and_status_is_configurable(serve) -> None:
    client = serve(size_status=413)
    headers = {"Ocp-Apim-Subscription-Key": KEY}
    assert requests.get(client.url + SANDBOX, headers=headers, data="x" * 200, timeout=5).status_code == 200
    big = requests.get(client.url + SANDBOX, headers=headers, data="x" * 400, timeout=5)
    assert big.status_code == 413
    assert big.json()["statusCode"] == 413
    assert serve(max_request_bytes=0).get({"pad": "x" * 2000}).status_code == 200


def test_eleventh_request_in_a_minute_gets_the_exact_429(serve) -> None:
    clock = FakeClock()
    client = serve(make_emulator(rate_limit=10, rate_clock=clock))
    for _ in range(10):
        assert client.get().status_code == 200
        clock.sleep(1)
    assert client.get(key=None).status_code == 401  # refused by the key check: not counted
    refused = client.get()
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "50"
    assert refused.headers["Content-Type"] == "application/json"
    assert (
        refused.text == '{ "statusCode": 429, "message": "Rate limit is exceeded. Try again in 50 seconds." }'
    )
    clock.sleep(50)
    assert client.get().status_code == 200  # the refused call did not count
    for _ in range(20):
        assert client.get(path=PRODUCTION, key=PRODUCTION_KEY).status_code == 200  # production: unlimited


def test_production_limit_and_window_are_options(serve) -> None:
    clock = FakeClock()
    client = serve(make_emulator(production_rate_limit=2, rate_window=10, rate_clock=clock))
    statuses = [client.get(path=PRODUCTION, key=PRODUCTION_KEY).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    clock.sleep(10)
    assert client.get(path=PRODUCTION, key=PRODUCTION_KEY).status_code == 200
