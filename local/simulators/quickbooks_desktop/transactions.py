"""Sales transactions: invoices and credit memos; deleting and voiding transactions.

QuickBooks computes the money: a line's `Amount` is `Quantity × Rate` (rounded to cents) unless
given, `Subtotal` sums the lines, `BalanceRemaining` is what payments and credits have not
covered. `InvoiceMod` with any `InvoiceLineMod` keeps only the lines it lists (`TxnLineID` of an
existing line, `-1` for a new one), as QuickBooks does. Queries leave lines out unless
`IncludeLineItems` is true, and links unless `IncludeLinkedTxns` is. Sales tax is not computed
(every line is treated as non-taxable): SalesTaxTotal is 0.00.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from lxml import etree

from local.simulators.quickbooks_desktop import statuses
from local.simulators.quickbooks_desktop.company import ITEM_LISTS, Company
from local.simulators.quickbooks_desktop.lists import check_edit_sequence, ref_to, ret_fields
from local.simulators.quickbooks_desktop.processor import Handler, Reply, Request
from local.simulators.quickbooks_desktop.queries import deleted_query, txn_query
from local.simulators.quickbooks_desktop.wire import Fields, decimal_of, is_true, many, render

CENT = Decimal("0.01")
LINE_KEYS = {"Invoice": "InvoiceLine", "CreditMemo": "CreditMemoLine"}


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def build_lines(company: Company, kind: str, given: list[Fields], existing: list[Fields]) -> list[Fields]:
    line_key = LINE_KEYS[kind]
    by_id = {line["TxnLineID"]: line for line in existing}
    lines = []
    for fields in given:
        line_id = fields.get("TxnLineID")
        if line_id not in (None, "-1") and line_id not in by_id:
            raise statuses.not_found(line_id)
        line = dict(by_id.get(line_id, {}))
        line.update(ret_fields(f"{line_key}Ret", {k: v for k, v in fields.items() if k != "TxnLineID"}))
        line["TxnLineID"] = line_id if line_id in by_id else company.new_txn_id()
        if fields.get("ItemRef"):
            line["ItemRef"] = ref_to(company.resolve_ref(fields["ItemRef"], ITEM_LISTS, "Item", kind))
        if "Amount" in fields:
            line["Amount"] = cents(decimal_of(fields["Amount"]))
        elif line.get("Rate") is not None:
            line["Amount"] = cents(decimal_of(line.get("Quantity"), "1") * decimal_of(line["Rate"]))
        else:
            line.setdefault("Amount", Decimal("0.00"))
        lines.append(line)
    return lines


def settle_totals(txn: Fields, kind: str) -> None:
    """Subtotal from the lines; what is left to pay (invoice) or to use (credit memo)."""
    subtotal = sum((line["Amount"] for line in txn.get(f"{LINE_KEYS[kind]}Ret", [])), Decimal("0.00"))
    txn["Subtotal"] = cents(subtotal)
    txn["SalesTaxPercentage"] = "0.00"
    txn["SalesTaxTotal"] = Decimal("0.00")
    applied = sum((-link["Amount"] for link in txn.get("LinkedTxn", [])), Decimal("0.00"))
    if kind == "Invoice":
        txn["AppliedAmount"] = -applied
        txn["BalanceRemaining"] = cents(subtotal - applied)
        txn["IsPaid"] = txn["BalanceRemaining"] <= 0
    else:
        txn["TotalAmount"] = cents(subtotal)
        txn["CreditRemaining"] = cents(subtotal - applied)


def sales_add(kind: str) -> Handler:
    def handle(request: Request) -> Reply:
        company, body = request.company, request.body
        txn = ret_fields(f"{kind}Ret", body)
        txn["CustomerRef"] = ref_to(company.resolve_ref(body["CustomerRef"], ("Customer",), "Customer", kind))
        txn["ARAccountRef"] = ref_to(
            company.resolve_ref(
                body.get("ARAccountRef", {"FullName": "Accounts Receivable"}), ("Account",), "Account", kind
            )
        )
        txn.setdefault("TxnDate", company.now().date().isoformat())
        txn.setdefault("RefNumber", next_ref_number(company, kind))
        txn["IsPending"] = is_true(body.get("IsPending"))
        txn[f"{LINE_KEYS[kind]}Ret"] = build_lines(company, kind, many(body, f"{LINE_KEYS[kind]}Add"), [])
        settle_totals(txn, kind)
        company.stamp_new(txn, "TxnID")
        company.serial_txn_number += 1
        txn["TxnNumber"] = str(company.serial_txn_number)
        company.txn_of(kind)[txn["TxnID"]] = txn
        return Reply(rets=[render_sale(kind, txn)])

    return handle


def next_ref_number(company: Company, kind: str) -> str:
    """QuickBooks numbers a sale one past the highest numeric RefNumber of its kind."""
    numbers = [int(t["RefNumber"]) for t in company.txn_of(kind).values() if t.get("RefNumber", "").isdigit()]
    return str(max(numbers, default=1000) + 1)


def invoice_mod(request: Request) -> Reply:
    company, body = request.company, request.body
    txn = company.find_txn("Invoice", body["TxnID"])
    if txn is None:
        raise statuses.not_found(body["TxnID"])
    check_edit_sequence(txn, body)
    changes = ret_fields("InvoiceRet", {k: v for k, v in body.items() if k not in ("TxnID", "EditSequence")})
    if body.get("CustomerRef"):
        changes["CustomerRef"] = ref_to(company.resolve_ref(body["CustomerRef"], ("Customer",), "Customer", "Invoice"))
    line_mods = many(body, "InvoiceLineMod")
    updated = {**txn, **changes}
    if line_mods:
        updated["InvoiceLineRet"] = build_lines(company, "Invoice", line_mods, txn.get("InvoiceLineRet", []))
    settle_totals(updated, "Invoice")
    txn.update(updated)
    company.stamp_modified(txn)
    return Reply(rets=[render_sale("Invoice", txn)])


def render_sale(kind: str, txn: Fields, query: Fields | None = None) -> etree._Element:
    """A query shows lines only with IncludeLineItems and links only with IncludeLinkedTxns."""
    fields = dict(txn)
    if query is not None:
        if not is_true(query.get("IncludeLineItems")):
            fields.pop(f"{LINE_KEYS[kind]}Ret", None)
        if not is_true(query.get("IncludeLinkedTxns")):
            fields.pop("LinkedTxn", None)
    return render(f"{kind}Ret", fields)


def sales_query(kind: str) -> Handler:
    def handle(request: Request) -> Reply:
        return txn_query(request, kind, lambda txn, body: render_sale(kind, txn, body))

    return handle


def link(txn: Fields, other: Fields, other_type: str, amount: Decimal) -> None:
    """Record on `txn` that `other` covered `amount` of it (LinkedTxn, negative as QuickBooks shows it)."""
    entry = {"TxnID": other["TxnID"], "TxnType": other_type, "TxnDate": other["TxnDate"], "LinkType": "AMTTYPE"}
    if other.get("RefNumber"):
        entry["RefNumber"] = other["RefNumber"]
    entry["Amount"] = -amount
    txn.setdefault("LinkedTxn", []).append(entry)


def unlink(company: Company, gone_id: str) -> None:
    """A deleted payment or credit no longer covers anything: balances come back."""
    for kind in ("Invoice", "CreditMemo"):
        for txn in company.txn_of(kind).values():
            before = txn.get("LinkedTxn", [])
            kept = [entry for entry in before if entry["TxnID"] != gone_id]
            if len(kept) != len(before):
                txn["LinkedTxn"] = kept
                settle_totals(txn, kind)
                company.stamp_modified(txn)


def txn_del(request: Request) -> Reply:
    company, body = request.company, request.body
    kind, txn_id = body["TxnDelType"], body["TxnID"]
    txn = company.txn_of(kind).pop(txn_id, None)
    if txn is None:
        raise statuses.not_found(txn_id)
    unlink(company, txn_id)
    for linked in txn.get("LinkedTxn", []):
        unlink_payment_share(company, linked["TxnID"], txn_id)
    entry = company.record_txn_deletion(kind, txn)
    return Reply(rets=list(render("TxnDelRs", {k: v for k, v in entry.items() if k != "TimeCreated"})))


def unlink_payment_share(company: Company, payment_id: str, invoice_id: str) -> None:
    """A deleted invoice frees what a payment had applied to it: the payment's unused amount grows."""
    payment = company.find_txn("ReceivePayment", payment_id)
    if payment is None:
        return
    applied = [a for a in payment.get("AppliedToTxnRet", []) if a["TxnID"] == invoice_id]
    payment["AppliedToTxnRet"] = [a for a in payment.get("AppliedToTxnRet", []) if a["TxnID"] != invoice_id]
    payment["UnusedPayment"] += sum((a["Amount"] for a in applied), Decimal("0.00"))
    company.stamp_modified(payment)


def txn_void(request: Request) -> Reply:
    """Invoices and credit memos can be voided: lines go to zero, the memo says VOID (providers.md 3.3)."""
    company, body = request.company, request.body
    kind, txn_id = body["TxnVoidType"], body["TxnID"]
    txn = company.find_txn(kind, txn_id) if kind in LINE_KEYS else None
    if txn is None:
        raise statuses.not_found(txn_id)
    for line in txn.get(f"{LINE_KEYS[kind]}Ret", []):
        line["Amount"] = Decimal("0.00")
        line.pop("Quantity", None)
    txn["Memo"] = "VOID: " + txn.get("Memo", "")
    txn.pop("LinkedTxn", None)
    settle_totals(txn, kind)
    company.stamp_modified(txn)
    fields = {
        "TxnVoidType": kind,
        **{k: txn[k] for k in ("TxnID", "TimeCreated", "TimeModified", "RefNumber") if k in txn},
    }
    return Reply(rets=list(render("TxnVoidRs", fields)))


def list_deleted_query(request: Request) -> Reply:
    return deleted_query(request, request.company.deleted_lists, "ListDelType", "ListDeletedRet")


def txn_deleted_query(request: Request) -> Reply:
    return deleted_query(request, request.company.deleted_txns, "TxnDelType", "TxnDeletedRet")


HANDLERS: dict[str, Handler] = {
    "InvoiceAdd": sales_add("Invoice"),
    "InvoiceMod": invoice_mod,
    "InvoiceQuery": sales_query("Invoice"),
    "CreditMemoAdd": sales_add("CreditMemo"),
    "CreditMemoQuery": sales_query("CreditMemo"),
    "TxnDel": txn_del,
    "TxnVoid": txn_void,
    "ListDeletedQuery": list_deleted_query,
    "TxnDeletedQuery": txn_deleted_query,
}
