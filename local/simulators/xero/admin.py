"""Inspection and control for tests and the demo, under `/_sim/` so no one mistakes it for Xero.

POST /_sim/reset                                  {"forget_tokens": false}
GET|POST /_sim/organisations                      list / add {"tenant_id", "name", "country"?, "timezone"?}
GET  /_sim/organisations/{tenant}/data[?entity=]  every record, as the API renders it
GET  /_sim/organisations/{tenant}/count/{Entity}  records of one endpoint ("Contacts", "Invoices", ...)
POST /_sim/organisations/{tenant}/create/{Entity} {fields}: what a Xero user adds (same rules, webhooks)
POST /_sim/organisations/{tenant}/edit/{Entity}/{id}  {fields}: a Xero user's edit
GET|POST|DELETE /_sim/faults                      list, add a FaultRule, clear
POST /_sim/clock/advance                          {"seconds": n}: move the simulated calendar
POST /_sim/consent                                {"tenant_ids"?, "deny"?, "user_id"?}: the consent page's answer
GET|POST /_sim/webhooks                           subscription, deliveries / change url, key, batch_delay
POST /_sim/webhooks/intent-to-receive             run the handshake now; answers the subscription status
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from local.simulators.xero.config import OrganisationSeed
from local.simulators.xero.errors import ValidationFailed
from local.simulators.xero.faults import FaultRule
from local.simulators.xero.ledger import Ledger
from local.simulators.xero.resources import RESOURCES, Resource
from local.simulators.xero.state import SimulatorState
from local.simulators.xero.store import Organisation
from local.simulators.xero.wire import as_json_numbers


def admin_routes(state: SimulatorState) -> list[Route]:
    async def reset(request: Request) -> Response:
        state.reset(forget_tokens=bool((await _body(request)).get("forget_tokens", False)))
        return JSONResponse({"reset": True})

    async def organisations(request: Request) -> Response:
        if request.method == "POST":
            try:
                state.add_organisation(OrganisationSeed.model_validate(await _body(request)))
            except ValidationError as error:
                return JSONResponse({"error": error.errors(include_url=False)}, status_code=400)
        listing = [
            {"tenant_id": o.tenant_id, "name": o.name, "country": o.country} for o in state.organisations.values()
        ]
        return JSONResponse(listing)

    async def data(request: Request) -> Response:
        organisation = _organisation(state, request)
        wanted = request.query_params.get("entity")
        listing = {
            resource.entity: [resource.render(organisation, r) for r in organisation.all(resource.entity)]
            for resource in RESOURCES.values()
            if wanted in (None, resource.entity)
        }
        return JSONResponse(as_json_numbers(listing))

    async def count(request: Request) -> Response:
        organisation = _organisation(state, request)
        return JSONResponse({"count": len(organisation.all(request.path_params["entity"]))})

    async def write_as_user(request: Request) -> Response:
        """The same rules as the API, no token or limits: someone typing into Xero."""
        state.api_base = str(request.base_url).rstrip("/")
        organisation = _organisation(state, request)
        resource = _resource(request.path_params["entity"])
        existing = None
        if "record_id" in request.path_params:
            existing = resource.find(organisation, request.path_params["record_id"])
            if existing is None:
                raise HTTPException(status_code=404, detail="no such record")
        ledger = Ledger(organisation=organisation, clock=state.clock)
        try:
            assert resource.save is not None
            record = resource.save(ledger, await _body(request), existing)
        except ValidationFailed as failure:
            ledger.rollback()
            return JSONResponse({"ValidationErrors": [{"Message": m} for m in failure.messages]}, status_code=400)
        state.webhooks.publish(ledger.changes, state.api_base)
        return JSONResponse(as_json_numbers({resource.entity: [resource.render(organisation, record)]}))

    async def faults(request: Request) -> Response:
        if request.method == "POST":
            try:
                state.faults.add(FaultRule.model_validate(await _body(request)))
            except ValidationError as error:
                return JSONResponse({"error": error.errors(include_url=False)}, status_code=400)
        elif request.method == "DELETE":
            state.faults.clear()
        return JSONResponse([rule.model_dump() for rule in state.faults.rules])

    async def advance_clock(request: Request) -> Response:
        state.clock.advance(float((await _body(request))["seconds"]))
        return JSONResponse({"now": state.clock.now().isoformat()})

    async def consent(request: Request) -> Response:
        body = await _body(request)
        state.oauth.consent.tenant_ids = body.get("tenant_ids")
        state.oauth.consent.deny = bool(body.get("deny", False))
        state.oauth.consent.user_id = body.get("user_id") or "sim-user"
        return JSONResponse(body)

    async def webhooks(request: Request) -> Response:
        dispatcher = state.webhooks
        if request.method == "POST":
            try:
                dispatcher.configure(**await _body(request))
            except ValidationError as error:
                return JSONResponse({"error": error.errors(include_url=False)}, status_code=400)
        return JSONResponse(
            {
                "settings": dispatcher.settings.model_dump(),
                "status": dispatcher.status,
                "intent_checks": dispatcher.intent_checks,
                "notifications": [
                    {"body": json.loads(n.body), "delivered": n.delivered, "attempts": [a.__dict__ for a in n.attempts]}
                    for n in dispatcher.notifications
                ],
            }
        )

    async def intent_to_receive(_: Request) -> Response:
        return JSONResponse({"status": await state.webhooks.intent_to_receive()})

    return [
        Route("/_sim/reset", reset, methods=["POST"]),
        Route("/_sim/organisations", organisations, methods=["GET", "POST"]),
        Route("/_sim/organisations/{tenant_id}/data", data, methods=["GET"]),
        Route("/_sim/organisations/{tenant_id}/count/{entity}", count, methods=["GET"]),
        Route("/_sim/organisations/{tenant_id}/create/{entity}", write_as_user, methods=["POST"]),
        Route("/_sim/organisations/{tenant_id}/edit/{entity}/{record_id}", write_as_user, methods=["POST"]),
        Route("/_sim/faults", faults, methods=["GET", "POST", "DELETE"]),
        Route("/_sim/clock/advance", advance_clock, methods=["POST"]),
        Route("/_sim/consent", consent, methods=["POST"]),
        Route("/_sim/webhooks", webhooks, methods=["GET", "POST"]),
        Route("/_sim/webhooks/intent-to-receive", intent_to_receive, methods=["POST"]),
    ]


async def _body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    return json.loads(raw) if raw else {}


def _organisation(state: SimulatorState, request: Request) -> Organisation:
    organisation = state.organisations.get(request.path_params["tenant_id"].lower())
    if organisation is None:
        raise HTTPException(status_code=404, detail="no such organisation")
    return organisation


def _resource(entity: str) -> Resource:
    resource = RESOURCES.get(entity.lower())
    if resource is None:
        raise HTTPException(status_code=404, detail=f"no endpoint {entity}")
    return resource
