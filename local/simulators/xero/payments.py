"""Payments against sales invoices and credit-note allocations (providers.md 2.3).

Both reduce the invoice's `AmountDue`; neither may exceed what is outstanding (the overpayment
message is Xero's own), and both need AUTHORISED documents. A payment is deleted by
`POST /Payments/{id}` with `{"Status": "DELETED"}`, which gives the invoice its balance back.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from local.simulators.xero import errors
from local.simulators.xero.clock import ms_date, ms_datetime, parse_client_date
from local.simulators.xero.documents import CREDIT_NOTE, INVOICE, find_by_key, settle
from local.simulators.xero.errors import ValidationFailed
from local.simulators.xero.ledger import Ledger, money
from local.simulators.xero.store import Organisation, Record, new_id

PAYABLE = {"AUTHORISED"}


def create_payment(ledger: Ledger, incoming: dict[str, Any]) -> Record:
    organisation = ledger.organisation
    reference = incoming.get("Invoice") or {}
    invoice = find_by_key(organisation, INVOICE, reference.get("InvoiceID") or reference.get("InvoiceNumber"))
    if invoice is None:
        raise ValidationFailed(["An Invoice with a valid InvoiceID or InvoiceNumber is required."])
    account = _account(organisation, incoming.get("Account") or {})
    amount = money(incoming.get("Amount"), "Amount") if incoming.get("Amount") is not None else None
    messages: list[str] = []
    if account is None:
        messages.append("An Account with a valid AccountID or Code is required.")
    elif not (account.body["Type"] == "BANK" or account.body.get("EnablePaymentsToAccount")):
        messages.append(f"Account '{account.body['Code']}' cannot receive payments.")
    if invoice.body["Status"] not in PAYABLE:
        messages.append("Payments can only be made against AUTHORISED invoices.")
    if amount is None or amount <= 0:
        messages.append("Amount must be greater than zero.")
    elif amount > invoice.body["AmountDue"]:
        messages.append(errors.OVERPAYMENT)
    day = _date(ledger, incoming.get("Date"), messages)
    if messages:
        raise ValidationFailed(messages)
    assert account is not None and amount is not None
    payment = ledger.insert(
        "Payments",
        {
            "Date": day,
            "Amount": amount,
            "Reference": incoming.get("Reference") or "",
            "Invoice": {"InvoiceID": invoice.id},
            "Account": {"AccountID": account.id, "Code": account.body["Code"]},
            "Status": "AUTHORISED",
            "PaymentType": "ACCRECPAYMENT",
            "IsReconciled": False,
            "CurrencyRate": Decimal(1),
        },
    )
    summary = {"PaymentID": payment.id, "Date": ms_date(day), "Amount": amount, "Reference": payment.body["Reference"]}
    settle(ledger, invoice, {"Payments": [*invoice.body["Payments"], summary]}, paid=amount)
    return payment


def delete_payment(ledger: Ledger, payment: Record, incoming: dict[str, Any]) -> Record:
    if incoming.get("Status") != "DELETED" or payment.body["Status"] != "AUTHORISED":
        raise ValidationFailed(["A payment can only be changed by setting its Status to DELETED."])
    ledger.replace(payment, {**payment.body, "Status": "DELETED"})
    invoice = ledger.organisation.get("Invoices", payment.body["Invoice"]["InvoiceID"])
    if invoice is not None:
        remaining = [p for p in invoice.body["Payments"] if p["PaymentID"] != payment.id]
        settle(ledger, invoice, {"Payments": remaining}, paid=-payment.body["Amount"])
    return payment


def allocate_credit(ledger: Ledger, credit_note: Record, incoming: dict[str, Any]) -> dict[str, Any]:
    """`PUT /CreditNotes/{id}/Allocations`: part of the credit pays part of one invoice."""
    organisation = ledger.organisation
    reference = incoming.get("Invoice") or {}
    invoice = find_by_key(organisation, INVOICE, reference.get("InvoiceID") or reference.get("InvoiceNumber"))
    messages: list[str] = []
    amount = money(incoming.get("Amount"), "Amount") if incoming.get("Amount") is not None else Decimal(0)
    if invoice is None:
        raise ValidationFailed(["An Invoice with a valid InvoiceID is required."])
    if credit_note.body["Status"] != "AUTHORISED" or invoice.body["Status"] != "AUTHORISED":
        messages.append("Allocations need an AUTHORISED credit note and an AUTHORISED invoice.")
    if credit_note.body["Contact"] != invoice.body["Contact"]:
        messages.append("The credit note and the invoice must belong to the same contact.")
    if amount <= 0:
        messages.append("Amount must be greater than zero.")
    elif amount > credit_note.body["AmountDue"]:
        messages.append("The amount allocated exceeds the remaining credit on this credit note.")
    elif amount > invoice.body["AmountDue"]:
        messages.append(errors.OVERPAYMENT)
    day = _date(ledger, incoming.get("Date"), messages)
    if messages:
        raise ValidationFailed(messages)
    allocation_id = new_id()
    on_credit = {
        "AllocationID": allocation_id,
        "Amount": amount,
        "Date": ms_date(day),
        "Invoice": {"InvoiceID": invoice.id, "InvoiceNumber": invoice.body["InvoiceNumber"]},
    }
    on_invoice = {
        "CreditNoteID": credit_note.id,
        "CreditNoteNumber": credit_note.body["CreditNoteNumber"],
        "AppliedAmount": amount,
        "Date": ms_date(day),
    }
    settle(ledger, credit_note, {"Allocations": [*credit_note.body["Allocations"], on_credit]}, credited=amount)
    settle(ledger, invoice, {"Allocations": [*invoice.body["Allocations"], on_invoice]}, credited=amount)
    return {
        **on_credit,
        "CreditNote": {"CreditNoteID": credit_note.id, "CreditNoteNumber": credit_note.body["CreditNoteNumber"]},
    }


def find_credit_note(organisation: Organisation, key: str) -> Record | None:
    return find_by_key(organisation, CREDIT_NOTE, key)


def render_payment(organisation: Organisation, record: Record) -> dict[str, Any]:
    body = record.body
    invoice = organisation.get("Invoices", body["Invoice"]["InvoiceID"])
    invoice_summary = dict(body["Invoice"])
    if invoice is not None:
        invoice_summary.update(
            {
                "InvoiceNumber": invoice.body["InvoiceNumber"],
                "Type": invoice.body["Type"],
                "Contact": invoice.body["Contact"],
                "CurrencyCode": invoice.body["CurrencyCode"],
            }
        )
    return {
        "PaymentID": record.id,
        **body,
        "Invoice": invoice_summary,
        "Date": ms_date(body["Date"]),
        "HasAccount": True,
        "HasValidationErrors": False,
        "UpdatedDateUTC": ms_datetime(record.updated_at),
    }


def _account(organisation: Organisation, reference: dict[str, Any]) -> Record | None:
    if reference.get("AccountID"):
        return organisation.get("Accounts", str(reference["AccountID"]))
    code = reference.get("Code")
    return next(iter(organisation.find("Accounts", "Code", code)), None) if code else None


def _date(ledger: Ledger, value: Any, messages: list[str]) -> Any:
    try:
        return parse_client_date(value) if value else ledger.today()
    except ValueError:
        messages.append("Dates must be written as YYYY-MM-DD.")
        return ledger.today()
