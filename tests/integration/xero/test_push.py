"""Live push to Xero through the real handlers: contacts, items, AUTHORISED invoices, payments into
the account chosen in settings, credit notes allocated to their invoice, voids, and job sites (no
sub-customers in Xero: skipped once, with the reason)."""

from __future__ import annotations

from decimal import Decimal

from fieldbooks.domain.models import LinkState
from tests.integration.xero.books import Books, books, finalized_invoice, jane  # noqa: F401 - fixture

__all__ = ["books"]


def test_a_contact_becomes_one_xero_contact_even_when_sqs_delivers_it_twice(books: Books) -> None:  # noqa: F811
    contact = jane(books, phone="555-0100")
    books.queue_new_events()
    event = books.sqs_event()

    first = books.work(event)
    second = books._run("PushWorkerFunction", event)  # SQS redelivers the same message

    assert first["batchItemFailures"] == second["batchItemFailures"] == []
    (remote,) = books.records("Contacts")
    assert (remote["Name"], remote["EmailAddress"], remote["FirstName"]) == ("Jane Doe", "jane@example.com", "Jane")
    link = books.link("contact", contact.id)
    assert (link.state, link.remote_id, link.synced_version) == (LinkState.LINKED, remote["ContactID"], 1)
    assert [row.detail for row in books.log(status="synced")] == ["Created customer Jane Doe in Xero."]
    marked = books.worker.services.saas.get_contact(books.tenant_id, contact.id)
    assert (marked.accounting_link.provider, marked.accounting_link.remote_id) == ("xero", remote["ContactID"])


def test_an_invoice_goes_authorised_with_its_items_and_contact_first_and_matches_to_the_cent(books: Books) -> None:  # noqa: F811
    labour = books.app.create_item(books.tenant_id, name="Labour", kind="service", unit_price="99.50", taxable=True)
    contact = jane(books)
    invoice = finalized_invoice(
        books,
        contact.id,
        [
            {"item_id": labour.id, "description": "Labour", "quantity": "2.5", "unit_price": "99.50",
             "discount_percent": "10", "taxable": True, "tax_rate": "20"},
            {"description": "Call-out fee", "unit_price": "45.00", "discount_amount": "5.00"},
        ],
    )  # fmt: skip
    assert books.sync(only=lambda e: e.entity == "invoice") == []

    (remote,) = books.records("Invoices")
    assert (remote["Type"], remote["Status"], remote["InvoiceNumber"]) == ("ACCREC", "AUTHORISED", invoice.number)
    assert Decimal(str(remote["Total"])) == invoice.total
    assert remote["Contact"]["ContactID"] == books.link("contact", contact.id).remote_id
    (item,) = books.records("Items")
    assert (item["Code"], item["Name"]) == ("LABOUR", "Labour")
    assert remote["LineItems"][0]["ItemCode"] == "LABOUR"
    assert f"Created invoice {invoice.number} in Xero." in {row.detail for row in books.log(status="synced")}
    assert books.sync() == []  # the contact's and item's own events find their links
    assert (len(books.records("Contacts")), len(books.records("Items"))) == (1, 1)


def test_a_payment_goes_to_the_chosen_account_and_a_voided_invoice_is_voided(books: Books) -> None:  # noqa: F811
    accounts = {a["Code"]: a for a in books.records("Accounts")}
    books.set(deposit_account_id="880")  # Owner Drawings takes payments in the simulator's chart
    contact = jane(books)
    paid = finalized_invoice(books, contact.id, [{"description": "Labour", "unit_price": "100"}])
    books.app.record_payment(
        books.tenant_id,
        contact_id=contact.id,
        date="2026-11-22",
        amount="60.00",
        method="card",
        applied_to=[{"invoice_id": paid.id, "amount": "60.00"}],
    )
    voided = finalized_invoice(books, contact.id, [{"description": "Oops", "unit_price": "10"}])
    assert books.sync() == []
    books.app.void_invoice(books.tenant_id, voided.id)
    assert books.sync() == []

    (payment,) = books.records("Payments")
    assert payment["Invoice"]["InvoiceID"] == books.link("invoice", paid.id).remote_id
    assert payment["Account"]["AccountID"] == accounts["880"]["AccountID"]
    invoices = {row["InvoiceID"]: row for row in books.records("Invoices")}
    assert Decimal(str(invoices[books.link("invoice", paid.id).remote_id]["AmountDue"])) == Decimal("40.00")
    assert invoices[books.link("invoice", voided.id).remote_id]["Status"] == "VOIDED"
    assert f"Voided invoice {voided.number} in Xero." in {row.detail for row in books.log(status="synced")}


def test_a_credit_note_is_allocated_to_its_invoice(books: Books) -> None:  # noqa: F811
    contact = jane(books)
    invoice = finalized_invoice(books, contact.id, [{"description": "Labour", "unit_price": "100"}])
    books.app.create_credit_note(
        books.tenant_id,
        contact_id=contact.id,
        invoice_id=invoice.id,
        issue_date="2026-11-21",
        lines=[{"description": "Goodwill", "unit_price": "30"}],
    )
    assert books.sync() == []

    (credit,) = books.records("CreditNotes")
    assert (credit["Type"], credit["Status"]) == ("ACCRECCREDIT", "PAID")  # wholly allocated
    (remote_invoice,) = books.records("Invoices")
    assert Decimal(str(remote_invoice["AmountDue"])) == Decimal("70.00")
    assert Decimal(str(remote_invoice["AmountCredited"])) == Decimal("30.00")


def test_a_job_site_is_never_a_xero_record_and_says_why(books: Books) -> None:  # noqa: F811
    contact = jane(books)
    books.app.create_property(
        books.tenant_id, contact_id=contact.id, name="Home", address={"line1": "1 Oak St", "city": "Reno"}
    )
    assert books.sync() == []

    assert [c["Name"] for c in books.records("Contacts")] == ["Jane Doe"]
    skipped = [(row.entity, row.detail) for row in books.log(status="skipped")]
    assert [entity for entity, _ in skipped] == ["property"]
