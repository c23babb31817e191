"""Names (providers.md 1.3, 1.4): one namespace for customers, vendors and employees (6240), and
what making a name inactive does."""

from __future__ import annotations

import pytest
from quickbooks import QuickBooks
from quickbooks.exceptions import QuickbooksException
from quickbooks.objects.customer import Customer
from quickbooks.objects.employee import Employee
from quickbooks.objects.vendor import Vendor

from local.simulators.quickbooks_online import SimulatorHandle
from tests.simulators.quickbooks_online.conftest import (
    REALM,
    Qbo,
    fault_of,
    invoice_body,
    new_customer,
    new_item,
)


def deactivate(qbo: Qbo, entity: str, record: dict) -> dict:
    body = {"Id": record["Id"], "SyncToken": record["SyncToken"], "sparse": True, "Active": False}
    reply = qbo.post(entity.lower(), body)
    assert reply.status_code == 200, reply.text
    return reply.json()[entity]


def test_vendors_and_employees_are_created_read_and_queried(qbo: Qbo) -> None:
    vendor = qbo.create("Vendor", {"DisplayName": "Rooter Subcontracting", "CompanyName": "Rooter LLC"})
    employee = qbo.create("Employee", {"GivenName": "Dana", "FamilyName": "Tech"})

    read = qbo.get(f"vendor/{vendor['Id']}").json()["Vendor"]
    employees = qbo.query("select * from Employee where DisplayName = 'Dana Tech'").json()["QueryResponse"]

    assert (read["DisplayName"], read["Balance"], read["SyncToken"]) == ("Rooter Subcontracting", 0, "0")
    assert employee["DisplayName"] == "Dana Tech"
    assert [e["Id"] for e in employees["Employee"]] == [employee["Id"]]
    assert fault_of(qbo.post("employee", {"Active": True}))["code"] == "6080"


@pytest.mark.parametrize("other", ["Vendor", "Employee"])
def test_a_customer_named_like_a_vendor_or_employee_is_6240(qbo: Qbo, other: str) -> None:
    qbo.create(other, {"DisplayName": "Sam Rivera"})

    customer = qbo.post("customer", {"DisplayName": "sam rivera"})
    back_again = qbo.post(other.lower(), {"DisplayName": "Pat Other"})
    qbo.create("Customer", {"DisplayName": "Pat Customer"})
    clash_the_other_way = qbo.post(other.lower(), {"DisplayName": "Pat Customer"})

    assert (customer.status_code, fault_of(customer)["code"]) == (400, "6240")
    assert "Another customer, vendor or employee is already using this name." in fault_of(customer)["Detail"]
    assert back_again.status_code == 200
    assert fault_of(clash_the_other_way)["code"] == "6240"


def test_python_quickbooks_sees_a_customer_clash_with_an_employee(qb: QuickBooks) -> None:
    employee = Employee()
    employee.GivenName, employee.FamilyName = "Jordan", "Lee"
    employee.save(qb=qb)
    vendor = Vendor()
    vendor.DisplayName = "Pipe Supply Co"
    saved_vendor = vendor.save(qb=qb)
    customer = Customer()
    customer.DisplayName = "Jordan Lee"

    with pytest.raises(QuickbooksException) as clash:
        customer.save(qb=qb)

    assert clash.value.error_code == 6240
    assert [v.DisplayName for v in Vendor.filter(DisplayName="Pipe Supply Co", qb=qb)] == ["Pipe Supply Co"]
    assert Vendor.get(saved_vendor.Id, qb=qb).DisplayName == "Pipe Supply Co"


def test_a_deactivated_customer_is_renamed_and_frees_its_name(qbo: Qbo) -> None:
    old = new_customer(qbo, "Acme Plumbing")

    inactive = deactivate(qbo, "Customer", old)
    fresh = new_customer(qbo, "Acme Plumbing")

    assert (inactive["DisplayName"], inactive["FullyQualifiedName"]) == (
        "Acme Plumbing (deleted)",
        "Acme Plumbing (deleted)",
    )
    assert inactive["Active"] is False
    assert fresh["Id"] != old["Id"]
    every = qbo.query("select * from Customer where Active IN (true, false) orderby Id").json()["QueryResponse"]
    assert [c["DisplayName"] for c in every["Customer"]] == ["Acme Plumbing (deleted)", "Acme Plumbing"]


def test_a_deactivated_item_is_renamed_and_frees_its_name(qbo: Qbo) -> None:
    old = new_item(qbo, "Labor")

    inactive = deactivate(qbo, "Item", old)
    fresh = new_item(qbo, "Labor")

    assert inactive["Name"] == "Labor (deleted)"
    assert fresh["Name"] == "Labor"


def test_a_customer_with_an_open_balance_cannot_be_made_inactive(sim: SimulatorHandle, qbo: Qbo) -> None:
    customer, item = new_customer(qbo), new_item(qbo, taxable=False)
    qbo.create("Invoice", invoice_body(customer["Id"], item["Id"]))
    current = qbo.get(f"customer/{customer['Id']}").json()["Customer"]

    reply = qbo.post(
        "customer", {"Id": current["Id"], "SyncToken": current["SyncToken"], "sparse": True, "Active": False}
    )

    assert reply.status_code == 400
    assert fault_of(reply)["Message"] == "Delete List Has Balance Error"
    assert fault_of(reply)["Detail"] == (
        "The entity you are trying to delete has an open balance. : "
        "This customer cannot be deleted because it has a non-zero balance"
    )
    still = sim.admin.data(REALM, "Customer")["Customer"][0]
    assert (still["Active"], still["DisplayName"]) == (True, "Acme Plumbing")


def test_a_parent_whose_job_owes_money_cannot_be_made_inactive(qbo: Qbo) -> None:
    parent = new_customer(qbo, "Acme")
    job = new_customer(qbo, "Kitchen", ParentRef={"value": parent["Id"]}, Job=True)
    qbo.create("Invoice", invoice_body(job["Id"], new_item(qbo, taxable=False)["Id"]))
    current = qbo.get(f"customer/{parent['Id']}").json()["Customer"]

    reply = qbo.post(
        "customer", {"Id": current["Id"], "SyncToken": current["SyncToken"], "sparse": True, "Active": False}
    )

    assert (current["Balance"], current["BalanceWithJobs"]) == (0, 200)
    assert fault_of(reply)["Message"] == "Delete List Has Balance Error"
