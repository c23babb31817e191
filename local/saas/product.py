"""What the field-service product does to a tenant's records, the same for its users and for Fieldbooks.

Each change writes the new snapshot (version + 1) and its change event in the caller's transaction,
so the outbox can never hold an event for a change that was rolled back, nor miss one.
"""

import datetime as dt
import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any, TypeVar

from fieldbooks.domain.record_fields import (
    AccountingLink,
    AccountingLinkFields,
    LineFields,
    PaymentFields,
    RecordFields,
)
from fieldbooks.domain.records import RECORD_MODELS, Entity, Invoice, Payment, Property, SaasRecord
from fieldbooks.saas.events import Action, Origin, SaasChangeEvent
from local.saas.audit import UNATTRIBUTED, AuditActor
from local.saas.errors import InvalidRequest, RecordNotFound, UnknownTenant, VersionMismatch
from local.saas.store import HistoryEntry, StoreTransaction, Tenant

Clock = Callable[[], dt.datetime]
AnyRecord = TypeVar("AnyRecord", bound=SaasRecord)

ID_PREFIXES: dict[Entity, str] = {
    "contact": "con",
    "property": "prop",
    "item": "item",
    "quote": "quo",
    "invoice": "inv",
    "credit_note": "cn",
    "payment": "pay",
    "job": "job",
    "team_member": "tm",
}
# Documents get a human number from a per-tenant series when created, as the product prints it.
NUMBER_SERIES: dict[Entity, str] = {"quote": "Q", "invoice": "INV", "credit_note": "CN"}
# Issued credit notes and recorded payments are not edited in place; only their link changes.
EDITABLE: frozenset[Entity] = frozenset({"contact", "property", "item", "quote", "invoice", "job", "team_member"})
DELETABLE: frozenset[Entity] = frozenset({"contact", "property", "item", "invoice"})


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def label(entity: Entity) -> str:
    """How messages name an entity: "credit note", not "credit_note"."""
    return entity.replace("_", " ")


def new_id(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:20]}"


class TenantWorkspace:
    """One tenant's records inside one store transaction, changed on behalf of `origin`, by `acted_by`
    (who the record's history names; unattributed when the caller did not say)."""

    def __init__(
        self,
        tx: StoreTransaction,
        tenant_id: str,
        origin: Origin,
        clock: Clock = utc_now,
        acted_by: AuditActor | None = None,
    ) -> None:
        if tx.tenant(tenant_id) is None:
            raise UnknownTenant(f"There is no tenant {tenant_id!r}")
        self._tx = tx
        self.tenant_id = tenant_id
        self._origin = origin
        self._clock = clock
        self._acted_by = acted_by or UNATTRIBUTED[origin]

    # --- reads

    def get(self, entity: Entity, record_id: str) -> SaasRecord:
        record = self._tx.record(self.tenant_id, entity, record_id)
        if record is None:
            raise RecordNotFound(f"There is no {label(entity)} {record_id!r} in tenant {self.tenant_id!r}")
        return record

    def changed_since(
        self, entity: Entity, updated_since: dt.datetime, after: tuple[str, str] | None, limit: int
    ) -> list[SaasRecord]:
        return self._tx.records_changed_since(self.tenant_id, entity, updated_since, after, limit)

    # --- generic changes

    def create(self, entity: Entity, fields: RecordFields) -> SaasRecord:
        if entity == "payment":
            raise InvalidRequest("Payments are recorded with record_payment")
        self._check_references(entity, fields)
        now = self._clock()
        extra: dict[str, Any] = {}
        if entity in NUMBER_SERIES:
            series = NUMBER_SERIES[entity]
            extra["number"] = f"{series}-{self._tx.next_number(self.tenant_id, series):04d}"
        record = RECORD_MODELS[entity].model_validate(
            {
                **fields.model_dump(mode="json"),
                **extra,
                "id": new_id(ID_PREFIXES[entity]),
                "version": 1,
                "created_at": now,
                "updated_at": now,
            }
        )
        return self._save(record, "created")

    def update(self, entity: Entity, record_id: str, changes: dict[str, Any], if_match: int | None) -> SaasRecord:
        current = self._live(entity, record_id, if_match)
        if entity not in EDITABLE:
            raise InvalidRequest(f"A {label(entity)} cannot be edited once recorded")
        if isinstance(current, Invoice) and current.status != "draft":
            raise InvalidRequest(f"Invoice {current.number} is {current.status}; only drafts can be edited")
        fields = current.fields().with_changes(changes)
        if fields == current.fields():
            return current
        self._check_references(entity, fields)
        return self._save(self._next_version(current, **fields.model_dump(mode="json")), "updated")

    def delete(self, entity: Entity, record_id: str, if_match: int | None) -> SaasRecord:
        current = self._live(entity, record_id, if_match)
        if entity not in DELETABLE:
            raise InvalidRequest(f"A {label(entity)} cannot be deleted")
        if isinstance(current, Invoice) and current.status != "draft":
            raise InvalidRequest(f"Invoice {current.number} is {current.status}; void it instead of deleting it")
        now = self._clock()
        return self._save(self._next_version(current, deleted_at=now, updated_at=now), "deleted")

    def set_accounting_link(self, entity: Entity, record_id: str, link: AccountingLinkFields | None) -> SaasRecord:
        """Shows (or hides) "Linked to accounting" on the record; a no-op if nothing changes."""
        current = self.get(entity, record_id)
        existing = current.accounting_link
        unchanged = (
            (existing.provider, existing.remote_id) == (link.provider, link.remote_id)
            if existing is not None and link is not None
            else existing is link
        )
        if unchanged:
            return current
        now = self._clock()
        new_link = None if link is None else AccountingLink(**link.model_dump(), linked_at=now)
        return self._save(self._next_version(current, accounting_link=new_link, updated_at=now), "updated")

    def history(self, entity: Entity, record_id: str) -> list[HistoryEntry]:
        self.get(entity, record_id)  # 404 for a record the tenant does not have
        return self._tx.history(self.tenant_id, entity, record_id)

    # --- invoices and payments

    def finalize_invoice(self, invoice_id: str, if_match: int | None) -> Invoice:
        invoice = self._invoice(invoice_id, if_match)
        if invoice.status != "draft":
            raise InvalidRequest(f"Invoice {invoice.number} is already {invoice.status}")
        if not invoice.lines:
            raise InvalidRequest(f"Invoice {invoice.number} has no lines; add one before finalizing")
        now = self._clock()
        finalized = self._next_version(invoice, status="finalized", finalized_at=now, updated_at=now)
        return self._save(finalized, "finalized")

    def void_invoice(self, invoice_id: str, if_match: int | None) -> Invoice:
        """Voiding a void invoice returns it unchanged, so a repeated void is harmless."""
        invoice = self._invoice(invoice_id, if_match)
        if invoice.status == "void":
            return invoice
        if invoice.status == "draft":
            raise InvalidRequest(f"Invoice {invoice.number} is a draft; delete it instead of voiding it")
        if invoice.amount_paid > 0:
            raise InvalidRequest(
                f"Invoice {invoice.number} has {invoice.amount_paid} in payments applied; it cannot be voided"
            )
        now = self._clock()
        voided = self._next_version(invoice, status="void", voided_at=now, updated_at=now)
        return self._save(voided, "voided")

    def record_payment(self, fields: PaymentFields) -> Payment:
        """Records the payment and raises `amount_paid` on each invoice it pays, each an `invoice.updated`."""
        self._live_reference("contact", fields.contact_id)
        invoices: list[tuple[Invoice, Decimal]] = []
        for application in fields.applied_to:
            invoice = self._invoice(application.invoice_id, None)
            if invoice.contact_id != fields.contact_id:
                raise InvalidRequest(f"Invoice {invoice.number} belongs to another contact")
            if invoice.status != "finalized":
                raise InvalidRequest(f"Invoice {invoice.number} is {invoice.status}; payments apply to finalized ones")
            if application.amount > invoice.balance_due:
                due = invoice.balance_due
                raise InvalidRequest(f"{application.amount} is more than the {due} due on invoice {invoice.number}")
            invoices.append((invoice, application.amount))
        now = self._clock()
        payment = Payment.model_validate(
            {
                **fields.model_dump(mode="json"),
                "id": new_id(ID_PREFIXES["payment"]),
                "version": 1,
                "created_at": now,
                "updated_at": now,
            }
        )
        self._save(payment, "created")
        for invoice, amount in invoices:
            self._save(self._next_version(invoice, amount_paid=str(invoice.amount_paid + amount)), "updated")
        return payment

    def reverse_payment(self, payment_id: str, if_match: int | None) -> Payment:
        """Takes a payment back: the invoices it paid are owed again, each an `invoice.updated`.

        Reversing a reversed payment returns it unchanged, so a repeat is harmless (as `void_invoice`).
        """
        payment = self._live("payment", payment_id, if_match)
        assert isinstance(payment, Payment)
        if payment.reversed_at is not None:
            return payment
        now = self._clock()
        reversed_payment = self._save(self._next_version(payment, reversed_at=now, updated_at=now), "reversed")
        for application in payment.applied_to:
            invoice = self._tx.record(self.tenant_id, "invoice", application.invoice_id)
            if not isinstance(invoice, Invoice):
                continue
            owed = max(invoice.amount_paid - application.amount, Decimal("0.00"))
            self._save(self._next_version(invoice, amount_paid=str(owed)), "updated")
        return reversed_payment

    # --- internals

    def _live(self, entity: Entity, record_id: str, if_match: int | None) -> SaasRecord:
        current = self.get(entity, record_id)
        if current.deleted_at is not None:
            raise RecordNotFound(f"The {label(entity)} {record_id!r} was deleted")
        if if_match is not None and if_match != current.version:
            raise VersionMismatch(
                f"The {label(entity)} {record_id!r} is at version {current.version}, not {if_match}",
                current_version=current.version,
            )
        return current

    def _invoice(self, invoice_id: str, if_match: int | None) -> Invoice:
        invoice = self._live("invoice", invoice_id, if_match)
        assert isinstance(invoice, Invoice)
        return invoice

    def _live_reference(self, entity: Entity, record_id: str) -> SaasRecord:
        record = self._tx.record(self.tenant_id, entity, record_id)
        if record is None or record.deleted_at is not None:
            raise InvalidRequest(f"{entity}_id {record_id!r} names no {label(entity)} of this tenant")
        return record

    def _check_references(self, entity: Entity, fields: RecordFields) -> None:
        """Ids inside a record must name live records of the same tenant, as the product's UI guarantees."""
        contact_id = getattr(fields, "contact_id", None)
        if contact_id is not None:
            self._live_reference("contact", contact_id)
        property_id = getattr(fields, "property_id", None)
        if property_id is not None:
            job_site = self._live_reference("property", property_id)
            assert isinstance(job_site, Property)
            if job_site.contact_id != contact_id:
                raise InvalidRequest(f"property_id {property_id!r} is a job site of another contact")
        lines: list[LineFields] = getattr(fields, "lines", [])
        for line in lines:
            if line.item_id is not None:
                self._live_reference("item", line.item_id)
        for member_id in getattr(fields, "assigned_to", []):
            self._live_reference("team_member", member_id)
        invoice_id = getattr(fields, "invoice_id", None) if entity == "credit_note" else None
        if invoice_id is not None:
            invoice = self._live_reference("invoice", invoice_id)
            assert isinstance(invoice, Invoice)
            if invoice.status != "finalized" or invoice.contact_id != contact_id:
                raise InvalidRequest(f"invoice_id {invoice_id!r} is not a finalized invoice of this contact")

    def _next_version(self, current: AnyRecord, **changes: Any) -> AnyRecord:
        return type(current).model_validate(
            {**current.model_dump(), "version": current.version + 1, "updated_at": self._clock(), **changes}
        )

    def _save(self, record: AnyRecord, action: Action) -> AnyRecord:
        self._tx.put_record(self.tenant_id, record)
        history = HistoryEntry(
            version=record.version,
            action=action,
            origin=self._origin,
            acted_by_kind=self._acted_by.kind,
            acted_by=self._acted_by.name,
            at=record.updated_at.isoformat(),
        )
        self._tx.append_history(self.tenant_id, record.entity, record.id, history)
        self._tx.append_event(
            SaasChangeEvent(
                schema_version=1,
                event_id=f"evt_{uuid.uuid4().hex}",
                tenant_id=self.tenant_id,
                occurred_at=record.updated_at,
                entity=record.entity,
                action=action,
                record_id=record.id,
                record_version=record.version,
                origin=self._origin,
                record=record,
            )
        )
        return record


def add_tenant(tx: StoreTransaction, tenant_id: str, name: str, clock: Clock = utc_now) -> Tenant:
    if tx.tenant(tenant_id) is not None:
        raise InvalidRequest(f"Tenant {tenant_id!r} already exists")
    tenant = Tenant(tenant_id=tenant_id, name=name, created_at=clock().isoformat())
    tx.add_tenant(tenant)
    return tenant
