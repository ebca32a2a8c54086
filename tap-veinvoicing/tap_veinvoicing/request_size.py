"""The 0.5 kB request size limit (api-notes §2, §6.5), checked before a request is sent (pure logic).

The gateway counts the request line, the headers and the body. ``requests`` adds
``Host`` only when sending, so it is counted here from the URL.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlsplit

import requests

MAX_REQUEST_BYTES = 512


def request_bytes(request: requests.PreparedRequest) -> int:
    """Bytes of ``request`` on the wire: request line, headers (Host included), blank line, body."""
    line = f"{request.method} {request.path_url} HTTP/1.1\r\n"
    headers = dict(request.headers)
    if not any(name.lower() == "host" for name in headers):
        headers["Host"] = urlsplit(request.url).netloc
    size = len(line.encode("utf-8")) + 2
    size += sum(len(f"{name}: {value}\r\n".encode("latin-1", "replace")) for name, value in headers.items())
    body = request.body or b""
    return size + len(body.encode() if isinstance(body, str) else body)


def oversize_message(size: int, where: str, parts: Mapping[str, int], limit: int = MAX_REQUEST_BYTES) -> str:
    """Why a request of ``size`` bytes was not sent, naming the setting that adds the most bytes.

    ``parts`` maps a setting (e.g. ``"domains entry 'shop.example'"``) to the bytes it adds.
    """
    message = (
        f"The request for {where} would be {size} bytes, over the API's limit of {limit} bytes "
        "(request line and headers), so it was not sent."
    )
    if parts:
        name, length = max(parts.items(), key=lambda item: item[1])
        message += f" The longest part that a setting controls is {name} ({length} bytes): shorten it"
        message += " or leave it out." if not name.startswith(("api_url", "subscription_key")) else "."
    return message
