"""The ledger of one company: create, update, delete and void, in the order QuickBooks checks them.

A `Ledger` performs writes on one company and records each change, so the caller can notify
webhooks once the request has committed. What each entity accepts and computes lives beside it:
`names.py` (customers, vendors, employees, items, accounts), `sales.py` (invoices, credit memos),
`payments.py` (payments and the balances they move). Facts come from providers.md 1.3 and 1.4.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from local.simulators.quickbooks_online import errors, names, payments, sales, schema
from local.simulators.quickbooks_online.clock import Clock
from local.simulators.quickbooks_online.store import Company, Record

PEOPLE = names.PEOPLE
NAME_ENTITIES = (*PEOPLE, "Item", "Account")
TRANSACTION_ENTITIES = ("Invoice", "CreditMemo", "Payment")
READ_ONLY_ENTITIES = ("TaxCode", "TaxRate", "CompanyInfo")
ENTITIES = NAME_ENTITIES + TRANSACTION_ENTITIES + READ_ONLY_ENTITIES
ENTITY_BY_PATH = {name.lower(): name for name in ENTITIES}
# Fields QuickBooks owns; a client sending them back (as SDK objects do) must not overwrite them.
SERVER_FIELDS = {"Id", "SyncToken", "MetaData", "domain", "sparse", "status"}
# Read-only per the API reference ("read only, system defined"): accepted in a body and ignored,
# so python-quickbooks' full update with `Balance: 0` leaves the open balance alone.
READ_ONLY_FIELDS: dict[str, set[str]] = {
    "Customer": {"Balance", "BalanceWithJobs", "FullyQualifiedName", "Level", "TotalRevenue", "TotalExpense"},
    "Vendor": {"Balance"},
    "Employee": set(),
    "Item": {"FullyQualifiedName", "Level", "QtyOnPurchaseOrder", "QtyOnSalesOrder"},
    "Account": {"FullyQualifiedName", "Classification", "CurrentBalance", "CurrentBalanceWithSubAccounts"},
    "Invoice": {"TotalAmt", "HomeTotalAmt", "Balance", "HomeBalance", "InvoiceLink"},
    "CreditMemo": {"TotalAmt", "HomeTotalAmt", "Balance", "HomeBalance", "RemainingCredit"},
    "Payment": {"UnappliedAmt", "HomeTotalAmt"},
}
Operation = Literal["Create", "Update", "Delete", "Void"]


@dataclass(frozen=True)
class Change:
    """One committed change, in the vocabulary of webhook `operation`s (providers.md 1.7)."""

    realm_id: str
    entity: str
    id: str
    operation: Operation
    at: datetime


@dataclass
class Ledger:
    company: Company
    clock: Clock
    changes: list[Change] = field(default_factory=list)

    # ---- reads -------------------------------------------------------------------------------
    def read(self, entity: str, record_id: str) -> Record:
        record = self.company.get(entity, record_id)
        if record is None:
            raise errors.object_not_found(status=404)
        return record

    # ---- writes ------------------------------------------------------------------------------
    def create(self, entity: str, payload: dict[str, Any]) -> Record:
        if entity in READ_ONLY_ENTITIES:
            raise errors.unsupported_operation("Create", entity)
        incoming = self._client_fields(entity, payload)
        now = self.clock.now()
        record_id = self.company.allocate_id(entity)
        body = self._prepare(entity, incoming, incoming, None, record_id)
        record = self.company.add(Record(entity=entity, id=record_id, body=body, created_at=now, updated_at=now))
        self._after_write(record)
        self._changed(record, "Create")
        return record

    def update(self, entity: str, payload: dict[str, Any]) -> Record:
        """Full update replaces every writable field; `"sparse": true` touches only those sent (1.4).
        Either way the fields QuickBooks maintains keep their stored values."""
        if entity in READ_ONLY_ENTITIES:
            raise errors.unsupported_operation("Update", entity)
        incoming = self._client_fields(entity, payload)
        record = self._current(entity, payload)
        if payload.get("sparse") in (True, "true"):
            merged = {**record.body, **incoming}
        else:
            kept = READ_ONLY_FIELDS.get(entity, set())
            merged = {**incoming, **{key: value for key, value in record.body.items() if key in kept}}
        self._commit_update(record, self._prepare(entity, merged, incoming, record, record.id))
        return record

    def delete(self, entity: str, payload: dict[str, Any]) -> Record:
        """Only transactions delete; names go inactive instead (providers.md 1.4)."""
        if entity not in TRANSACTION_ENTITIES:
            raise errors.unsupported_operation("Delete", entity)
        record = self._current(entity, payload)
        record.deleted = True
        record.sync_token += 1
        record.updated_at = self.clock.now()
        self._after_write(record)
        self._changed(record, "Delete")
        return record

    def void(self, entity: str, payload: dict[str, Any]) -> Record:
        """Voiding zeroes the amounts and notes "Voided" in PrivateNote, keeping the record (1.4)."""
        if entity not in TRANSACTION_ENTITIES:
            raise errors.unsupported_operation("Void", entity)
        record = self._current(entity, payload)
        self._commit_update(record, sales.voided(entity, record.body), operation="Void")
        return record

    def edit_as_user(self, entity: str, record_id: str, fields: dict[str, Any]) -> Record:
        """A change made in the QuickBooks UI: no SyncToken check, same rules and notifications."""
        record = self.read(entity, record_id)
        incoming = self._client_fields(entity, fields)
        merged = {**record.body, **incoming}
        self._commit_update(record, self._prepare(entity, merged, incoming, record, record.id))
        return record

    # ---- shared by the entity modules ----------------------------------------------------------
    def reference(self, entity: str, ref: Any, field_name: str) -> Record:
        """Refs to missing records fail with 2500 and to inactive names with 610 (providers.md 1.4)."""
        value = ref.get("value") if isinstance(ref, dict) else ref
        if value in (None, ""):
            raise errors.required_field(field_name)
        record = self.company.get(entity, str(value))
        if record is None:
            raise errors.invalid_reference(entity, str(value))
        if not record.active:
            raise errors.object_not_found()
        return record

    def touch(self, record: Record) -> None:
        """A record QuickBooks itself changed as a consequence: new SyncToken, time and notification."""
        record.sync_token += 1
        record.updated_at = self.clock.now()
        self._changed(record, "Update")

    # ---- internals ---------------------------------------------------------------------------
    def _client_fields(self, entity: str, payload: dict[str, Any]) -> dict[str, Any]:
        """Unknown properties are refused (2010) and over-long strings too (2050) before anything
        is read; then what QuickBooks owns is dropped."""
        schema.check_known_properties(entity, payload)
        schema.check_string_limits(entity, payload)
        owned = SERVER_FIELDS | READ_ONLY_FIELDS.get(entity, set())
        return {key: value for key, value in payload.items() if key not in owned}

    def _current(self, entity: str, payload: dict[str, Any]) -> Record:
        record_id = payload.get("Id")
        if record_id in (None, ""):
            raise errors.required_field("Id")
        record = self.company.get(entity, str(record_id))
        if record is None:
            raise errors.object_not_found()
        sync_token = payload.get("SyncToken")
        if sync_token in (None, ""):
            raise errors.required_field("SyncToken")
        if str(sync_token) != str(record.sync_token):
            raise errors.stale_object()
        return record

    def _commit_update(self, record: Record, body: dict[str, Any], operation: Operation = "Update") -> None:
        record.body = body
        record.sync_token += 1
        record.updated_at = self.clock.now()
        self._after_write(record)
        self._changed(record, operation)

    def _changed(self, record: Record, operation: Operation) -> None:
        self.changes.append(Change(self.company.realm_id, record.entity, record.id, operation, record.updated_at))

    def _prepare(
        self,
        entity: str,
        body: dict[str, Any],
        incoming: dict[str, Any],
        existing: Record | None,
        record_id: str,
    ) -> dict[str, Any]:
        body = {key: value for key, value in body.items() if key not in SERVER_FIELDS}
        if entity in PEOPLE:
            return names.prepare_person(self, entity, body, existing, record_id)
        if entity == "Item":
            return names.prepare_item(self, body, existing, record_id)
        if entity == "Account":
            return names.prepare_account(self, body, record_id)
        if entity == "Payment":
            return payments.prepare_payment(self, body, record_id)
        return sales.prepare_sales_transaction(self, entity, body, incoming, existing, record_id)

    def _after_write(self, record: Record) -> None:
        payments.after_write(self, record)
