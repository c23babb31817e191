"""Customer payments: ReceivePaymentAdd applies money to invoices; ReceivePaymentQuery reads them.

`AppliedToTxnAdd` names each invoice and how much of the payment goes to it (with `SetCredit`
using a credit memo on it); `IsAutoApply` (or neither, QuickBooks' default preference) pays the
customer's open invoices oldest first. What is not applied stays as `UnusedPayment` and lowers the
customer's balance all the same. A payment cannot be voided (providers.md 3.3), only deleted.
"""

from __future__ import annotations

from decimal import Decimal

from local.simulators.quickbooks_desktop import statuses
from local.simulators.quickbooks_desktop.company import Company
from local.simulators.quickbooks_desktop.lists import ref_to, ret_fields
from local.simulators.quickbooks_desktop.processor import Handler, Reply, Request
from local.simulators.quickbooks_desktop.queries import txn_query
from local.simulators.quickbooks_desktop.transactions import cents, link, settle_totals
from local.simulators.quickbooks_desktop.wire import Fields, decimal_of, is_true, many, render

ZERO = Decimal("0.00")


def receive_payment_add(request: Request) -> Reply:
    company, body = request.company, request.body
    payment = ret_fields("ReceivePaymentRet", body)
    customer = company.resolve_ref(body["CustomerRef"], ("Customer",), "Customer", "ReceivePayment")
    payment["CustomerRef"] = ref_to(customer)
    payment["ARAccountRef"] = ref_to(
        company.resolve_ref(
            body.get("ARAccountRef", {"FullName": "Accounts Receivable"}), ("Account",), "Account", "ReceivePayment"
        )
    )
    payment["DepositToAccountRef"] = ref_to(
        company.resolve_ref(
            body.get("DepositToAccountRef", {"FullName": "Undeposited Funds"}),
            ("Account",),
            "Account",
            "ReceivePayment",
        )
    )
    payment.setdefault("TxnDate", company.now().date().isoformat())
    total = cents(decimal_of(body.get("TotalAmount")))
    payment["TotalAmount"] = total
    plan = _applications(company, customer, body, total)
    applied = sum((amount for _, amount, _ in plan), ZERO)
    if applied > total:
        raise statuses.invalid_value("TotalAmount", str(total))
    company.stamp_new(payment, "TxnID")
    payment["AppliedToTxnRet"] = []
    for invoice, amount, credits in plan:
        _use_credits(company, invoice, credits)
        link(invoice, payment, "ReceivePayment", amount)
        settle_totals(invoice, "Invoice")
        company.stamp_modified(invoice)
        payment["AppliedToTxnRet"].append(
            {
                "TxnID": invoice["TxnID"],
                "TxnType": "Invoice",
                "TxnDate": invoice["TxnDate"],
                "RefNumber": invoice["RefNumber"],
                "BalanceRemaining": invoice["BalanceRemaining"],
                "Amount": amount,
            }
        )
    payment["UnusedPayment"] = total - applied
    payment["UnusedCredits"] = ZERO
    company.txn_of("ReceivePayment")[payment["TxnID"]] = payment
    return Reply(rets=[render("ReceivePaymentRet", payment)])


def _applications(
    company: Company, customer: Fields, body: Fields, total: Decimal
) -> list[tuple[Fields, Decimal, list[tuple[Fields, Decimal]]]]:
    """(invoice, payment amount, [(credit memo, amount)]) for each invoice the payment touches."""
    applications = many(body, "AppliedToTxnAdd")
    if not applications or is_true(body.get("IsAutoApply")):
        return _auto_apply(company, customer, total)
    plan = []
    for application in applications:
        invoice = company.find_txn("Invoice", application["TxnID"])
        if invoice is None or invoice["CustomerRef"]["ListID"] != customer["ListID"]:
            raise statuses.not_found(application["TxnID"])
        amount = cents(decimal_of(application.get("PaymentAmount")))
        credits = []
        for credit in many(application, "SetCredit"):
            memo = company.find_txn("CreditMemo", credit["CreditTxnID"])
            if memo is None or memo["CustomerRef"]["ListID"] != customer["ListID"]:
                raise statuses.not_found(credit["CreditTxnID"])
            use = cents(decimal_of(credit["AppliedAmount"]))
            if use > memo["CreditRemaining"]:
                raise statuses.invalid_value("AppliedAmount", str(use))
            credits.append((memo, use))
        if amount + sum((use for _, use in credits), ZERO) > invoice["BalanceRemaining"]:
            raise statuses.invalid_value("PaymentAmount", str(amount))
        plan.append((invoice, amount, credits))
    return plan


def _auto_apply(company: Company, customer: Fields, total: Decimal) -> list[tuple[Fields, Decimal, list]]:
    plan, left = [], total
    for invoice in sorted(company.open_invoices_of(customer["ListID"]), key=lambda i: (i["TxnDate"], i["TxnNumber"])):
        if left <= 0:
            break
        amount = min(left, invoice["BalanceRemaining"])
        plan.append((invoice, amount, []))
        left -= amount
    return plan


def _use_credits(company: Company, invoice: Fields, credits: list[tuple[Fields, Decimal]]) -> None:
    for memo, use in credits:
        link(invoice, memo, "CreditMemo", use)
        link(memo, invoice, "Invoice", use)
        settle_totals(memo, "CreditMemo")
        company.stamp_modified(memo)


def receive_payment_query(request: Request) -> Reply:
    return txn_query(request, "ReceivePayment", lambda payment, _: render("ReceivePaymentRet", payment))


HANDLERS: dict[str, Handler] = {
    "ReceivePaymentAdd": receive_payment_add,
    "ReceivePaymentQuery": receive_payment_query,
}
