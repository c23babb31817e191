"""The Accounting API under `/api.xro/2.0/`: the order every request goes through.

bearer token → `xero-tenant-id` → scope → injected faults → limits → Idempotency-Key → the
operation → webhooks → (maybe) a reply lost after commit. Every reply carries the three
`X-*-Remaining` headers and a `Xero-Correlation-Id`, as Xero's do (providers.md 2.2).
"""

from __future__ import annotations

import asyncio
import math
import time
import uuid

from starlette.requests import Request
from starlette.responses import Response

from local.simulators.xero import errors
from local.simulators.xero.idempotency import MAX_KEY_LENGTH, StoredReply, invalid_key
from local.simulators.xero.oauth import Grant
from local.simulators.xero.operations import Operations
from local.simulators.xero.resources import RESOURCES
from local.simulators.xero.state import SimulatorState

# Which scope family each endpoint needs (XD:documentation/oauth2/scopes); `.read` is enough to GET.
SCOPE_AREAS = {
    "contacts": ("accounting.contacts",),
    "invoices": ("accounting.transactions", "accounting.invoices"),
    "creditnotes": ("accounting.transactions", "accounting.invoices"),
    "payments": ("accounting.transactions", "accounting.payments"),
    "items": ("accounting.settings",),
    "accounts": ("accounting.settings",),
    "taxrates": ("accounting.settings",),
    "organisation": ("accounting.settings",),
}


class AccountingApi:
    def __init__(self, state: SimulatorState) -> None:
        self.state = state
        self.operations = Operations(state)

    async def handle(self, request: Request) -> Response:
        self.state.api_base = str(request.base_url).rstrip("/")
        response, tenant_id, client_id = await self._handle(request)
        response.headers["Xero-Correlation-Id"] = str(uuid.uuid4())
        if tenant_id and client_id and "X-MinLimit-Remaining" not in response.headers:
            response.headers.update(self.state.limits.remaining_headers(client_id, tenant_id))
        return response

    async def _handle(self, request: Request) -> tuple[Response, str | None, str | None]:
        state = self.state
        endpoint = request.path_params["endpoint"].lower()
        grant = state.oauth.bearer_grant(request)
        if isinstance(grant, Response):
            return grant, None, None
        tenant_id = request.headers.get("xero-tenant-id", "").strip().lower()
        organisation = state.organisations.get(tenant_id)
        connected = {c.tenant_id for c in state.oauth.user_connections(grant)}
        if organisation is None or tenant_id not in connected:
            return errors.forbidden_tenant(), None, None
        if endpoint not in SCOPE_AREAS:
            return errors.not_found(), tenant_id, grant.client_id
        if not _scope_allows(grant, endpoint, request.method):
            return errors.insufficient_scope(), tenant_id, grant.client_id
        entity = RESOURCES[endpoint].entity if endpoint in RESOURCES else "Organisation"
        injected = state.faults.take(tenant_id, entity)
        if "throttle" in injected:
            rule = injected["throttle"]
            headers = state.limits.remaining_headers(grant.client_id, tenant_id)
            retry_after = math.ceil(rule.seconds) or state.limits.forced_retry_after(
                rule.problem, grant.client_id, tenant_id
            )
            return errors.rate_limited(rule.problem, retry_after, headers), tenant_id, grant.client_id
        if "error" in injected:
            return errors.server_error(injected["error"].status), tenant_id, grant.client_id
        refusal = state.limits.admit(grant.client_id, tenant_id)
        if refusal is not None:
            headers = state.limits.remaining_headers(grant.client_id, tenant_id)
            return errors.rate_limited(refusal.problem, refusal.retry_after, headers), tenant_id, grant.client_id
        try:
            if "delay" in injected:
                # Inside the admitted section: a slow call holds one of the 5 concurrent slots.
                await asyncio.sleep(injected["delay"].seconds)
            response = await self._idempotent_or_run(request, grant, tenant_id, endpoint)
        finally:
            state.limits.release(tenant_id)
        if "drop_after_commit" in injected:
            return await self._lose_reply(request), tenant_id, grant.client_id
        return response, tenant_id, grant.client_id

    async def _idempotent_or_run(self, request: Request, grant: Grant, tenant_id: str, endpoint: str) -> Response:
        key = request.headers.get("idempotency-key")
        if request.method == "GET" or key is None:
            return await self.operations.run(request, tenant_id, endpoint, grant.client_id)
        if not key.strip():
            return invalid_key("The Idempotency-Key header must not be empty.")
        if len(key) > MAX_KEY_LENGTH:
            return invalid_key(f"The Idempotency-Key must be at most {MAX_KEY_LENGTH} characters long.")
        cache = self.state.idempotency
        scope = (grant.client_id, tenant_id, key)
        fingerprint = cache.fingerprint(request.method, request.url.path, request.url.query, await request.body())
        claimed = await cache.claim(scope, fingerprint)
        if isinstance(claimed, StoredReply):
            return claimed.response()
        if claimed is not None:
            return claimed
        try:
            response = await self.operations.run(request, tenant_id, endpoint, grant.client_id)
        except BaseException:
            cache.abandon(scope)
            raise
        cache.store(scope, response)
        return response

    async def _lose_reply(self, request: Request) -> Response:
        """The write is stored; the reply never comes. Hold until the client gives up (or the
        configured request timeout passes), so the client sees a timeout, not an error it could trust."""
        deadline = time.monotonic() + self.state.config.request_timeout
        while time.monotonic() < deadline and not await request.is_disconnected():
            await asyncio.sleep(0.01)
        return Response(status_code=504)


def _scope_allows(grant: Grant, endpoint: str, method: str) -> bool:
    granted = set(grant.scope.split())
    areas = SCOPE_AREAS[endpoint]
    wanted = set(areas) | ({f"{area}.read" for area in areas} if method == "GET" else set())
    return bool(granted & wanted)
