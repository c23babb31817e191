"""The one place where a platform API reply that is not a success becomes a domain error.

The platform answers `{"message": ...}` with a 4xx/5xx; messages are kept, since they end up in
the sync log where a bookkeeper reads them.
"""

import datetime as dt
import email.utils

import httpx

from fieldbooks.domain.errors import (
    FieldbooksError,
    RateLimited,
    RemoteNotFound,
    StaleVersion,
    Transient,
    Unauthorized,
    ValidationFailed,
)

DEFAULT_RETRY_AFTER = 30.0


def domain_error_for(reply: httpx.Response) -> FieldbooksError:
    status = reply.status_code
    said = _platform_message(reply)
    if status in (401, 403):
        return Unauthorized(f"The SaaS platform refused Fieldbooks' API key ({status}): {said}")
    if status == 404:
        return RemoteNotFound(f"Not found in the SaaS: {said}")
    if status in (409, 412):
        return StaleVersion(f"The SaaS record changed since it was read: {said}")
    if status == 429:
        return RateLimited(f"The SaaS platform asks to slow down: {said}", retry_after=_retry_after(reply))
    if status >= 500:
        return Transient(f"The SaaS platform answered {status}: {said}")
    return ValidationFailed(f"The SaaS refused the change: {said}")


def _platform_message(reply: httpx.Response) -> str:
    try:
        body = reply.json()
    except ValueError:
        return reply.text[:200] or reply.reason_phrase
    message = body.get("message") if isinstance(body, dict) else None
    return str(message) if message else reply.reason_phrase


def _retry_after(reply: httpx.Response) -> float:
    """Retry-After is either seconds or an HTTP date (RFC 9110 §10.2.3)."""
    header = reply.headers.get("Retry-After")
    if header is None:
        return DEFAULT_RETRY_AFTER
    try:
        return max(0.0, float(header))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return DEFAULT_RETRY_AFTER
    return max(0.0, (when - dt.datetime.now(dt.UTC)).total_seconds())
