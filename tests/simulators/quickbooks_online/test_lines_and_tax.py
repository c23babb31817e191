"""Line arithmetic (6070) and sales tax per country (providers.md 1.3; IQ error codes 6000, 6070, 6100)."""

from __future__ import annotations

import pytest
from quickbooks import QuickBooks
from quickbooks.exceptions import QuickbooksException
from quickbooks.objects.detailline import SalesItemLine, SalesItemLineDetail
from quickbooks.objects.invoice import Invoice

from local.simulators.quickbooks_online import SimulatorHandle
from tests.simulators.quickbooks_online.conftest import (
    AU_REALM,
    CA_REALM,
    UK_REALM,
    Qbo,
    connect,
    fault_of,
    invoice_body,
    make_customer,
    make_item,
    new_customer,
    new_item,
    sales_line,
)


def line_with_amount(item_id: str, amount: str, **detail: str) -> dict:
    return {
        "DetailType": "SalesItemLineDetail",
        "Amount": amount,
        "SalesItemLineDetail": {"ItemRef": {"value": item_id}, **detail},
    }


def test_an_amount_that_is_not_qty_times_unit_price_is_refused_with_6070(qbo: Qbo) -> None:
    customer, item = new_customer(qbo), new_item(qbo)
    body = {
        "CustomerRef": {"value": customer["Id"]},
        "Line": [line_with_amount(item["Id"], "1000", Qty="7", UnitPrice="225")],
    }

    reply = qbo.post("invoice", body)

    assert reply.status_code == 400
    assert fault_of(reply) == {
        "Message": "Amount calculation incorrect in the request",
        "Detail": "Amount is not equal to UnitPrice * Qty. Supplied value:1,000",
        "code": "6070",
        "element": "",
    }
    assert "Invoice" not in qbo.query("select * from Invoice").json()["QueryResponse"]


def test_the_amount_must_match_to_the_cent_rounded_half_up(qbo: Qbo) -> None:
    customer, item = new_customer(qbo), new_item(qbo, taxable=False)
    exact = line_with_amount(item["Id"], "1861.08", Qty="128.350", UnitPrice="14.50")  # 1861.075 → .08
    truncated = line_with_amount(item["Id"], "1861.07", Qty="128.350", UnitPrice="14.50")

    accepted = qbo.post("invoice", {"CustomerRef": {"value": customer["Id"]}, "Line": [exact]})
    refused = qbo.post("invoice", {"CustomerRef": {"value": customer["Id"]}, "Line": [truncated]})

    assert accepted.json()["Invoice"]["TotalAmt"] == 1861.08
    assert fault_of(refused)["Detail"] == "Amount is not equal to UnitPrice * Qty. Supplied value:1,861.07"


def test_an_amount_of_zero_with_a_non_zero_price_is_refused(qbo: Qbo) -> None:
    customer, item = new_customer(qbo), new_item(qbo)

    reply = qbo.post(
        "invoice",
        {"CustomerRef": {"value": customer["Id"]}, "Line": [line_with_amount(item["Id"], "0", UnitPrice="75")]},
    )

    assert fault_of(reply)["code"] == "6070"


def test_a_sales_line_without_an_amount_is_2020(qbo: Qbo) -> None:
    customer, item = new_customer(qbo), new_item(qbo)
    line = sales_line(item["Id"])
    del line["Amount"]

    reply = qbo.post("invoice", {"CustomerRef": {"value": customer["Id"]}, "Line": [line]})

    assert (fault_of(reply)["code"], fault_of(reply)["Detail"]) == (
        "2020",
        "Required parameter Line.Amount is missing in the request",
    )


def test_python_quickbooks_leaving_amount_at_its_default_of_zero_gets_6070(qb: QuickBooks) -> None:
    customer, item = make_customer(qb, "Default Amount"), make_item(qb)
    line = SalesItemLine()  # the library's Amount defaults to 0
    line.SalesItemLineDetail = SalesItemLineDetail()
    line.SalesItemLineDetail.ItemRef = item.to_ref()
    line.SalesItemLineDetail.Qty = 2
    line.SalesItemLineDetail.UnitPrice = 120
    invoice = Invoice()
    invoice.CustomerRef = customer.to_ref()
    invoice.Line = [line]

    with pytest.raises(QuickbooksException) as refused:
        invoice.save(qb=qb)

    assert refused.value.error_code == 6070


def test_a_us_line_tax_code_other_than_tax_or_non_is_6100(qbo: Qbo) -> None:
    customer, item = new_customer(qbo), new_item(qbo)
    body = invoice_body(customer["Id"], item["Id"])
    body["Line"][0]["SalesItemLineDetail"]["TaxCodeRef"] = {"value": "2"}

    reply = qbo.post("invoice", body)

    assert fault_of(reply)["code"] == "6100"
    assert fault_of(reply)["Detail"] == "Valid Line TaxCodes for US should be TAX or NON. Supplied value:2"


@pytest.mark.parametrize(
    ("realm", "tax_name"),
    [(UK_REALM, "VAT"), (CA_REALM, "GST/HST"), (AU_REALM, "GST")],
)
def test_outside_the_us_a_sales_line_without_a_tax_code_is_refused(
    sim: SimulatorHandle, realm: str, tax_name: str
) -> None:
    books = connect(sim, realm)
    customer, item = new_customer(books), new_item(books)

    reply = books.post("invoice", invoice_body(customer["Id"], item["Id"]))

    assert reply.status_code == 400
    assert fault_of(reply)["code"] == "6000"
    assert fault_of(reply)["Detail"] == (
        f"Business Validation Error: Make sure all your transactions have a {tax_name} rate before you save."
    )


@pytest.mark.parametrize(
    ("realm", "currency", "tax"), [(UK_REALM, "GBP", 40), (CA_REALM, "CAD", 10), (AU_REALM, "AUD", 20)]
)
def test_outside_the_us_tax_comes_from_the_line_codes_rates(
    sim: SimulatorHandle, realm: str, currency: str, tax: int
) -> None:
    books = connect(sim, realm)
    customer, item = new_customer(books), new_item(books)
    standard, zero = (code["Id"] for code in books.query("select * from TaxCode").json()["QueryResponse"]["TaxCode"])
    body = {
        "CustomerRef": {"value": customer["Id"]},
        "Line": [
            sales_line(item["Id"], "2", "100", TaxCodeRef={"value": standard}),
            sales_line(item["Id"], "1", "50", TaxCodeRef={"value": zero}),
        ],
    }

    invoice = books.create("Invoice", body)

    detail = invoice["TxnTaxDetail"]
    assert (detail["TotalTax"], invoice["TotalAmt"], invoice["CurrencyRef"]["value"]) == (tax, 250 + tax, currency)
    assert [line["TaxLineDetail"]["NetAmountTaxable"] for line in detail["TaxLine"]] == [200, 50]
    assert [line["Amount"] for line in detail["TaxLine"]] == [tax, 0]
    assert invoice["GlobalTaxCalculation"] == "TaxExcluded"
