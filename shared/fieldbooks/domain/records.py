"""The records of the field-service product, as its events and platform API carry them.

Two families of models:

- `*Fields` models (`record_fields.py`) are what a caller may send (app API, platform API
  write-back). They forbid unknown keys so a typo is a clear 422, never a silently ignored field.
- Record models (`Contact`, `Invoice`, ...), here, are full snapshots: the user fields plus what the
  product manages itself (id, version, timestamps, status, number, accounting link). They ignore
  unknown keys, so the product can add a field to schema v1 without breaking a consumer; renaming
  or removing one is a v2.

Money is `Decimal` and travels as a JSON string ("12.50"), so no float ever touches an amount.
"""

from decimal import Decimal
from typing import Annotated, ClassVar, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, computed_field

from fieldbooks.domain.money import ZERO, document_totals, line_amounts
from fieldbooks.domain.record_fields import (
    AccountingLink,
    ContactFields,
    CreditNoteFields,
    Entity,
    InvoiceFields,
    ItemFields,
    JobFields,
    LineFields,
    NonNegativeMoney,
    PaymentFields,
    PropertyFields,
    QuoteFields,
    RecordFields,
    TeamMemberFields,
)

SNAPSHOT_CONFIG = ConfigDict(frozen=True, extra="ignore")


class SaasRecord(BaseModel):
    """What every record carries besides its own fields.

    `version` starts at 1 and grows by one on every change; the platform API's If-Match compares
    against it. A deleted record stays readable with `deleted_at` set so a pull sees the delete.
    """

    model_config = SNAPSHOT_CONFIG

    entity: ClassVar[Entity]
    fields_model: ClassVar[type[RecordFields]]

    id: str
    version: Annotated[int, Field(ge=1)]
    created_at: AwareDatetime
    updated_at: AwareDatetime
    deleted_at: AwareDatetime | None = None
    accounting_link: AccountingLink | None = None

    def fields(self) -> RecordFields:
        """The writable part of this record, ready for `with_changes`."""
        return self.fields_model.model_validate(
            self.model_dump(mode="json", include=set(self.fields_model.model_fields), exclude_computed_fields=True)
        )


class DocumentLine(LineFields):
    """A stored line; its amounts come from `totals.py`, so a consumer never recomputes them."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    @computed_field
    @property
    def amount(self) -> Decimal:
        return line_amounts(self).amount

    @computed_field
    @property
    def discount(self) -> Decimal:
        return line_amounts(self).discount

    @computed_field
    @property
    def tax(self) -> Decimal:
        return line_amounts(self).tax


class PricedDocument(BaseModel):
    """Totals of a quote, invoice or credit note, always derived from its lines."""

    lines: list[DocumentLine] = []

    @computed_field
    @property
    def subtotal(self) -> Decimal:
        return document_totals(self.lines).subtotal

    @computed_field
    @property
    def discount_total(self) -> Decimal:
        return document_totals(self.lines).discount_total

    @computed_field
    @property
    def tax_total(self) -> Decimal:
        return document_totals(self.lines).tax_total

    @computed_field
    @property
    def total(self) -> Decimal:
        return document_totals(self.lines).total


class Contact(ContactFields, SaasRecord):
    model_config = SNAPSHOT_CONFIG
    entity: ClassVar[Entity] = "contact"
    fields_model: ClassVar[type[RecordFields]] = ContactFields


class Property(PropertyFields, SaasRecord):
    """A job site: where the work happens, owned by one contact."""

    model_config = SNAPSHOT_CONFIG
    entity: ClassVar[Entity] = "property"
    fields_model: ClassVar[type[RecordFields]] = PropertyFields


class Item(ItemFields, SaasRecord):
    """A pricebook entry."""

    model_config = SNAPSHOT_CONFIG
    entity: ClassVar[Entity] = "item"
    fields_model: ClassVar[type[RecordFields]] = ItemFields


class Quote(QuoteFields, PricedDocument, SaasRecord):
    """Never syncs to accounting; its events exist because the product emits them."""

    model_config = SNAPSHOT_CONFIG
    entity: ClassVar[Entity] = "quote"
    fields_model: ClassVar[type[RecordFields]] = QuoteFields

    number: str
    lines: list[DocumentLine] = []


class Invoice(InvoiceFields, PricedDocument, SaasRecord):
    model_config = SNAPSHOT_CONFIG
    entity: ClassVar[Entity] = "invoice"
    fields_model: ClassVar[type[RecordFields]] = InvoiceFields

    number: str
    status: Literal["draft", "finalized", "void"] = "draft"
    lines: list[DocumentLine] = []
    amount_paid: NonNegativeMoney = ZERO
    finalized_at: AwareDatetime | None = None
    voided_at: AwareDatetime | None = None

    @computed_field
    @property
    def balance_due(self) -> Decimal:
        return ZERO if self.status == "void" else self.total - self.amount_paid


class CreditNote(CreditNoteFields, PricedDocument, SaasRecord):
    model_config = SNAPSHOT_CONFIG
    entity: ClassVar[Entity] = "credit_note"
    fields_model: ClassVar[type[RecordFields]] = CreditNoteFields

    number: str
    lines: Annotated[list[DocumentLine], Field(min_length=1)]


class Payment(PaymentFields, SaasRecord):
    """`reversed_at` is set when the payment was taken back (voided or deleted in accounting): it stays
    on record, and the invoices it paid are owed again."""

    model_config = SNAPSHOT_CONFIG
    entity: ClassVar[Entity] = "payment"
    fields_model: ClassVar[type[RecordFields]] = PaymentFields

    reversed_at: AwareDatetime | None = None

    @computed_field
    @property
    def unapplied_amount(self) -> Decimal:
        return self.amount - sum((each.amount for each in self.applied_to), ZERO)


class Job(JobFields, SaasRecord):
    """Never syncs; minimal on purpose."""

    model_config = SNAPSHOT_CONFIG
    entity: ClassVar[Entity] = "job"
    fields_model: ClassVar[type[RecordFields]] = JobFields


class TeamMember(TeamMemberFields, SaasRecord):
    """Never syncs; minimal on purpose."""

    model_config = SNAPSHOT_CONFIG
    entity: ClassVar[Entity] = "team_member"
    fields_model: ClassVar[type[RecordFields]] = TeamMemberFields


RECORD_MODELS: dict[Entity, type[SaasRecord]] = {
    model.entity: model for model in (Contact, Property, Item, Quote, Invoice, CreditNote, Payment, Job, TeamMember)
}
