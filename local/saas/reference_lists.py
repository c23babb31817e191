"""Reference lists from accounting (tax codes, tax rates, income accounts): what the product shows in its
pick lists, one list per kind and provider, each replaced as a whole by Fieldbooks.

Platform API (`origin="fieldbooks"`): `PUT /tenants/{t}/reference-lists/{kind}` replaces the list of the
provider the body names; the same list again is a no-op (same version), so a retried or repeated refresh
never looks like a change. `GET /tenants/{t}/reference-lists/{kind}` lists every provider's. App API:
`GET /tenants/{t}/reference-lists` is every kind, for the product's own pages.
"""

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from fieldbooks.domain.reference_lists import ReferenceKind
from fieldbooks.saas.reference_lists import KIND_OF, ReferenceList, ReferenceListFields
from local.saas.errors import RecordNotFound, UnknownTenant
from local.saas.http_inputs import app_state, json_object
from local.saas.idempotency import request_fingerprint, write_once
from local.saas.product import utc_now
from local.saas.store import StoreTransaction


def _kind(request: Request) -> ReferenceKind:
    path = request.path_params["kind"]
    if path not in KIND_OF:
        raise RecordNotFound(f"There is no reference list {path!r}; the lists are {', '.join(sorted(KIND_OF))}")
    return KIND_OF[path]


def _tenant(tx: StoreTransaction, tenant_id: str) -> str:
    if tx.tenant(tenant_id) is None:
        raise UnknownTenant(f"There is no tenant {tenant_id!r}")
    return tenant_id


def replace_list(
    tx: StoreTransaction, tenant_id: str, kind: ReferenceKind, fields: ReferenceListFields
) -> ReferenceList:
    """The new list, or the one held when its entries are the same (its version and time unchanged)."""
    held_lists = tx.reference_lists(_tenant(tx, tenant_id), kind)
    held = next((each for each in held_lists if each.provider == fields.provider), None)
    if held is not None and held.entries == fields.entries:
        return held
    listing = ReferenceList(
        kind=kind,
        provider=fields.provider,
        entries=fields.entries,
        version=held.version + 1 if held else 1,
        updated_at=utc_now(),
    )
    tx.put_reference_list(tenant_id, listing)
    return listing


async def put_reference_list(request: Request) -> JSONResponse:
    kind = _kind(request)
    tenant_id = request.path_params["tenant_id"]
    fields = ReferenceListFields.model_validate(await json_object(request))

    def write(tx: StoreTransaction) -> tuple[int, Any]:
        return 200, replace_list(tx, tenant_id, kind, fields).model_dump(mode="json")

    body = await request.body()
    fingerprint = request_fingerprint(request.method, request.url.path, body)
    return write_once(app_state(request).store, tenant_id, request.headers.get("Idempotency-Key"), fingerprint, write)


async def get_reference_lists_of_kind(request: Request) -> JSONResponse:
    kind = _kind(request)
    with app_state(request).store.transaction() as tx:
        listings = tx.reference_lists(_tenant(tx, request.path_params["tenant_id"]), kind)
    return JSONResponse({"items": [listing.model_dump(mode="json") for listing in listings]})


async def get_all_reference_lists(request: Request) -> JSONResponse:
    with app_state(request).store.transaction() as tx:
        listings = tx.all_reference_lists(_tenant(tx, request.path_params["tenant_id"]))
    return JSONResponse({"items": [listing.model_dump(mode="json") for listing in listings]})


# Listed before the generic `/{collection}/{record_id}` routes, which would take "reference-lists" for one.
PLATFORM_ROUTES = [
    Route("/tenants/{tenant_id}/reference-lists/{kind}", put_reference_list, methods=["PUT"]),
    Route("/tenants/{tenant_id}/reference-lists/{kind}", get_reference_lists_of_kind, methods=["GET"]),
]
APP_ROUTES = [
    Route("/tenants/{tenant_id}/reference-lists", get_all_reference_lists, methods=["GET"]),
]
