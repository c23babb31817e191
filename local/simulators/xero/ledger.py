"""Writes on one organisation: change records for webhooks and an undo journal for batches.

A batch sent without `summarizeErrors=false` is all or nothing (providers.md 2.4: the 400 lists
the failing elements), so every write journals the record as it was and `rollback()` puts it back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, Literal

from local.simulators.xero.clock import Clock, local_today
from local.simulators.xero.errors import ValidationFailed
from local.simulators.xero.store import Organisation, Record, new_id

CENT = Decimal("0.01")
# Webhook categories (providers.md 2.7); Items and Payments send none.
EVENT_CATEGORIES = {"Contacts": "CONTACT", "Invoices": "INVOICE", "CreditNotes": "CREDITNOTE"}
EventType = Literal["CREATE", "UPDATE"]


@dataclass(frozen=True)
class Change:
    tenant_id: str
    entity: str
    id: str
    event_type: EventType
    at: datetime
    # Credit-note events carry the note's Type and Status (xero-webhooks.yaml CreditNoteWebhookEvent).
    data: dict[str, str] | None = None


@dataclass
class Ledger:
    organisation: Organisation
    clock: Clock
    # Unit prices keep 2 decimals unless the request says `unitdp=4` (XeroAPI/xero-mcp-server#157).
    unit_decimals: int = 2
    changes: list[Change] = field(default_factory=list)
    journal: list[tuple[str, str, Record | None]] = field(default_factory=list)

    def insert(self, entity: str, body: dict[str, Any], record_id: str | None = None) -> Record:
        now = self.clock.now()
        record = Record(entity=entity, id=record_id or new_id(), body=body, created_at=now, updated_at=now)
        self.journal.append((entity, record.id, None))
        self.organisation.add(record)
        self._changed(record, "CREATE")
        return record

    def replace(self, record: Record, body: dict[str, Any]) -> Record:
        self.journal.append((record.entity, record.id, record.snapshot()))
        record.body = body
        record.updated_at = self.clock.now()
        self._changed(record, "UPDATE")
        return record

    def mark(self) -> tuple[int, int]:
        return len(self.journal), len(self.changes)

    def rollback(self, to: tuple[int, int] = (0, 0)) -> None:
        """Undo every write after `to` (a `mark()`), newest first; by default all of them."""
        journal_length, changes_length = to
        for entity, record_id, before in reversed(self.journal[journal_length:]):
            if before is None:
                self.organisation.remove(entity, record_id)
            else:
                self.organisation.add(before)
        del self.journal[journal_length:]
        del self.changes[changes_length:]

    def today(self) -> date:
        return local_today(self.clock.now(), self.organisation.timezone)

    def _changed(self, record: Record, event_type: EventType) -> None:
        if record.entity in EVENT_CATEGORIES:
            tenant_id = self.organisation.tenant_id
            data = {key: record.body[key] for key in ("Type", "Status")} if record.entity == "CreditNotes" else None
            self.changes.append(Change(tenant_id, record.entity, record.id, event_type, record.updated_at, data))


def money(value: Any, label: str) -> Decimal:
    """A client amount as an exact Decimal; a ValidationFailed naming the field otherwise."""
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError) as error:
        raise ValidationFailed([f"{label} must be a number."]) from error
    if not amount.is_finite():
        raise ValidationFailed([f"{label} must be a number."])
    return amount


def cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def text_field(body: dict[str, Any], name: str, limit: int, messages: list[str], required: bool = False) -> str | None:
    value = body.get(name)
    if value in (None, ""):
        if required:
            messages.append(f"{name} is required.")
        return None
    text = str(value).strip()
    if len(text) > limit:
        messages.append(f"{name} must not be more than {limit} characters long.")
    return text
