"""What Azure API Management answers before the Ve backend is reached (notes §6).

APIM error bodies are written exactly as captured: ``{ "statusCode": N, "message": "..." }``
with spaces (the captured ``Content-Length`` values 84 and 152 match that spacing) and
``Content-Type: application/json`` without a charset.
"""

from __future__ import annotations

import json

from aiohttp import web

HOST = "https://api.veinteractive.com"
KEY_HEADER = "Ocp-Apim-Subscription-Key"


def apim_error(status: int, message: str, reason: str | None = None, **headers: str) -> web.Response:
    """An APIM gateway error in its exact spacing."""
    body = f'{{ "statusCode": {status}, "message": {json.dumps(message)} }}'
    return web.Response(
        body=body.encode(),
        status=status,
        reason=reason,
        content_type="application/json",
        headers=headers or None,
    )


def _key_challenge(realm: str) -> dict[str, str]:
    return {"WWW-Authenticate": f'AzureApiManagementKey realm="{realm}",name="{KEY_HEADER}",type="header"'}


def missing_key(realm: str) -> web.Response:
    """401 ``SubscriptionKeyNotFound`` (§6.3), status line ``401 Access Denied`` as captured."""
    message = (
        "Access denied due to missing subscription key. "
        "Make sure to include subscription key when making requests to an API."
    )
    return apim_error(401, message, "Access Denied", **_key_challenge(realm))


def invalid_key(realm: str) -> web.Response:
    """401 ``SubscriptionKeyInvalid`` (§6.3). The challenge header is INFERRED for this case."""
    message = (
        "Access denied due to invalid subscription key. "
        "Make sure to provide a valid key for an active subscription."
    )
    return apim_error(401, message, "Access Denied", **_key_challenge(realm))


def not_found() -> web.Response:
    """404 ``OperationNotFound`` (§6.4)."""
    return apim_error(404, "Resource not found")


def rate_limited(seconds: int) -> web.Response:
    """429 from the ``rate-limit`` policy (§6.1); the word stays "seconds" even for 1."""
    return apim_error(
        429, f"Rate limit is exceeded. Try again in {seconds} seconds.", **{"Retry-After": str(seconds)}
    )


def quota_exceeded(seconds: int) -> web.Response:
    """403 from the ``quota`` policy (§6.2), the wait written as a .NET TimeSpan."""
    message = f"Out of call volume quota. Quota will be replenished in {timespan(seconds)}."
    return apim_error(403, message, **{"Retry-After": str(seconds)})


def too_large(size: int, limit: int, status: int) -> web.Response:
    """UNKNOWN §6.5: the size-limit refusal, worded like ``validate-content`` but about the whole request."""
    return apim_error(
        status, f"Request's size is {size} bytes long and it exceeds the limit of {limit} bytes."
    )


def gateway_timeout() -> web.Response:
    """An injected 504 (INFERRED body; §6.6 does not say what a timed-out call received)."""
    return apim_error(504, "Gateway Timeout")


def bad_gateway() -> web.Response:
    """An injected 502 (INFERRED body: the notes record no 502 from the gateway)."""
    return apim_error(502, "Bad Gateway")


def timespan(seconds: int) -> str:
    """``seconds`` as .NET prints a TimeSpan: ``hh:mm:ss`` or ``d.hh:mm:ss``."""
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    clock = f"{hours:02d}:{minutes:02d}:{secs:02d}"
    return f"{days}.{clock}" if days else clock


async def request_size(request: web.Request) -> int:
    """Bytes of the request as the gateway receives it: request line, headers and body."""
    version = request.version
    line = f"{request.method} {request.raw_path} HTTP/{version.major}.{version.minor}\r\n"
    size = len(line.encode("utf-8", "surrogateescape"))
    size += sum(len(name) + len(value) + 4 for name, value in request.raw_headers)  # "name: value\r\n"
    size += 2  # the blank line
    return size + len(await request.read())
