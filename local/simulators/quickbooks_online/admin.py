"""Inspection and control for tests and the demo, under `/_sim/` so no one mistakes it for Intuit.

POST /_sim/reset                              {"forget_tokens": false}
GET  /_sim/realms                             companies
POST /_sim/realms                             {"realm_id", "name", "country"?}: add a company
GET  /_sim/realms/{realm}/data[?entity=X]     every record, inactive and deleted included
GET  /_sim/realms/{realm}/count/{Entity}      live records of one entity
POST /_sim/realms/{realm}/create/{Entity}     {fields}: a record a QuickBooks user adds (same rules, webhook)
POST /_sim/realms/{realm}/edit/{Entity}/{id}  {fields}: a QuickBooks user's edit (SyncToken+1, webhook)
POST /_sim/realms/{realm}/void/{Entity}/{id}  a QuickBooks user voids a transaction (webhook Void)
POST /_sim/realms/{realm}/delete/{Entity}/{id}  a QuickBooks user deletes a transaction (webhook Delete)
GET|POST|DELETE /_sim/faults                  list, add a FaultRule, clear
POST /_sim/clock/advance                      {"seconds": n}: move the simulated calendar
POST /_sim/consent                            {"realm_id"?, "deny"?}: what auto-consent answers
GET|POST /_sim/webhooks                       deliveries so far / change url, format, verifier token
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from local.simulators.quickbooks_online import errors
from local.simulators.quickbooks_online.config import CompanySeed
from local.simulators.quickbooks_online.entities import ENTITIES, Ledger
from local.simulators.quickbooks_online.faults import FaultRule
from local.simulators.quickbooks_online.state import SimulatorState
from local.simulators.quickbooks_online.store import Company


def admin_routes(state: SimulatorState) -> list[Route]:
    async def reset(request: Request) -> Response:
        body = await _body(request)
        state.reset(forget_tokens=bool(body.get("forget_tokens", False)))
        return JSONResponse({"reset": True})

    async def realms(request: Request) -> Response:
        if request.method == "POST":
            try:
                seed = CompanySeed.model_validate(await _body(request))
            except ValidationError as error:
                return JSONResponse({"error": error.errors(include_url=False)}, status_code=400)
            state.add_company(seed)
        return JSONResponse(
            [{"realm_id": c.realm_id, "name": c.name, "country": c.country} for c in state.companies.values()]
        )

    async def data(request: Request) -> Response:
        company = _company(state, request)
        wanted = request.query_params.get("entity")
        listing = {
            entity: [
                {**record.render(company.timezone), **({"status": "Deleted"} if record.deleted else {})}
                for record in company.all_including_deleted(entity)
            ]
            for entity in ENTITIES
            if wanted in (None, entity)
        }
        return JSONResponse(listing)

    async def count(request: Request) -> Response:
        company = _company(state, request)
        return JSONResponse({"count": len(company.live(request.path_params["entity"]))})

    async def edit(request: Request) -> Response:
        company = _company(state, request)
        ledger = Ledger(company=company, clock=state.clock)
        entity = request.path_params["entity"]
        try:
            record = ledger.edit_as_user(entity, request.path_params["record_id"], await _body(request))
        except errors.IntuitFault as fault:
            return JSONResponse({"Fault": fault.envelope()}, status_code=fault.status)
        state.webhooks.publish(ledger.changes)
        return JSONResponse({entity: record.render(company.timezone)})

    async def create(request: Request) -> Response:
        company = _company(state, request)
        ledger = Ledger(company=company, clock=state.clock)
        entity = request.path_params["entity"]
        try:
            record = ledger.create(entity, await _body(request))
        except errors.IntuitFault as fault:
            return JSONResponse({"Fault": fault.envelope()}, status_code=fault.status)
        state.webhooks.publish(ledger.changes)
        return JSONResponse({entity: record.render(company.timezone)})

    async def retire(request: Request) -> Response:
        """Void or delete as a bookkeeper does in the QuickBooks UI: the current SyncToken, the same rules."""
        company = _company(state, request)
        ledger = Ledger(company=company, clock=state.clock)
        entity, record_id = request.path_params["entity"], request.path_params["record_id"]
        try:
            current = ledger.read(entity, record_id)
            payload = {"Id": record_id, "SyncToken": str(current.sync_token)}
            if request.url.path.split("/")[4] == "void":
                record = ledger.void(entity, payload)
            else:
                record = ledger.delete(entity, payload)
        except errors.IntuitFault as fault:
            return JSONResponse({"Fault": fault.envelope()}, status_code=fault.status)
        state.webhooks.publish(ledger.changes)
        rendered = record.tombstone(company.timezone) if record.deleted else record.render(company.timezone)
        return JSONResponse({entity: rendered})

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
        state.oauth.consent.realm_id = body.get("realm_id")
        state.oauth.consent.deny = bool(body.get("deny", False))
        return JSONResponse({"realm_id": state.oauth.consent.realm_id, "deny": state.oauth.consent.deny})

    async def webhooks(request: Request) -> Response:
        settings = state.webhooks.settings
        if request.method == "POST":
            state.webhooks.settings = settings.model_validate({**settings.model_dump(), **await _body(request)})
        return JSONResponse(
            {
                "settings": state.webhooks.settings.model_dump(),
                "notifications": [
                    {
                        "body": json.loads(n.body),
                        "delivered": n.delivered,
                        "attempts": [a.__dict__ for a in n.attempts],
                    }
                    for n in state.webhooks.notifications
                ],
            }
        )

    return [
        Route("/_sim/reset", reset, methods=["POST"]),
        Route("/_sim/realms", realms, methods=["GET", "POST"]),
        Route("/_sim/realms/{realm_id}/data", data, methods=["GET"]),
        Route("/_sim/realms/{realm_id}/count/{entity}", count, methods=["GET"]),
        Route("/_sim/realms/{realm_id}/create/{entity}", create, methods=["POST"]),
        Route("/_sim/realms/{realm_id}/edit/{entity}/{record_id}", edit, methods=["POST"]),
        Route("/_sim/realms/{realm_id}/void/{entity}/{record_id}", retire, methods=["POST"], name="void"),
        Route("/_sim/realms/{realm_id}/delete/{entity}/{record_id}", retire, methods=["POST"], name="delete"),
        Route("/_sim/faults", faults, methods=["GET", "POST", "DELETE"]),
        Route("/_sim/clock/advance", advance_clock, methods=["POST"]),
        Route("/_sim/consent", consent, methods=["POST"]),
        Route("/_sim/webhooks", webhooks, methods=["GET", "POST"]),
    ]


async def _body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    return json.loads(raw) if raw else {}


def _company(state: SimulatorState, request: Request) -> Company:
    from starlette.exceptions import HTTPException

    company = state.companies.get(request.path_params["realm_id"])
    if company is None:
        raise HTTPException(status_code=404, detail="no such company")
    return company
