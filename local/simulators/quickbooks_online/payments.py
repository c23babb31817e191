"""Payments and the balances they move: invoice Balance and LinkedTxn, customer Balance (providers.md 1.3).

Each payment line applies an amount to an open invoice of the same customer; QuickBooks keeps both
sides of the link and the customer's open balance true after every write.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from local.simulators.quickbooks_online import errors
from local.simulators.quickbooks_online.clock import local_date
from local.simulators.quickbooks_online.money import ZERO, money
from local.simulators.quickbooks_online.seed import currency_ref
from local.simulators.quickbooks_online.store import Record

if TYPE_CHECKING:
    from local.simulators.quickbooks_online.entities import Ledger


def prepare_payment(ledger: Ledger, body: dict[str, Any], record_id: str) -> dict[str, Any]:
    company = ledger.company
    if not body.get("CustomerRef"):
        raise errors.required_field("CustomerRef")
    customer = ledger.reference("Customer", body["CustomerRef"], "CustomerRef")
    body["CustomerRef"] = {"value": customer.id, "name": customer.body["FullyQualifiedName"]}
    if body.get("TotalAmt") is None:
        raise errors.required_field("TotalAmt")
    total = money(body["TotalAmt"], "TotalAmt")
    applied_total = ZERO
    lines = []
    for raw in body.get("Line") or []:
        amount = money(raw.get("Amount", 0), "Line.Amount")
        links = raw.get("LinkedTxn") or []
        for link in links:
            _check_payment_link(ledger, link, customer.id, amount, record_id)
        lines.append({**raw, "Amount": amount, "LinkedTxn": links})
        applied_total += amount
    if applied_total > total:
        raise errors.business_validation(
            f"The amount applied ({applied_total}) is more than the payment total ({total})."
        )
    body["Line"] = lines
    body["TotalAmt"] = total
    body["UnappliedAmt"] = total - applied_total
    body["TxnDate"] = body.get("TxnDate") or local_date(ledger.clock.now(), company.timezone)
    body.setdefault("CurrencyRef", currency_ref(company.country))
    body.setdefault("ProcessPayment", False)
    if not body.get("DepositToAccountRef"):
        funds = next(a for a in company.live("Account") if a.body["AccountSubType"] == "UndepositedFunds")
        body["DepositToAccountRef"] = {"value": funds.id}
    return body


def applied_to_invoice(ledger: Ledger, invoice_id: str) -> Decimal:
    return sum((amount for _, iid, amount in _payment_links(ledger) if iid == invoice_id), ZERO)


def payments_of_invoice(ledger: Ledger, invoice_id: str) -> list[str]:
    return list(dict.fromkeys(pid for pid, iid, _ in _payment_links(ledger) if iid == invoice_id))


def after_write(ledger: Ledger, record: Record) -> None:
    """Keep both sides of payment links and the customer balance true after any write."""
    if record.entity == "Payment":
        for invoice in ledger.company.live("Invoice"):
            _refresh_invoice_balance(ledger, invoice)
    elif record.entity == "Invoice" and (
        record.deleted or (record.body.get("TotalAmt") == 0 and payments_of_invoice(ledger, record.id))
    ):
        _unapply_payments_from(ledger, record.id)
    if record.entity in ("Invoice", "Payment", "CreditMemo"):
        _refresh_customer_balances(ledger)


def _check_payment_link(
    ledger: Ledger, link: dict[str, Any], customer_id: str, amount: Decimal, payment_id: str
) -> None:
    if link.get("TxnType") != "Invoice":
        raise errors.request_invalid(f"LinkedTxn TxnType {link.get('TxnType')!r} is not supported")
    invoice = ledger.company.get("Invoice", str(link.get("TxnId")))
    if invoice is None:
        raise errors.invalid_reference("Invoice", str(link.get("TxnId")))
    if invoice.body["CustomerRef"]["value"] != customer_id:
        raise errors.business_validation("A payment can only be applied to invoices of its own customer.")
    open_balance = invoice.body["Balance"] + _applied_by_payment(ledger, payment_id, invoice.id)
    if amount > open_balance:
        raise errors.business_validation(
            f"Payment amount {amount} exceeds the open balance {open_balance} of invoice {invoice.id}."
        )


def _payment_links(ledger: Ledger) -> list[tuple[str, str, Decimal]]:
    return [
        (payment.id, str(link["TxnId"]), line["Amount"])
        for payment in ledger.company.live("Payment")
        for line in payment.body.get("Line", [])
        for link in line.get("LinkedTxn", [])
        if link.get("TxnType") == "Invoice"
    ]


def _applied_by_payment(ledger: Ledger, payment_id: str, invoice_id: str) -> Decimal:
    links = _payment_links(ledger)
    return sum((amount for pid, iid, amount in links if pid == payment_id and iid == invoice_id), ZERO)


def _refresh_invoice_balance(ledger: Ledger, invoice: Record) -> None:
    """An invoice whose payments changed is itself changed: new Balance, SyncToken and time."""
    applied = applied_to_invoice(ledger, invoice.id)
    links = [link for link in invoice.body.get("LinkedTxn", []) if link.get("TxnType") != "Payment"]
    links += [{"TxnId": pid, "TxnType": "Payment"} for pid in payments_of_invoice(ledger, invoice.id)]
    balance = invoice.body["TotalAmt"] - applied
    if balance == invoice.body["Balance"] and links == invoice.body.get("LinkedTxn", []):
        return
    invoice.body["Balance"] = balance
    invoice.body["LinkedTxn"] = links
    ledger.touch(invoice)


def _unapply_payments_from(ledger: Ledger, invoice_id: str) -> None:
    """Deleting or voiding an invoice leaves its payments unapplied rather than lost."""
    for payment in ledger.company.live("Payment"):
        kept = [
            line
            for line in payment.body.get("Line", [])
            if not any(str(link.get("TxnId")) == invoice_id for link in line.get("LinkedTxn", []))
        ]
        if len(kept) == len(payment.body.get("Line", [])):
            continue
        payment.body["Line"] = kept
        applied = sum((line["Amount"] for line in kept), ZERO)
        payment.body["UnappliedAmt"] = payment.body["TotalAmt"] - applied
        ledger.touch(payment)


def _refresh_customer_balances(ledger: Ledger) -> None:
    """Balance is the customer's own open invoices; BalanceWithJobs adds its jobs'. Both are kept
    without a SyncToken bump, as QuickBooks maintains them."""
    customers = ledger.company.all_including_deleted("Customer")
    own: dict[str, Decimal] = {}
    for invoice in ledger.company.live("Invoice"):
        customer_id = invoice.body["CustomerRef"]["value"]
        own[customer_id] = own.get(customer_id, ZERO) + invoice.body["Balance"]
    with_jobs = dict(own)
    for customer in customers:
        parent = (customer.body.get("ParentRef") or {}).get("value")
        while parent:  # a job's balance counts for every ancestor
            with_jobs[parent] = with_jobs.get(parent, ZERO) + own.get(customer.id, ZERO)
            parent = next(((c.body.get("ParentRef") or {}).get("value") for c in customers if c.id == parent), None)
    for customer in customers:
        customer.body["Balance"] = own.get(customer.id, ZERO)
        customer.body["BalanceWithJobs"] = with_jobs.get(customer.id, ZERO)
