"""Error answers in the platform's shapes (api-notes §10).

``{"errors": {"class": ..., "invalid_data": ...}}`` for classed errors and
``{"errors": {"<field>": ["<message>"]}}`` (403) for invalid arguments. The
docs give no Transactions-specific bodies, so the class names for 400, 401 and
429 are this emulator's choice (§10, §13.5: UNKNOWN).
"""

from __future__ import annotations

from typing import Any

INVALID_VERSION = "Attempted to make a request with an invalid API Version for route"


class ApiError(Exception):
    """An answer other than 200, with its JSON body."""

    def __init__(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        super().__init__(f"{status}: {body}")
        self.status = status
        self.body = body
        self.headers = headers or {}


def classed(status: int, name: str, invalid_data: str, **headers: str) -> ApiError:
    """``{"errors": {"class": name, "invalid_data": ...}}``."""
    return ApiError(status, {"errors": {"class": name, "invalid_data": invalid_data}}, headers)


def field_error(field: str, message: str) -> ApiError:
    """403 "Request arguments are invalid": ``{"errors": {field: [message]}}``."""
    return ApiError(403, {"errors": {field: [message]}})


def invalid_version(version: str) -> ApiError:
    """400, worded as the Signal API documents it (INFERRED for Transactions, §1.1)."""
    return classed(400, "InvalidApiVersion", f"{INVALID_VERSION}: {version}")


def unauthorized() -> ApiError:
    """401 "Access is not authorized" (body UNKNOWN, §10)."""
    return classed(401, "Unauthorized", "Invalid or missing OAuth token")
