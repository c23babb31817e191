"""What one admitted request does to an organisation: list, read, create, upsert, update, allocate.

Writes take one element or a batch (`{"Contacts": [...]}`). With `summarizeErrors=false` every
element gets its own result and the valid ones are kept (HTTP 200, providers.md 2.4); otherwise one
failing element fails the request with the 400 `ValidationException` and nothing is kept.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from local.simulators.xero import errors
from local.simulators.xero.clock import parse_if_modified_since
from local.simulators.xero.errors import QueryFailed, RecordNotFound, ValidationFailed
from local.simulators.xero.ledger import Ledger
from local.simulators.xero.listing import list_records
from local.simulators.xero.payments import allocate_credit
from local.simulators.xero.resources import RESOURCES, Resource
from local.simulators.xero.state import SimulatorState
from local.simulators.xero.store import Organisation, Record
from local.simulators.xero.wire import decimal_json, envelope

# "Requests up to 3.5 MB" (XD:documentation/auth-and-limits/xero-api-limits; providers.md 2.2).
MAX_REQUEST_BYTES = 3_500_000


class Operations:
    def __init__(self, state: SimulatorState) -> None:
        self.state = state

    async def run(self, request: Request, tenant_id: str, endpoint: str, client_id: str) -> Response:
        organisation = self.state.organisations[tenant_id]
        app = self.state.oauth.app(client_id)
        provider_name = app.name if app else "Xero Simulator"
        unit_decimals = 4 if request.query_params.get("unitdp") == "4" else 2
        ledger = Ledger(organisation=organisation, clock=self.state.clock, unit_decimals=unit_decimals)
        try:
            if endpoint == "organisation":
                payload = {"Organisations": [self.state.render_organisation(organisation)]}
            elif request.method == "GET":
                payload = self._read(request, organisation, RESOURCES[endpoint])
            else:
                payload, status = await self._write(request, ledger, RESOURCES[endpoint])
                if status != 200:
                    ledger.rollback()
                    return errors.validation_exception(payload["Elements"])
        except QueryFailed as failure:
            return errors.query_parse_exception(failure.message)
        except RecordNotFound:
            return errors.not_found()
        except ValidationFailed as failure:
            ledger.rollback()
            return errors.bad_request(" ".join(failure.messages))
        self.state.webhooks.publish(ledger.changes, self.state.api_base)
        return envelope(self.state.clock, provider_name, payload)

    def _read(self, request: Request, organisation: Organisation, resource: Resource) -> dict[str, Any]:
        key = request.path_params.get("key")
        if key:
            record = resource.find(organisation, key)
            if record is None:
                raise RecordNotFound()
            return {resource.entity: [resource.render(organisation, record)]}
        header = request.headers.get("if-modified-since")
        try:
            since = parse_if_modified_since(header) if header else None
        except (TypeError, ValueError) as error:
            raise QueryFailed(f"If-Modified-Since '{header}' is not a date") from error
        records, pagination = list_records(resource, organisation, request.query_params, since)
        return {**({"pagination": pagination} if pagination else {}), resource.entity: records}

    async def _write(self, request: Request, ledger: Ledger, resource: Resource) -> tuple[dict[str, Any], int]:
        """The payload and 200, or the failing elements and 400."""
        raw = await request.body()
        if len(raw) > MAX_REQUEST_BYTES:
            raise ValidationFailed([f"The request is larger than Xero's {MAX_REQUEST_BYTES:,} bytes."])
        try:
            payload = decimal_json(raw)
        except ValueError as error:
            raise ValidationFailed([f"The request body is not valid JSON: {error}"]) from error
        key, sub = request.path_params.get("key"), request.path_params.get("sub")
        if sub is not None:
            return self._allocate(ledger, resource, key or "", sub, payload)
        elements = _elements(payload, resource.entity)
        # Omitted means summarised here: the spec says `default: false` but the server's default is
        # unconfirmed (providers.md 2.4), so a connector must send it and the strict reading wins.
        summarize = request.query_params.get("summarizeErrors", "true").lower() != "false"
        target = None
        if key:
            target = resource.find(ledger.organisation, key)
            if target is None:
                raise RecordNotFound()
        results, failed = [], []
        for element in elements:
            mark = ledger.mark()
            try:
                record = self._save_one(ledger, resource, element, request.method, target)
            except ValidationFailed as failure:
                ledger.rollback(to=mark)  # an element is all or nothing, even when its batch is not
                echoed = _echo_failure(element, failure)
                results.append(echoed)
                failed.append(echoed)
                continue
            rendered = resource.render(ledger.organisation, record)
            results.append({**rendered, "StatusAttributeString": "OK"} if not summarize else rendered)
        if failed and summarize:
            return {"Elements": failed}, 400
        return {resource.entity: results}, 200

    def _save_one(
        self, ledger: Ledger, resource: Resource, element: dict[str, Any], method: str, target: Record | None
    ) -> Record:
        assert resource.save is not None
        organisation = ledger.organisation
        if target is not None:
            return resource.save(ledger, element, target)
        given_id = element.get(resource.id_field)
        if method == "PUT":
            if given_id:
                raise ValidationFailed([f"{resource.id_field} cannot be sent on create; use POST to update."])
            return resource.save(ledger, element, None)
        existing = resource.find_for_upsert(organisation, element) if resource.find_for_upsert else None
        if given_id and existing is None:
            missing = f"{resource.entity[:-1]} with {resource.id_field} '{given_id}' could not be found."
            raise ValidationFailed([missing])
        return resource.save(ledger, element, existing)

    def _allocate(self, ledger: Ledger, resource: Resource, key: str, sub: str, payload: Any) -> tuple[Any, int]:
        if resource.entity != "CreditNotes" or sub.lower() != "allocations":
            raise RecordNotFound()
        credit_note = resource.find(ledger.organisation, key)
        if credit_note is None:
            raise RecordNotFound()
        results, failed = [], []
        for element in _elements(payload, "Allocations"):
            try:
                results.append(allocate_credit(ledger, credit_note, element))
            except ValidationFailed as failure:
                failed.append(_echo_failure(element, failure))
        if failed:
            return {"Elements": failed}, 400
        return {"Allocations": results}, 200


def _elements(payload: Any, entity: str) -> list[dict[str, Any]]:
    if isinstance(payload, dict) and isinstance(payload.get(entity), list):
        elements = payload[entity]
    elif isinstance(payload, dict) and entity not in payload:
        elements = [payload]
    else:
        raise ValidationFailed([f"The request body must be an object or {{'{entity}': [...]}}."])
    if not elements or not all(isinstance(element, dict) for element in elements):
        raise ValidationFailed([f"'{entity}' must hold at least one object."])
    return elements


def _echo_failure(element: dict[str, Any], failure: ValidationFailed) -> dict[str, Any]:
    """The element as sent, flagged the way Xero flags a refused one."""
    return {
        **element,
        "StatusAttributeString": "ERROR",
        "HasValidationErrors": True,
        "HasErrors": True,
        "ValidationErrors": [{"Message": message} for message in failure.messages],
    }
