"""What QuickBooks Online's transactions say back: which invoices a Payment pays, whether a payment is
one the SaaS sent, and whether a transaction was voided. Pure, like `mapping.py`.

Facts from providers.md: a Payment applies `Line[].Amount` to the transactions of each line's
`LinkedTxn` (1.3); a void keeps the transaction, zeroes its amounts and puts "Voided" in front of its
PrivateNote (1.4).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fieldbooks.domain.money import ZERO, to_cents

SENT_FROM_NOTE = "Sent by Fieldbooks from payment "  # the memo of a payment the SaaS recorded first
VOIDABLE = ("Invoice", "CreditMemo", "Payment", "SalesReceipt")


def payment_parts(body: dict[str, Any]) -> tuple[Decimal, dict[str, Decimal], Decimal]:
    """A Payment's total, what each of its `Line[].LinkedTxn` invoices got, and how much of that came
    from credit memos rather than money: a credit is applied to an invoice by a payment whose lines take
    it from the CreditMemo and give it to the Invoice (a payment of nothing when it is only that)."""
    applied: dict[str, Decimal] = {}
    credits = ZERO
    for line in body.get("Line") or []:
        for linked in line.get("LinkedTxn") or []:
            if linked.get("TxnId") is None:
                continue
            if linked.get("TxnType") == "Invoice":
                invoice_id = str(linked["TxnId"])
                applied[invoice_id] = applied.get(invoice_id, ZERO) + _money(line.get("Amount", 0))
            elif linked.get("TxnType") == "CreditMemo":
                credits += _money(line.get("Amount", 0))
    return _money(body.get("TotalAmt", 0)), applied, credits


def sent_from(body: dict[str, Any]) -> str | None:
    """The SaaS payment a Payment was sent from, by its memo (a void puts "Voided - " in front)."""
    note = str(body.get("PrivateNote") or "").removeprefix("Voided - ")
    if not note.startswith(SENT_FROM_NOTE):
        return None
    return note.removeprefix(SENT_FROM_NOTE).strip() or None


def is_voided(remote_entity: str, body: dict[str, Any]) -> bool:
    if remote_entity not in VOIDABLE:
        return False
    return str(body.get("PrivateNote") or "").startswith("Voided") and _money(body.get("TotalAmt", 0)) == 0


def _money(value: Any) -> Decimal:
    """A JSON number (maybe parsed as a float) as exact cents."""
    return to_cents(Decimal(str(value)))
