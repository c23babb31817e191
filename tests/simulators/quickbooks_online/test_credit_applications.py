"""A credit memo applied to an invoice through a $0 payment, as the "Receive payment" screen does it:
both documents' open amounts drop, and QuickBooks refuses a line that takes more than either has open."""

from __future__ import annotations

from typing import Any

from tests.simulators.quickbooks_online.conftest import Qbo, fault_of, invoice_body, new_customer, new_item


def application(customer_id: str, invoice_id: str, credit_id: str, amount: str, total: str = "0") -> dict[str, Any]:
    return {
        "CustomerRef": {"value": customer_id},
        "TotalAmt": total,
        "Line": [
            {"Amount": amount, "LinkedTxn": [{"TxnId": invoice_id, "TxnType": "Invoice"}]},
            {"Amount": amount, "LinkedTxn": [{"TxnId": credit_id, "TxnType": "CreditMemo"}]},
        ],
    }


def documents(qbo: Qbo, credit_price: str = "30") -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """A customer, a 200.00 invoice and a credit memo (no tax: the item is not taxable)."""
    customer, item = new_customer(qbo), new_item(qbo, taxable=False)
    invoice = qbo.create("Invoice", invoice_body(customer["Id"], item["Id"]))
    credit = qbo.create("CreditMemo", invoice_body(customer["Id"], item["Id"], qty="1", price=credit_price))
    return customer, invoice, credit


def test_a_credit_memo_applied_through_a_zero_payment_lowers_both_documents(qbo: Qbo) -> None:
    customer, invoice, credit = documents(qbo)
    assert (credit["TotalAmt"], credit["RemainingCredit"], credit["Balance"]) == (30, 30, 30)
    assert qbo.get(f"customer/{customer['Id']}").json()["Customer"]["Balance"] == 170  # credits count already

    payment = qbo.create("Payment", application(customer["Id"], invoice["Id"], credit["Id"], "30"))

    invoice_now = qbo.get(f"invoice/{invoice['Id']}").json()["Invoice"]
    credit_now = qbo.get(f"creditmemo/{credit['Id']}").json()["CreditMemo"]
    assert (payment["TotalAmt"], payment["UnappliedAmt"]) == (0, 0)
    assert invoice_now["Balance"] == 170
    assert (credit_now["RemainingCredit"], credit_now["Balance"]) == (0, 0)
    assert invoice_now["LinkedTxn"] == credit_now["LinkedTxn"] == [{"TxnId": payment["Id"], "TxnType": "Payment"}]
    assert qbo.get(f"customer/{customer['Id']}").json()["Customer"]["Balance"] == 170  # moved, not lost


def test_more_credit_than_the_memo_has_left_is_refused(qbo: Qbo) -> None:
    customer, invoice, credit = documents(qbo)
    qbo.create("Payment", application(customer["Id"], invoice["Id"], credit["Id"], "20"))

    again = qbo.post("payment", application(customer["Id"], invoice["Id"], credit["Id"], "20"))

    assert again.status_code == 400
    fault = fault_of(again)
    assert fault["code"] == "6000"
    assert (
        fault["Detail"]
        == f"The credit applied (20.00) exceeds the remaining credit 10.00 of credit memo {credit['Id']}."
    )
    assert qbo.get(f"creditmemo/{credit['Id']}").json()["CreditMemo"]["RemainingCredit"] == 10
    assert qbo.get(f"invoice/{invoice['Id']}").json()["Invoice"]["Balance"] == 180


def test_more_credit_than_the_invoice_has_open_is_refused(qbo: Qbo) -> None:
    customer, invoice, credit = documents(qbo, credit_price="250")

    over = qbo.post("payment", application(customer["Id"], invoice["Id"], credit["Id"], "250"))

    assert fault_of(over)["code"] == "6000"
    assert (
        fault_of(over)["Detail"] == f"Payment amount 250.00 exceeds the open balance 200.00 of invoice {invoice['Id']}."
    )
    assert qbo.get(f"creditmemo/{credit['Id']}").json()["CreditMemo"]["RemainingCredit"] == 250


def test_credits_that_outweigh_the_invoices_they_pay_are_refused(qbo: Qbo) -> None:
    customer, invoice, credit = documents(qbo)
    body = application(customer["Id"], invoice["Id"], credit["Id"], "30")
    body["Line"][0]["Amount"] = "10"

    refused = qbo.post("payment", body)

    assert (
        fault_of(refused)["Detail"]
        == "The credits applied (30.00) are more than the invoices they are applied to (10.00)."
    )


def test_a_credit_memo_of_another_customer_is_refused(qbo: Qbo) -> None:
    customer, invoice, _ = documents(qbo)
    other, item = new_customer(qbo, "Someone Else"), new_item(qbo, "Parts", taxable=False)
    foreign = qbo.create("CreditMemo", invoice_body(other["Id"], item["Id"], qty="1", price="5"))

    refused = qbo.post("payment", application(customer["Id"], invoice["Id"], foreign["Id"], "5"))

    assert fault_of(refused)["code"] == "6000"


def test_a_parent_pays_and_credits_the_documents_of_a_job_billed_with_it(qbo: Qbo) -> None:
    parent, item = new_customer(qbo, "Jane Doe"), new_item(qbo, taxable=False)
    job = new_customer(qbo, "Jane Doe - Home", Job=True, ParentRef={"value": parent["Id"]}, BillWithParent=True)
    alone = new_customer(qbo, "Jane Doe - Cabin", Job=True, ParentRef={"value": parent["Id"]}, BillWithParent=False)
    invoice = qbo.create("Invoice", invoice_body(job["Id"], item["Id"]))
    credit = qbo.create("CreditMemo", invoice_body(job["Id"], item["Id"], qty="1", price="30"))
    apart = qbo.create("Invoice", invoice_body(alone["Id"], item["Id"]))

    qbo.create("Payment", application(parent["Id"], invoice["Id"], credit["Id"], "30"))
    refused = qbo.post("payment", {"CustomerRef": {"value": parent["Id"]}, "TotalAmt": "5", "Line": [
        {"Amount": "5", "LinkedTxn": [{"TxnId": apart["Id"], "TxnType": "Invoice"}]}]})  # fmt: skip

    assert qbo.get(f"invoice/{invoice['Id']}").json()["Invoice"]["Balance"] == 170
    assert fault_of(refused)["code"] == "6000"


def test_deleting_the_application_gives_both_documents_back_their_amounts(qbo: Qbo) -> None:
    customer, invoice, credit = documents(qbo)
    payment = qbo.create("Payment", application(customer["Id"], invoice["Id"], credit["Id"], "30"))

    qbo.post("payment", {"Id": payment["Id"], "SyncToken": payment["SyncToken"]}, operation="delete")

    assert qbo.get(f"invoice/{invoice['Id']}").json()["Invoice"]["Balance"] == 200
    assert qbo.get(f"creditmemo/{credit['Id']}").json()["CreditMemo"]["RemainingCredit"] == 30


def test_voiding_the_invoice_releases_the_credit_applied_to_it(qbo: Qbo) -> None:
    customer, invoice, credit = documents(qbo)
    payment = qbo.create("Payment", application(customer["Id"], invoice["Id"], credit["Id"], "30"))
    current = qbo.get(f"invoice/{invoice['Id']}").json()["Invoice"]

    qbo.post("invoice", {"Id": invoice["Id"], "SyncToken": current["SyncToken"]}, operation="void")

    assert qbo.get(f"creditmemo/{credit['Id']}").json()["CreditMemo"]["RemainingCredit"] == 30
    assert qbo.get(f"payment/{payment['Id']}").json()["Payment"]["Line"] == []
