"""The Accounting API under `/v3/company/{realmId}/`: the order every request goes through.

authenticate → injected faults → throttles → requestid replay → the operation → webhooks →
(maybe) a reply lost after commit. Every reply carries an `intuit_tid` header, as Intuit's do.
"""

from __future__ import annotations

import asyncio
import json
import secrets
from decimal import Decimal
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from local.simulators.quickbooks_online import errors, query
from local.simulators.quickbooks_online.batch import run_batch
from local.simulators.quickbooks_online.cdc import changes_since
from local.simulators.quickbooks_online.clock import reply_time
from local.simulators.quickbooks_online.entities import ENTITY_BY_PATH, Ledger
from local.simulators.quickbooks_online.faults import hold_until_client_gives_up
from local.simulators.quickbooks_online.state import SimulatorState
from local.simulators.quickbooks_online.store import StoredReply

SPECIAL_ENDPOINTS = {"query": "Query", "batch": "Batch", "cdc": "CDC"}
MAX_REQUEST_ID_LENGTH = 50


class AccountingApi:
    def __init__(self, state: SimulatorState) -> None:
        self.state = state

    async def handle(self, request: Request) -> Response:
        response = await self._handle(request)
        response.headers["intuit_tid"] = f"1-{secrets.token_hex(4)}-{secrets.token_hex(12)}"
        return response

    async def _handle(self, request: Request) -> Response:
        state = self.state
        realm_id = request.path_params["realm_id"]
        endpoint = request.path_params["endpoint"].lower()
        entity = SPECIAL_ENDPOINTS.get(endpoint) or ENTITY_BY_PATH.get(endpoint, endpoint)
        timezone = state.timezone_of(realm_id)
        try:
            grant = state.oauth.authenticate(request, realm_id)
        except errors.IntuitFault as fault:
            return errors.fault_response(fault, self._now(timezone))
        if isinstance(grant, Response):
            return grant
        injected = {rule.kind: rule for rule in state.faults.take(realm_id, entity)}
        if "throttle" in injected:
            return errors.throttled(self._now(timezone))
        if "error" in injected:
            return errors.fault_response(errors.system_fault(injected["error"].status), self._now(timezone))
        if not state.limits.admit(realm_id, grant.client_id, is_batch=endpoint == "batch"):
            return errors.throttled(self._now(timezone))
        try:
            if "delay" in injected:
                # Inside the admitted section: a slow request occupies one of the 10 concurrent slots.
                await asyncio.sleep(injected["delay"].seconds)
            response = await self._replayed_or_run(request, realm_id, endpoint, entity)
        finally:
            state.limits.release(realm_id)
        if "drop_after_commit" in injected:
            return await hold_until_client_gives_up(request, state.config.request_timeout)
        return response

    async def _replayed_or_run(self, request: Request, realm_id: str, endpoint: str, entity: str) -> Response:
        """A write repeating a requestid gets the stored first reply, never a second record (1.8)."""
        company = self.state.companies.get(realm_id)
        if company is None:
            return errors.fault_response(errors.authorization_failed(), self._now("UTC"))
        request_id = request.query_params.get("requestid") if request.method == "POST" else None
        if request_id and request_id in company.replies_by_request_id:
            stored = company.replies_by_request_id[request_id]
            return Response(stored.body, status_code=stored.status, media_type=stored.media_type)
        ledger = Ledger(company=company, clock=self.state.clock)
        try:
            if request_id and len(request_id) > MAX_REQUEST_ID_LENGTH:
                raise errors.business_validation(
                    f"Business Validation Error: You cannot enter more than 50 characters in the request_id "
                    f"field. You tried entering {request_id[:10]}..., which is {len(request_id)} characters."
                )
            body = await self._operate(request, ledger, endpoint, entity)
            response = JSONResponse({**body, "time": self._now(company.timezone)})
        except errors.IntuitFault as fault:
            response = errors.fault_response(fault, self._now(company.timezone))
        if request_id:
            company.replies_by_request_id[request_id] = StoredReply(
                response.status_code, bytes(response.body), "application/json"
            )
        self.state.webhooks.publish(ledger.changes)
        return response

    async def _operate(self, request: Request, ledger: Ledger, endpoint: str, entity: str) -> dict[str, Any]:
        company = ledger.company
        params = request.query_params
        record_id = request.path_params.get("record_id")
        if endpoint == "query":
            text = params.get("query") if request.method == "GET" else (await request.body()).decode()
            return {"QueryResponse": query.run(query.parse(text or ""), company)}
        if endpoint == "cdc":
            return {
                "CDCResponse": changes_since(
                    company, self.state.clock, params.get("entities"), params.get("changedSince")
                )
            }
        if endpoint == "batch":
            payload = await _json_body(request)
            max_items = self.state.config.limits.batch_max_items
            return {"BatchItemResponse": run_batch(ledger, payload, max_items)}
        if entity not in ENTITY_BY_PATH.values():
            raise errors.unsupported_entity(request.method)
        if request.method == "GET":
            if entity == "CompanyInfo" and record_id == company.realm_id:
                record_id = "1"
            if record_id is None:
                raise errors.request_invalid("Read needs an Id in the path")
            return {entity: ledger.read(entity, record_id).render(company.timezone)}
        payload = await _json_body(request)
        record = _write(ledger, entity, params.get("operation"), params.get("include"), payload)
        body = record.tombstone(company.timezone) if record.deleted else record.render(company.timezone)
        if record.deleted:
            body.pop("MetaData")
        return {entity: body}

    def _now(self, timezone: str) -> str:
        return reply_time(self.state.clock.now(), timezone)


def _write(ledger: Ledger, entity: str, operation: str | None, include: str | None, payload: Any) -> Any:
    """Create without Id, update with one; `operation=delete|void`, and Payment's void spelled
    `operation=update&include=void` (providers.md 1.4)."""
    if not isinstance(payload, dict):
        raise errors.request_invalid("The request body must be a JSON object")
    if operation == "delete":
        return ledger.delete(entity, payload)
    if operation == "void" or (operation == "update" and include == "void"):
        return ledger.void(entity, payload)
    if operation in (None, "update") and payload.get("Id") not in (None, ""):
        return ledger.update(entity, payload)
    if operation in (None, "create"):
        return ledger.create(entity, payload)
    raise errors.request_invalid(f"operation={operation} is not supported")


async def _json_body(request: Request) -> Any:
    try:
        return json.loads(await request.body(), parse_float=Decimal)
    except ValueError as error:
        raise errors.request_invalid(f"Request body is not valid JSON: {error}") from error
