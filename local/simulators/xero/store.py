"""In-memory organisations: records per endpoint, document number sequences.

Everything runs on the server's event loop, one request at a time between awaits, so the store
needs no locks. Record bodies keep native values (Decimal money, `date` for date fields); the
entity modules render them to Xero's wire form.
"""

from __future__ import annotations

import copy
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass
class Record:
    """One Xero object; `entity` is its endpoint name ("Contacts", "Invoices", ...)."""

    entity: str
    id: str
    body: dict[str, Any]
    created_at: datetime
    updated_at: datetime

    def snapshot(self) -> Record:
        return Record(self.entity, self.id, copy.deepcopy(self.body), self.created_at, self.updated_at)


@dataclass
class Organisation:
    tenant_id: str
    name: str
    country: str
    timezone: str
    base_currency: str
    short_code: str
    created_at: datetime
    records: dict[str, dict[str, Record]] = field(default_factory=dict)
    sequences: dict[str, int] = field(default_factory=dict)

    def add(self, record: Record) -> Record:
        self.records.setdefault(record.entity, {})[record.id] = record
        return record

    def remove(self, entity: str, record_id: str) -> None:
        self.records.get(entity, {}).pop(record_id, None)

    def get(self, entity: str, record_id: str) -> Record | None:
        return self.records.get(entity, {}).get(record_id)

    def all(self, entity: str) -> list[Record]:
        return list(self.records.get(entity, {}).values())

    def find(self, entity: str, field_name: str, value: Any) -> list[Record]:
        return [record for record in self.all(entity) if record.body.get(field_name) == value]

    def next_number(self, prefix: str) -> str:
        """Xero's default numbering, `INV-0001`, `CN-0001`."""
        number = self.sequences.get(prefix, 0) + 1
        self.sequences[prefix] = number
        return f"{prefix}-{number:04d}"


def new_id() -> str:
    return str(uuid.uuid4())
