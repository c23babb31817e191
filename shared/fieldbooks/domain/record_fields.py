"""What a caller may send about a field-service record: the `*Fields` models and the value types.

They forbid unknown keys so a typo is a clear 422, never a silently ignored field. Money is
`Decimal` and travels as a JSON string ("12.50"), so no float ever touches an amount.
"""

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal, Self

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    model_validator,
)

from fieldbooks.domain.money import ZERO, line_amounts, to_cents

Entity = Literal["contact", "property", "item", "quote", "invoice", "credit_note", "payment", "job", "team_member"]
ENTITIES: tuple[Entity, ...] = (
    "contact",
    "property",
    "item",
    "quote",
    "invoice",
    "credit_note",
    "payment",
    "job",
    "team_member",
)

# Exactly two places: amounts on documents are whole cents, and "12.5" is stored as "12.50".
Money = Annotated[Decimal, Field(max_digits=15, decimal_places=2), AfterValidator(to_cents)]
PositiveMoney = Annotated[Money, Field(gt=0)]
NonNegativeMoney = Annotated[Money, Field(ge=0)]
# Pricebook prices may carry sub-cent precision (a metre of copper pipe at 3.4125); only line
# amounts are rounded, by the rule in `totals.py`.
UnitPrice = Annotated[Decimal, Field(ge=0, max_digits=16, decimal_places=4)]
Quantity = Annotated[Decimal, Field(gt=0, max_digits=14, decimal_places=4)]
Percent = Annotated[Decimal, Field(ge=0, le=100, max_digits=7, decimal_places=4)]
Text = Annotated[str, Field(max_length=4000)]
Name = Annotated[str, Field(min_length=1, max_length=200)]


class Address(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    line1: str | None = None
    line2: str | None = None
    city: str | None = None
    region: str | None = None
    postal_code: str | None = None
    country: str | None = None


class AccountingLinkFields(BaseModel):
    """What Fieldbooks sends to show "Linked to accounting" on a record."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    provider: Literal["qbo", "xero", "qbd"]
    remote_id: Annotated[str, Field(min_length=1, max_length=200)]


class AccountingLink(AccountingLinkFields):
    model_config = ConfigDict(frozen=True, extra="ignore")

    linked_at: AwareDatetime


# --- what callers send


class RecordFields(BaseModel):
    """Base of every writable shape: strict about keys, and able to apply a partial change."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    def with_changes(self, changes: dict[str, Any]) -> Self:
        """The fields after a PATCH: unknown keys fail validation exactly as on create."""
        return type(self).model_validate({**self.model_dump(mode="json"), **changes})


class ContactFields(RecordFields):
    kind: Literal["individual", "company"] = "individual"
    first_name: Annotated[str, Field(max_length=100)] | None = None
    last_name: Annotated[str, Field(max_length=100)] | None = None
    company_name: Annotated[str, Field(max_length=200)] | None = None
    display_name: Annotated[str, Field(max_length=200)] | None = None
    email: Annotated[str, Field(max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")] | None = None
    phone: Annotated[str, Field(max_length=50)] | None = None
    billing_address: Address | None = None
    notes: Text | None = None

    @model_validator(mode="after")
    def _named_and_displayed(self) -> Self:
        if self.kind == "company" and not self.company_name:
            raise ValueError("a company contact needs a company_name")
        if self.kind == "individual" and not (self.first_name or self.last_name):
            raise ValueError("an individual contact needs a first_name or a last_name")
        if not self.display_name:
            object.__setattr__(self, "display_name", self.derived_display_name())
        return self

    def derived_display_name(self) -> str:
        if self.kind == "company":
            return self.company_name or ""
        return " ".join(part for part in (self.first_name, self.last_name) if part)

    def with_changes(self, changes: dict[str, Any]) -> Self:
        """A display name the product derived follows later name edits; one a user typed stays."""
        if "display_name" not in changes and self.display_name == self.derived_display_name():
            changes = {**changes, "display_name": None}
        return super().with_changes(changes)


class ContactChanges(BaseModel):
    """A partial contact update from Fieldbooks: only the fields that are set are sent."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["individual", "company"] | None = None
    first_name: str | None = None
    last_name: str | None = None
    company_name: str | None = None
    display_name: str | None = None
    email: str | None = None
    phone: str | None = None
    billing_address: Address | None = None
    notes: str | None = None


class PropertyChanges(BaseModel):
    """A partial job-site update from Fieldbooks (what accounting changed): only the fields that are set."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: Name | None = None
    address: Address | None = None
    notes: str | None = None


class PropertyFields(RecordFields):
    contact_id: str
    name: Name
    address: Address
    notes: Text | None = None


class ItemFields(RecordFields):
    name: Name
    kind: Literal["service", "material"] = "service"
    description: Text | None = None
    unit_price: UnitPrice
    taxable: bool = False
    active: bool = True


class LineFields(RecordFields):
    item_id: str | None = None
    description: Annotated[str, Field(min_length=1, max_length=1000)]
    quantity: Quantity = Decimal(1)
    unit_price: UnitPrice
    discount_percent: Percent | None = None
    discount_amount: NonNegativeMoney | None = None
    taxable: bool = False
    tax_rate: Percent = Decimal(0)

    @model_validator(mode="after")
    def _one_discount_within_amount(self) -> Self:
        if self.discount_percent is not None and self.discount_amount is not None:
            raise ValueError("a line takes discount_percent or discount_amount, not both")
        amount = line_amounts(self).amount
        if self.discount_amount is not None and self.discount_amount > amount:
            raise ValueError(f"discount_amount {self.discount_amount} exceeds the line amount {amount}")
        return self


class QuoteFields(RecordFields):
    contact_id: str
    property_id: str | None = None
    status: Literal["draft", "sent", "accepted", "declined"] = "draft"
    issue_date: dt.date
    expiry_date: dt.date | None = None
    lines: list[LineFields] = []
    memo: Text | None = None


class InvoiceFields(RecordFields):
    contact_id: str
    property_id: str | None = None
    issue_date: dt.date
    due_date: dt.date
    lines: list[LineFields] = []
    memo: Text | None = None

    @model_validator(mode="after")
    def _due_after_issue(self) -> Self:
        if self.due_date < self.issue_date:
            raise ValueError("due_date is before issue_date")
        return self


class CreditNoteFields(RecordFields):
    contact_id: str
    invoice_id: str | None = None
    issue_date: dt.date
    lines: Annotated[list[LineFields], Field(min_length=1)]
    reason: Text | None = None


class PaymentApplication(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    invoice_id: str
    amount: PositiveMoney


class PaymentFields(RecordFields):
    contact_id: str
    date: dt.date
    amount: PositiveMoney
    method: Literal["cash", "check", "card", "bank_transfer", "other"]
    reference: Annotated[str, Field(max_length=100)] | None = None
    applied_to: list[PaymentApplication] = []

    @model_validator(mode="after")
    def _applied_within_amount(self) -> Self:
        applied = sum((each.amount for each in self.applied_to), ZERO)
        if applied > self.amount:
            raise ValueError(f"applied_to adds up to {applied}, more than the payment amount {self.amount}")
        invoice_ids = [each.invoice_id for each in self.applied_to]
        if len(set(invoice_ids)) != len(invoice_ids):
            raise ValueError("applied_to names the same invoice twice")
        return self


class JobFields(RecordFields):
    contact_id: str
    property_id: str | None = None
    title: Name
    status: Literal["scheduled", "in_progress", "completed", "cancelled"] = "scheduled"
    scheduled_for: dt.date | None = None
    assigned_to: list[str] = []


class TeamMemberFields(RecordFields):
    name: Name
    email: str | None = None
    role: Literal["owner", "admin", "dispatcher", "technician"] = "technician"
    active: bool = True


# --- full snapshots


# Set on every record class: it inherits from its `*Fields` model too, whose "forbid" would otherwise win.
