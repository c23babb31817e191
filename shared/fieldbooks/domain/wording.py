"""How Fieldbooks names records and rules for a bookkeeper: one place for the words of every sentence."""

from __future__ import annotations

from fieldbooks.domain.records import Contact, CreditNote, Invoice, Item, Payment, Property, SaasRecord

NEVER_SYNCED = {
    "quote": "Quotes stay in the field-service app; only finalized invoices go to accounting.",
    "job": "Jobs stay in the field-service app; they never sync to accounting.",
    "team_member": "Team members stay in the field-service app; they never sync to accounting.",
}
DRAFT_INVOICE = "Draft invoices go to accounting once they are finalized."
NOT_LINKED = "Not linked to accounting."  # the "Linked to accounting" switch is off for the record
PLURAL = {
    "contact": "Contacts",
    "property": "Job sites",
    "item": "Items",
    "invoice": "Invoices",
    "credit_note": "Credit notes",
    "payment": "Payments",
}
ENTITY_WORDS = {
    "contact": "customer",
    "property": "job site",
    "item": "item",
    "invoice": "invoice",
    "credit_note": "credit note",
    "payment": "payment",
}
MATCHED_BY = {"email": "email", "name": "name", "doc_number": "document number"}


def describe(entity: str, record: SaasRecord) -> str:
    """A record in a sentence: "customer Jane Doe", "invoice INV-1001", "payment of 80.00"."""
    if isinstance(record, Contact):
        return f"customer {record.display_name}"
    if isinstance(record, Property):
        return f"job site {record.name}"
    if isinstance(record, Item):
        return f"item {record.name}"
    if isinstance(record, Invoice):
        return f"invoice {record.number}"
    if isinstance(record, CreditNote):
        return f"credit note {record.number}"
    if isinstance(record, Payment):
        return f"payment of {record.amount}"
    return f"{noun(entity)} {record.id}"


def label_of(record: SaasRecord) -> str:
    """A record in a list (a plan row): "Jane Doe", "Invoice INV-1001"."""
    if isinstance(record, Contact):
        return record.display_name or record.id
    if isinstance(record, Property | Item):
        return record.name
    if isinstance(record, Invoice):
        return f"Invoice {record.number}"
    if isinstance(record, CreditNote):
        return f"Credit note {record.number}"
    if isinstance(record, Payment):
        return f"Payment of {record.amount} on {record.date.isoformat()}"
    return record.id


def record_label(record: SaasRecord) -> str:
    """A record after its kind has been said: its name or number, else its id."""
    for attribute in ("display_name", "name", "number"):
        if value := getattr(record, attribute, None):
            return str(value)
    return record.id


def noun(entity: str) -> str:
    return entity.replace("_", " ")


def first_upper(text: str) -> str:
    """Capitalise a sentence's first letter only: str.capitalize() would turn "INV-7" into "inv-7"."""
    return text[:1].upper() + text[1:]
