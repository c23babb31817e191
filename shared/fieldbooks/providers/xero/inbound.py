"""Xero bodies → SaaS fields and neutral facts, for pulls: contacts, payments, balances, and the
reference lists (tax rates and revenue accounts) the SaaS offers in its pick lists. Pure: no I/O."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from fieldbooks.domain.models import ConnectionSettings
from fieldbooks.domain.records import Contact
from fieldbooks.domain.reference_lists import ReferenceEntry, ReferenceLists
from fieldbooks.providers.contract import RemotePayment
from fieldbooks.providers.xero.mapping import money

# What the outbound mapping writes per entity: what a pull's merge compares.
CARRIED_FIELDS = {
    "contact": ("Name", "FirstName", "LastName", "EmailAddress", "Phones", "Addresses"),
    "item": ("Code", "Name", "Description", "SalesDetails"),
    "invoice": ("Contact", "Date", "DueDate", "LineItems", "InvoiceNumber", "Reference", "Status"),
    "credit_note": ("Contact", "Date", "LineItems", "CreditNoteNumber", "Reference", "Status"),
    "payment": ("Invoice", "Account", "Amount", "Date", "Reference"),
}
CENT = Decimal("0.01")


def contact_fields(body: dict[str, Any], current: Contact | None, settings: ConnectionSettings) -> dict[str, Any]:
    """Only what Xero holds for the contact; a field it does not keep is never cleared."""
    fields: dict[str, Any] = {}
    if body.get("Name"):
        fields["display_name"] = str(body["Name"])
    if body.get("FirstName"):
        fields["first_name"] = str(body["FirstName"])
    if body.get("LastName"):
        fields["last_name"] = str(body["LastName"])
    if body.get("EmailAddress"):
        fields["email"] = str(body["EmailAddress"]).strip()
    phone = next((p.get("PhoneNumber") for p in body.get("Phones") or [] if p.get("PhoneNumber")), None)
    if phone:
        fields["phone"] = str(phone)
    address = next((a for a in body.get("Addresses") or [] if a.get("AddressLine1") or a.get("City")), None)
    if address:
        parts = {
            "line1": address.get("AddressLine1"),
            "line2": address.get("AddressLine2"),
            "city": address.get("City"),
            "region": address.get("Region"),
            "postal_code": address.get("PostalCode"),
            "country": address.get("Country"),
        }
        fields["billing_address"] = {key: value for key, value in parts.items() if value}
    return fields


def payment_of(fields: dict[str, Any]) -> RemotePayment:
    """A Xero payment pays one invoice, all of its amount."""
    amount = money(fields.get("Amount", 0)).quantize(CENT)
    invoice = (fields.get("Invoice") or {}).get("InvoiceID")
    stamp = str(fields.get("DateString") or fields.get("Date") or "")[:10]
    try:
        day = date.fromisoformat(stamp) if stamp else None
    except ValueError:
        day = None
    reference = fields.get("Reference")
    return RemotePayment(
        total=amount,
        applied={str(invoice): amount} if invoice else {},
        date=day,
        reference=str(reference) if reference else None,
    )


def balance_of(fields: dict[str, Any]) -> Decimal | None:
    owed = fields.get("AmountDue", fields.get("RemainingCredit"))
    return money(owed).quantize(CENT) if owed is not None else None


def reference_lists(tax_rates: Iterable[dict[str, Any]], accounts: Iterable[dict[str, Any]]) -> ReferenceLists:
    """Xero's tax rates are its tax codes too (a line names a TaxType): one entry in each list."""
    sales = [
        rate
        for rate in tax_rates
        if rate.get("Status") == "ACTIVE" and rate.get("CanApplyToRevenue", True) and rate.get("TaxType")
    ]
    codes, rates = [], []
    for rate in sales:
        percent = money(rate.get("EffectiveRate", rate.get("DisplayTaxRate", 0)))
        tax_type, name = str(rate["TaxType"]), str(rate.get("Name") or rate["TaxType"])[:200]
        rates.append(ReferenceEntry(id=tax_type, name=name, rate_percent=percent))
        codes.append(ReferenceEntry(id=tax_type, name=name, taxable=percent > 0, tax_rate_ids=(tax_type,)))
    income = [
        ReferenceEntry(id=str(a["Code"]), name=str(a.get("Name") or a["Code"])[:200])
        for a in accounts
        if a.get("Status") == "ACTIVE" and a.get("Class") == "REVENUE" and a.get("Code")
    ]
    return ReferenceLists(tax_codes=codes, tax_rates=rates, income_accounts=income)
