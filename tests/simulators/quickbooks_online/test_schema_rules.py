"""What the schema refuses: unknown properties (2010), over-long strings (2050), queries on missing
properties (4001), unsupported entities (500, not 610), and the read-only fields it ignores."""

from __future__ import annotations

import httpx
import pytest
from quickbooks import QuickBooks
from quickbooks.objects.customer import Customer

from local.simulators.quickbooks_online import SimulatorHandle, running_simulator
from tests.simulators.quickbooks_online.conftest import (
    REALM,
    Qbo,
    connect,
    fault_of,
    invoice_body,
    make_customer,
    new_customer,
    new_item,
    sim_config,
)


def test_an_unknown_top_level_field_is_refused_with_2010_and_nothing_is_stored(sim: SimulatorHandle, qbo: Qbo) -> None:
    reply = qbo.post("customer", {"DisplayName": "Acme", "FavouriteColour": "teal"})

    assert reply.status_code == 400
    assert fault_of(reply) == {
        "Message": "Request has invalid or unsupported property",
        "Detail": 'Property Name:Unrecognized field "FavouriteColour" (class com.intuit.schema.finance.v3.Customer), '
        "not marked as ignorable specified is unsupported or invalid",
        "code": "2010",
        "element": "",
    }
    assert sim.admin.count(REALM, "Customer") == 0


def test_an_unknown_nested_field_is_refused_naming_its_class(qbo: Qbo) -> None:
    customer, item = new_customer(qbo), new_item(qbo)
    body = invoice_body(customer["Id"], item["Id"])
    body["Line"][0]["SalesItemLineDetail"]["Discount"] = "5"
    address = qbo.post("customer", {"DisplayName": "Nested", "BillAddr": {"Line1": "1 Main St", "Street": "Main"}})

    line = qbo.post("invoice", body)

    assert (
        'Unrecognized field "Discount" (class com.intuit.schema.finance.v3.SalesItemLineDetail)'
        in (fault_of(line)["Detail"])
    )
    assert (
        'Unrecognized field "Street" (class com.intuit.schema.finance.v3.PhysicalAddress)'
        in (fault_of(address)["Detail"])
    )


def test_a_full_update_sending_balance_zero_leaves_the_open_balance_alone(qbo: Qbo) -> None:
    customer, item = new_customer(qbo), new_item(qbo, taxable=False)
    qbo.create("Invoice", invoice_body(customer["Id"], item["Id"]))
    current = qbo.get(f"customer/{customer['Id']}").json()["Customer"]

    body = {
        **current,
        "Balance": 0,
        "BalanceWithJobs": 0,
        "Notes": "full update",
        "MetaData": {"CreateTime": "2001-01-01T00:00:00-08:00"},
    }
    updated = qbo.post("customer", body).json()["Customer"]

    assert (updated["Balance"], updated["BalanceWithJobs"], updated["Notes"]) == (200, 200, "full update")
    assert updated["MetaData"]["CreateTime"] == current["MetaData"]["CreateTime"]


def test_python_quickbooks_customer_save_keeps_the_balance(qbo: Qbo, qb: QuickBooks) -> None:
    """The library sends `Balance: 0` (its default) back on every full update."""
    customer = make_customer(qb, "Owes Money")
    item = new_item(qbo, taxable=False)
    qbo.create("Invoice", invoice_body(customer.Id, item["Id"]))

    fetched = Customer.get(customer.Id, qb=qb)
    fetched.Balance = 0
    fetched.CompanyName = "Owes Money Ltd"
    saved = fetched.save(qb=qb)

    assert (saved.Balance, saved.CompanyName) == (200, "Owes Money Ltd")


@pytest.mark.parametrize(
    ("entity", "field", "limit"),
    [
        ("Customer", "DisplayName", 500),
        ("Customer", "GivenName", 100),
        ("Customer", "FamilyName", 100),
        ("Customer", "Title", 16),
        ("Customer", "CompanyName", 100),
        ("Vendor", "DisplayName", 500),
        ("Employee", "GivenName", 100),
    ],
)
def test_names_over_their_limit_are_2050_naming_the_field(qbo: Qbo, entity: str, field: str, limit: int) -> None:
    fine = qbo.post(entity.lower(), {"DisplayName": "Fits", field: "x" * limit})
    over = qbo.post(entity.lower(), {"DisplayName": "Too long", field: "y" * (limit + 1)})

    assert fine.status_code == 200, fine.text
    assert over.status_code == 400
    assert fault_of(over) == {
        "Message": "String length is either shorter or longer than supported by specification",
        "Detail": f"String length specified does not match the supported length. Min:0 Max:{limit} supported. "
        f"Supplied length:{limit + 1}",
        "code": "2050",
        "element": field,
    }


def test_email_item_name_and_doc_number_limits(qbo: Qbo) -> None:
    long_email = "a" * 95 + "@x.com"  # 101 characters
    customer, item = new_customer(qbo), new_item(qbo)
    invoice = {**invoice_body(customer["Id"], item["Id"]), "DocNumber": "INV-" + "9" * 18}  # 22

    email = qbo.post("customer", {"DisplayName": "Mail", "PrimaryEmailAddr": {"Address": long_email}})
    name = qbo.post("item", {"Name": "n" * 101, "Type": "Service", "IncomeAccountRef": {"value": "1"}})
    number = qbo.post("invoice", invoice)

    assert [fault_of(reply)["element"] for reply in (email, name, number)] == [
        "PrimaryEmailAddr.Address",
        "Name",
        "DocNumber",
    ]
    assert {fault_of(reply)["code"] for reply in (email, name, number)} == {"2050"}
    assert "Max:21 supported. Supplied length:22" in fault_of(number)["Detail"]


def test_address_parts_over_their_limit_are_2050_naming_the_part(qbo: Qbo) -> None:
    city = qbo.post("customer", {"DisplayName": "Far", "BillAddr": {"City": "c" * 256}})
    postcode = qbo.post("customer", {"DisplayName": "Far", "ShipAddr": {"PostalCode": "9" * 31}})
    fits = qbo.post("customer", {"DisplayName": "Far", "BillAddr": {"Line1": "l" * 500, "City": "c" * 255}})

    assert [fault_of(reply)["element"] for reply in (city, postcode)] == ["BillAddr.City", "ShipAddr.PostalCode"]
    assert fits.status_code == 200


def test_a_query_on_a_property_the_entity_lacks_is_4001(qbo: Qbo) -> None:
    new_customer(qbo)

    where = qbo.query("select * from Customer where Colour = 'teal'")
    order = qbo.query("select * from Item orderby Shoe")
    nested = qbo.query("select * from Customer where MetaData.Birthday > '2020-01-01'")

    assert where.status_code == 400
    assert fault_of(where) == {
        "Message": "Invalid query",
        "Detail": "QueryValidationError: Property Colour not found for Entity Customer",
        "code": "4001",
        "element": "",
    }
    assert [fault_of(reply)["code"] for reply in (order, nested)] == ["4001", "4001"]
    assert qbo.query("select * from Customer where PrimaryEmailAddr = 'x@y.z'").status_code == 200


def test_an_unsupported_entity_is_not_reported_as_a_missing_record(qbo: Qbo) -> None:
    unsupported_read = qbo.get("timeactivity/1")
    unsupported_write = qbo.post("purchaseorder", {"VendorRef": {"value": "1"}})
    missing = qbo.get("customer/999")

    assert [fault_of(reply)["code"] for reply in (unsupported_read, unsupported_write)] == ["500", "500"]
    assert fault_of(unsupported_read)["Message"] == "Unsupported Operation"
    assert fault_of(unsupported_read)["Detail"] == (
        "Operation No resource method found for GET, return 405 with Allow header is not supported."
    )
    assert fault_of(missing)["code"] == "610"


def test_access_tokens_up_to_4096_characters_are_accepted() -> None:
    with running_simulator(sim_config(access_token_length=4096)) as sim:
        books = connect(sim)
        accepted = books.get("companyinfo/1")
        too_long = httpx.get(
            f"{sim.company_url(REALM)}/companyinfo/1", headers={"Authorization": "Bearer " + "t" * 4097}
        )

    assert len(books.tokens["access_token"]) == 4096
    assert accepted.status_code == 200
    assert too_long.status_code == 401
    assert too_long.json()["fault"]["error"][0]["detail"] == "Malformed bearer token: too short or too long"
