"""Invoices, credit memos, payments and the balances QuickBooks derives from them; deletes and voids."""

from __future__ import annotations

from lxml import etree

from local.simulators.quickbooks_desktop import QuickBooksDesktop
from tests.simulators.quickbooks_desktop.conftest import add_customer, exchange, only, status

CUSTOMER = "<CustomerRef><FullName>{}</FullName></CustomerRef>"
LINE = (
    "<InvoiceLineAdd><ItemRef><FullName>Labor</FullName></ItemRef>"
    "<Quantity>{}</Quantity><Rate>{}</Rate></InvoiceLineAdd>"
)


def invoice(desktop: QuickBooksDesktop, customer: str, ref: str, *lines: tuple[str, str]) -> etree._Element:
    body = CUSTOMER.format(customer) + f"<RefNumber>{ref}</RefNumber>" + "".join(LINE.format(*line) for line in lines)
    rs = only(exchange(desktop, f"<InvoiceAddRq><InvoiceAdd>{body}</InvoiceAdd></InvoiceAddRq>"))
    assert status(rs) == (0, "Info"), rs.get("statusMessage")
    return rs.find("InvoiceRet")


def balances(desktop: QuickBooksDesktop, name: str) -> tuple[str, str]:
    rs = only(exchange(desktop, f"<CustomerQueryRq><FullName>{name}</FullName></CustomerQueryRq>"))
    return rs.findtext("CustomerRet/Balance"), rs.findtext("CustomerRet/TotalBalance")


def test_invoice_add_computes_line_amounts_subtotal_and_balance(desktop: QuickBooksDesktop) -> None:
    ret = invoice(desktop, "Acme Property Management", "1042", ("2", "85.00"), ("1.5", "33.33"))

    assert [line.findtext("Amount") for line in ret.findall("InvoiceLineRet")] == ["170.00", "50.00"]
    assert ret.findtext("Subtotal") == "220.00"
    assert ret.findtext("BalanceRemaining") == "220.00"
    assert ret.findtext("IsPaid") == "false"
    assert ret.findtext("CustomerRef/ListID")
    assert balances(desktop, "Acme Property Management") == ("220.00", "220.00")


def test_an_invoice_for_an_unknown_customer_or_item_answers_3140(desktop: QuickBooksDesktop) -> None:
    unknown_item = LINE.replace("Labor", "Unobtainium").format("1", "1.00")
    msgs = exchange(
        desktop,
        f"<InvoiceAddRq><InvoiceAdd>{CUSTOMER.format('Nobody')}</InvoiceAdd></InvoiceAddRq>"
        f"<InvoiceAddRq><InvoiceAdd>{CUSTOMER.format('Blue Sky Rentals')}{unknown_item}</InvoiceAdd></InvoiceAddRq>",
        on_error="continueOnError",
    )

    assert [status(rs)[0] for rs in msgs] == [3140, 3140]
    assert 'QuickBooks Customer "Nobody"' in msgs[0].get("statusMessage")
    assert desktop.open_company.count("Invoice") == 0


def test_invoice_query_leaves_lines_out_unless_asked(desktop: QuickBooksDesktop) -> None:
    invoice(desktop, "Blue Sky Rentals", "7001", ("1", "85.00"))

    plain = only(exchange(desktop, "<InvoiceQueryRq><RefNumber>7001</RefNumber></InvoiceQueryRq>"))
    with_lines = only(
        exchange(
            desktop,
            "<InvoiceQueryRq><RefNumber>7001</RefNumber><IncludeLineItems>true</IncludeLineItems></InvoiceQueryRq>",
        )
    )

    assert plain.find("InvoiceRet/InvoiceLineRet") is None
    assert with_lines.findtext("InvoiceRet/InvoiceLineRet/Amount") == "85.00"


def test_invoice_mod_keeps_only_the_lines_it_lists_and_needs_the_current_edit_sequence(
    desktop: QuickBooksDesktop,
) -> None:
    ret = invoice(desktop, "Blue Sky Rentals", "7002", ("1", "85.00"), ("2", "85.00"))
    txn_id, edit_sequence = ret.findtext("TxnID"), ret.findtext("EditSequence")
    kept = ret.find("InvoiceLineRet").findtext("TxnLineID")
    mod = (
        "<InvoiceModRq><InvoiceMod><TxnID>{}</TxnID><EditSequence>{}</EditSequence><Memo>changed</Memo>"
        "<InvoiceLineMod><TxnLineID>{}</TxnLineID><Quantity>3</Quantity></InvoiceLineMod>"
        "<InvoiceLineMod><TxnLineID>-1</TxnLineID><ItemRef><FullName>Air Filter</FullName></ItemRef>"
        "<Quantity>4</Quantity><Rate>12.50</Rate></InvoiceLineMod></InvoiceMod></InvoiceModRq>"
    )

    changed = only(exchange(desktop, mod.format(txn_id, edit_sequence, kept)))
    stale = only(exchange(desktop, mod.format(txn_id, edit_sequence, kept)))

    assert status(changed) == (0, "Info")
    lines = changed.findall("InvoiceRet/InvoiceLineRet")
    assert [(line.findtext("ItemRef/FullName"), line.findtext("Amount")) for line in lines] == [
        ("Labor", "255.00"),
        ("Air Filter", "50.00"),
    ]
    assert changed.findtext("InvoiceRet/Subtotal") == "305.00"
    assert status(stale)[0] == 3200


def test_payments_and_credits_lower_invoice_and_customer_balances_jobs_included(desktop: QuickBooksDesktop) -> None:
    add_customer(desktop, "Elm St", "<ParentRef><FullName>Blue Sky Rentals</FullName></ParentRef>")
    first = invoice(desktop, "Blue Sky Rentals:Elm St", "8001", ("2", "100.00"))
    invoice(desktop, "Blue Sky Rentals", "8002", ("1", "50.00"))
    memo = only(
        exchange(
            desktop,
            f"<CreditMemoAddRq><CreditMemoAdd>{CUSTOMER.format('Blue Sky Rentals:Elm St')}"
            "<CreditMemoLineAdd><ItemRef><FullName>Labor</FullName></ItemRef><Quantity>1</Quantity>"
            "<Rate>30.00</Rate></CreditMemoLineAdd></CreditMemoAdd></CreditMemoAddRq>",
        )
    ).find("CreditMemoRet")
    assert memo.findtext("CreditRemaining") == "30.00"
    assert balances(desktop, "Blue Sky Rentals") == ("50.00", "220.00")

    payment = only(
        exchange(
            desktop,
            f"<ReceivePaymentAddRq><ReceivePaymentAdd>{CUSTOMER.format('Blue Sky Rentals:Elm St')}"
            "<TotalAmount>150.00</TotalAmount><AppliedToTxnAdd>"
            f"<TxnID>{first.findtext('TxnID')}</TxnID><PaymentAmount>120.00</PaymentAmount>"
            f"<SetCredit><CreditTxnID>{memo.findtext('TxnID')}</CreditTxnID><AppliedAmount>30.00</AppliedAmount></SetCredit>"
            "</AppliedToTxnAdd></ReceivePaymentAdd></ReceivePaymentAddRq>",
        )
    )

    assert status(payment) == (0, "Info"), payment.get("statusMessage")
    assert payment.findtext("ReceivePaymentRet/UnusedPayment") == "30.00"
    after = only(
        exchange(
            desktop,
            f"<InvoiceQueryRq><TxnID>{first.findtext('TxnID')}</TxnID><IncludeLinkedTxns>true</IncludeLinkedTxns></InvoiceQueryRq>",
        )
    ).find("InvoiceRet")
    assert after.findtext("BalanceRemaining") == "50.00"
    assert sorted(link.findtext("TxnType") for link in after.findall("LinkedTxn")) == ["CreditMemo", "ReceivePayment"]
    assert balances(desktop, "Blue Sky Rentals:Elm St") == ("20.00", "20.00")  # 50 open - 30 unused
    assert balances(desktop, "Blue Sky Rentals") == ("50.00", "70.00")


def test_a_payment_applied_beyond_an_invoice_balance_is_refused(desktop: QuickBooksDesktop) -> None:
    first = invoice(desktop, "Acme Property Management", "9001", ("1", "40.00"))
    rs = only(
        exchange(
            desktop,
            f"<ReceivePaymentAddRq><ReceivePaymentAdd>{CUSTOMER.format('Acme Property Management')}"
            f"<TotalAmount>90.00</TotalAmount><AppliedToTxnAdd><TxnID>{first.findtext('TxnID')}</TxnID>"
            "<PaymentAmount>90.00</PaymentAmount></AppliedToTxnAdd></ReceivePaymentAdd></ReceivePaymentAddRq>",
        )
    )

    assert status(rs) == (3210, "Error")
    assert desktop.open_company.count("ReceivePayment") == 0


def test_deleting_a_payment_brings_the_balance_back_and_shows_in_txn_deleted_query(desktop: QuickBooksDesktop) -> None:
    invoice(desktop, "Acme Property Management", "9101", ("1", "80.00"))
    payment = only(
        exchange(
            desktop,
            f"<ReceivePaymentAddRq><ReceivePaymentAdd>{CUSTOMER.format('Acme Property Management')}"
            "<TotalAmount>80.00</TotalAmount><IsAutoApply>true</IsAutoApply></ReceivePaymentAdd></ReceivePaymentAddRq>",
        )
    ).find("ReceivePaymentRet")
    assert balances(desktop, "Acme Property Management") == ("0.00", "0.00")

    deleted = only(
        exchange(
            desktop,
            f"<TxnDelRq><TxnDelType>ReceivePayment</TxnDelType><TxnID>{payment.findtext('TxnID')}</TxnID></TxnDelRq>",
        )
    )
    listing = only(
        exchange(
            desktop,
            "<TxnDeletedQueryRq><TxnDelType>ReceivePayment</TxnDelType><TxnDelType>Invoice</TxnDelType></TxnDeletedQueryRq>",
        )
    )

    assert status(deleted) == (0, "Info")
    assert balances(desktop, "Acme Property Management") == ("80.00", "80.00")
    assert [row.findtext("TxnID") for row in listing.findall("TxnDeletedRet")] == [payment.findtext("TxnID")]


def test_deleted_customers_show_in_list_deleted_query_and_voided_invoices_owe_nothing(
    desktop: QuickBooksDesktop,
) -> None:
    gone = add_customer(desktop, "Short Lived")
    ret = invoice(desktop, "Acme Property Management", "9201", ("1", "60.00"))
    msgs = exchange(
        desktop,
        f"<ListDelRq><ListDelType>Customer</ListDelType><ListID>{gone.findtext('ListID')}</ListID></ListDelRq>"
        "<ListDeletedQueryRq><ListDelType>Customer</ListDelType></ListDeletedQueryRq>"
        f"<TxnVoidRq><TxnVoidType>Invoice</TxnVoidType><TxnID>{ret.findtext('TxnID')}</TxnID></TxnVoidRq>",
    )

    assert [status(rs)[0] for rs in msgs] == [0, 0, 0]
    assert msgs[0].findtext("FullName") == "Short Lived"
    assert msgs[1].findtext("ListDeletedRet/ListID") == gone.findtext("ListID")
    assert balances(desktop, "Acme Property Management") == ("0.00", "0.00")
