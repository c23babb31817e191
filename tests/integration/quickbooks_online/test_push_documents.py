"""Credit notes applied to their invoice, and documents for a job site, end to end: SaaS app → change event
→ intake → FIFO push queue (moto) → the real push worker → the engine and the QuickBooks package → the
simulator over HTTP (issue 11, bullets 6 and 7)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from fieldbooks.domain.models import LinkState
from tests.integration.quickbooks_online import test_push_adapter
from tests.integration.quickbooks_online.test_push_adapter import Books, finalized_invoice, jane

# The push adapter's world (a tenant of the SaaS app connected to the simulator's realm), reused.
books = test_push_adapter.books
books_for = test_push_adapter.books_for

HOME = {"line1": "1 Oak St", "city": "Reno", "region": "NV", "postal_code": "89501", "country": "US"}
# The same address as QuickBooks' PhysicalAddress holds it (mapping.address).
HOME_IN_QUICKBOOKS = {
    "Line1": "1 Oak St",
    "City": "Reno",
    "CountrySubDivisionCode": "NV",
    "PostalCode": "89501",
    "Country": "US",
}


def amount(value: Any) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


def taxed_invoice(books: Books, contact_id: str, **fields: Any) -> Any:
    labour = books.app.create_item(books.tenant_id, name="Labour", unit_price="99.50", taxable=True)
    line = {"item_id": labour.id, "description": "Labour", "quantity": "2.5", "unit_price": "99.50",
            "discount_percent": "10", "taxable": True, "tax_rate": "7.25"}  # fmt: skip
    fee = {"description": "Call-out fee", "unit_price": "45.00"}
    return finalized_invoice(books, contact_id, [line, fee], **fields)


def credit_for(books: Books, invoice: Any, unit_price: str = "19.99") -> Any:
    line = {"description": "Goodwill credit", "unit_price": unit_price, "taxable": True, "tax_rate": "7.25"}
    return books.app.create_credit_note(
        books.tenant_id, contact_id=invoice.contact_id, invoice_id=invoice.id, issue_date="2026-11-21", lines=[line]
    )


def remote(books: Books, entity: str, saas_entity: str, saas_id: str) -> dict[str, Any]:
    remote_id = books.link(saas_entity, saas_id).remote_id
    (row,) = (row for row in books.records(entity) if row["Id"] == remote_id)
    return row


def only(*entities: str) -> Callable[[Any], bool]:
    return lambda event: event.entity in entities


# ---------------------------------------------------------------- credit notes applied


def test_a_credit_note_is_applied_to_its_invoice_and_the_balance_drops_to_the_cent(books: Books) -> None:
    invoice = taxed_invoice(books, jane(books).id)
    credit = credit_for(books, invoice)
    # Only the credit note's event: its invoice (and the invoice's customer and items) must go first.
    assert books.sync(only=only("credit_note"))["batchItemFailures"] == []

    in_books = remote(books, "Invoice", "invoice", invoice.id)
    memo = remote(books, "CreditMemo", "credit_note", credit.id)
    assert amount(memo["TotalAmt"]) == credit.total == Decimal("21.44")
    assert amount(in_books["Balance"]) == invoice.total - credit.total == Decimal("263.66")
    assert amount(memo["RemainingCredit"]) == Decimal("0.00")
    (application,) = books.records("Payment")
    assert amount(application["TotalAmt"]) == Decimal("0.00")
    assert [(line["LinkedTxn"], amount(line["Amount"])) for line in application["Line"]] == [
        ([{"TxnId": in_books["Id"], "TxnType": "Invoice"}], credit.total),
        ([{"TxnId": memo["Id"], "TxnType": "CreditMemo"}], credit.total),
    ]
    assert application["CustomerRef"]["value"] == in_books["CustomerRef"]["value"] == memo["CustomerRef"]["value"]
    synced = [row.detail for row in books.log(entity="credit_note", status="synced")]
    assert sorted(synced) == [
        f"Applied credit note {credit.number} (21.44) to invoice {invoice.number} in QuickBooks.",
        f"Created credit note {credit.number} in QuickBooks.",
    ]
    assert books.link("credit_note", credit.id).state is LinkState.LINKED

    assert books.sync()["batchItemFailures"] == []  # the other events find their links: nothing more
    assert (books.count("Invoice"), books.count("CreditMemo"), books.count("Payment")) == (1, 1, 1)


def test_a_redelivered_credit_note_applies_nothing_twice(books: Books) -> None:
    invoice = taxed_invoice(books, jane(books).id)
    credit = credit_for(books, invoice)
    books.queue_new_events(only("credit_note"))
    event = books.sqs_event()

    first = books.work(event)
    second = books._run("PushWorkerFunction", event)  # SQS hands the same message out again

    assert first["batchItemFailures"] == second["batchItemFailures"] == []
    assert books.count("Payment") == 1
    assert amount(remote(books, "Invoice", "invoice", invoice.id)["Balance"]) == invoice.total - credit.total


def test_an_application_whose_reply_was_lost_is_retried_and_applied_once(books: Books) -> None:
    """QuickBooks records the application but every reply to it is lost (the client's own three
    tries too): the SQS retry repeats the credit memo and the application with their keys."""
    invoice = taxed_invoice(books, jane(books).id)
    credit = credit_for(books, invoice)
    books.qbo.admin.add_fault("drop_after_commit", entity="Payment", times=3)
    books.queue_new_events(only("credit_note"))

    event = books.sqs_event()
    failed = books.work(event)
    assert [f["itemIdentifier"] for f in failed["batchItemFailures"]] == [event["Records"][0]["messageId"]]
    assert books.link("credit_note", credit.id).state is LinkState.PENDING  # not LINKED before it is applied
    assert books.work(books.sqs_event())["batchItemFailures"] == []  # the redelivery

    assert books.qbo.admin.faults() == []
    assert (books.count("CreditMemo"), books.count("Payment")) == (1, 1)
    assert amount(remote(books, "Invoice", "invoice", invoice.id)["Balance"]) == invoice.total - credit.total
    assert books.link("credit_note", credit.id).state is LinkState.LINKED


def test_a_credit_larger_than_the_invoice_has_left_is_kept_unapplied_and_says_why(books: Books) -> None:
    contact = jane(books)
    invoice = finalized_invoice(books, contact.id, [{"description": "Boiler service", "unit_price": "100.00"}])
    books.app.record_payment(
        books.tenant_id,
        contact_id=contact.id,
        date="2026-11-22",
        amount="80.00",
        method="card",
        applied_to=[{"invoice_id": invoice.id, "amount": "80.00"}],
    )
    assert books.sync()["batchItemFailures"] == []
    credit = books.app.create_credit_note(
        books.tenant_id,
        contact_id=contact.id,
        invoice_id=invoice.id,
        issue_date="2026-11-23",
        lines=[{"description": "Refund of the call-out", "unit_price": "50.00"}],
    )

    assert books.sync()["batchItemFailures"] == []  # a refusal is logged, not retried forever

    memo = remote(books, "CreditMemo", "credit_note", credit.id)
    assert amount(memo["RemainingCredit"]) == Decimal("50.00")  # in QuickBooks, its credit still to apply
    assert amount(remote(books, "Invoice", "invoice", invoice.id)["Balance"]) == Decimal("20.00")
    assert books.link("credit_note", credit.id).state is LinkState.LINKED  # never created twice
    (row,) = books.log(entity="credit_note", status="error")
    assert row.detail.startswith(
        f"Credit note {credit.number} is in QuickBooks but was not applied to invoice {invoice.number}: "
        "QuickBooks refused it: "
    )
    assert row.detail.endswith("Apply it there by hand.")
    assert "50.00 exceeds the open balance 20.00" in row.detail


# ---------------------------------------------------------------- the job site on the document


def test_an_invoice_for_a_job_site_lands_on_its_sub_customer_and_the_parent_pays_it(books: Books) -> None:
    contact = jane(books)
    home = books.app.create_property(books.tenant_id, contact_id=contact.id, name="Home", address=HOME)
    invoice = taxed_invoice(books, contact.id, property_id=home.id)
    credit = credit_for(books, invoice)
    books.app.record_payment(
        books.tenant_id,
        contact_id=contact.id,
        date="2026-11-22",
        amount="100.00",
        method="check",
        applied_to=[{"invoice_id": invoice.id, "amount": "100.00"}],
    )
    # Only the documents' events: the job site (and its customer) must go first.
    assert books.sync(only=only("invoice", "credit_note", "payment"))["batchItemFailures"] == []

    job = books.link("property", home.id).remote_id
    parent = books.link("contact", contact.id).remote_id
    in_books = remote(books, "Invoice", "invoice", invoice.id)
    memo = remote(books, "CreditMemo", "credit_note", credit.id)
    assert in_books["CustomerRef"]["value"] == memo["CustomerRef"]["value"] == job
    assert in_books["ShipAddr"] == memo["ShipAddr"] == HOME_IN_QUICKBOOKS
    (sub_customer,) = (c for c in books.records("Customer") if c["Id"] == job)
    assert (sub_customer["ParentRef"]["value"], sub_customer["BillWithParent"]) == (parent, True)
    paid = next(p for p in books.records("Payment") if amount(p["TotalAmt"]) == Decimal("100.00"))
    assert paid["CustomerRef"]["value"] == parent  # the parent pays its job's invoice (billed with it)
    assert amount(in_books["Balance"]) == invoice.total - credit.total - Decimal("100.00")
    assert books.log(status="error") == []


def test_with_sub_customers_off_the_invoice_goes_to_the_parent_with_the_site_as_shipping_address(
    books_for: Callable[..., Books],
) -> None:
    books = books_for(directions={"property": "off"})
    contact = jane(books)
    home = books.app.create_property(books.tenant_id, contact_id=contact.id, name="Home", address=HOME)
    invoice = taxed_invoice(books, contact.id, property_id=home.id)
    credit = credit_for(books, invoice)

    assert books.sync()["batchItemFailures"] == []

    (customer,) = books.records("Customer")  # no sub-customer
    assert customer["DisplayName"] == "Jane Doe"
    in_books = remote(books, "Invoice", "invoice", invoice.id)
    memo = remote(books, "CreditMemo", "credit_note", credit.id)
    assert in_books["CustomerRef"]["value"] == memo["CustomerRef"]["value"] == customer["Id"]
    assert in_books["ShipAddr"] == memo["ShipAddr"] == HOME_IN_QUICKBOOKS
    assert amount(in_books["Balance"]) == invoice.total - credit.total
    assert books.link("property", home.id) is None
    skipped = {row.saas_id: row.detail for row in books.log(status="skipped")}
    assert skipped[home.id] == "Sending job sites to QuickBooks is switched off in settings."
