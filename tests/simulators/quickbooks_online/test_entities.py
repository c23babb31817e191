"""Entity rules (providers.md 1.3–1.5): SyncToken, sparse/full update, names, references, totals."""

from __future__ import annotations

from decimal import Decimal

from local.simulators.quickbooks_online import SimulatorHandle
from tests.simulators.quickbooks_online.conftest import (
    OTHER_REALM,
    REALM,
    UK_REALM,
    Qbo,
    connect,
    fault_of,
    invoice_body,
    new_customer,
    new_item,
    sales_line,
)

DUPLICATE_NAME = {
    "Message": "Duplicate Name Exists Error",
    "Detail": "The name supplied already exists. : Another customer, vendor or employee is already using "
    "this name. Please use a different name.",
    "code": "6240",
    "element": "",
}
STALE = {
    "Message": "Stale Object Error",
    "Detail": "Stale Object Error : You and API API were working on this at the same time. API API finished "
    "before you did, so your work was not saved.",
    "code": "5010",
    "element": "",
}
NOT_FOUND_DETAIL = (
    "Object Not Found : Something you're trying to use has been made inactive. "
    "Check the fields with accounts, customers, items, vendors or employees."
)


def test_create_and_read_a_customer_with_server_fields(qbo: Qbo) -> None:
    created = new_customer(qbo, PrimaryEmailAddr={"Address": "ops@acme.example"})

    read = qbo.get(f"customer/{created['Id']}")

    assert read.status_code == 200
    assert read.headers["intuit_tid"]
    body = read.json()
    assert body["Customer"] == created
    assert created["SyncToken"] == "0"
    assert created["FullyQualifiedName"] == "Acme Plumbing"
    assert created["Active"] is True
    assert {"CreateTime", "LastUpdatedTime"} <= created["MetaData"].keys()
    assert body["time"]


def test_duplicate_display_name_is_6240_with_intuits_exact_body(qbo: Qbo) -> None:
    new_customer(qbo, "Acme Plumbing")

    reply = qbo.post("customer", {"DisplayName": "acme plumbing"})

    assert reply.status_code == 400
    assert reply.json()["Fault"] == {"Error": [DUPLICATE_NAME], "type": "ValidationFault"}


def test_sparse_update_touches_only_sent_fields_and_bumps_synctoken(qbo: Qbo) -> None:
    created = new_customer(qbo, CompanyName="Acme LLC")

    reply = qbo.post("customer", {"Id": created["Id"], "SyncToken": "0", "sparse": True, "Notes": "VIP"})

    updated = reply.json()["Customer"]
    assert (updated["SyncToken"], updated["Notes"], updated["CompanyName"]) == ("1", "VIP", "Acme LLC")


def test_full_update_replaces_the_object(qbo: Qbo) -> None:
    created = new_customer(qbo, CompanyName="Acme LLC")

    reply = qbo.post("customer", {"Id": created["Id"], "SyncToken": "0", "DisplayName": "Acme Two"})

    updated = reply.json()["Customer"]
    assert updated["DisplayName"] == "Acme Two"
    assert "CompanyName" not in updated


def test_stale_synctoken_is_5010(qbo: Qbo) -> None:
    created = new_customer(qbo)
    qbo.post("customer", {"Id": created["Id"], "SyncToken": "0", "sparse": True, "Notes": "first"})

    reply = qbo.post("customer", {"Id": created["Id"], "SyncToken": "0", "sparse": True, "Notes": "second"})

    assert reply.status_code == 400
    assert fault_of(reply) == STALE


def test_reading_a_missing_object_is_610_not_found(qbo: Qbo) -> None:
    reply = qbo.get("customer/999")

    assert reply.status_code == 404
    assert fault_of(reply) == {
        "Message": "Object Not Found",
        "Detail": NOT_FOUND_DETAIL,
        "code": "610",
        "element": "",
    }


def test_names_are_made_inactive_not_deleted(qbo: Qbo) -> None:
    created = new_customer(qbo)

    assert (
        qbo.post("customer", {"Id": created["Id"], "SyncToken": "0"}, operation="delete").json()["Fault"]["Error"][0][
            "code"
        ]
        == "500"
    )
    qbo.post("customer", {"Id": created["Id"], "SyncToken": "0", "sparse": True, "Active": False})

    assert "Customer" not in qbo.query("select * from Customer").json()["QueryResponse"]
    listed = qbo.query("select * from Customer where Active IN (true, false)").json()["QueryResponse"]
    assert [c["Active"] for c in listed["Customer"]] == [False]


def test_a_reference_to_an_inactive_name_is_610_and_to_a_missing_one_2500(qbo: Qbo) -> None:
    customer = new_customer(qbo)
    item = new_item(qbo)
    qbo.post("customer", {"Id": customer["Id"], "SyncToken": "0", "sparse": True, "Active": False})

    inactive = qbo.post("invoice", invoice_body(customer["Id"], item["Id"]))
    missing = qbo.post("invoice", invoice_body("4242", item["Id"]))

    assert (inactive.status_code, fault_of(inactive)["code"]) == (400, "610")
    assert (missing.status_code, fault_of(missing)["code"]) == (400, "2500")
    assert fault_of(missing)["Message"] == "Invalid Reference Id"


def test_sub_customers_are_jobs_with_a_qualified_name(qbo: Qbo) -> None:
    parent = new_customer(qbo, "Acme")

    job = new_customer(qbo, "Kitchen remodel", ParentRef={"value": parent["Id"]}, Job=True)

    assert (job["Job"], job["Level"], job["FullyQualifiedName"]) == (True, 1, "Acme:Kitchen remodel")
    assert fault_of(qbo.post("customer", {"DisplayName": "Bad:Name"}))["code"] == "6000"


def test_invoice_totals_and_tax_are_computed_by_the_server(qbo: Qbo) -> None:
    customer = new_customer(qbo)
    taxable = new_item(qbo, "Labor", taxable=True)
    exempt = new_item(qbo, "Permit fee", taxable=False)
    body = invoice_body(customer["Id"], taxable["Id"], qty="2", price="100.005")
    body["Line"].append(sales_line(exempt["Id"], qty="1", price="50"))

    invoice = qbo.create("Invoice", body)

    assert [line["Amount"] for line in invoice["Line"]] == [200.01, 50, 250.01]
    assert invoice["Line"][-1]["DetailType"] == "SubTotalLineDetail"
    assert invoice["TxnTaxDetail"]["TotalTax"] == 14.5  # 7.25 % of 200.01, half-up to the cent
    assert invoice["TotalAmt"] == invoice["Balance"] == 264.51
    assert invoice["DocNumber"] == "1001"


def test_an_explicit_us_tax_amount_is_honoured(qbo: Qbo) -> None:
    customer, item = new_customer(qbo), new_item(qbo)
    body = {**invoice_body(customer["Id"], item["Id"]), "TxnTaxDetail": {"TotalTax": 3}}

    assert qbo.create("Invoice", body)["TotalAmt"] == 203


def test_non_us_lines_carry_their_own_tax_code(sim: SimulatorHandle) -> None:
    uk = connect(sim, UK_REALM)
    customer, item = new_customer(uk), new_item(uk)
    body = invoice_body(customer["Id"], item["Id"])
    body["Line"][0]["SalesItemLineDetail"]["TaxCodeRef"] = {"value": "3"}

    invoice = uk.create("Invoice", body)

    assert (invoice["TxnTaxDetail"]["TotalTax"], invoice["TotalAmt"]) == (40, 240)
    assert invoice["CurrencyRef"]["value"] == "GBP"


def test_a_payment_applied_through_linkedtxn_reduces_the_invoice_balance(qbo: Qbo) -> None:
    customer, item = new_customer(qbo), new_item(qbo, taxable=False)
    invoice = qbo.create("Invoice", invoice_body(customer["Id"], item["Id"]))
    link = {"Amount": 150, "LinkedTxn": [{"TxnId": invoice["Id"], "TxnType": "Invoice"}]}

    payment = qbo.create("Payment", {"CustomerRef": {"value": customer["Id"]}, "TotalAmt": 160, "Line": [link]})

    paid = qbo.get(f"invoice/{invoice['Id']}").json()["Invoice"]
    assert payment["UnappliedAmt"] == 10
    assert paid["Balance"] == 50
    assert paid["LinkedTxn"] == [{"TxnId": payment["Id"], "TxnType": "Payment"}]
    assert paid["SyncToken"] == "1"
    assert qbo.get(f"customer/{customer['Id']}").json()["Customer"]["Balance"] == 50
    too_much = {"Amount": 60, "LinkedTxn": [{"TxnId": invoice["Id"], "TxnType": "Invoice"}]}
    over = qbo.post("payment", {"CustomerRef": {"value": customer["Id"]}, "TotalAmt": 60, "Line": [too_much]})
    assert fault_of(over)["code"] == "6000"


def test_voiding_an_invoice_zeroes_amounts_and_notes_voided(qbo: Qbo) -> None:
    customer, item = new_customer(qbo), new_item(qbo)
    invoice = qbo.create("Invoice", {**invoice_body(customer["Id"], item["Id"]), "PrivateNote": "job 7"})

    reply = qbo.post("invoice", {"Id": invoice["Id"], "SyncToken": invoice["SyncToken"]}, operation="void")

    voided = reply.json()["Invoice"]
    assert (voided["TotalAmt"], voided["Balance"], voided["TxnTaxDetail"]["TotalTax"]) == (0, 0, 0)
    assert all(line["Amount"] == 0 for line in voided["Line"])
    assert voided["PrivateNote"] == "Voided - job 7"
    assert voided["SyncToken"] == "1"


def test_payment_void_uses_update_include_void(qbo: Qbo) -> None:
    customer, item = new_customer(qbo), new_item(qbo, taxable=False)
    invoice = qbo.create("Invoice", invoice_body(customer["Id"], item["Id"]))
    link = {"Amount": 200, "LinkedTxn": [{"TxnId": invoice["Id"], "TxnType": "Invoice"}]}
    payment = qbo.create("Payment", {"CustomerRef": {"value": customer["Id"]}, "TotalAmt": 200, "Line": [link]})

    body = {"Id": payment["Id"], "SyncToken": payment["SyncToken"], "sparse": True}
    voided = qbo.post("payment", body, operation="update", include="void").json()["Payment"]

    assert (voided["TotalAmt"], voided["PrivateNote"]) == (0, "Voided")
    assert qbo.get(f"invoice/{invoice['Id']}").json()["Invoice"]["Balance"] == 200


def test_deleting_a_transaction_leaves_it_unreadable(qbo: Qbo) -> None:
    customer, item = new_customer(qbo), new_item(qbo)
    invoice = qbo.create("Invoice", invoice_body(customer["Id"], item["Id"]))

    reply = qbo.post("invoice", {"Id": invoice["Id"], "SyncToken": "0"}, operation="delete")

    assert reply.json()["Invoice"] == {"status": "Deleted", "domain": "QBO", "Id": invoice["Id"]}
    assert qbo.get(f"invoice/{invoice['Id']}").status_code == 404


def test_item_needs_an_income_account_and_a_supported_type(qbo: Qbo) -> None:
    missing = qbo.post("item", {"Name": "Widget", "Type": "Service"})
    inventory = qbo.post("item", {"Name": "Widget", "Type": "Inventory", "IncomeAccountRef": {"value": "1"}})

    assert fault_of(missing)["code"] == "2020"
    assert fault_of(inventory)["code"] == "2010"


def test_reference_entities_read_but_cannot_be_created(qbo: Qbo) -> None:
    info = qbo.get(f"companyinfo/{REALM}").json()["CompanyInfo"]
    codes = qbo.query("select * from TaxCode").json()["QueryResponse"]["TaxCode"]
    rates = qbo.query("select * from TaxRate").json()["QueryResponse"]["TaxRate"]
    accounts = qbo.query("select * from Account where AccountType = 'Income'").json()["QueryResponse"]["Account"]

    assert info["CompanyName"] == "Sim Field Services LLC"
    assert {code["Id"] for code in codes} >= {"TAX", "NON"}
    assert rates[0]["RateValue"] == 7.25
    assert {account["Name"] for account in accounts} == {"Services", "Sales of Product Income"}
    assert fault_of(qbo.post("taxcode", {"Name": "X"}))["code"] == "500"


def test_companies_keep_their_data_apart(sim: SimulatorHandle, qbo: Qbo) -> None:
    new_customer(qbo, "Only in the first")
    other = connect(sim, OTHER_REALM)

    assert "Customer" not in other.query("select * from Customer").json()["QueryResponse"]
    assert new_customer(other, "Only in the first")["Id"] == "1"
    assert sim.admin.count(REALM, "Customer") == sim.admin.count(OTHER_REALM, "Customer") == 1


def test_money_stays_exact(qbo: Qbo) -> None:
    customer, item = new_customer(qbo), new_item(qbo, taxable=False)
    invoice = qbo.create("Invoice", invoice_body(customer["Id"], item["Id"], qty="3", price="0.1"))

    assert Decimal(str(invoice["TotalAmt"])) == Decimal("0.30")
