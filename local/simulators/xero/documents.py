"""Sales invoices and credit notes (providers.md 2.3): lines, tax, totals, numbers, status machine.

Both share one shape. Line amounts are rounded to 2 dp, tax is computed per line from the tax
rate, and a `Total` the client sends must equal what the lines add up to. Status changes follow
DRAFT/SUBMITTED → AUTHORISED/DELETED and AUTHORISED → VOIDED only while nothing is paid or
allocated (XeroAPI/Xero-NetStandard#79); PAID is reached by payments and allocations alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from local.simulators.xero import errors
from local.simulators.xero.clock import date_string, iso_utc_string, ms_date, ms_datetime, parse_client_date
from local.simulators.xero.contacts import contact_summary, save_contact
from local.simulators.xero.errors import ValidationFailed
from local.simulators.xero.items import account_by_code, find_item
from local.simulators.xero.ledger import Ledger, cents, money, text_field
from local.simulators.xero.seed import tax_rate_percent
from local.simulators.xero.store import Organisation, Record, new_id

LINE_AMOUNT_TYPES = {"Exclusive", "Inclusive", "NoTax"}
TRANSITIONS: dict[str | None, set[str]] = {
    None: {"DRAFT", "SUBMITTED", "AUTHORISED"},
    "DRAFT": {"DRAFT", "SUBMITTED", "AUTHORISED", "DELETED"},
    "SUBMITTED": {"SUBMITTED", "DRAFT", "AUTHORISED", "DELETED"},
    "AUTHORISED": {"AUTHORISED", "VOIDED"},
    "PAID": set(),
    "VOIDED": set(),
    "DELETED": set(),
}
NO_BALANCE = {"VOIDED", "DELETED"}
COMPUTED = {
    "SubTotal",
    "TotalTax",
    "Total",
    "AmountDue",
    "AmountPaid",
    "AmountCredited",
    "RemainingCredit",
    "UpdatedDateUTC",
    "UpdatedDateUTCString",
    "FullyPaidOnDate",
    "HasErrors",
    "ValidationErrors",
    "StatusAttributeString",
    "DateString",
    "DueDateString",
}


@dataclass(frozen=True)
class Kind:
    """What differs between an invoice and a credit note."""

    entity: str
    id_field: str
    number_field: str
    number_prefix: str
    types: frozenset[str]
    duplicate_number: str


INVOICE = Kind("Invoices", "InvoiceID", "InvoiceNumber", "INV", frozenset({"ACCREC"}), errors.DUPLICATE_INVOICE_NUMBER)
CREDIT_NOTE = Kind(
    "CreditNotes",
    "CreditNoteID",
    "CreditNoteNumber",
    "CN",
    frozenset({"ACCRECCREDIT"}),
    "Credit Note # must be unique.",
)


def save_document(ledger: Ledger, kind: Kind, incoming: dict[str, Any], existing: Record | None) -> Record:
    organisation = ledger.organisation
    sent = {key: value for key, value in incoming.items() if key not in COMPUTED and key != kind.id_field}
    body = {**(existing.body if existing else {}), **sent}
    before = existing.body["Status"] if existing else None
    status = str(body.get("Status") or "DRAFT")
    messages: list[str] = []
    if body.get("Type") not in kind.types:
        messages.append(f"Type must be one of {', '.join(sorted(kind.types))}.")
    if status not in TRANSITIONS.get(before, set()):
        raise ValidationFailed([errors.INVALID_STATUS_CHANGE])
    settled = existing is not None and (existing.body["AmountPaid"] or existing.body["AmountCredited"])
    if settled and ("LineItems" in sent or status == "VOIDED"):
        raise ValidationFailed([errors.HAS_PAYMENTS if status != "VOIDED" else errors.INVALID_STATUS_CHANGE])
    if status in NO_BALANCE and existing is not None:
        return ledger.replace(existing, {**existing.body, "Status": status, "AmountDue": Decimal(0)})
    contact = _contact(ledger, body.get("Contact"), messages)
    line_amount_types = str(body.get("LineAmountTypes") or "Exclusive")
    if line_amount_types not in LINE_AMOUNT_TYPES:
        messages.append(f"LineAmountTypes '{line_amount_types}' is not valid.")
        line_amount_types = "Exclusive"
    text_field(body, "Reference", 255, messages)
    lines = [_line(ledger, line, line_amount_types, status, messages) for line in body.get("LineItems") or []]
    if status == "AUTHORISED" and not lines:
        messages.append("At least one line item is required to approve a document.")
    totals = _totals(lines, line_amount_types)
    if incoming.get("Total") is not None and money(incoming["Total"], "Total") != totals["Total"]:
        messages.append(errors.TOTAL_MISMATCH)
    number = _number(organisation, kind, body, existing, messages)
    day, due = _dates(ledger, body, messages)
    if messages:
        raise ValidationFailed(messages)
    assert contact is not None
    body.update(
        {
            "Type": body["Type"],
            "Status": status,
            "Contact": {"ContactID": contact.id},
            "LineAmountTypes": line_amount_types,
            "LineItems": lines,
            kind.number_field: number,
            "Date": day,
            "DueDate": due,
            "CurrencyCode": body.get("CurrencyCode") or organisation.base_currency,
            **totals,
            "AmountPaid": existing.body["AmountPaid"] if existing else Decimal(0),
            "AmountCredited": existing.body["AmountCredited"] if existing else Decimal(0),
            "Payments": existing.body.get("Payments", []) if existing else [],
            "Allocations": existing.body.get("Allocations", []) if existing else [],
        }
    )
    body["AmountDue"] = body["Total"] - body["AmountPaid"] - body["AmountCredited"]
    if not contact.body.get("IsCustomer") and status == "AUTHORISED":
        ledger.replace(contact, {**contact.body, "IsCustomer": True})
    return ledger.replace(existing, body) if existing else ledger.insert(kind.entity, body)


def settle(
    ledger: Ledger,
    record: Record,
    links: dict[str, Any],
    paid: Decimal = Decimal(0),
    credited: Decimal = Decimal(0),
) -> None:
    """Apply a payment or an allocation (negative to take one back) with the lists that record it
    (`links`: Payments / Allocations); PAID when nothing is due. One journaled write, so a batch
    rollback restores the document exactly."""
    body = {**record.body, **links}
    body["AmountPaid"] += paid
    body["AmountCredited"] += credited
    body["AmountDue"] = body["Total"] - body["AmountPaid"] - body["AmountCredited"]
    if body["AmountDue"] == 0 and body["Status"] == "AUTHORISED":
        body["Status"], body["FullyPaidOnDate"] = "PAID", ledger.today()
    elif body["AmountDue"] > 0 and body["Status"] == "PAID":
        body["Status"] = "AUTHORISED"
        body.pop("FullyPaidOnDate", None)
    ledger.replace(record, body)


def find_by_key(organisation: Organisation, kind: Kind, key: str | None) -> Record | None:
    """By id or, as `/Invoices/{InvoiceNumber}` allows, by number."""
    if not key:
        return None
    record = organisation.get(kind.entity, key)
    return record or next(iter(organisation.find(kind.entity, kind.number_field, key)), None)


def render_document(organisation: Organisation, kind: Kind, record: Record) -> dict[str, Any]:
    body = record.body
    contact = organisation.get("Contacts", body["Contact"]["ContactID"])
    rendered: dict[str, Any] = {
        kind.id_field: record.id,
        **{key: value for key, value in body.items() if key not in {"Date", "DueDate", "FullyPaidOnDate"}},
        "Contact": contact_summary(contact) if contact else body["Contact"],
        "Date": ms_date(body["Date"]),
        "DateString": date_string(body["Date"]),
        "DueDate": ms_date(body["DueDate"]),
        "DueDateString": date_string(body["DueDate"]),
        "CurrencyRate": Decimal(1),
        "HasAttachments": False,
        "HasErrors": False,
        "IsDiscounted": any(line.get("DiscountRate") for line in body["LineItems"]),
        "UpdatedDateUTC": ms_datetime(record.updated_at),
        "UpdatedDateUTCString": iso_utc_string(record.updated_at),
    }
    if "FullyPaidOnDate" in body:
        rendered["FullyPaidOnDate"] = ms_date(body["FullyPaidOnDate"])
    if kind is CREDIT_NOTE:
        rendered["RemainingCredit"] = rendered.pop("AmountDue")
        rendered.pop("AmountCredited")
        rendered["AppliedAmount"] = rendered.pop("AmountPaid") + body["AmountCredited"]
    else:
        rendered["CreditNotes"] = rendered.pop("Allocations")
        rendered["Prepayments"], rendered["Overpayments"] = [], []
    return rendered


def _contact(ledger: Ledger, reference: Any, messages: list[str]) -> Record | None:
    """By ContactID, or by Name: an unknown name creates the contact, as Xero does."""
    if not isinstance(reference, dict) or not (reference.get("ContactID") or reference.get("Name")):
        messages.append("A Contact with a ContactID or Name is required.")
        return None
    organisation = ledger.organisation
    if reference.get("ContactID"):
        contact = organisation.get("Contacts", str(reference["ContactID"]))
        if contact is None:
            messages.append(f"Contact with ContactID '{reference['ContactID']}' could not be found.")
        elif contact.body["ContactStatus"] != "ACTIVE":
            messages.append("The contact has been archived and cannot be used on a document.")
        return contact
    name = str(reference["Name"]).strip()
    active = [c for c in organisation.find("Contacts", "Name", name) if c.body["ContactStatus"] == "ACTIVE"]
    if active:
        return active[0]
    try:
        return save_contact(ledger, {"Name": name}, None)
    except ValidationFailed as failure:
        messages.extend(failure.messages)
        return None


def _line(ledger: Ledger, line: Any, line_amount_types: str, status: str, messages: list[str]) -> dict[str, Any]:
    organisation = ledger.organisation
    if not isinstance(line, dict):
        messages.append("Each line item must be an object.")
        return {"LineAmount": Decimal(0), "TaxAmount": Decimal(0)}
    item = find_item(organisation, line.get("ItemCode")) if line.get("ItemCode") else None
    if line.get("ItemCode") and item is None:
        messages.append(f"Item code '{line['ItemCode']}' is not valid.")
    sales = (item.body.get("SalesDetails") or {}) if item else {}
    description = line.get("Description") or (item.body.get("Description") or item.body.get("Name") if item else None)
    if not description:
        messages.append("The description field is mandatory for each line item.")
    quantity = money(line.get("Quantity", 1), "Quantity")
    unit_amount = money(line.get("UnitAmount", sales.get("UnitPrice", 0)), "UnitAmount")
    unit_amount = unit_amount.quantize(Decimal(1).scaleb(-ledger.unit_decimals), rounding=ROUND_HALF_UP)
    discount = money(line.get("DiscountRate") or 0, "DiscountRate")
    account_code = line.get("AccountCode") or sales.get("AccountCode")
    account = account_by_code(organisation, str(account_code)) if account_code else None
    if account_code and account is None or (status == "AUTHORISED" and not account_code):
        messages.append(f"Account code '{account_code or ''}' is not a valid code for this document.")
    tax_type = line.get("TaxType") or sales.get("TaxType") or (account.body["TaxType"] if account else "NONE")
    rate = tax_rate_percent(organisation, str(tax_type))
    if rate is None:
        messages.append(f"The TaxType code '{tax_type}' does not exist or cannot be used for this type of transaction.")
        rate = Decimal(0)
    line_amount = cents(quantity * unit_amount * (1 - discount / 100))
    if line_amount_types == "NoTax":
        tax = Decimal(0)
    elif line_amount_types == "Inclusive":
        tax = cents(line_amount * rate / (100 + rate))
    else:
        tax = cents(line_amount * rate / 100)
    rendered = {
        "LineItemID": line.get("LineItemID") or new_id(),
        "Description": description,
        "Quantity": quantity,
        "UnitAmount": unit_amount,
        "TaxType": tax_type,
        "TaxAmount": tax,
        "LineAmount": line_amount,
        "Tracking": line.get("Tracking") or [],
    }
    if account_code:
        rendered["AccountCode"] = account_code
    if item is not None:
        rendered["ItemCode"] = item.body["Code"]
    if discount:
        rendered["DiscountRate"] = discount
    return rendered


def _totals(lines: list[dict[str, Any]], line_amount_types: str) -> dict[str, Decimal]:
    amounts = sum((line["LineAmount"] for line in lines), Decimal(0))
    tax = sum((line["TaxAmount"] for line in lines), Decimal(0))
    if line_amount_types == "Inclusive":
        return {"SubTotal": amounts - tax, "TotalTax": tax, "Total": amounts}
    return {"SubTotal": amounts, "TotalTax": tax, "Total": amounts + tax}


def _number(
    organisation: Organisation, kind: Kind, body: dict[str, Any], existing: Record | None, messages: list[str]
) -> str:
    number = str(body.get(kind.number_field) or "").strip()
    if not number:
        number = organisation.next_number(kind.number_prefix)
        while organisation.find(kind.entity, kind.number_field, number):
            number = organisation.next_number(kind.number_prefix)
        return number
    if len(number) > 255:
        messages.append(f"{kind.number_field} must not be more than 255 characters long.")
    clash = [
        other
        for other in organisation.find(kind.entity, kind.number_field, number)
        if other.body["Status"] != "DELETED" and (existing is None or other.id != existing.id)
    ]
    if clash:
        messages.append(kind.duplicate_number)
    return number


def _dates(ledger: Ledger, body: dict[str, Any], messages: list[str]) -> tuple[Any, Any]:
    """`Date` defaults to today in the organisation's time zone; `DueDate` to `Date`."""
    try:
        day = parse_client_date(body["Date"]) if body.get("Date") else ledger.today()
        due = parse_client_date(body["DueDate"]) if body.get("DueDate") else day
    except ValueError:
        messages.append("Dates must be written as YYYY-MM-DD.")
        return ledger.today(), ledger.today()
    return day, due
