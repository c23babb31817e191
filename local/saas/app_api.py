"""The app API: what a user of the field-service product does, under `/app`.

Tests and the demo make "user edits" here; every change is published with `origin="user"`.
If-Match is optional (the product's UI sends it; a script may not).
"""

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from fieldbooks.domain.record_fields import PaymentFields
from fieldbooks.domain.records import RECORD_MODELS
from local.saas.audit import acting_actor
from local.saas.console_tokens import mint_console_token
from local.saas.errors import UnknownTenant
from local.saas.http_inputs import app_state, entity_of, if_match, json_object, record_json
from local.saas.product import TenantWorkspace, add_tenant, utc_now
from local.saas.reference_lists import APP_ROUTES as REFERENCE_LIST_ROUTES
from local.saas.store import StoreTransaction


class NewTenant(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tenant_id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{1,62}$")]
    name: Annotated[str, Field(min_length=1, max_length=200)]


class ConsoleTokenRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    user_id: Annotated[str, Field(min_length=1, max_length=100)]
    role: Literal["owner", "admin", "member"] = "owner"
    ttl_seconds: Annotated[int, Field(ge=1, le=86_400)] | None = None


def _workspace(tx: StoreTransaction, request: Request) -> TenantWorkspace:
    """A user's edit; the product's UI names the signed-in user in X-Acting-User (local/saas/audit.py)."""
    return TenantWorkspace(tx, request.path_params["tenant_id"], origin="user", acted_by=acting_actor(request))


async def create_tenant(request: Request) -> JSONResponse:
    new = NewTenant.model_validate(await json_object(request))
    with app_state(request).store.transaction() as tx:
        tenant = add_tenant(tx, new.tenant_id, new.name)
    return JSONResponse({"tenant_id": tenant.tenant_id, "name": tenant.name}, status_code=201)


async def console_token(request: Request) -> JSONResponse:
    """Mints what the SaaS web app would hand its Integrations page for this signed-in user."""
    state = app_state(request)
    tenant_id = request.path_params["tenant_id"]
    asked = ConsoleTokenRequest.model_validate(await json_object(request))
    with state.store.transaction() as tx:
        if tx.tenant(tenant_id) is None:
            raise UnknownTenant(f"There is no tenant {tenant_id!r}")
    ttl = asked.ttl_seconds or state.config.console_token_ttl_seconds
    token = mint_console_token(state.config.console_jwt_secret, tenant_id, asked.user_id, asked.role, ttl, utc_now())
    return JSONResponse({"token": token, "expires_in": ttl}, status_code=201)


async def create_record(request: Request) -> JSONResponse:
    entity = entity_of(request)
    body = await json_object(request)
    with app_state(request).store.transaction() as tx:
        workspace = _workspace(tx, request)
        if entity == "payment":
            record = workspace.record_payment(PaymentFields.model_validate(body))
        else:
            record = workspace.create(entity, RECORD_MODELS[entity].fields_model.model_validate(body))
    return JSONResponse(record_json(record), status_code=201)


async def get_record(request: Request) -> JSONResponse:
    entity = entity_of(request)
    with app_state(request).store.transaction() as tx:
        record = _workspace(tx, request).get(entity, request.path_params["record_id"])
    return JSONResponse(record_json(record))


async def update_record(request: Request) -> JSONResponse:
    entity = entity_of(request)
    body = await json_object(request)
    expected_version = if_match(request, required=False)
    with app_state(request).store.transaction() as tx:
        record = _workspace(tx, request).update(entity, request.path_params["record_id"], body, expected_version)
    return JSONResponse(record_json(record))


async def delete_record(request: Request) -> JSONResponse:
    entity = entity_of(request)
    expected_version = if_match(request, required=False)
    with app_state(request).store.transaction() as tx:
        record = _workspace(tx, request).delete(entity, request.path_params["record_id"], expected_version)
    return JSONResponse(record_json(record))


async def finalize_invoice(request: Request) -> JSONResponse:
    expected_version = if_match(request, required=False)
    with app_state(request).store.transaction() as tx:
        invoice = _workspace(tx, request).finalize_invoice(request.path_params["record_id"], expected_version)
    return JSONResponse(record_json(invoice))


async def void_invoice(request: Request) -> JSONResponse:
    expected_version = if_match(request, required=False)
    with app_state(request).store.transaction() as tx:
        invoice = _workspace(tx, request).void_invoice(request.path_params["record_id"], expected_version)
    return JSONResponse(record_json(invoice))


async def record_history(request: Request) -> JSONResponse:
    """The record's history as the product shows it: each change, oldest first, and who made it."""
    entity = entity_of(request)
    with app_state(request).store.transaction() as tx:
        entries = _workspace(tx, request).history(entity, request.path_params["record_id"])
    return JSONResponse({"history": [entry.as_json() for entry in entries]})


ROUTES = [
    Route("/tenants", create_tenant, methods=["POST"]),
    Route("/tenants/{tenant_id}/console-token", console_token, methods=["POST"]),
    *REFERENCE_LIST_ROUTES,
    Route("/tenants/{tenant_id}/invoices/{record_id}/finalize", finalize_invoice, methods=["POST"]),
    Route("/tenants/{tenant_id}/invoices/{record_id}/void", void_invoice, methods=["POST"]),
    Route("/tenants/{tenant_id}/{collection}/{record_id}/history", record_history, methods=["GET"]),
    Route("/tenants/{tenant_id}/{collection}", create_record, methods=["POST"]),
    Route("/tenants/{tenant_id}/{collection}/{record_id}", get_record, methods=["GET"]),
    Route("/tenants/{tenant_id}/{collection}/{record_id}", update_record, methods=["PATCH"]),
    Route("/tenants/{tenant_id}/{collection}/{record_id}", delete_record, methods=["DELETE"]),
]
