"""The QuickBooks Online Accounting API v3 over HTTP: one realm, one connection's tokens, its rate budget.

Everything Intuit-specific about *calling* QuickBooks lives here: `minorversion=75` on every call,
`requestid` on writes (providers.md 1.8), Id+SyncToken sparse updates (1.4), query paging (1.6), the
30-item batch (1.2), token refresh on a 401, backoff on 5xx and timeouts. Replies come back as dicts
whose fractional numbers are Decimals; failures leave as `fieldbooks.domain.errors` only.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any, Literal, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel, ConfigDict
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from fieldbooks.domain.errors import AuthExpired, FieldbooksError, RateLimited, Transient, ValidationFailed
from fieldbooks.observability import logger
from fieldbooks.providers.contract import Governor, TokenSource
from fieldbooks.providers.quickbooks_online.errors import (
    RECONNECT_MESSAGE,
    NotInBatch,
    TokenRejected,
    batch_item_result,
    domain_error_for,
    parse_json,
)

# From 2025-08-01 75 is both the minimum and the default; sent anyway so replies never drift (1.8).
MINOR_VERSION = "75"
QUERY_PAGE_SIZE = 1000  # Intuit's maximum MAXRESULTS (1.6)
BATCH_MAX_ITEMS = 30  # per batch request (1.2)
MAX_TRIES = 3
# A push runs in a 30 s Lambda: three tries of at most 8 s plus short waits still end inside it, so a
# lost reply becomes a clean Transient (and an SQS retry) instead of a killed invocation.
DEFAULT_TIMEOUT = httpx.Timeout(8.0, connect=3.0)
# The ids QuickBooks hands out are decimal numbers counted from 1 (the CDC's `"Id":"979"`, a webhook's
# `"id":"1"`: providers.md 1.6, 1.7); realm ids are too ("1185883450", 1.7).
ID_PATTERN = r"[1-9][0-9]{0,19}"
# Payments and sales receipts are voided as an update with include=void; invoices have their own operation.
VOID_AS_UPDATE = {"Payment", "SalesReceipt"}

T = TypeVar("T")


class BatchItem(BaseModel):
    """One operation of a batch request; the client numbers them (bId) and answers in the same order."""

    model_config = ConfigDict(frozen=True)

    entity: str
    operation: Literal["create", "update", "delete", "void"]
    body: dict[str, Any]
    # A fixed bId instead of the position: a member retried on its own must keep the place its
    # intent names, or a replayed reply would be read against the wrong member.
    batch_id: str | None = None


class QboClient:
    def __init__(
        self,
        base_url: str,
        realm_id: str,
        tokens: TokenSource,
        governor: Governor | None = None,
        http: httpx.Client | None = None,
    ) -> None:
        self.realm_id = realm_id
        self._company_url = f"{base_url.rstrip('/')}/v3/company/{segment(realm_id)}"
        self._tokens = tokens
        self._governor = governor
        self._http = http or _shared_http()

    # ---------------------------------------------------------------- records
    def create(self, entity: str, body: dict[str, Any], request_id: str) -> dict[str, Any]:
        """A repeat with the same `request_id` gets QuickBooks' first reply, never a second record (1.8)."""
        return self._write(entity, body, request_id=request_id)

    def update(self, entity: str, body: dict[str, Any], request_id: str | None = None) -> dict[str, Any]:
        """Sparse: only the fields sent change. A stale SyncToken raises StaleVersion (5010)."""
        if not body.get("Id") or body.get("SyncToken") is None:
            raise ValidationFailed(f"Updating a QuickBooks {entity} needs its Id and current SyncToken.")
        return self._write(entity, {"sparse": True, **body}, request_id=request_id)

    def read(self, entity: str, entity_id: str) -> dict[str, Any]:
        return self._call("GET", f"{entity.lower()}/{segment(entity_id)}")[entity]

    def void(self, entity: str, entity_id: str, sync_token: str, request_id: str) -> dict[str, Any]:
        body: dict[str, Any] = {"Id": entity_id, "SyncToken": sync_token}
        if entity in VOID_AS_UPDATE:
            return self._write(entity, {**body, "sparse": True}, request_id, operation="update", include="void")
        return self._write(entity, body, request_id, operation="void")

    def delete(self, entity: str, entity_id: str, sync_token: str, request_id: str) -> dict[str, Any]:
        """Transactions only; names cannot be deleted, they are made inactive with an update (1.4)."""
        return self._write(entity, {"Id": entity_id, "SyncToken": sync_token}, request_id, operation="delete")

    def company_info(self) -> dict[str, Any]:
        return self._call("GET", f"companyinfo/{segment(self.realm_id)}")["CompanyInfo"]

    # ---------------------------------------------------------------- query and batch
    def query(self, statement: str) -> list[dict[str, Any]]:
        """Every row, page by page (MAXRESULTS 1000 is Intuit's ceiling). `statement` has no paging clause.

        Sent as a POST body (application/text) so long `IN (...)` lists never hit a URL length limit.
        """
        rows: list[dict[str, Any]] = []
        start = 1
        while True:
            paged = f"{statement} STARTPOSITION {start} MAXRESULTS {QUERY_PAGE_SIZE}"
            answer = self._call("POST", "query", content=paged, content_type="application/text")
            page = next((value for value in answer.get("QueryResponse", {}).values() if isinstance(value, list)), [])
            rows.extend(page)
            if len(page) < QUERY_PAGE_SIZE:
                return rows
            start += QUERY_PAGE_SIZE

    def cdc(self, entities: list[str], changed_since: str) -> dict[str, list[dict[str, Any]]]:
        """Change data capture (providers.md 1.6): entity -> changed objects, deletes as stubs, one call."""
        answer = self._call("GET", "cdc", params={"entities": ",".join(entities), "changedSince": changed_since})
        changed: dict[str, list[dict[str, Any]]] = {entity: [] for entity in entities}
        for response in answer.get("CDCResponse", []):
            for group in response.get("QueryResponse", []):
                for entity in entities:
                    changed[entity].extend(group.get(entity, []))
        return changed

    def batch(self, items: list[BatchItem], request_id: str | None = None) -> list[dict[str, Any] | FieldbooksError]:
        """Results in the order of `items`: the record, or the error of that item's own Fault.

        Up to 30 items per request. With `request_id` (≤33 characters: the chunk number is appended and
        a batch requestid may have 36), a lost reply is retried safely; without one a timeout is not
        retried here, because repeating creates could duplicate them.
        """
        if request_id is not None and len(request_id) > 33:
            raise ValidationFailed("A batch request id may have at most 33 characters.")
        results: list[dict[str, Any] | FieldbooksError] = []
        for number, start in enumerate(range(0, len(items), BATCH_MAX_ITEMS)):
            chunk = items[start : start + BATCH_MAX_ITEMS]
            batch_ids = [item.batch_id or f"b{index}" for index, item in enumerate(chunk)]
            payload = {
                "BatchItemRequest": [_batch_request(bid, item) for bid, item in zip(batch_ids, chunk, strict=True)]
            }
            chunk_id = f"{request_id}.{number}" if request_id else None
            answer = self._call("POST", "batch", body=payload, request_id=chunk_id, batch=True)
            by_id = {reply.get("bId"): reply for reply in answer.get("BatchItemResponse", [])}
            for index, (bid, item) in enumerate(zip(batch_ids, chunk, strict=True)):
                reply = by_id.get(bid)
                results.append(
                    batch_item_result(reply, item.entity)
                    if reply is not None
                    else NotInBatch(f"QuickBooks did not answer batch item {index + 1}; it will be retried.")
                )
        return results

    # ---------------------------------------------------------------- transport
    def _write(
        self,
        entity: str,
        body: dict[str, Any],
        request_id: str | None,
        operation: str | None = None,
        include: str | None = None,
    ) -> dict[str, Any]:
        params = {key: value for key, value in (("operation", operation), ("include", include)) if value}
        return self._call("POST", entity.lower(), body=body, params=params, request_id=request_id)[entity]

    def _call(
        self,
        method: str,
        path: str,
        *,
        body: dict[str, Any] | None = None,
        content: str | None = None,
        content_type: str = "application/json",
        params: dict[str, str] | None = None,
        request_id: str | None = None,
        batch: bool = False,
    ) -> dict[str, Any]:
        """One logical call: retried on Transient only when repeating it cannot write twice.

        Reads and queries are safe to repeat, and so is a write with a requestid (QuickBooks replays the
        first reply). A write without one is left to the caller, which re-reads before trying again.
        """
        query = {"minorversion": MINOR_VERSION, **(params or {})}
        if request_id:
            query["requestid"] = request_id
        data = _encode(body) if body is not None else (content or "").encode()
        headers = {"Accept": "application/json", "Content-Type": content_type}

        def attempt() -> dict[str, Any]:
            return self._authorised(lambda token: self._send(method, path, query, data, headers, token, batch))

        if method == "GET" or path == "query" or request_id:
            return _retrying(attempt)
        return attempt()

    def _authorised(self, send: Callable[[str], dict[str, Any]]) -> dict[str, Any]:
        """A 401 may only mean the access token just expired: refresh once, then give up (3200/100)."""
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
        query: dict[str, str],
        data: bytes,
        headers: dict[str, str],
        token: str,
        batch: bool,
    ) -> dict[str, Any]:
        if self._governor is not None:
            self._governor.acquire(batch=batch)  # every HTTP request counts at Intuit, retries included
        try:
            reply = self._http.request(
                method,
                f"{self._company_url}/{path}",
                params=query,
                content=data if method == "POST" else None,
                headers={**headers, "Authorization": f"Bearer {token}"},
            )
        except httpx.TimeoutException as error:
            # The write may have been committed (a lost reply): only a requestid makes the retry safe.
            raise Transient("QuickBooks did not answer in time; it will be retried.") from error
        except httpx.TransportError as error:
            raise Transient(f"Could not reach QuickBooks ({type(error).__name__}); it will be retried.") from error
        error = domain_error_for(reply)
        if error is None:
            return parse_json(reply.content)
        logger.info(
            "QuickBooks refused a call",
            extra={
                "path": path,
                "status": reply.status_code,
                "error": type(error).__name__,
                "intuit_tid": reply.headers.get("intuit_tid"),  # what Intuit support asks for
            },
        )
        if isinstance(error, RateLimited) and self._governor is not None:
            self._governor.pause(error.retry_after)
        raise error


def segment(value: str) -> str:
    """One path segment of a QuickBooks URL: a QuickBooks id, percent-encoded. Anything else (`2?x=1`,
    `../item/1`, a NUL) is refused before it is sent, so no value can add a query or climb the path."""
    if not re.fullmatch(ID_PATTERN, value):
        raise ValidationFailed(f"{value[:40]!r} is not a QuickBooks id; QuickBooks ids are whole numbers.")
    return quote(value, safe="")


def _retrying(attempt: Callable[[], T]) -> T:
    """Up to three tries with short waits (0.25 s, 0.5 s): a blip passes; an outage goes back to SQS."""
    retrying = Retrying(
        retry=retry_if_exception_type(Transient),
        stop=stop_after_attempt(MAX_TRIES),
        wait=wait_exponential(multiplier=0.25, max=2),
        reraise=True,
    )
    return retrying(attempt)


def _batch_request(batch_id: str, item: BatchItem) -> dict[str, Any]:
    """A void inside a batch is spelled `"operation":"update","optionsData":"void"` (1.2)."""
    if item.operation == "void":
        return {"bId": batch_id, "operation": "update", "optionsData": "void", item.entity: item.body}
    return {"bId": batch_id, "operation": item.operation, item.entity: item.body}


def _encode(body: dict[str, Any]) -> bytes:
    return json.dumps(body, default=_json_number, separators=(",", ":")).encode()


def _json_number(value: Any) -> float:
    """Decimals go out as JSON numbers. Money has few enough digits that the float's shortest repr is
    exactly the decimal text; anything that would not survive that round trip is refused, not rounded."""
    if isinstance(value, Decimal):
        number = float(value)
        if Decimal(repr(number)) != value:
            raise ValidationFailed(f"The amount {value} has more digits than QuickBooks can take exactly.")
        return number
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


_http: httpx.Client | None = None


def _shared_http() -> httpx.Client:
    """One connection pool per Lambda container: warm invocations reuse QuickBooks' TLS connections."""
    global _http
    if _http is None:
        _http = httpx.Client(timeout=DEFAULT_TIMEOUT)
    return _http
