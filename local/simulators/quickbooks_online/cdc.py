"""Change data capture (providers.md 1.6): changed objects per entity, deletes as stubs, last.

The 1000-object cap is applied to the oldest changes first, so a client that moves its
`changedSince` to the newest `LastUpdatedTime` it received loses nothing; Intuit only documents
the cap ("query for shorter time periods"), not which objects it keeps.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from local.simulators.quickbooks_online import errors
from local.simulators.quickbooks_online.clock import Clock, parse_intuit_time
from local.simulators.quickbooks_online.entities import ENTITY_BY_PATH
from local.simulators.quickbooks_online.store import Company, Record

MAX_OBJECTS = 1000
LOOK_BACK = timedelta(days=30)
NOT_TRACKED = {"TaxCode", "TaxRate"}


def changes_since(company: Company, clock: Clock, entities_param: str | None, since_param: str | None) -> list[Any]:
    """The `CDCResponse` list: one `QueryResponse` per requested entity, in the order asked."""
    if not entities_param:
        raise errors.IntuitFault(
            code="10000",
            message="An application error has occurred while processing your request",
            detail="System Failure Error: entities parameter is required for ChangeDataCapture",
            fault_type="SystemFault",
        )
    if not since_param:
        raise errors.required_field("changedSince")
    entities = []
    for name in entities_param.split(","):
        entity = ENTITY_BY_PATH.get(name.strip().lower())
        if entity is None or entity in NOT_TRACKED or entity == "CompanyInfo":
            raise errors.request_invalid(f"ChangeDataCapture is not supported for entity {name.strip()!r}")
        entities.append(entity)
    try:
        since = parse_intuit_time(since_param, company.timezone)
    except ValueError as error:
        raise errors.request_invalid(f"changedSince is not an ISO-8601 date-time: {since_param!r}") from error
    if since < clock.now() - LOOK_BACK:
        raise errors.cdc_window_too_old()
    changed = sorted(
        (
            record
            for entity in entities
            for record in company.all_including_deleted(entity)
            if record.updated_at > since
        ),
        key=lambda record: record.updated_at,
    )[:MAX_OBJECTS]
    return [{"QueryResponse": [_group(company, entity, changed) for entity in entities]}]


def _group(company: Company, entity: str, changed: list[Record]) -> dict[str, Any]:
    mine = [record for record in changed if record.entity == entity]
    rendered = [record.render(company.timezone) for record in mine if not record.deleted]
    rendered += [record.tombstone(company.timezone) for record in mine if record.deleted]
    if not rendered:
        return {}
    return {entity: rendered, "startPosition": 1, "maxResults": len(rendered)}
