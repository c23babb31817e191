"""Xero's error bodies (providers.md 2.6), and the validation messages of 2.3 verbatim.

Verbatim from providers.md: the 400 `ValidationException` envelope, the duplicate contact name,
`Invoice # must be unique.`, `Invoice not of valid status for modification`, the overpayment and
the totals messages, the 401/403 problem bodies and the plain-text 404. Messages for other rules
(item code clashes, unknown codes, allocations) are written in Xero's style but not quoted
anywhere we could check; connectors should key on the envelope, not on those words.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from starlette.responses import JSONResponse, PlainTextResponse, Response

from local.simulators.xero.wire import as_json_numbers

NOT_FOUND_TEXT = "The resource you're looking for cannot be found"


@dataclass
class ValidationFailed(Exception):
    """One element refused, with every message Xero would list for it."""

    messages: list[str]
    element: dict[str, Any] = field(default_factory=dict)


@dataclass
class QueryFailed(Exception):
    """A `where` or `order` Xero cannot parse (ErrorNumber 16, QueryParseException; unconfirmed)."""

    message: str


class RecordNotFound(Exception):
    """A GET or POST on an id the organisation does not hold: the plain-text 404."""


def duplicate_contact_name(name: str) -> str:
    return (
        f"The contact name {name} is already assigned to another contact. "
        "The contact name must be unique across all active contacts."
    )


DUPLICATE_INVOICE_NUMBER = "Invoice # must be unique."
INVALID_STATUS_CHANGE = "Invoice not of valid status for modification"
OVERPAYMENT = "Payment amount exceeds the amount outstanding on this document"
TOTAL_MISMATCH = "The invoice total does not equal the sum of the lines."
HAS_PAYMENTS = "This document cannot be edited as it has a payment or credit note allocated to it."


def validation_exception(elements: list[dict[str, Any]]) -> JSONResponse:
    """The 400 for a write whose elements failed, each echoed with its ValidationErrors."""
    body = {
        "ErrorNumber": 10,
        "Type": "ValidationException",
        "Message": "A validation exception occurred",
        "Elements": elements,
    }
    return JSONResponse(as_json_numbers(body), status_code=400)


def query_parse_exception(message: str) -> JSONResponse:
    return JSONResponse({"ErrorNumber": 16, "Type": "QueryParseException", "Message": message}, status_code=400)


def bad_request(message: str) -> JSONResponse:
    """A request Xero refuses before looking at any element (no Elements list)."""
    return JSONResponse({"ErrorNumber": 14, "Type": "PostDataInvalidException", "Message": message}, status_code=400)


def problem(status: int, title: str, detail: str) -> JSONResponse:
    """The identity layer's problem body: 401 and 403 as providers.md 2.6 quotes them."""
    body = {"Type": None, "Title": title, "Status": status, "Detail": detail, "Instance": str(uuid.uuid4())}
    return JSONResponse({**body, "Extensions": {}}, status_code=status)


def token_expired(expired_at: datetime) -> JSONResponse:
    return problem(401, "Unauthorized", f"TokenExpired: token expired at {expired_at:%m/%d/%Y %H:%M:%S}")


def unauthenticated() -> JSONResponse:
    """A missing, malformed, unknown or revoked bearer token (detail unconfirmed)."""
    return problem(401, "Unauthorized", "AuthenticationUnsuccessful")


def forbidden_tenant() -> JSONResponse:
    """A `xero-tenant-id` missing, wrong, or no longer connected (XeroAPI/xero-node#432)."""
    return problem(403, "Forbidden", "AuthenticationUnsuccessful")


def insufficient_scope() -> JSONResponse:
    return problem(401, "Unauthorized", "AuthorizationUnsuccessful")


def not_found() -> Response:
    return PlainTextResponse(NOT_FOUND_TEXT, status_code=404)


def server_error(status: int) -> JSONResponse:
    """What an injected 500/503 carries; Xero's 5xx bodies are not quoted in providers.md."""
    if status == 503:
        return problem(503, "Service Unavailable", "The Xero API is currently offline for maintenance")
    return problem(500, "An error occurred", "An error occurred in Xero. Check the API Status page for current status.")


def rate_limited(problem_name: str, retry_after: int, headers: dict[str, str]) -> JSONResponse:
    """429 with `Retry-After` and `X-Rate-Limit-Problem` (providers.md 2.2); the body is ours."""
    response = problem(429, "Too Many Requests", f"You've exceeded the per {problem_name} rate limit")
    response.headers.update({**headers, "Retry-After": str(retry_after), "X-Rate-Limit-Problem": problem_name})
    return response
