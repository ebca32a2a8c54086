"""What the Ve backend (INFERRED: ASP.NET Web API, notes §5) answers once APIM lets a call through."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any, Literal

from aiohttp import web

INVALID = "The request is invalid."
DENIED = "Authorization has been denied for this request."  # ASP.NET's stock 401 text (INFERRED)
SERVER_ERROR = "An error has occurred."  # ASP.NET Web API's stock 500 text (INFERRED)


def encode(value: Any) -> str:
    """Compact JSON in which a ``Decimal`` keeps its scale (``12.50``), as Json.NET writes decimals."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(k)}:{encode(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",".join(encode(item) for item in value) + "]"
    return json.dumps(value)


def ok(payload: Any) -> web.Response:
    """200 with a JSON body (``application/json``, no charset)."""
    return web.Response(body=encode(payload).encode(), content_type="application/json")


def message(status: int, text: str) -> web.Response:
    """A backend ``{"message": ...}`` answer."""
    return web.Response(
        body=encode({"message": text}).encode(), status=status, content_type="application/json"
    )


def invalid_request(details: dict[str, str]) -> web.Response:
    """400 ``{"message":"The request is invalid.","details":{param: text}}`` (§4.1, §5)."""
    body = encode({"message": INVALID, "details": details})
    return web.Response(body=body.encode(), status=400, content_type="application/json")


def denied(style: Literal["aspnet", "empty"]) -> web.Response:
    """401 "You are unauthorised for this action." (§4.1): body per ``VeConfig.denied_body``."""
    if style == "empty":
        return web.Response(status=401)
    return message(401, DENIED)


def server_error() -> web.Response:
    """500 "Internal server error." (§4.1) with ASP.NET's stock body."""
    return message(500, SERVER_ERROR)
