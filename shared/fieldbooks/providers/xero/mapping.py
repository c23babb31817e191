"""SaaS records → Xero Accounting API bodies. Pure: no I/O, so every rule is a fast unit test.

Facts from providers.md §2.3: a contact's `Name` is unique among active contacts (≤255); an item's
`Code` is unique (≤30) and its `Name` ≤50; sales invoices are `Type: ACCREC`, sent `AUTHORISED` (a
draft is not in the books) with a unique `InvoiceNumber`; credit notes are `ACCRECCREDIT`; a payment
names one invoice and the account that receives it. Xero has no sub-customers: a job site never
becomes a record; its address is written on the invoice's reference.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from fieldbooks.domain.errors import ValidationFailed
from fieldbooks.domain.models import ConnectionSettings
from fieldbooks.domain.money import line_amounts, unit_price_for
from fieldbooks.domain.record_fields import Address
from fieldbooks.domain.records import Contact, CreditNote, DocumentLine, Invoice, Item, Payment

# The Xero endpoint each SaaS entity becomes; "property" is absent: Xero has no sub-customers.
REMOTE_ENTITY = {
    "contact": "Contacts",
    "item": "Items",
    "invoice": "Invoices",
    "credit_note": "CreditNotes",
    "payment": "Payments",
}
ID_FIELD = {
    "Contacts": "ContactID",
    "Items": "ItemID",
    "Invoices": "InvoiceID",
    "CreditNotes": "CreditNoteID",
    "Payments": "PaymentID",
}
MAX_CONTACT_NAME = 255
MAX_ITEM_CODE = 30
MAX_ITEM_NAME = 50
MAX_NUMBER = 255
MAX_REFERENCE = 255
MAX_EMAIL = 255
DEFAULT_SALES_ACCOUNT = "200"  # "Sales" in every Xero chart of accounts (providers.md 2.3)
NO_TAX = "NONE"
UNIT_PLACES = 2  # Xero rounds UnitAmount to two places unless asked for four (unitdp=4)
JSON_EXACT_DIGITS = 15
_CODE_UNSAFE = re.compile(r"[^A-Za-z0-9-]+")


def clean(text: str | None, limit: int) -> str:
    return " ".join((text or "").split())[:limit]


def contact_name(contact: Contact, settings: ConnectionSettings) -> str:
    """The SaaS display name, or "First Last (Company)" for individuals when the naming rule is on."""
    name = contact.display_name or contact.derived_display_name()
    if settings.name_individuals_with_company and contact.kind == "individual" and contact.company_name:
        person = " ".join(part for part in (contact.first_name, contact.last_name) if part) or name
        name = f"{person} ({contact.company_name})"
    return clean(name, MAX_CONTACT_NAME)


def contact(record: Contact, settings: ConnectionSettings) -> dict[str, Any]:
    body: dict[str, Any] = {"Name": contact_name(record, settings), "IsCustomer": True}
    if record.kind == "individual":
        _put(body, "FirstName", clean(record.first_name, 255))
        _put(body, "LastName", clean(record.last_name, 255))
    if record.email:
        if len(record.email) > MAX_EMAIL:
            raise ValidationFailed(f"The email address of {body['Name']} is longer than Xero's {MAX_EMAIL} characters.")
        body["EmailAddress"] = record.email
    if record.phone:
        body["Phones"] = [{"PhoneType": "DEFAULT", "PhoneNumber": record.phone[:50]}]
    if record.billing_address:
        body["Addresses"] = [{"AddressType": "POBOX", **address(record.billing_address)}]
    return body


def item_code(record: Item) -> str:
    """Xero needs a Code (≤30, unique); the SaaS has none, so it is the name in capitals, hyphenated."""
    code = _CODE_UNSAFE.sub("-", record.name.strip()).strip("-").upper()[:MAX_ITEM_CODE].rstrip("-")
    return code or record.id[:MAX_ITEM_CODE]


def item(record: Item, account_code: str, tax_type: str | None) -> dict[str, Any]:
    sales: dict[str, Any] = {"UnitPrice": record.unit_price, "AccountCode": account_code}
    if tax_type:
        sales["TaxType"] = tax_type
    body: dict[str, Any] = {
        "Code": item_code(record),
        "Name": clean(record.name, MAX_ITEM_NAME),
        "IsSold": True,
        "SalesDetails": sales,
    }
    _put(body, "Description", clean(record.description, 4000))
    return body


def address(value: Address) -> dict[str, Any]:
    body: dict[str, Any] = {}
    _put(body, "AddressLine1", clean(value.line1, 500))
    _put(body, "AddressLine2", clean(value.line2, 500))
    _put(body, "City", clean(value.city, 255))
    _put(body, "Region", clean(value.region, 255))
    _put(body, "PostalCode", clean(value.postal_code, 50))
    _put(body, "Country", clean(value.country, 50))
    return body


def site_reference(site: Address | None, memo: str | None) -> str:
    """Xero has no job site on an invoice: the site's address goes in the Reference, where it prints."""
    parts = [clean(memo, MAX_REFERENCE)] if memo else []
    if site is not None:
        parts.append("Site: " + ", ".join(v for v in address(site).values() if v))
    return clean(" — ".join(parts), MAX_REFERENCE)


def line(value: DocumentLine, item_codes: dict[str, str], account_code: str, tax_type: str | None) -> dict[str, Any]:
    """Xero computes a line as quantity × unit amount × (1 − rate/100) and rounds only the product,
    while we round the discount first; so a discounted line goes with its discount folded into a
    two-place unit amount (Xero's default precision), or as one unit at the net when no such price
    gives the same cents. The total Xero computes is then ours to the cent."""
    quantity, unit_amount = value.quantity, value.unit_price
    if value.discount_amount or value.discount_percent:
        net = line_amounts(value).net
        exact = unit_price_for(net, quantity, UNIT_PLACES, JSON_EXACT_DIGITS)
        quantity, unit_amount = (quantity, exact) if exact is not None else (Decimal(1), net)
    body: dict[str, Any] = {
        "Description": clean(value.description, 4000),
        "Quantity": quantity,
        "UnitAmount": unit_amount,
        "AccountCode": account_code,
        "TaxType": tax_type if value.taxable and tax_type else NO_TAX,
    }
    if value.item_id and value.item_id in item_codes:
        body["ItemCode"] = item_codes[value.item_id]
    return body


def invoice(
    record: Invoice,
    contact_id: str,
    item_codes: dict[str, str],
    account_code: str,
    tax_type: str | None,
    site: Address | None = None,
) -> dict[str, Any]:
    body = _document(record, contact_id, item_codes, account_code, tax_type)
    body.update({"Type": "ACCREC", "InvoiceNumber": clean(record.number, MAX_NUMBER)})
    body["DueDate"] = record.due_date.isoformat()
    reference = site_reference(site, record.memo)
    _put(body, "Reference", reference)
    return body


def credit_note(
    record: CreditNote, contact_id: str, item_codes: dict[str, str], account_code: str, tax_type: str | None
) -> dict[str, Any]:
    body = _document(record, contact_id, item_codes, account_code, tax_type)
    body.update({"Type": "ACCRECCREDIT", "CreditNoteNumber": clean(record.number, MAX_NUMBER)})
    _put(body, "Reference", clean(record.reason, MAX_REFERENCE))
    return body


def payment(record: Payment, invoice_ids: dict[str, str], account: str) -> dict[str, Any]:
    """A Xero payment pays one invoice; a SaaS payment spread over several cannot be one Xero payment."""
    if len(record.applied_to) != 1:
        raise ValidationFailed(
            "Xero records a payment against exactly one invoice; this payment is applied to "
            f"{len(record.applied_to)} invoices. Record one payment per invoice."
        )
    application = record.applied_to[0]
    if application.invoice_id not in invoice_ids:
        raise ValidationFailed("The invoice this payment pays is not in Xero yet; it will be sent first.")
    body: dict[str, Any] = {
        "Invoice": {"InvoiceID": invoice_ids[application.invoice_id]},
        "Account": {"AccountID": account} if _is_guid(account) else {"Code": account},
        "Amount": application.amount,
        "Date": record.date.isoformat(),
    }
    _put(body, "Reference", clean(record.reference, MAX_REFERENCE))
    return body


def money(value: Any) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _document(
    record: Invoice | CreditNote, contact_id: str, item_codes: dict[str, str], account_code: str, tax_type: str | None
) -> dict[str, Any]:
    if not record.lines:
        raise ValidationFailed(f"{record.number} has no lines; Xero approves no document without one.")
    return {
        "Contact": {"ContactID": contact_id},
        "Date": record.issue_date.isoformat(),
        "Status": "AUTHORISED",
        "LineAmountTypes": "Exclusive",
        "LineItems": [line(value, item_codes, account_code, tax_type) for value in record.lines],
    }


def _is_guid(value: str) -> bool:
    return re.fullmatch(r"[0-9a-fA-F-]{36}", value) is not None


def _put(body: dict[str, Any], key: str, value: str | None) -> None:
    if value:
        body[key] = value
