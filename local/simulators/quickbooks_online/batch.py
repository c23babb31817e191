"""`POST …/batch` (providers.md 1.2): up to 30 items run in order, each answered on its own.

A failing item carries its Fault in its `BatchItemResponse` while the batch itself is HTTP 200.
"""

from __future__ import annotations

from typing import Any

from local.simulators.quickbooks_online import errors, query
from local.simulators.quickbooks_online.entities import ENTITIES, Ledger
from local.simulators.quickbooks_online.store import Record


def run_batch(ledger: Ledger, payload: Any, max_items: int) -> list[dict[str, Any]]:
    items = payload.get("BatchItemRequest") if isinstance(payload, dict) else None
    if not isinstance(items, list) or not items:
        raise errors.required_field("BatchItemRequest")
    if len(items) > max_items:
        raise errors.IntuitFault(
            code="6000",
            message="A business validation error has occurred while processing your request",
            detail=f"Business Validation Error: A batch holds at most {max_items} payloads.",
        )
    return [_run_item(ledger, item) for item in items]


def _run_item(ledger: Ledger, item: dict[str, Any]) -> dict[str, Any]:
    batch_id = item.get("bId")
    timezone = ledger.company.timezone
    try:
        if "Query" in item:
            result = query.run(query.parse(item["Query"]), ledger.company)
            return {"bId": batch_id, "QueryResponse": result}
        entity = next((name for name in ENTITIES if name in item), None)
        if entity is None:
            raise errors.request_invalid("Batch item names no entity")
        record = _apply(ledger, entity, item.get("operation", "create"), item.get("optionsData"), item[entity])
        body = record.tombstone(timezone) if record.deleted else record.render(timezone)
        return {"bId": batch_id, entity: body}
    except errors.IntuitFault as fault:
        return {"bId": batch_id, "Fault": fault.envelope()}


def _apply(ledger: Ledger, entity: str, operation: str, options: str | None, body: dict[str, Any]) -> Record:
    """To void inside a batch: `"operation":"update","optionsData":"void"` (providers.md 1.2)."""
    if operation == "create":
        return ledger.create(entity, body)
    if operation == "update" and options == "void":
        return ledger.void(entity, body)
    if operation == "update":
        return ledger.update(entity, body)
    if operation == "delete":
        return ledger.delete(entity, body)
    raise errors.request_invalid(f"Batch operation {operation!r} is not supported")
