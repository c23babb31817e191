"""Xero replies become `fieldbooks.domain.errors` here, and nowhere else.

Xero's error bodies (providers.md 2.6): the 400 `ValidationException` with `Elements[].ValidationErrors`
(also inside a 200 when a batch is sent with `summarizeErrors=false`), other 400s with one `Message`,
the identity layer's 401/403 problem bodies, a plain-text 404, and 429 with `Retry-After` and
`X-Rate-Limit-Problem` naming which limit was hit (minute, day, concurrent, appminute).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx

from fieldbooks.domain.errors import (
    AuthExpired,
    DuplicateName,
    FieldbooksError,
    ProviderError,
    RateLimited,
    RemoteNotFound,
    Transient,
    ValidationFailed,
)

DEFAULT_RETRY_AFTER_SECONDS = 60.0
RECONNECT_MESSAGE = "Authentication expired — reconnect Xero."
# Xero's words for a name or number another record holds (providers.md 2.3; the item one is the simulator's).
DUPLICATE_MARKERS = ("is already assigned to another contact", "must be unique", "already exists")


class TokenRejected(AuthExpired):
    """A 401: the access token may just have expired, so the client refreshes once before giving up."""


class XeroRefused(ProviderError, ValidationFailed):
    """A validation refusal: retrying cannot fix it, so the sync log shows Xero's own sentence."""


def parse_json(text: str | bytes) -> Any:
    """Money stays exact: every JSON number with a fraction becomes a Decimal, never a float."""
    return json.loads(text, parse_float=Decimal)


def validation_messages(element: dict[str, Any]) -> list[str]:
    errors = element.get("ValidationErrors") or []
    return [str(e.get("Message")) for e in errors if isinstance(e, dict) and e.get("Message")]


def error_for_messages(messages: list[str]) -> ProviderError:
    """One refused element → one domain error whose message is Xero's sentences, joined."""
    said = " ".join(messages) or "Xero refused the record without saying why."
    if any(marker in message for message in messages for marker in DUPLICATE_MARKERS):
        return DuplicateName(said)
    return XeroRefused(said)


def element_result(element: dict[str, Any]) -> dict[str, Any] | FieldbooksError:
    """One element of a `summarizeErrors=false` reply: the record, or the error its ValidationErrors mean."""
    if element.get("StatusAttributeString") == "ERROR" or element.get("HasValidationErrors"):
        return error_for_messages(validation_messages(element))
    return element


def domain_error_for(reply: httpx.Response) -> ProviderError | None:
    """None for a success; else the domain error the reply means."""
    status = reply.status_code
    if status < 300:
        return None
    if status == 429:
        return rate_limited(reply)
    if status >= 500:
        return Transient(f"Xero answered {status}; it will be retried.")
    if status == 404:
        return RemoteNotFound("The record is no longer in Xero (it may have been deleted).")
    payload = _json_or_none(reply)
    detail = str(payload.get("Detail") or "") if isinstance(payload, dict) else ""
    if status == 401:
        return TokenRejected(RECONNECT_MESSAGE) if "Authorization" not in detail else AuthExpired(RECONNECT_MESSAGE)
    if status == 403:
        # The organisation was disconnected from our app (or the tenant id is not one we hold).
        return AuthExpired(RECONNECT_MESSAGE)
    if isinstance(payload, dict) and payload.get("Type") == "ValidationException":
        elements = [e for e in payload.get("Elements") or [] if isinstance(e, dict)]
        messages = [m for e in elements for m in validation_messages(e)]
        return error_for_messages(messages or [str(payload.get("Message") or "")])
    if isinstance(payload, dict) and payload.get("Message"):
        return XeroRefused(f"Xero refused the request: {payload['Message']}")
    return XeroRefused(f"Xero answered {status} with a body Fieldbooks could not read.")


def rate_limited(reply: httpx.Response) -> RateLimited:
    """The day's limit says when it comes back in words; the others are a short wait."""
    wait = retry_after_of(reply)
    problem = reply.headers.get("X-Rate-Limit-Problem", "").lower()
    if problem == "day":
        resumes = datetime.now(UTC) + timedelta(seconds=wait)
        return RateLimited(
            "Xero's daily limit of API calls for this organisation is used up, so syncing is paused until "
            f"{resumes:%H:%M} UTC on {resumes:%d %B}; nothing is lost, it carries on then.",
            retry_after=wait,
        )
    return RateLimited("Rate limit reached — retrying.", retry_after=wait)


def retry_after_of(reply: httpx.Response) -> float:
    value = reply.headers.get("Retry-After")
    try:
        return max(float(value), 1.0) if value is not None else DEFAULT_RETRY_AFTER_SECONDS
    except ValueError:
        return DEFAULT_RETRY_AFTER_SECONDS


def _json_or_none(reply: httpx.Response) -> Any:
    try:
        return parse_json(reply.content) if reply.content else None
    except ValueError:
        return None
