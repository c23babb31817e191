"""The platform API Fieldbooks calls, under `/platform/v1`, guarded by the platform API key.

Reads: change listings (`updated_since` + cursor) and single records. Write-back: what comes from
accounting (new and updated contacts and job sites, payments and their reversals, voids, reference lists)
and the "Linked to accounting" marker.
Writes are published with `origin="fieldbooks"` and honour `Idempotency-Key`.
"""

import hmac
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from fieldbooks.domain.record_fields import (
    AccountingLinkFields,
    ContactChanges,
    ContactFields,
    PaymentFields,
    PropertyChanges,
    PropertyFields,
)
from fieldbooks.domain.records import Entity
from local.saas.audit import acting_actor
from local.saas.errors import UnknownTenant
from local.saas.http_inputs import app_state, entity_of, if_match, json_object, record_json
from local.saas.idempotency import Write, request_fingerprint, write_once
from local.saas.paging import decode_cursor, encode_cursor, parse_limit, parse_updated_since
from local.saas.product import TenantWorkspace
from local.saas.reference_lists import PLATFORM_ROUTES as REFERENCE_LIST_ROUTES
from local.saas.store import StoreTransaction


class PlatformKeyGuard:
    """401 unless `Authorization: Bearer <platform api key>`; compared in constant time."""

    def __init__(self, app: ASGIApp, api_key: str) -> None:
        self._app = app
        self._expected = f"Bearer {api_key}".encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            presented = dict(scope["headers"]).get(b"authorization", b"")
            if not hmac.compare_digest(presented, self._expected):
                reply = JSONResponse({"message": "Missing or wrong platform API key"}, status_code=401)
                await reply(scope, receive, send)
                return
        await self._app(scope, receive, send)


def _workspace(tx: StoreTransaction, request: Request) -> TenantWorkspace:
    """Changed for Fieldbooks, by whom its audit header names (local/saas/audit.py)."""
    return TenantWorkspace(tx, request.path_params["tenant_id"], origin="fieldbooks", acted_by=acting_actor(request))


async def get_tenant(request: Request) -> JSONResponse:
    tenant_id = request.path_params["tenant_id"]
    with app_state(request).store.transaction() as tx:
        tenant = tx.tenant(tenant_id)
    if tenant is None:
        raise UnknownTenant(f"There is no tenant {tenant_id!r}")
    return JSONResponse({"tenant_id": tenant.tenant_id, "name": tenant.name})


async def list_changed(request: Request) -> JSONResponse:
    """Records changed at or after `updated_since`, oldest change first, deletions included."""
    entity = entity_of(request)
    since = parse_updated_since(request.query_params.get("updated_since"))
    limit = parse_limit(request.query_params.get("limit"))
    after = decode_cursor(request.query_params.get("cursor"))
    with app_state(request).store.transaction() as tx:
        records = _workspace(tx, request).changed_since(entity, since, after, limit + 1)
    page = records[:limit]
    next_cursor = encode_cursor(page[-1]) if len(records) > limit else None
    return JSONResponse({"records": [record_json(record) for record in page], "next_cursor": next_cursor})


async def get_record(request: Request) -> JSONResponse:
    entity = entity_of(request)
    with app_state(request).store.transaction() as tx:
        record = _workspace(tx, request).get(entity, request.path_params["record_id"])
    return JSONResponse(record_json(record))


async def _idempotent(request: Request, write: Write) -> JSONResponse:
    body = await request.body()
    return write_once(
        app_state(request).store,
        request.path_params["tenant_id"],
        request.headers.get("Idempotency-Key"),
        request_fingerprint(request.method, request.url.path, body),
        write,
    )


async def create_contact(request: Request) -> JSONResponse:
    body = await json_object(request)

    def write(tx: StoreTransaction) -> tuple[int, Any]:
        workspace = _workspace(tx, request)
        return 201, record_json(workspace.create("contact", ContactFields.model_validate(body)))

    return await _idempotent(request, write)


async def update_contact(request: Request) -> JSONResponse:
    """A partial update; If-Match is required, so a merge never overwrites an edit it did not see."""
    changes = ContactChanges.model_validate(await json_object(request)).model_dump(mode="json", exclude_unset=True)
    expected_version = if_match(request, required=True)

    def write(tx: StoreTransaction) -> tuple[int, Any]:
        workspace = _workspace(tx, request)
        contact = workspace.update("contact", request.path_params["record_id"], changes, expected_version)
        return 200, record_json(contact)

    return await _idempotent(request, write)


async def create_property(request: Request) -> JSONResponse:
    """A job site accounting brought in (a sub-customer); its contact must exist and be live."""
    body = await json_object(request)

    def write(tx: StoreTransaction) -> tuple[int, Any]:
        workspace = _workspace(tx, request)
        return 201, record_json(workspace.create("property", PropertyFields.model_validate(body)))

    return await _idempotent(request, write)


async def update_property(request: Request) -> JSONResponse:
    """A partial update of a job site from accounting; If-Match is required, as for contacts."""
    changes = PropertyChanges.model_validate(await json_object(request)).model_dump(mode="json", exclude_unset=True)
    expected_version = if_match(request, required=True)

    def write(tx: StoreTransaction) -> tuple[int, Any]:
        workspace = _workspace(tx, request)
        site = workspace.update("property", request.path_params["record_id"], changes, expected_version)
        return 200, record_json(site)

    return await _idempotent(request, write)


async def record_payment(request: Request) -> JSONResponse:
    body = await json_object(request)

    def write(tx: StoreTransaction) -> tuple[int, Any]:
        return 201, record_json(_workspace(tx, request).record_payment(PaymentFields.model_validate(body)))

    return await _idempotent(request, write)


async def void_invoice(request: Request) -> JSONResponse:
    expected_version = if_match(request, required=False)

    def write(tx: StoreTransaction) -> tuple[int, Any]:
        invoice = _workspace(tx, request).void_invoice(request.path_params["record_id"], expected_version)
        return 200, record_json(invoice)

    return await _idempotent(request, write)


async def reverse_payment(request: Request) -> JSONResponse:
    expected_version = if_match(request, required=False)

    def write(tx: StoreTransaction) -> tuple[int, Any]:
        payment = _workspace(tx, request).reverse_payment(request.path_params["record_id"], expected_version)
        return 200, record_json(payment)

    return await _idempotent(request, write)


async def set_accounting_link(request: Request) -> JSONResponse:
    entity: Entity = entity_of(request)
    link = AccountingLinkFields.model_validate(await json_object(request))

    def write(tx: StoreTransaction) -> tuple[int, Any]:
        record = _workspace(tx, request).set_accounting_link(entity, request.path_params["record_id"], link)
        return 200, record_json(record)

    return await _idempotent(request, write)


async def clear_accounting_link(request: Request) -> JSONResponse:
    entity: Entity = entity_of(request)

    def write(tx: StoreTransaction) -> tuple[int, Any]:
        record = _workspace(tx, request).set_accounting_link(entity, request.path_params["record_id"], None)
        return 200, record_json(record)

    return await _idempotent(request, write)


ROUTES = [
    Route("/tenants/{tenant_id}", get_tenant, methods=["GET"]),
    *REFERENCE_LIST_ROUTES,
    Route("/tenants/{tenant_id}/contacts", create_contact, methods=["POST"]),
    Route("/tenants/{tenant_id}/contacts/{record_id}", update_contact, methods=["PATCH"]),
    Route("/tenants/{tenant_id}/properties", create_property, methods=["POST"]),
    Route("/tenants/{tenant_id}/properties/{record_id}", update_property, methods=["PATCH"]),
    Route("/tenants/{tenant_id}/payments", record_payment, methods=["POST"]),
    Route("/tenants/{tenant_id}/invoices/{record_id}/void", void_invoice, methods=["POST"]),
    Route("/tenants/{tenant_id}/payments/{record_id}/reverse", reverse_payment, methods=["POST"]),
    Route("/tenants/{tenant_id}/{collection}/{record_id}/accounting-link", set_accounting_link, methods=["PUT"]),
    Route(
        "/tenants/{tenant_id}/{collection}/{record_id}/accounting-link",
        clear_accounting_link,
        methods=["DELETE"],
    ),
    Route("/tenants/{tenant_id}/{collection}", list_changed, methods=["GET"]),
    Route("/tenants/{tenant_id}/{collection}/{record_id}", get_record, methods=["GET"]),
]
