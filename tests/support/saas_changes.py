"""SaaS change events for tests, built through the contract models so they are valid by construction."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from fieldbooks.domain.records import RECORD_MODELS
from fieldbooks.saas.events import SaasChangeEvent

STAMP = "2026-11-21T10:00:00Z"
RECORDS: dict[str, dict[str, Any]] = {
    "contact": {"kind": "individual", "first_name": "Jane", "last_name": "Doe", "email": "jane@example.com"},
    "quote": {"number": "Q-1001", "contact_id": "con_1", "issue_date": "2026-11-20", "status": "sent"},
    "invoice": {
        "number": "INV-1001",
        "contact_id": "con_1",
        "issue_date": "2026-11-20",
        "due_date": "2026-12-20",
        "status": "finalized",
        "lines": [{"description": "Boiler service", "quantity": "1", "unit_price": "120.00", "taxable": True}],
    },
    "job": {"contact_id": "con_1", "title": "Fix leak", "status": "scheduled"},
}


def change(
    entity: str = "contact",
    action: str = "updated",
    *,
    tenant_id: str = "t-acme",
    record_id: str | None = None,
    version: int = 1,
    origin: str = "user",
    **fields: Any,
) -> SaasChangeEvent:
    record_id = record_id or f"{entity[:3]}_1"
    record = {"id": record_id, "version": version, "created_at": STAMP, "updated_at": STAMP}
    record |= RECORDS.get(entity, {}) | fields
    return SaasChangeEvent(
        schema_version=1,
        event_id=f"evt_{uuid.uuid4().hex}",
        tenant_id=tenant_id,
        occurred_at=datetime(2026, 11, 21, 10, tzinfo=UTC),
        entity=entity,
        action=action,
        record_id=record_id,
        record_version=version,
        origin=origin,
        record=RECORD_MODELS[entity].model_validate(record),
    )


def bus_event(change: SaasChangeEvent) -> dict[str, Any]:
    """The EventBridge event as the rule's Lambda target receives it."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": change.detail_type,
        "source": "fsm.saas",
        "account": "123456789012",
        "time": STAMP,
        "region": "us-east-1",
        "resources": [],
        "detail": change.model_dump(mode="json"),
    }
