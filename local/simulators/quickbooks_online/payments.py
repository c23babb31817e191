"""Payments and the balances they move: invoice Balance and LinkedTxn, credit memo RemainingCredit,
customer Balance (providers.md 1.3).

Each payment line applies an amount to an open invoice, or takes it from a credit memo, of the
customer paying or of a job of it billed with its parent (`BillWithParent`: "Receive payment" for
the parent lists its sub-customers' invoices, gentlefrog.com/sub-customers-quickbooks-online). A
credit memo is applied to an invoice as that screen records it: a $0 payment whose lines give the
amount to the invoice and take it from the credit memo (hub.acctivate.com/articles/credit-applications-
in-quickbooks-online). QuickBooks keeps both sides of every link and the customer's open balance true
after every write, and refuses (6000) a line that takes more than a document has open; the wording
of those refusals is ours, Intuit's is not recorded in our sources."""

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

# The documents a payment line may link, and the field that says what each still has open.
LINKABLE = {"Invoice": "Balance", "CreditMemo": "RemainingCredit"}


def prepare_payment(ledger: Ledger, body: dict[str, Any], record_id: str) -> dict[str, Any]:
    company = ledger.company
    if not body.get("CustomerRef"):
        raise errors.required_field("CustomerRef")
    customer = ledger.reference("Customer", body["CustomerRef"], "CustomerRef")
    body["CustomerRef"] = {"value": customer.id, "name": customer.body["FullyQualifiedName"]}
    if body.get("TotalAmt") is None:
        raise errors.required_field("TotalAmt")
    total = money(body["TotalAmt"], "TotalAmt")
    charges = credits = ZERO
    lines = []
    for raw in body.get("Line") or []:
        amount = money(raw.get("Amount", 0), "Line.Amount")
        links = raw.get("LinkedTxn") or []
        for link in links:
            _check_payment_link(ledger, link, customer.id, amount, record_id)
        lines.append({**raw, "Amount": amount, "LinkedTxn": links})
        if any(link.get("TxnType") == "CreditMemo" for link in links):
            credits += amount
        else:
            charges += amount
    if credits > charges:
        raise errors.business_validation(
            f"The credits applied ({credits}) are more than the invoices they are applied to ({charges})."
        )
    if charges - credits > total:
        raise errors.business_validation(
            f"The amount applied ({charges - credits}) is more than the payment total ({total})."
        )
    body["Line"] = lines
    body["TotalAmt"] = total
    body["UnappliedAmt"] = total - (charges - credits)
    body["TxnDate"] = body.get("TxnDate") or local_date(ledger.clock.now(), company.timezone)
    body.setdefault("CurrencyRef", currency_ref(company.country))
    body.setdefault("ProcessPayment", False)
    if not body.get("DepositToAccountRef"):
        funds = next(a for a in company.live("Account") if a.body["AccountSubType"] == "UndepositedFunds")
        body["DepositToAccountRef"] = {"value": funds.id}
    return body


def applied_to(ledger: Ledger, entity: str, document_id: str) -> Decimal:
    """What live payments apply to an invoice, or take from a credit memo."""
    return sum((amount for _, e, did, amount in _payment_links(ledger) if (e, did) == (entity, document_id)), ZERO)


def payments_of(ledger: Ledger, entity: str, document_id: str) -> list[str]:
    links = _payment_links(ledger)
    return list(dict.fromkeys(pid for pid, e, did, _ in links if (e, did) == (entity, document_id)))


def after_write(ledger: Ledger, record: Record) -> None:
    """Keep both sides of payment links and the customer balance true after any write."""
    if record.entity == "Payment":
        for entity in LINKABLE:
            for document in ledger.company.live(entity):
                _refresh_open_amount(ledger, document)
    elif record.entity in LINKABLE and (
        record.deleted or (record.body.get("TotalAmt") == 0 and payments_of(ledger, record.entity, record.id))
    ):
        _unapply_payments_from(ledger, record.entity, record.id)
    if record.entity in ("Invoice", "Payment", "CreditMemo"):
        _refresh_customer_balances(ledger)


def _check_payment_link(
    ledger: Ledger, link: dict[str, Any], customer_id: str, amount: Decimal, payment_id: str
) -> None:
    entity = link.get("TxnType")
    if entity not in LINKABLE:
        raise errors.request_invalid(f"LinkedTxn TxnType {entity!r} is not supported")
    document = ledger.company.get(entity, str(link.get("TxnId")))
    if document is None:
        raise errors.invalid_reference(entity, str(link.get("TxnId")))
    if not _billed_to(ledger, document.body["CustomerRef"]["value"], customer_id):
        raise errors.business_validation(
            "A payment can only be applied to transactions of its own customer or of its sub-customers billed with it."
        )
    open_amount = document.body[LINKABLE[entity]] + _applied_by_payment(ledger, payment_id, entity, document.id)
    if amount <= open_amount:
        return
    if entity == "Invoice":
        raise errors.business_validation(
            f"Payment amount {amount} exceeds the open balance {open_amount} of invoice {document.id}."
        )
    raise errors.business_validation(
        f"The credit applied ({amount}) exceeds the remaining credit {open_amount} of credit memo {document.id}."
    )


def _billed_to(ledger: Ledger, document_customer_id: str, payer_id: str) -> bool:
    """The payer's own documents, and those of its jobs billed with their parent (`BillWithParent`),
    which QuickBooks lists under the parent when it receives a payment."""
    current = ledger.company.get("Customer", document_customer_id)
    while current is not None:
        if current.id == payer_id:
            return True
        if not (current.body.get("Job") and current.body.get("BillWithParent")):
            return False
        current = ledger.company.get("Customer", (current.body.get("ParentRef") or {}).get("value", ""))
    return False


def _payment_links(ledger: Ledger) -> list[tuple[str, str, str, Decimal]]:
    """(payment id, linked entity, linked id, amount) of every link of every live payment."""
    return [
        (payment.id, str(link["TxnType"]), str(link["TxnId"]), line["Amount"])
        for payment in ledger.company.live("Payment")
        for line in payment.body.get("Line", [])
        for link in line.get("LinkedTxn", [])
        if link.get("TxnType") in LINKABLE
    ]


def _applied_by_payment(ledger: Ledger, payment_id: str, entity: str, document_id: str) -> Decimal:
    links = _payment_links(ledger)
    return sum((amount for pid, e, did, amount in links if (pid, e, did) == (payment_id, entity, document_id)), ZERO)


def _refresh_open_amount(ledger: Ledger, document: Record) -> None:
    """A document whose payments changed is itself changed: what it has open, its LinkedTxn, its
    SyncToken and time."""
    field = LINKABLE[document.entity]
    payment_ids = payments_of(ledger, document.entity, document.id)
    links = [link for link in document.body.get("LinkedTxn", []) if link.get("TxnType") != "Payment"]
    links += [{"TxnId": pid, "TxnType": "Payment"} for pid in payment_ids]
    open_amount = document.body["TotalAmt"] - applied_to(ledger, document.entity, document.id)
    if open_amount == document.body.get(field) and links == document.body.get("LinkedTxn", []):
        return
    document.body[field] = open_amount
    if document.entity == "CreditMemo":
        document.body["Balance"] = open_amount
    document.body["LinkedTxn"] = links
    ledger.touch(document)


def _unapply_payments_from(ledger: Ledger, entity: str, document_id: str) -> None:
    """Deleting or voiding a document leaves its payments unapplied rather than lost; a credit that
    paid an invoice no longer there (or an invoice paid by a credit no longer there) is released too,
    so no payment applies more than it holds."""
    for payment in ledger.company.live("Payment"):
        lines = payment.body.get("Line", [])
        kept = [line for line in lines if not any(_links_to(link, entity, document_id) for link in _links(line))]
        if len(kept) == len(lines):
            continue
        payment.body["Line"] = _balanced(kept, payment.body["TotalAmt"])
        charges, credits = _sums(payment.body["Line"])
        payment.body["UnappliedAmt"] = payment.body["TotalAmt"] - (charges - credits)
        ledger.touch(payment)
        for other in {(str(link["TxnType"]), str(link["TxnId"])) for line in lines for link in _links(line)}:
            if (document := ledger.company.get(*other)) is not None and other != (entity, document_id):
                _refresh_open_amount(ledger, document)


def _balanced(lines: list[dict[str, Any]], total: Decimal) -> list[dict[str, Any]]:
    """The lines with the excess trimmed from the side that outweighs the other, last lines first."""
    charges, credits = _sums(lines)
    excess_charges, excess_credits = max(charges - credits - total, ZERO), max(credits - charges, ZERO)
    kept: list[dict[str, Any]] = []
    for line in reversed(lines):
        is_credit = any(link.get("TxnType") == "CreditMemo" for link in _links(line))
        excess = excess_credits if is_credit else excess_charges
        cut = min(excess, line["Amount"])
        if is_credit:
            excess_credits -= cut
        else:
            excess_charges -= cut
        if line["Amount"] - cut > 0:
            kept.insert(0, {**line, "Amount": line["Amount"] - cut})
    return kept


def _sums(lines: list[dict[str, Any]]) -> tuple[Decimal, Decimal]:
    credits = sum(
        (line["Amount"] for line in lines if any(link.get("TxnType") == "CreditMemo" for link in _links(line))), ZERO
    )
    return sum((line["Amount"] for line in lines), ZERO) - credits, credits


def _links(line: dict[str, Any]) -> list[dict[str, Any]]:
    return line.get("LinkedTxn", [])


def _links_to(link: dict[str, Any], entity: str, document_id: str) -> bool:
    return link.get("TxnType") == entity and str(link.get("TxnId")) == document_id


def _refresh_customer_balances(ledger: Ledger) -> None:
    """Balance is the customer's own open invoices less its credit memos' remaining credit;
    BalanceWithJobs adds its jobs'. Both are kept without a SyncToken bump, as QuickBooks maintains them."""
    customers = ledger.company.all_including_deleted("Customer")
    own: dict[str, Decimal] = {}
    for invoice in ledger.company.live("Invoice"):
        customer_id = invoice.body["CustomerRef"]["value"]
        own[customer_id] = own.get(customer_id, ZERO) + invoice.body["Balance"]
    for credit in ledger.company.live("CreditMemo"):
        customer_id = credit.body["CustomerRef"]["value"]
        own[customer_id] = own.get(customer_id, ZERO) - credit.body.get("RemainingCredit", ZERO)
    with_jobs = dict(own)
    for customer in customers:
        parent = (customer.body.get("ParentRef") or {}).get("value")
        while parent:  # a job's balance counts for every ancestor
            with_jobs[parent] = with_jobs.get(parent, ZERO) + own.get(customer.id, ZERO)
            parent = next(((c.body.get("ParentRef") or {}).get("value") for c in customers if c.id == parent), None)
    for customer in customers:
        customer.body["Balance"] = own.get(customer.id, ZERO)
        customer.body["BalanceWithJobs"] = with_jobs.get(customer.id, ZERO)
