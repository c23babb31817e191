"""Entity rules (providers.md 2.3): contacts, items, invoices and their status machine, credit notes
with allocations, payments; PUT creates and POST upserts. Every body is checked against the spec."""

from __future__ import annotations

from local.simulators.xero import SimulatorHandle
from tests.simulators.xero.conftest import (
    AU,
    GB,
    US,
    Xero,
    connect,
    invoice_body,
    new_contact,
    new_item,
    validation_messages,
)
from tests.simulators.xero.spec import SpecValidator

DUPLICATE_NAME = (
    "The contact name Acme Plumbing is already assigned to another contact. "
    "The contact name must be unique across all active contacts."
)


def new_invoice(xero: Xero, **fields: object) -> dict:
    contact = new_contact(xero, name=str(fields.pop("contact_name", "Acme Plumbing")))
    return xero.create("Invoices", invoice_body(contact["ContactID"], **fields))


def test_contact_names_are_unique_among_active_contacts_with_xeros_message(xero: Xero) -> None:
    first = new_contact(xero)

    duplicate = xero.put("Contacts", {"Contacts": [{"Name": "acme plumbing"}]})
    xero.post(f"Contacts/{first['ContactID']}", {"ContactStatus": "ARCHIVED"})
    after_archive = xero.put("Contacts", {"Contacts": [{"Name": "Acme Plumbing"}]})

    assert duplicate.status_code == 400
    assert duplicate.json()["Type"] == "ValidationException"
    assert validation_messages(duplicate) == [DUPLICATE_NAME.replace("Acme Plumbing", "acme plumbing")]
    assert after_archive.status_code == 200


def test_archived_contacts_are_hidden_unless_include_archived(xero: Xero) -> None:
    kept, archived = new_contact(xero, "Kept"), new_contact(xero, "Gone")
    xero.post("Contacts", {"Contacts": [{"ContactID": archived["ContactID"], "ContactStatus": "ARCHIVED"}]})

    default = xero.get("Contacts").json()["Contacts"]
    everything = xero.get("Contacts", includeArchived="true").json()["Contacts"]

    assert [c["ContactID"] for c in default] == [kept["ContactID"]]
    assert {c["ContactStatus"] for c in everything} == {"ACTIVE", "ARCHIVED"}


def test_post_updates_only_the_fields_sent_and_put_refuses_an_existing_id(xero: Xero) -> None:
    contact = new_contact(xero, EmailAddress="office@acme.example")

    updated = xero.post(f"Contacts/{contact['ContactID']}", {"FirstName": "Ada"}).json()["Contacts"][0]
    put_again = xero.put("Contacts", {"Contacts": [{"ContactID": contact["ContactID"], "Name": "X"}]})

    assert (updated["FirstName"], updated["EmailAddress"], updated["Name"]) == (
        "Ada",
        "office@acme.example",
        "Acme Plumbing",
    )
    assert put_again.status_code == 400


def test_item_codes_are_unique_and_limited_to_30_characters_names_to_50(xero: Xero) -> None:
    new_item(xero, code="LAB-1")

    duplicate = xero.put("Items", {"Items": [{"Code": "LAB-1"}]})
    long_code = xero.put("Items", {"Items": [{"Code": "C" * 31}]})
    long_name = xero.put("Items", {"Items": [{"Code": "OK", "Name": "N" * 51}]})
    upserted = xero.post("Items", {"Items": [{"Code": "LAB-1", "Name": "Labour (hour)"}]})

    assert [r.status_code for r in (duplicate, long_code, long_name)] == [400, 400, 400]
    assert validation_messages(duplicate) == ["Item code 'LAB-1' already exists."]
    assert "30 characters" in validation_messages(long_code)[0]
    assert upserted.json()["Items"][0]["Name"] == "Labour (hour)"
    assert len(xero.get("Items").json()["Items"]) == 1


def test_an_invoice_computes_its_tax_and_totals_per_line(xero: Xero) -> None:
    contact = new_contact(xero)
    new_item(xero, code="LAB-1", price=75.00)
    lines = [
        {"ItemCode": "LAB-1", "Quantity": 3},
        {"Description": "Parts", "Quantity": 1, "UnitAmount": 19.99, "AccountCode": "200", "TaxType": "OUTPUT2"},
    ]

    invoice = xero.create("Invoices", invoice_body(contact["ContactID"], LineItems=lines))

    assert [line["LineAmount"] for line in invoice["LineItems"]] == [225.0, 19.99]
    assert [line["TaxAmount"] for line in invoice["LineItems"]] == [45.0, 4.0]
    assert (invoice["SubTotal"], invoice["TotalTax"], invoice["Total"], invoice["AmountDue"]) == (
        244.99,
        49.0,
        293.99,
        293.99,
    )
    assert invoice["InvoiceNumber"] == "INV-0001"
    assert invoice["Date"] == "/Date(1795996800000+0000)/"


def test_inclusive_and_no_tax_line_amounts(xero: Xero) -> None:
    contact = new_contact(xero)

    inclusive = xero.create("Invoices", invoice_body(contact["ContactID"], LineAmountTypes="Inclusive"))
    no_tax = xero.create("Invoices", invoice_body(contact["ContactID"], LineAmountTypes="NoTax"))

    assert (inclusive["SubTotal"], inclusive["TotalTax"], inclusive["Total"]) == (166.67, 33.33, 200.0)
    assert (no_tax["TotalTax"], no_tax["Total"]) == (0.0, 200.0)


def test_a_total_that_differs_from_the_lines_is_refused(xero: Xero) -> None:
    contact = new_contact(xero)

    wrong = xero.put("Invoices", {"Invoices": [invoice_body(contact["ContactID"], Total=240.01)]})
    right = xero.put("Invoices", {"Invoices": [invoice_body(contact["ContactID"], Total=240.00)]})

    assert validation_messages(wrong) == ["The invoice total does not equal the sum of the lines."]
    assert right.status_code == 200


def test_invoice_numbers_are_unique(xero: Xero) -> None:
    contact = new_contact(xero)
    xero.create("Invoices", invoice_body(contact["ContactID"], InvoiceNumber="FB-100"))

    again = xero.put("Invoices", {"Invoices": [invoice_body(contact["ContactID"], InvoiceNumber="FB-100")]})

    assert validation_messages(again) == ["Invoice # must be unique."]


def test_unknown_codes_are_refused(xero: Xero) -> None:
    contact = new_contact(xero)
    line = {"Description": "X", "Quantity": 1, "UnitAmount": 1, "AccountCode": "999", "TaxType": "GST"}

    reply = xero.put("Invoices", {"Invoices": [invoice_body(contact["ContactID"], LineItems=[line])]})

    assert reply.status_code == 400
    messages = validation_messages(reply)
    assert any("Account code '999'" in m for m in messages) and any("TaxType code 'GST'" in m for m in messages)


def test_status_machine_draft_to_authorised_to_voided(xero: Xero) -> None:
    draft = new_invoice(xero, status="DRAFT")
    invoice_id = draft["InvoiceID"]

    authorised = xero.post(f"Invoices/{invoice_id}", {"Status": "AUTHORISED"}).json()["Invoices"][0]
    back_to_draft = xero.post(f"Invoices/{invoice_id}", {"Status": "DRAFT"})
    voided = xero.post(f"Invoices/{invoice_id}", {"Status": "VOIDED"}).json()["Invoices"][0]
    revived = xero.post(f"Invoices/{invoice_id}", {"Status": "AUTHORISED"})

    assert (draft["Status"], authorised["Status"], voided["Status"]) == ("DRAFT", "AUTHORISED", "VOIDED")
    assert validation_messages(back_to_draft) == ["Invoice not of valid status for modification"]
    assert validation_messages(revived) == ["Invoice not of valid status for modification"]


def test_a_draft_can_be_deleted_but_not_paid_or_voided(xero: Xero) -> None:
    draft = new_invoice(xero, status="DRAFT")

    voided = xero.post(f"Invoices/{draft['InvoiceID']}", {"Status": "VOIDED"})
    paid = xero.post(f"Invoices/{draft['InvoiceID']}", {"Status": "PAID"})
    deleted = xero.post(f"Invoices/{draft['InvoiceID']}", {"Status": "DELETED"})

    assert voided.status_code == paid.status_code == 400
    assert deleted.json()["Invoices"][0]["Status"] == "DELETED"


def test_payments_reduce_amount_due_and_an_overpayment_is_refused(xero: Xero) -> None:
    invoice = new_invoice(xero)  # 200 + 20% VAT = 240
    payment = {"Invoice": {"InvoiceID": invoice["InvoiceID"]}, "Account": {"Code": "090"}, "Date": "2026-12-01"}

    part = xero.put("Payments", {"Payments": [{**payment, "Amount": "100.00"}]})
    over = xero.put("Payments", {"Payments": [{**payment, "Amount": "140.01"}]})
    rest = xero.put("Payments", {"Payments": [{**payment, "Amount": "140.00"}]})
    paid = xero.get(f"Invoices/{invoice['InvoiceID']}").json()["Invoices"][0]

    assert part.status_code == 200 and part.json()["Payments"][0]["PaymentType"] == "ACCRECPAYMENT"
    assert validation_messages(over) == ["Payment amount exceeds the amount outstanding on this document"]
    assert rest.status_code == 200
    assert (paid["Status"], paid["AmountPaid"], paid["AmountDue"]) == ("PAID", 240.0, 0.0)
    assert [p["Amount"] for p in paid["Payments"]] == [100.0, 140.0]


def test_a_paid_invoice_cannot_be_voided_until_its_payment_is_deleted(xero: Xero) -> None:
    invoice = new_invoice(xero)
    payment = xero.create(
        "Payments", {"Invoice": {"InvoiceID": invoice["InvoiceID"]}, "Account": {"Code": "090"}, "Amount": 10}
    )

    refused = xero.post(f"Invoices/{invoice['InvoiceID']}", {"Status": "VOIDED"})
    edit_lines = xero.post(f"Invoices/{invoice['InvoiceID']}", {"LineItems": []})
    xero.post(f"Payments/{payment['PaymentID']}", {"Status": "DELETED"})
    voided = xero.post(f"Invoices/{invoice['InvoiceID']}", {"Status": "VOIDED"})

    assert validation_messages(refused) == ["Invoice not of valid status for modification"]
    assert "payment or credit note allocated" in validation_messages(edit_lines)[0]
    assert voided.json()["Invoices"][0]["Status"] == "VOIDED"


def test_payments_need_a_bank_account_and_an_authorised_invoice(xero: Xero) -> None:
    draft = new_invoice(xero, status="DRAFT")
    to_sales = xero.put(
        "Payments", {"Invoice": {"InvoiceID": draft["InvoiceID"]}, "Account": {"Code": "200"}, "Amount": 1}
    )

    assert to_sales.status_code == 400
    assert len(validation_messages(to_sales)) == 2


def test_a_credit_note_allocated_to_an_invoice_reduces_what_is_due(xero: Xero) -> None:
    invoice = new_invoice(xero)
    credit_body = {**invoice_body(invoice["Contact"]["ContactID"]), "Type": "ACCRECCREDIT"}
    credit_body["LineItems"] = [{**credit_body["LineItems"][0], "Quantity": 1}]  # 100 + 20 VAT
    credit = xero.create("CreditNotes", credit_body)

    allocation = {"Invoice": {"InvoiceID": invoice["InvoiceID"]}, "Amount": "120.00", "Date": "2026-12-01"}
    allocated = xero.put(f"CreditNotes/{credit['CreditNoteID']}/Allocations", {"Allocations": [allocation]})
    too_much = xero.put(f"CreditNotes/{credit['CreditNoteID']}/Allocations", {"Allocations": [allocation]})
    after = xero.get(f"Invoices/{invoice['InvoiceID']}").json()["Invoices"][0]
    credit_after = xero.get(f"CreditNotes/{credit['CreditNoteID']}").json()["CreditNotes"][0]

    assert credit["CreditNoteNumber"] == "CN-0001" and credit["RemainingCredit"] == 120.0
    assert allocated.status_code == 200 and allocated.json()["Allocations"][0]["Amount"] == 120.0
    assert too_much.status_code == 400
    assert (after["AmountCredited"], after["AmountDue"], after["Status"]) == (120.0, 120.0, "AUTHORISED")
    assert (credit_after["RemainingCredit"], credit_after["Status"]) == (0.0, "PAID")
    assert after["CreditNotes"][0]["CreditNoteID"] == credit["CreditNoteID"]


def test_an_invoice_to_an_unknown_contact_name_creates_the_contact(xero: Xero) -> None:
    body = invoice_body("unused")
    body["Contact"] = {"Name": "Walk-in Customer"}

    invoice = xero.create("Invoices", body)

    assert invoice["Contact"]["Name"] == "Walk-in Customer"
    assert [c["Name"] for c in xero.get("Contacts").json()["Contacts"]] == ["Walk-in Customer"]


def test_reads_of_unknown_ids_are_xeros_plain_text_404(xero: Xero) -> None:
    reply = xero.get("Invoices/00000000-0000-0000-0000-000000000000")

    assert reply.status_code == 404
    assert reply.text == "The resource you're looking for cannot be found"


def test_invoices_can_be_read_by_number_and_accounts_by_code(sim: SimulatorHandle, xero: Xero) -> None:
    invoice = new_invoice(xero, InvoiceNumber="FB-7")

    by_number = xero.get("Invoices/FB-7").json()["Invoices"][0]
    bank = xero.get("Accounts/090").json()["Accounts"][0]

    assert by_number["InvoiceID"] == invoice["InvoiceID"]
    assert (bank["Type"], bank["EnablePaymentsToAccount"]) == ("BANK", True)
    assert sim.admin.count(GB, "Invoices") == 1


def test_unit_prices_keep_two_decimals_unless_unitdp_is_4(xero: Xero) -> None:
    contact = new_contact(xero)
    line = {"Description": "Cable", "Quantity": 10, "UnitAmount": 1.2345, "AccountCode": "200", "TaxType": "NONE"}
    body = invoice_body(contact["ContactID"], LineItems=[line])

    two = xero.put("Invoices", {"Invoices": [body]}).json()["Invoices"][0]
    four = xero.put("Invoices", {"Invoices": [body]}, unitdp=4).json()["Invoices"][0]

    assert (two["LineItems"][0]["UnitAmount"], two["Total"]) == (1.23, 12.3)
    assert (four["LineItems"][0]["UnitAmount"], four["Total"]) == (1.2345, 12.35)


def test_each_region_taxes_with_its_own_rates(sim: SimulatorHandle, spec: SpecValidator) -> None:
    totals = {}
    for tenant_id, tax_type in ((AU, "OUTPUT"), (US, "TAX001")):
        client = connect(sim, spec, tenant_id, user=f"user-{tenant_id}")
        contact = new_contact(client)
        body = invoice_body(contact["ContactID"])
        body["LineItems"][0]["TaxType"] = tax_type
        invoice = client.create("Invoices", body)
        totals[tenant_id] = (invoice["TotalTax"], invoice["Total"], invoice["CurrencyCode"])
    australian = connect(sim, spec, AU, user="au-again")
    other = new_contact(australian, "Other")
    gb_rate_in_au = australian.put("Invoices", {"Invoices": [invoice_body(other["ContactID"])]})

    assert totals == {AU: (20.0, 220.0, "AUD"), US: (14.5, 214.5, "USD")}
    assert any("TaxType code 'OUTPUT2'" in m for m in validation_messages(gb_rate_in_au))
