"""QuickBooks Online replies become `fieldbooks.domain.errors` here, and nowhere else.

Intuit's error bodies come in several shapes (providers.md 1.5): the JSON `Fault` envelope, the same
with lower-case keys for AUTHENTICATION faults, an XML body for 429 even to JSON requests (1.2), and a
Fault inside an HTTP 200 or inside one batch item. The status is read before the body because the
429 body is not JSON.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import httpx
from defusedxml import ElementTree

from fieldbooks.domain.errors import (
    AuthExpired,
    DuplicateName,
    FieldbooksError,
    ProviderError,
    RateLimited,
    RemoteNotFound,
    StaleVersion,
    Transient,
    ValidationFailed,
)

# Intuit advises waiting 60 s after a 429; whether it sends Retry-After is unconfirmed (providers.md 1.2).
DEFAULT_RETRY_AFTER_SECONDS = 60.0
# 100 General Authentication Error and 3200 AuthenticationFailed: the access token may just have
# expired, so the client refreshes once before calling the connection lost.
TOKEN_REJECTED_CODES = {"100", "3200"}
RECONNECT_MESSAGE = "Authentication expired — reconnect QuickBooks Online."


class TokenRejected(AuthExpired):
    """A 401: refresh the access token once and retry; only a second refusal means reconnect."""


class NotInBatch(Transient):
    """A batch reply without the item: under a replayed requestid this proves the batch that ran did
    not hold it, so nothing was made for it."""


class QuickBooksRefused(ProviderError, ValidationFailed):
    """A validation refusal (6000, 2020, ...): retrying cannot fix it, so the sync log shows QuickBooks'
    own words. ProviderError says where it came from; ValidationFailed says it is not retried."""


def parse_json(text: str | bytes) -> Any:
    """Money stays exact: every JSON number with a fraction becomes a Decimal, never a float."""
    return json.loads(text, parse_float=Decimal)


def fault_in(payload: Any) -> dict[str, str] | None:
    """The first error of a `Fault` (or lower-case `fault`) envelope, keys folded to lower case."""
    if not isinstance(payload, dict):
        return None
    fault = payload.get("Fault", payload.get("fault"))
    if not isinstance(fault, dict):
        return None
    errors = fault.get("Error", fault.get("error")) or [{}]
    first = errors[0] if isinstance(errors, list) and errors and isinstance(errors[0], dict) else {}
    return {key.lower(): str(value) for key, value in first.items() if value is not None}


def error_for_fault(fault: dict[str, str]) -> ProviderError:
    """One Fault error → one domain error, by Intuit's code (table in providers.md 1.5)."""
    code = fault.get("code", "")
    message = fault.get("message", "")
    detail = fault.get("detail", "")
    said = detail or message or f"QuickBooks refused the request (code {code or 'unknown'})."
    if code == "6240":
        return DuplicateName(said)
    if code == "5010":
        return StaleVersion(said)
    if code in ("610", "2500"):
        return RemoteNotFound(said, **_reference_in(fault.get("element", "")))
    if code in TOKEN_REJECTED_CODES:
        return TokenRejected(RECONNECT_MESSAGE)
    if code == "3100":
        return AuthExpired(RECONNECT_MESSAGE)
    if code == "3001":
        return RateLimited("Rate limit reached — retrying.", retry_after=DEFAULT_RETRY_AFTER_SECONDS)
    if code == "10000":
        # SystemFault: Intuit's own failure, worth a retry with backoff (providers.md 1.5).
        return Transient(f"QuickBooks had a system error: {said}")
    return QuickBooksRefused(said)


def _reference_in(element: str) -> dict[str, str]:
    """The Fault's `element` (providers.md 1.5) may name the reference that failed, as "ItemRef:7"; a 610
    for an inactive name (1.4) usually names nothing, and then the engine looks the references up itself."""
    ref, _, remote_id = element.partition(":")
    if not ref.endswith("Ref") or not ref[:-3].isalpha() or not remote_id.strip().isdigit():
        return {}
    return {"remote_entity": ref[:-3], "remote_id": remote_id.strip()}


def domain_error_for(reply: httpx.Response) -> ProviderError | None:
    """None for a success; else the domain error the reply means. A 2xx carrying a Fault is an error."""
    status = reply.status_code
    if status == 429 or (status == 403 and _is_throttle_xml(reply.text)):
        # Older throttles came as 403 with the same XML body (ruckus/quickbooks-ruby#338).
        return RateLimited("Rate limit reached — retrying.", retry_after=retry_after_of(reply))
    if status >= 500:
        return Transient(f"QuickBooks answered {status}; it will be retried.")
    payload = _json_or_none(reply)
    fault = fault_in(payload)
    if fault is not None:
        return error_for_fault(fault)
    if status == 401:
        return TokenRejected(RECONNECT_MESSAGE)
    if status == 403:
        return AuthExpired(RECONNECT_MESSAGE)
    if status >= 400 or payload is None:
        return QuickBooksRefused(f"QuickBooks answered {status} with a body Fieldbooks could not read.")
    return None


def retry_after_of(reply: httpx.Response) -> float:
    value = reply.headers.get("Retry-After")
    try:
        return max(float(value), 1.0) if value is not None else DEFAULT_RETRY_AFTER_SECONDS
    except ValueError:  # an HTTP-date; rare enough that the documented 60 s is the better guess
        return DEFAULT_RETRY_AFTER_SECONDS


def batch_item_result(item: dict[str, Any], entity: str) -> dict[str, Any] | FieldbooksError:
    """One `BatchItemResponse`: the record, or the error its own Fault means (the batch was a 200)."""
    fault = fault_in(item)
    if fault is not None:
        return error_for_fault(fault)
    if entity in item:
        return item[entity]
    return QuickBooksRefused(f"QuickBooks answered a batch item without a {entity}.")


def _json_or_none(reply: httpx.Response) -> Any:
    try:
        return parse_json(reply.content) if reply.content else None
    except ValueError:
        return None


def _is_throttle_xml(text: str) -> bool:
    if "<" not in text:
        return False
    try:
        root = ElementTree.fromstring(text)
    except ElementTree.ParseError:
        return False
    return any(element.get("code") == "3001" for element in root.iter() if element.tag.endswith("Error"))
