"""Batches with and without `summarizeErrors`, paging, `where`, `IDs`, `Statuses`, `order`,
`If-Modified-Since` and the `/Date()/` wire form (providers.md 2.4)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from local.simulators.xero import SimulatorHandle
from tests.simulators.xero.conftest import GB, Xero, invoice_body, new_contact, validation_messages

MS_DATE = re.compile(r"^/Date\(\d+\+0000\)/$")


def test_summarize_errors_false_keeps_the_good_elements_and_flags_the_bad_one(sim: SimulatorHandle, xero: Xero) -> None:
    new_contact(xero, "Taken")
    batch = {"Contacts": [{"Name": "Fresh One"}, {"Name": "Taken"}, {"Name": "Fresh Two"}]}

    reply = xero.put("Contacts", batch, summarizeErrors="false")

    assert reply.status_code == 200
    results = reply.json()["Contacts"]
    assert [r["StatusAttributeString"] for r in results] == ["OK", "ERROR", "OK"]
    assert results[1]["HasValidationErrors"] is True
    assert "already assigned to another contact" in results[1]["ValidationErrors"][0]["Message"]
    assert sim.admin.count(GB, "Contacts") == 3


def test_without_summarize_errors_false_one_bad_element_fails_the_batch_and_nothing_is_kept(
    sim: SimulatorHandle, xero: Xero
) -> None:
    new_contact(xero, "Taken")

    reply = xero.put("Contacts", {"Contacts": [{"Name": "Fresh One"}, {"Name": "Taken"}]})

    body = reply.json()
    assert reply.status_code == 400
    assert (body["ErrorNumber"], body["Type"], body["Message"]) == (
        10,
        "ValidationException",
        "A validation exception occurred",
    )
    assert [e["Name"] for e in body["Elements"]] == ["Taken"]
    assert sim.admin.count(GB, "Contacts") == 1


def test_a_batch_of_invoices_with_one_bad_total(xero: Xero) -> None:
    contact = new_contact(xero)
    good = invoice_body(contact["ContactID"])
    bad = invoice_body(contact["ContactID"], Total=1)

    reply = xero.post("Invoices", {"Invoices": [good, bad]}, summarizeErrors="false")

    statuses = [(i["StatusAttributeString"], i.get("InvoiceNumber")) for i in reply.json()["Invoices"]]
    assert statuses == [("OK", "INV-0001"), ("ERROR", None)]
    assert reply.json()["Invoices"][1]["ValidationErrors"] == [
        {"Message": "The invoice total does not equal the sum of the lines."}
    ]


def test_pages_of_100_with_the_pagination_block(sim: SimulatorHandle, xero: Xero) -> None:
    for chunk in range(3):
        names = [{"Name": f"Customer {chunk * 50 + n:03d}"} for n in range(50)]
        assert xero.put("Contacts", {"Contacts": names}).status_code == 200

    first = xero.get("Contacts", page=1).json()
    second = xero.get("Contacts", page=2).json()
    unpaged = xero.get("Contacts").json()

    assert first["pagination"] == {"page": 1, "pageSize": 100, "pageCount": 2, "itemCount": 150}
    assert len(first["Contacts"]) == 100 and len(second["Contacts"]) == 50
    assert second["Contacts"][0]["Name"] == "Customer 100"
    assert "pagination" not in unpaged and len(unpaged["Contacts"]) == 150


def test_where_ids_statuses_and_order(xero: Xero) -> None:
    contact = new_contact(xero)
    draft = xero.create("Invoices", invoice_body(contact["ContactID"], status="DRAFT", InvoiceNumber="B-2"))
    authorised = xero.create("Invoices", invoice_body(contact["ContactID"], InvoiceNumber="A-1"))

    where = xero.get("Invoices", where='Status=="AUTHORISED" AND Type=="ACCREC"').json()["Invoices"]
    by_contact = xero.get("Invoices", where=f'Contact.ContactID==guid("{contact["ContactID"]}")').json()["Invoices"]
    by_ids = xero.get("Invoices", IDs=draft["InvoiceID"]).json()["Invoices"]
    by_status = xero.get("Invoices", Statuses="DRAFT,SUBMITTED").json()["Invoices"]
    ordered = xero.get("Invoices", order="InvoiceNumber DESC").json()["Invoices"]
    dated = xero.get("Invoices", where="Date>=DateTime(2026, 11, 30) AND AmountDue>200").json()["Invoices"]
    named = xero.get("Contacts", where='Name.Contains("plumb")').json()["Contacts"]

    assert [i["InvoiceID"] for i in where] == [authorised["InvoiceID"]]
    assert len(by_contact) == 2
    assert [i["InvoiceNumber"] for i in by_ids] == ["B-2"]
    assert [i["InvoiceNumber"] for i in by_status] == ["B-2"]
    assert [i["InvoiceNumber"] for i in ordered] == ["B-2", "A-1"]
    assert len(dated) == 2
    assert [c["Name"] for c in named] == ["Acme Plumbing"]


def test_search_term_looks_across_names_and_email(xero: Xero) -> None:
    new_contact(xero, "Acme Plumbing")
    new_contact(xero, "Bob's Boilers", EmailAddress="bob@plumbers.example")
    new_contact(xero, "Carla Cleaning")

    found = xero.get("Contacts", searchTerm="PLUMB").json()["Contacts"]

    assert sorted(c["Name"] for c in found) == ["Acme Plumbing", "Bob's Boilers"]


def test_a_where_clause_xero_cannot_parse_is_a_400(xero: Xero) -> None:
    reply = xero.get("Contacts", where='Name=="unterminated')

    assert reply.status_code == 400
    assert reply.json()["Type"] == "QueryParseException"


def test_if_modified_since_is_accurate_to_the_second_and_inclusive(sim: SimulatorHandle, xero: Xero) -> None:
    old = new_contact(xero, "Old")
    sim.admin.advance_clock(120)
    fresh = new_contact(xero, "Fresh")
    fresh_second = datetime.fromtimestamp(int(fresh["UpdatedDateUTC"][6:19]) / 1000, UTC).replace(microsecond=0)

    same_second = xero.get("Contacts", headers={"If-Modified-Since": fresh_second.isoformat()}).json()["Contacts"]
    later = fresh_second + timedelta(seconds=1)
    after = xero.get("Contacts", headers={"If-Modified-Since": later.strftime("%Y-%m-%dT%H:%M:%S")}).json()
    xero.post(f"Contacts/{old['ContactID']}", {"EmailAddress": "old@example.com"})
    edited = xero.get("Contacts", headers={"If-Modified-Since": fresh_second.isoformat()}).json()["Contacts"]

    assert [c["Name"] for c in same_second] == ["Fresh"]
    assert after["Contacts"] == []
    assert sorted(c["Name"] for c in edited) == ["Fresh", "Old"]


def test_dates_go_out_as_dotnet_milliseconds(xero: Xero) -> None:
    contact = new_contact(xero)
    invoice = xero.create("Invoices", invoice_body(contact["ContactID"]))
    envelope = xero.get("Invoices").json()

    assert MS_DATE.match(envelope["DateTimeUTC"]) and envelope["Status"] == "OK"
    for field in ("Date", "DueDate", "UpdatedDateUTC"):
        assert MS_DATE.match(invoice[field]), field
    assert invoice["DueDateString"] == "2026-12-30T00:00:00"


def test_a_date_sent_in_the_dotnet_form_is_read_too(xero: Xero) -> None:
    contact = new_contact(xero)

    invoice = xero.create("Invoices", invoice_body(contact["ContactID"], Date="/Date(1795996800000+0000)/"))

    assert invoice["DateString"] == "2026-11-30T00:00:00"


def test_a_malformed_body_is_refused_before_any_element(xero: Xero) -> None:
    reply = xero.http.put("/api.xro/2.0/Contacts", content=b"{not json", headers={"xero-tenant-id": xero.tenant_id})

    assert reply.status_code == 400
    assert "not valid JSON" in reply.json()["Message"]
    assert validation_messages(xero.put("Contacts", {"Contacts": [{"Name": ""}]})) == ["Name is required."]
