"""Xero's Accounting API 2.0 over HTTP: one organisation (`xero-tenant-id`), one connection's tokens,
its rate budget.

Everything Xero-specific about *calling* Xero lives here: the `xero-tenant-id` header on every call,
`Idempotency-Key` on every write (providers.md 2.5), `PUT` creates and `POST` updates, batches with
`summarizeErrors=false` (2.4), `page` paging (100 a page) and `If-Modified-Since` (2.4), token refresh
on a 401, backoff on 5xx and timeouts. Replies come back as dicts whose fractional numbers are
Decimals; failures leave as `fieldbooks.domain.errors` only.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, TypeVar
from urllib.parse import quote

import httpx
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from fieldbooks.domain.errors import AuthExpired, FieldbooksError, RateLimited, Transient, ValidationFailed
from fieldbooks.observability import logger
from fieldbooks.providers.contract import Governor, TokenSource
from fieldbooks.providers.xero.errors import (
    RECONNECT_MESSAGE,
    TokenRejected,
    XeroRefused,
    domain_error_for,
    element_result,
    parse_json,
)

PAGE_SIZE = 100  # Xero's page size for paged endpoints (providers.md 2.4)
BATCH_MAX_ELEMENTS = 50  # our chunk: Xero takes more, but a refused batch costs less to read (2.4)
IDEMPOTENCY_KEY_MAX = 128  # providers.md 2.5
MAX_TRIES = 3
DEFAULT_TIMEOUT = httpx.Timeout(8.0, connect=3.0)  # three tries end inside a 30 s Lambda
# Xero ids are GUIDs (ContactID, InvoiceID, the organisation's tenantId).
ID_PATTERN = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
PAGED = {"Contacts", "Invoices", "CreditNotes", "Payments"}

T = TypeVar("T")


class XeroClient:
    def __init__(
        self,
        api_base_url: str,
        tenant_id: str,
        tokens: TokenSource,
        governor: Governor | None = None,
        http: httpx.Client | None = None,
    ) -> None:
        self.tenant_id = tenant_id
        self._api_url = f"{api_base_url.rstrip('/')}/api.xro/2.0"
        self._tokens = tokens
        self._governor = governor
        self._http = http or _shared_http()

    # ---------------------------------------------------------------- records
    def create(self, entity: str, body: dict[str, Any], key: str) -> dict[str, Any]:
        """PUT creates; a repeat with the same key inside Xero's window gets the first reply (2.5)."""
        return self._first(entity, self._call("PUT", entity, body=body, key=key))

    def create_many(
        self, entity: str, bodies: list[dict[str, Any]], key: str
    ) -> list[dict[str, Any] | FieldbooksError]:
        """One result per body, in order, 50 to a request; each chunk has its own key (`key.<n>`)."""
        results: list[dict[str, Any] | FieldbooksError] = []
        for number, start in enumerate(range(0, len(bodies), BATCH_MAX_ELEMENTS)):
            chunk = bodies[start : start + BATCH_MAX_ELEMENTS]
            answer = self._call(
                "PUT",
                entity,
                body={entity: chunk},
                params={"summarizeErrors": "false"},
                key=f"{key}.{number}",
                batch=True,
            )
            elements = answer.get(entity) or []
            for index in range(len(chunk)):
                element = elements[index] if index < len(elements) else None
                results.append(
                    element_result(element)
                    if isinstance(element, dict)
                    else Transient(f"Xero did not answer element {start + index + 1} of the batch; it will be retried.")
                )
        return results

    def update(self, entity: str, remote_id: str, body: dict[str, Any], key: str) -> dict[str, Any]:
        """POST on the id changes only the fields sent."""
        return self._first(entity, self._call("POST", f"{entity}/{segment(remote_id)}", body=body, key=key))

    def put_under(self, entity: str, remote_id: str, sub: str, body: dict[str, Any], key: str) -> dict[str, Any]:
        """`PUT /CreditNotes/{id}/Allocations` and the like."""
        return self._call("PUT", f"{entity}/{segment(remote_id)}/{sub}", body=body, key=key)

    def read(self, entity: str, remote_id: str) -> dict[str, Any]:
        return self._first(entity, self._call("GET", f"{entity}/{segment(remote_id)}"))

    def list(
        self, entity: str, params: dict[str, str] | None = None, modified_since: datetime | None = None
    ) -> list[dict[str, Any]]:
        """Every record, page by page where Xero pages (`page`, 100 a page)."""
        # ISO 8601 in UTC, to the second, as Xero documents it (providers.md 2.4).
        stamp = modified_since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S") if modified_since else None
        headers = {"If-Modified-Since": stamp} if stamp else {}
        if entity not in PAGED:
            return list(self._call("GET", entity, params=params, headers=headers).get(entity) or [])
        rows: list[dict[str, Any]] = []
        page = 1
        while True:
            answer = self._call("GET", entity, params={**(params or {}), "page": str(page)}, headers=headers)
            found = answer.get(entity) or []
            rows.extend(found)
            if len(found) < PAGE_SIZE:
                return rows
            page += 1

    def organisation(self) -> dict[str, Any]:
        return self._first("Organisations", self._call("GET", "Organisation"))

    # ---------------------------------------------------------------- transport
    def _call(
        self,
        method: str,
        path: str,
        *,
        body: dict[str, Any] | None = None,
        params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        key: str | None = None,
        batch: bool = False,
    ) -> dict[str, Any]:
        """Retried on Transient only when repeating cannot write twice: reads, and writes with a key."""
        if key is not None and not 0 < len(key) <= IDEMPOTENCY_KEY_MAX:
            raise ValidationFailed(f"An Idempotency-Key for Xero has 1 to {IDEMPOTENCY_KEY_MAX} characters.")
        sent = {"Accept": "application/json", "xero-tenant-id": self.tenant_id, **(headers or {})}
        if body is not None:
            sent["Content-Type"] = "application/json"
        if key is not None:
            sent["Idempotency-Key"] = key
        data = _encode(body) if body is not None else None

        def attempt() -> dict[str, Any]:
            return self._authorised(lambda token: self._send(method, path, params, data, sent, token, batch))

        return _retrying(attempt) if method == "GET" or key else attempt()

    def _authorised(self, send: Callable[[str], dict[str, Any]]) -> dict[str, Any]:
        token = self._tokens.current()
        try:
            return send(token)
        except TokenRejected:
            fresh = self._tokens.refreshed(token)
        try:
            return send(fresh)
        except TokenRejected as error:
            raise AuthExpired(RECONNECT_MESSAGE) from error

    def _send(
        self,
        method: str,
        path: str,
        params: dict[str, str] | None,
        data: bytes | None,
        headers: dict[str, str],
        token: str,
        batch: bool,
    ) -> dict[str, Any]:
        if self._governor is not None:
            self._governor.acquire(batch=batch)  # every request counts at Xero, retries included
        try:
            reply = self._http.request(
                method,
                f"{self._api_url}/{path}",
                params=params,
                content=data,
                headers={**headers, "Authorization": f"Bearer {token}"},
            )
        except httpx.TimeoutException as error:
            raise Transient("Xero did not answer in time; it will be retried.") from error
        except httpx.TransportError as error:
            raise Transient(f"Could not reach Xero ({type(error).__name__}); it will be retried.") from error
        error = domain_error_for(reply)
        if error is None:
            try:
                return dict(parse_json(reply.content))
            except (ValueError, TypeError) as failure:
                raise Transient("Xero sent a reply Fieldbooks could not read; it will be retried.") from failure
        logger.info(
            "Xero refused a call",
            extra={
                "path": path.split("/")[0],
                "status": reply.status_code,
                "error": type(error).__name__,
                "correlation_id": reply.headers.get("Xero-Correlation-Id"),  # what Xero support asks for
            },
        )
        if isinstance(error, RateLimited) and self._governor is not None:
            self._governor.pause(error.retry_after)
        raise error

    @staticmethod
    def _first(entity: str, answer: dict[str, Any]) -> dict[str, Any]:
        rows = answer.get(entity) or []
        if not rows or not isinstance(rows[0], dict):
            raise XeroRefused(f"Xero answered without the {entity[:-1].lower()} it was asked for.")
        result = element_result(rows[0])
        if isinstance(result, FieldbooksError):
            raise result
        return result


def segment(value: str) -> str:
    """One path segment: a Xero GUID. Anything else is refused before it is sent, so no value can add
    a query or climb the path."""
    if not re.fullmatch(ID_PATTERN, value):
        raise ValidationFailed(f"{value[:40]!r} is not a Xero id; Xero ids look like 8-4-4-4-12 hex digits.")
    return quote(value, safe="")


def _retrying(attempt: Callable[[], T]) -> T:
    retrying = Retrying(
        retry=retry_if_exception_type(Transient),
        stop=stop_after_attempt(MAX_TRIES),
        wait=wait_exponential(multiplier=0.25, max=2),
        reraise=True,
    )
    return retrying(attempt)


def _encode(body: dict[str, Any]) -> bytes:
    return json.dumps(body, default=_json_number, separators=(",", ":")).encode()


def _json_number(value: Any) -> float:
    """Decimals go out as JSON numbers; one that would not survive the float is refused, not rounded."""
    if isinstance(value, Decimal):
        number = float(value)
        if Decimal(repr(number)) != value:
            raise ValidationFailed(f"The amount {value} has more digits than Xero can take exactly.")
        return number
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


_http: httpx.Client | None = None


def _shared_http() -> httpx.Client:
    global _http
    if _http is None:
        _http = httpx.Client(timeout=DEFAULT_TIMEOUT)
    return _http
