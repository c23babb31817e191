"""SaaS records → QuickBooks Online request bodies. Pure: no I/O, so every rule is a fast unit test.

Facts from providers.md §1.3: DisplayName is unique across customers, vendors and employees and may
not contain ":"; a job is a Customer with `Job=true` and a `ParentRef`; an Item needs a `Type` of
Service or NonInventory and an `IncomeAccountRef`; US companies run Automated Sales Tax, which
overrides line tax codes but honours an explicit `TxnTaxDetail.TotalTax`.

Money stays `Decimal` here; the client writes it as JSON numbers.
"""

from __future__ import annotations

import string
from decimal import Decimal
from typing import Any

from fieldbooks.domain.errors import ValidationFailed
from fieldbooks.domain.models import ConnectionSettings
from fieldbooks.domain.money import line_amounts, significant_digits, to_cents, unit_price_for
from fieldbooks.domain.record_fields import Address
from fieldbooks.domain.records import Contact, CreditNote, DocumentLine, Invoice, Item, Payment, Property
from fieldbooks.providers.contract import CreditApplication
from fieldbooks.providers.quickbooks_online.transactions import SENT_FROM_NOTE

# The QuickBooks entity each SaaS entity becomes; contacts and job sites share the Customer list
# (a job site is a sub-customer).
REMOTE_ENTITY = {
    "contact": "Customer",
    "property": "Customer",
    "item": "Item",
    "invoice": "Invoice",
    "credit_note": "CreditMemo",
    "payment": "Payment",
}
# String limits of Intuit's API reference (IQ:api/accounting/all-entities/customer, /item, /invoice);
# one character more is a 2050 "String length is either shorter or longer than supported".
MAX_DISPLAY_NAME = 500
MAX_NAME_PART = 100  # GivenName, FamilyName, CompanyName
MAX_EMAIL = 100
MAX_NOTES = 2000
MAX_ITEM_NAME = 100
MAX_DOC_NUMBER = 21
MAX_DESCRIPTION = 4000
# QuickBooks checks that Qty × UnitPrice rounds to the line's Amount (6070, providers.md 1.5), and it
# reads JSON numbers, which the client sends as doubles (client._json_number): a number with more
# than 15 significant digits does not survive that, so neither Qty nor UnitPrice may have more.
UNIT_PRICE_PLACES = 10
JSON_EXACT_DIGITS = 15
US_TAXABLE_CODE = "TAX"
US_NON_TAXABLE_CODE = "NON"
SERVICE_INCOME_ACCOUNT = "Services"
PRODUCT_INCOME_ACCOUNT = "Sales of Product Income"
_PUNCTUATION = str.maketrans("", "", string.punctuation)


def normalised_name(name: str) -> str:
    """The form two names are compared in: 'Jane  Doe.' and 'jane doe' are the same customer."""
    return " ".join(name.translate(_PUNCTUATION).casefold().split())


def clean_name(name: str, limit: int = MAX_DISPLAY_NAME) -> str:
    """QuickBooks refuses ':' in names (it separates parent and job in FullyQualifiedName)."""
    return " ".join(name.replace(":", " ").split())[:limit]


def customer_display_name(contact: Contact, settings: ConnectionSettings) -> str:
    """The SaaS display name, or "First Last (Company)" for individuals when the naming rule is on.

    The rule exists for the duplicate-name case: two people called John Smith at different
    companies cannot share a DisplayName in QuickBooks.
    """
    name = contact.display_name or contact.derived_display_name()
    if settings.name_individuals_with_company and contact.kind == "individual" and contact.company_name:
        person = " ".join(part for part in (contact.first_name, contact.last_name) if part) or name
        name = f"{person} ({contact.company_name})"
    return clean_name(name)


def property_display_name(prop: Property, parent_display_name: str) -> str:
    """Job names share the customers' namespace, so "Home" must carry its owner to stay unique."""
    return clean_name(f"{parent_display_name} - {prop.name}")


def customer(contact: Contact, settings: ConnectionSettings) -> dict[str, Any]:
    """Name parts and notes are cut to QuickBooks' limits (the DisplayName keeps the whole name up to
    500); an email cannot be cut, so an over-long one is refused here with a sentence that says why."""
    body: dict[str, Any] = {"DisplayName": customer_display_name(contact, settings)}
    if contact.kind == "individual":
        _put(body, "GivenName", _cut(contact.first_name, MAX_NAME_PART))
        _put(body, "FamilyName", _cut(contact.last_name, MAX_NAME_PART))
    _put(body, "CompanyName", _cut(contact.company_name, MAX_NAME_PART))
    if contact.email:
        if len(contact.email) > MAX_EMAIL:
            raise ValidationFailed(
                f"The email address of {body['DisplayName']} is {len(contact.email)} characters long; "
                f"QuickBooks accepts at most {MAX_EMAIL}."
            )
        body["PrimaryEmailAddr"] = {"Address": contact.email}
    if contact.phone:
        body["PrimaryPhone"] = {"FreeFormNumber": contact.phone}
    if contact.billing_address:
        body["BillAddr"] = address(contact.billing_address)
    _put(body, "Notes", _cut(contact.notes, MAX_NOTES))
    return body


def job(prop: Property, parent_remote_id: str, parent_display_name: str) -> dict[str, Any]:
    """A property is a sub-customer billed with its contact, so invoices and payments stay on one account."""
    body: dict[str, Any] = {
        "DisplayName": property_display_name(prop, parent_display_name),
        "Job": True,
        "ParentRef": {"value": parent_remote_id},
        "BillWithParent": True,
        "ShipAddr": address(prop.address),
    }
    _put(body, "Notes", _cut(prop.notes, MAX_NOTES))
    return body


def address(value: Address) -> dict[str, Any]:
    """Each part cut to its PhysicalAddress limit (lines 500, city, region and country 255, postal code 30)."""
    body: dict[str, Any] = {}
    for key, field, limit in (
        ("Line1", value.line1, 500),
        ("Line2", value.line2, 500),
        ("City", value.city, 255),
        ("CountrySubDivisionCode", value.region, 255),
        ("PostalCode", value.postal_code, 30),
        ("Country", value.country, 255),
    ):
        _put(body, key, _cut(field, limit))
    return body


def income_account_name(item: Item) -> str:
    """The account a new company has for this kind of sale (the simulator seeds the same two)."""
    return SERVICE_INCOME_ACCOUNT if item.kind == "service" else PRODUCT_INCOME_ACCOUNT


def item(record: Item, income_account_id: str) -> dict[str, Any]:
    body: dict[str, Any] = {
        "Name": clean_name(record.name, MAX_ITEM_NAME),
        "Type": "Service" if record.kind == "service" else "NonInventory",
        "UnitPrice": record.unit_price,
        "Taxable": record.taxable,
        "Active": record.active,
        "IncomeAccountRef": {"value": income_account_id},
    }
    _put(body, "Description", record.description)
    return body


def sales_lines(
    lines: list[DocumentLine], item_refs: dict[str, str], tax_code: TaxCoding, fallback_item_id: str | None
) -> list[dict[str, Any]]:
    """One SalesItemLineDetail per SaaS line, each worth exactly the SaaS line's net amount.

    QuickBooks has no per-line discount on a SalesItemLine, so a discounted line is sent at its net
    price (Amount = net, UnitPrice = net / Qty) with the discount spelled out in the description.
    """
    body: list[dict[str, Any]] = []
    for number, line in enumerate(lines, start=1):
        item_id = item_refs.get(line.item_id) if line.item_id else fallback_item_id
        if item_id is None:
            raise ValidationFailed(f"Line {number} ({line.description}) has no QuickBooks item to post to.")
        amounts = line_amounts(line)
        quantity, unit_price = _priced(line, amounts.net, discounted=bool(amounts.discount))
        description = line.description
        if amounts.discount:
            description = f"{description} (less {_discount_words(line, amounts.discount)})"
        detail: dict[str, Any] = {
            "ItemRef": {"value": item_id},
            "Qty": quantity,
            "UnitPrice": unit_price,
        }
        detail["TaxCodeRef"] = {"value": tax_code.for_line(line.taxable)}
        body.append(
            {
                "DetailType": "SalesItemLineDetail",
                "Amount": amounts.net,
                "Description": description[:MAX_DESCRIPTION],
                "SalesItemLineDetail": detail,
            }
        )
    return body


class TaxCoding:
    """Which tax code a line carries: TAX/NON in the US (AST decides the rate), the tenant's code elsewhere.

    Outside the US every sales line needs a tax code, non-taxable ones too, or QuickBooks refuses the
    invoice with 6000 "Make sure all your transactions have a VAT (GST/HST) rate before you save";
    a non-taxable line takes the company's zero-rated or exempt code (`exempt_code`).
    """

    def __init__(self, country: str, settings: ConnectionSettings, exempt_code: str | None = None) -> None:
        self.us = country == "US"
        self.default_code = settings.default_tax_code_id
        self.exempt_code = exempt_code

    def for_line(self, taxable: bool) -> str:
        if self.us:
            return US_TAXABLE_CODE if taxable else US_NON_TAXABLE_CODE
        if not taxable:
            if self.exempt_code is None:
                raise ValidationFailed(
                    "QuickBooks needs a tax code on every line outside the US, and no zero-rated or exempt "
                    "tax code is known for the non-taxable lines."
                )
            return self.exempt_code
        if self.default_code is None:
            raise ValidationFailed("Choose a default tax code in the QuickBooks settings before syncing taxable lines.")
        return self.default_code


def invoice(
    record: Invoice,
    customer_id: str,
    item_refs: dict[str, str],
    tax_code: TaxCoding,
    fallback_item_id: str | None = None,
    site: Property | None = None,
) -> dict[str, Any]:
    body = _sales_document(record, record.memo, customer_id, item_refs, tax_code, fallback_item_id, site)
    body["DueDate"] = record.due_date.isoformat()
    return body


def credit_memo(
    record: CreditNote,
    customer_id: str,
    item_refs: dict[str, str],
    tax_code: TaxCoding,
    fallback_item_id: str | None = None,
    site: Property | None = None,
) -> dict[str, Any]:
    return _sales_document(record, record.reason, customer_id, item_refs, tax_code, fallback_item_id, site)


def document_customer(customer_id: str, site_id: str | None) -> str:
    """A document for a job site belongs to the site's sub-customer (billed with its parent, so the
    parent's statements and payments still cover it); without sub-customers, to the customer."""
    return site_id or customer_id


def _sales_document(
    record: Invoice | CreditNote,
    memo: str | None,
    customer_id: str,
    item_refs: dict[str, str],
    tax_code: TaxCoding,
    fallback_item_id: str | None,
    site: Property | None,
) -> dict[str, Any]:
    """What an invoice and a credit memo share: number, date, customer, lines, memo and explicit tax;
    the job site's address as the shipping address, so the document shows where the work was done."""
    body: dict[str, Any] = {
        "DocNumber": record.number[:MAX_DOC_NUMBER],
        "TxnDate": record.issue_date.isoformat(),
        "CustomerRef": {"value": customer_id},
        "Line": sales_lines(record.lines, item_refs, tax_code, fallback_item_id),
    }
    if site is not None:
        body["ShipAddr"] = address(site.address)
    if memo:
        body["CustomerMemo"] = {"value": memo[:1000]}
    _explicit_tax(body, record.tax_total, tax_code)
    return body


def payment(record: Payment, customer_id: str, invoice_refs: dict[str, str]) -> dict[str, Any]:
    """Each application becomes a line linked to its QuickBooks invoice; the rest stays unapplied.

    The memo names the SaaS payment, so a pull that reads it back (even before the push saved its link)
    knows it is the app's own and never records it there again (`sent_from`).
    """
    body: dict[str, Any] = {
        "CustomerRef": {"value": customer_id},
        "TotalAmt": record.amount,
        "TxnDate": record.date.isoformat(),
        "PrivateNote": f"{SENT_FROM_NOTE}{record.id}",
        "Line": [
            {"Amount": each.amount, "LinkedTxn": [{"TxnId": invoice_refs[each.invoice_id], "TxnType": "Invoice"}]}
            for each in record.applied_to
        ],
    }
    _put(body, "PaymentRefNum", record.reference[:21] if record.reference else None)
    return body


def credit_application(application: CreditApplication, customer_id: str) -> dict[str, Any]:
    """A credit memo is applied to an invoice by a payment of nothing whose lines take the amount from
    the credit memo and give it to the invoice (what "Receive payment" records; IQ:workflows/
    manage-linked-transactions). `customer_id` is the invoice's: its credit memo is the same customer's
    or a job's billed with it."""
    amount = application.amount
    return {
        "CustomerRef": {"value": customer_id},
        "TotalAmt": Decimal("0.00"),
        "Line": [
            {"Amount": amount, "LinkedTxn": [{"TxnId": application.invoice_id, "TxnType": "Invoice"}]},
            {"Amount": amount, "LinkedTxn": [{"TxnId": application.credit_note_id, "TxnType": "CreditMemo"}]},
        ],
    }


def money(value: Any) -> Decimal:
    """A QuickBooks amount (a JSON number, maybe parsed as float) as exact cents."""
    return to_cents(Decimal(str(value)))


def _explicit_tax(body: dict[str, Any], tax_total: Decimal, tax_code: TaxCoding) -> None:
    # Automated Sales Tax would otherwise compute its own figure; the SaaS printed the invoice with this one.
    if tax_code.us:
        body["TxnTaxDetail"] = {"TotalTax": tax_total}


def _priced(line: DocumentLine, net: Decimal, discounted: bool) -> tuple[Decimal, Decimal]:
    """Qty and UnitPrice whose product QuickBooks rounds back to exactly `net`, each a number QuickBooks
    reads exactly. The SaaS price does so unless the line is discounted (QuickBooks has no per-line
    discount, so the line goes at its net price) or has more digits than a JSON number carries."""
    quantity, price = line.quantity, line.unit_price
    if significant_digits(quantity) > JSON_EXACT_DIGITS:
        return Decimal(1), net
    if discounted or significant_digits(price) > JSON_EXACT_DIGITS:
        found = unit_price_for(net, quantity, UNIT_PRICE_PLACES, JSON_EXACT_DIGITS)
        return (quantity, found) if found is not None else (Decimal(1), net)
    return quantity, price


def _discount_words(line: DocumentLine, discount: Decimal) -> str:
    if line.discount_percent is not None:
        return f"{line.discount_percent.normalize():f}% discount, {discount}"
    return f"discount {discount}"


def _cut(value: str | None, limit: int) -> str | None:
    return value[:limit] if value else value


def _put(body: dict[str, Any], key: str, value: str | None) -> None:
    if value:
        body[key] = value
