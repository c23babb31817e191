"""Payments, voids and deletions that flow back from QuickBooks (issue 11, bullets 4 and 5).

The steps are called as the pull driver calls them, with an `Inbound` built from the real pieces: the
connection a real OAuth flow made, the services of the deployed functions (moto), the production
QuickBooks package over HTTP to the simulator, and records read back through `Reader.one`. A bookkeeper's
work in QuickBooks goes through the simulator's admin API; approvals go through the tenant API handler.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import boto3

from fieldbooks import registry
from fieldbooks.domain.models import LinkState, PendingActionKind, Provider, SyncStatus
from fieldbooks.domain.records import Payment
from fieldbooks.providers.contract import RemoteRecord
from fieldbooks.providers.quickbooks_online.mapping import money
from fieldbooks.sync.inbound import Inbound, Taken
from fieldbooks.sync.inbound_documents import document_changed
from fieldbooks.sync.inbound_payments import payment_changed
from fieldbooks.sync.runs import BEGINNING
from tests.integration.quickbooks_online.test_push_adapter import (  # noqa: F401 - fixtures
    Books,
    books,
    books_for,
    finalized_invoice,
    jane,
)
from tests.support.oauth_flow import tenant_api
from tests.support.saas_changes import bus_event
from tests.support.sqs import receive_event

QBO = Provider.QUICKBOOKS_ONLINE


def inbound_for(books: Books, run_id: str = "run-pull") -> Inbound:  # noqa: F811
    connection = books.connection()
    services = books.worker.services
    package = registry.package(QBO)
    return Inbound(
        connection=connection,
        services=services,
        run_id=run_id,
        descriptor=package.descriptor,
        mapper=package.mapper,
        operations=registry.operations(connection, services),
        reader=registry.reader(connection, services),
    )


def synced_invoice(books: Books, price: str = "100.00") -> tuple[Any, str, str]:  # noqa: F811
    """A finalized invoice pushed to QuickBooks: (SaaS invoice, QuickBooks invoice id, customer id)."""
    labour = books.app.create_item(books.tenant_id, name="Labour", unit_price=price)
    contact = jane(books)
    invoice = finalized_invoice(
        books, contact.id, [{"item_id": labour.id, "description": "Labour", "unit_price": price}]
    )
    assert books.sync()["batchItemFailures"] == []
    return invoice, books.link("invoice", invoice.id).remote_id, books.link("contact", contact.id).remote_id


def paid_in_quickbooks(books: Books, customer_id: str, invoice_id: str, amount: str) -> dict[str, Any]:  # noqa: F811
    return books.qbo.admin.create_as_user(
        books.realm_id,
        "Payment",
        CustomerRef={"value": customer_id},
        TotalAmt=amount,
        PaymentRefNum="CHK-881",
        Line=[{"Amount": amount, "LinkedTxn": [{"TxnId": invoice_id, "TxnType": "Invoice"}]}],
    )


def quickbooks_balance(books: Books, invoice_id: str) -> Decimal:  # noqa: F811
    (invoice,) = [i for i in books.records("Invoice") if i["Id"] == invoice_id]
    return money(invoice["Balance"])


def saas_payments(books: Books) -> list[Payment]:  # noqa: F811
    records = books.worker.services.saas.list_changed(books.tenant_id, "payment", since=BEGINNING)
    return [r for r in records if isinstance(r, Payment)]


# ---------------------------------------------------------------- payments


def test_a_payment_recorded_in_quickbooks_reaches_the_saas_once_with_the_balance_equal_to_the_cent(
    books: Books,  # noqa: F811
) -> None:
    invoice, invoice_id, customer_id = synced_invoice(books, price="100.00")
    paid = paid_in_quickbooks(books, customer_id, invoice_id, "40.15")
    inbound = inbound_for(books)
    remote = inbound.reader.one("payment", paid["Id"])

    assert payment_changed(inbound, "payment", remote) is Taken.APPLIED
    assert payment_changed(inbound, "payment", remote) is Taken.UNCHANGED  # a redelivered change

    (payment,) = saas_payments(books)
    assert (payment.amount, payment.reference, payment.contact_id) == (Decimal("40.15"), "CHK-881", invoice.contact_id)
    assert [(a.invoice_id, a.amount) for a in payment.applied_to] == [(invoice.id, Decimal("40.15"))]
    assert payment.accounting_link is not None and payment.accounting_link.remote_id == paid["Id"]
    balance = books.worker.services.saas.get_invoice(books.tenant_id, invoice.id).balance_due
    assert balance == quickbooks_balance(books, invoice_id) == Decimal("59.85")
    link = books.link("payment", payment.id)
    assert (link.state, link.remote_id, link.remote_version) == (LinkState.LINKED, paid["Id"], paid["SyncToken"])
    (row,) = [r for r in books.log(direction="from_accounting") if r.entity == "payment"]
    assert (row.status, row.run_id) == (SyncStatus.SYNCED, "run-pull")
    assert row.detail == (
        f"Recorded payment of 40.15 from QuickBooks Online on invoice {invoice.number} "
        "(59.85 due, as in QuickBooks Online)."
    )


def test_what_fieldbooks_recorded_in_the_saas_never_comes_back_as_a_change(books: Books) -> None:  # noqa: F811
    invoice, invoice_id, customer_id = synced_invoice(books)
    paid = paid_in_quickbooks(books, customer_id, invoice_id, "25.00")
    inbound = inbound_for(books)
    payment_changed(inbound, "payment", inbound.reader.one("payment", paid["Id"]))

    ours = [e for e in books.new_events() if e.origin == "fieldbooks"]
    replies = [books._run("SaasEventsFunction", bus_event(e)) for e in ours]

    # The payment, its marker and the invoice it paid down: all written by Fieldbooks, none queued.
    assert {e.detail_type for e in ours} >= {"payment.created", "invoice.updated", "payment.updated"}
    assert {r["queued"] for r in replies} == {False}
    assert books.sqs_event()["Records"] == []
    assert books.count("Payment") == 1
    # And Sync now sees the recorded payment and the paid-down invoice as in step, not as work to push.
    plan = sync_now_plan(books)
    assert {(a["category"], a["action"]) for a in plan if a["saas_id"] in (invoice.id, saas_payments(books)[0].id)} == {
        ("invoices", "skip"),
        ("payments", "skip"),
    }


def test_a_payment_the_saas_sent_to_quickbooks_is_not_echoed_back(books: Books) -> None:  # noqa: F811
    invoice, invoice_id, _ = synced_invoice(books)
    sent = books.app.record_payment(
        books.tenant_id,
        contact_id=invoice.contact_id,
        date="2026-11-22",
        amount="30.00",
        method="card",
        applied_to=[{"invoice_id": invoice.id, "amount": "30.00"}],
    )
    assert books.sync()["batchItemFailures"] == []
    remote_id = books.link("payment", sent.id).remote_id
    inbound = inbound_for(books)

    assert payment_changed(inbound, "payment", inbound.reader.one("payment", remote_id)) is Taken.UNCHANGED

    assert [p.id for p in saas_payments(books)] == [sent.id]
    balance = books.worker.services.saas.get_invoice(books.tenant_id, invoice.id).balance_due
    assert balance == quickbooks_balance(books, invoice_id) == Decimal("70.00")


def test_the_apps_own_payment_read_back_before_its_push_saved_the_link_is_not_recorded_again(
    books: Books,  # noqa: F811
) -> None:
    """The push's create reached QuickBooks but its link is not saved yet when a pull reads the payment."""
    invoice, invoice_id, customer_id = synced_invoice(books)
    in_flight = books.qbo.admin.create_as_user(
        books.realm_id,
        "Payment",
        CustomerRef={"value": customer_id},
        TotalAmt="30.00",
        PrivateNote="Sent by Fieldbooks from payment pay_in_flight",
        Line=[{"Amount": "30.00", "LinkedTxn": [{"TxnId": invoice_id, "TxnType": "Invoice"}]}],
    )
    inbound = inbound_for(books)

    assert payment_changed(inbound, "payment", inbound.reader.one("payment", in_flight["Id"])) is Taken.UNCHANGED

    assert saas_payments(books) == []
    assert books.worker.services.saas.get_invoice(books.tenant_id, invoice.id).balance_due == invoice.total


def test_a_credit_note_applied_to_an_invoice_is_not_money_and_records_no_payment(books: Books) -> None:  # noqa: F811
    """The push applies a credit note to its invoice with a payment of nothing (LinkedTxn CreditMemo)."""
    invoice, _, _ = synced_invoice(books)
    books.app.create_credit_note(
        books.tenant_id,
        contact_id=invoice.contact_id,
        invoice_id=invoice.id,
        issue_date="2026-11-21",
        lines=[{"description": "Goodwill", "unit_price": "20.00"}],
    )
    assert books.sync()["batchItemFailures"] == []
    (application,) = books.records("Payment")
    inbound = inbound_for(books)

    assert payment_changed(inbound, "payment", inbound.reader.one("payment", application["Id"])) is Taken.UNCHANGED

    assert saas_payments(books) == []


def test_a_payment_voided_in_quickbooks_is_reversed_in_the_saas(books: Books) -> None:  # noqa: F811
    invoice, invoice_id, customer_id = synced_invoice(books)
    paid = paid_in_quickbooks(books, customer_id, invoice_id, "100.00")
    inbound = inbound_for(books)
    payment_changed(inbound, "payment", inbound.reader.one("payment", paid["Id"]))
    books.qbo.admin.void_as_user(books.realm_id, "Payment", paid["Id"])
    voided = inbound.reader.one("payment", paid["Id"])

    assert voided.voided
    assert payment_changed(inbound, "payment", voided) is Taken.APPLIED
    assert payment_changed(inbound, "payment", voided) is Taken.UNCHANGED

    (payment,) = saas_payments(books)
    assert payment.reversed_at is not None
    balance = books.worker.services.saas.get_invoice(books.tenant_id, invoice.id).balance_due
    assert balance == quickbooks_balance(books, invoice_id) == Decimal("100.00")
    row = next(r for r in books.log(direction="from_accounting") if r.action == "reverse")
    assert row.status is SyncStatus.SYNCED
    assert row.detail.startswith("Reversed payment of 100.00: it was voided in QuickBooks Online.")


def test_a_payment_deleted_in_quickbooks_is_reversed_from_its_tombstone(books: Books) -> None:  # noqa: F811
    invoice, invoice_id, customer_id = synced_invoice(books)
    paid = paid_in_quickbooks(books, customer_id, invoice_id, "60.00")
    inbound = inbound_for(books)
    payment_changed(inbound, "payment", inbound.reader.one("payment", paid["Id"]))
    books.qbo.admin.delete_as_user(books.realm_id, "Payment", paid["Id"])
    tombstone = RemoteRecord(remote_id=paid["Id"], remote_entity="Payment", deleted=True)  # what CDC gives

    assert payment_changed(inbound, "payment", tombstone) is Taken.APPLIED

    (payment,) = saas_payments(books)
    assert payment.reversed_at is not None
    assert books.link("payment", payment.id).remote_inactive
    balance = books.worker.services.saas.get_invoice(books.tenant_id, invoice.id).balance_due
    assert balance == quickbooks_balance(books, invoice_id) == Decimal("100.00")


def test_a_payment_for_invoices_that_do_not_sync_is_logged_and_not_recorded(books: Books) -> None:  # noqa: F811
    _, _, customer_id = synced_invoice(books)
    own = books.qbo.admin.create_as_user(
        books.realm_id,
        "Invoice",
        CustomerRef={"value": customer_id},
        Line=[
            {
                "DetailType": "SalesItemLineDetail",
                "Amount": 50,
                "SalesItemLineDetail": {
                    "ItemRef": {"value": books.records("Item")[0]["Id"]},
                    "Qty": 1,
                    "UnitPrice": 50,
                },
            }
        ],
    )
    paid = paid_in_quickbooks(books, customer_id, own["Id"], "50.00")
    inbound = inbound_for(books)

    assert payment_changed(inbound, "payment", inbound.reader.one("payment", paid["Id"])) is Taken.SKIPPED

    assert saas_payments(books) == []
    (row,) = [r for r in books.log(direction="from_accounting") if r.entity == "payment"]
    assert row.detail == (
        "A payment of 50.00 in QuickBooks Online pays no invoice that syncs with the app, so it was not recorded."
    )


# ---------------------------------------------------------------- voids and deletions


def test_an_invoice_voided_in_quickbooks_raises_a_pending_action_and_approving_voids_it_in_the_saas(
    books: Books,  # noqa: F811
) -> None:
    invoice, invoice_id, _ = synced_invoice(books)
    books.qbo.admin.void_as_user(books.realm_id, "Invoice", invoice_id)
    inbound = inbound_for(books)
    voided = inbound.reader.one("invoice", invoice_id)

    assert document_changed(inbound, "invoice", voided) is Taken.PENDING
    assert document_changed(inbound, "invoice", voided) is Taken.UNCHANGED  # one action, however often it comes

    listed = tenant_api("GET", "/pending-actions", books.tenant_id, role="member").body["items"]
    (action,) = listed
    assert (action["saas_id"], action["action"], action["remote_id"]) == (invoice.id, "void", invoice_id)
    assert action["summary"] == f"Void invoice {invoice.number} in the app, as it was voided in QuickBooks Online"
    assert books.worker.services.saas.get_invoice(books.tenant_id, invoice.id).status == "finalized"

    approved = tenant_api("POST", f"/pending-actions/{action['action_id']}/approve", books.tenant_id)

    assert approved.status == 200, approved.body
    assert approved.body["outcome"] == "voided"
    now_void = books.worker.services.saas.get_invoice(books.tenant_id, invoice.id)
    assert now_void.status == "void"
    assert tenant_api("GET", "/pending-actions", books.tenant_id).body["items"] == []
    assert books.link("invoice", invoice.id).synced_version == now_void.version  # not pushed back as a void
    assert tenant_api("POST", f"/pending-actions/{action['action_id']}/approve", books.tenant_id).status == 404


def test_an_invoice_deleted_in_quickbooks_is_re_imported_exactly_once(books: Books) -> None:  # noqa: F811
    invoice, invoice_id, _ = synced_invoice(books)
    books.qbo.admin.delete_as_user(books.realm_id, "Invoice", invoice_id)
    inbound = inbound_for(books)
    tombstone = RemoteRecord(remote_id=invoice_id, remote_entity="Invoice", deleted=True)

    assert document_changed(inbound, "invoice", tombstone) is Taken.PENDING
    assert document_changed(inbound, "invoice", tombstone) is Taken.UNCHANGED
    assert books.link("invoice", invoice.id).remote_inactive

    (action,) = tenant_api("GET", "/pending-actions", books.tenant_id).body["items"]
    assert (action["action"], action["remote_id"]) == (PendingActionKind.REIMPORT.value, invoice_id)
    first = tenant_api("POST", f"/pending-actions/{action['action_id']}/approve", books.tenant_id)
    second = tenant_api("POST", f"/pending-actions/{action['action_id']}/approve", books.tenant_id)

    assert first.status == 200, first.body
    assert first.body["outcome"] == "created"
    assert second.status == 404  # approved already: nothing is sent again
    (new,) = books.records("Invoice")
    assert new["Id"] == first.body["remote_id"] != invoice_id
    assert money(new["TotalAmt"]) == invoice.total
    link = books.link("invoice", invoice.id)
    assert (link.state, link.remote_id, link.remote_inactive, link.generation) == (
        LinkState.LINKED,
        new["Id"],
        False,
        1,
    )
    marker = books.worker.services.saas.get_invoice(books.tenant_id, invoice.id).accounting_link
    assert marker is not None and marker.remote_id == new["Id"]


def test_a_re_import_whose_first_approval_crashed_after_the_create_makes_no_second_invoice(
    books: Books,  # noqa: F811
) -> None:
    """A redelivered approval after QuickBooks made the invoice but its reply was lost: replayed, not repeated."""
    invoice, invoice_id, _ = synced_invoice(books)
    books.qbo.admin.delete_as_user(books.realm_id, "Invoice", invoice_id)
    inbound = inbound_for(books)
    document_changed(inbound, "invoice", RemoteRecord(remote_id=invoice_id, remote_entity="Invoice", deleted=True))
    (action,) = tenant_api("GET", "/pending-actions", books.tenant_id).body["items"]
    # Three lost replies outlast the client's own three tries: the approval ends without an answer.
    books.qbo.admin.add_fault("drop_after_commit", entity="Invoice", times=3)

    lost = tenant_api("POST", f"/pending-actions/{action['action_id']}/approve", books.tenant_id)
    again = tenant_api("POST", f"/pending-actions/{action['action_id']}/approve", books.tenant_id)

    assert lost.status == 409, lost.body  # the reply never came: the action is still pending
    assert again.status == 200, again.body
    (new,) = books.records("Invoice")
    assert again.body["remote_id"] == new["Id"] != invoice_id


def test_voiding_in_the_app_an_invoice_deleted_in_quickbooks_is_a_skip_not_an_error(books: Books) -> None:  # noqa: F811
    invoice, invoice_id, _ = synced_invoice(books)
    books.qbo.admin.delete_as_user(books.realm_id, "Invoice", invoice_id)

    books.app.void_invoice(books.tenant_id, invoice.id)
    assert books.sync()["batchItemFailures"] == []

    assert books.log(status="error") == []
    row = next(r for r in books.log(status="skipped") if r.entity == "invoice")
    assert row.detail == f"Invoice {invoice.number} was deleted in QuickBooks, so there is nothing left to void there."
    link = books.link("invoice", invoice.id)
    assert link.remote_inactive and link.synced_version == books.app.get_invoice(books.tenant_id, invoice.id).version
    assert tenant_api("GET", "/pending-actions", books.tenant_id).body["items"] == []


def test_a_payment_against_an_invoice_deleted_in_quickbooks_names_the_invoice_not_the_customer(
    books: Books,  # noqa: F811
) -> None:
    invoice, invoice_id, _ = synced_invoice(books)
    books.qbo.admin.delete_as_user(books.realm_id, "Invoice", invoice_id)
    books.app.record_payment(
        books.tenant_id,
        contact_id=invoice.contact_id,
        date="2026-11-22",
        amount="10.00",
        method="cash",
        applied_to=[{"invoice_id": invoice.id, "amount": "10.00"}],
    )

    assert books.sync()["batchItemFailures"] == []

    details = [row.detail for row in books.log(status="error")]
    assert (
        "The invoice that payment of 10.00 pays was deleted in QuickBooks; approve its re-import under pending "
        "actions, or unlink it."
    ) in details
    assert not any("ustomer" in detail for detail in details)
    assert [a["action"] for a in tenant_api("GET", "/pending-actions", books.tenant_id).body["items"]] == ["reimport"]


# ---------------------------------------------------------------- Sync now


def sync_now_plan(books: Books) -> list[dict[str, Any]]:  # noqa: F811
    """Sync now through the tenant API and the pull worker; the plan as the console shows it."""
    started = tenant_api("POST", "/connections/quickbooks_online/sync", books.tenant_id)
    assert started.status == 202, started.body
    run_id = started.body["run_id"]
    sqs, url = boto3.client("sqs"), books._aws.queue_url("PullQueue")
    while (event := receive_event(sqs, url))["Records"]:
        assert books._run("PullWorkerFunction", event) == {"batchItemFailures": []}
        for record in event["Records"]:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=record["receiptHandle"])
    plan = tenant_api("GET", f"/runs/{run_id}/plan", books.tenant_id)
    assert plan.status == 200, plan.body
    return plan.body["items"]


def test_sync_now_never_plans_a_deleted_invoice_as_up_to_date_and_offers_its_re_import(
    books: Books,  # noqa: F811
) -> None:
    invoice, invoice_id, _ = synced_invoice(books)
    books.qbo.admin.delete_as_user(books.realm_id, "Invoice", invoice_id)

    (planned,) = [a for a in sync_now_plan(books) if a["saas_id"] == invoice.id]

    assert (planned["action"], planned["step"]) == ("conflict", "hold")
    assert planned["reason"] == (
        "Deleted in QuickBooks Online; approve its re-import under pending actions (it goes as a new record)."
    )
    (action,) = tenant_api("GET", "/pending-actions", books.tenant_id).body["items"]
    assert (action["saas_id"], action["action"]) == (invoice.id, "reimport")


def test_sync_now_offers_to_void_an_invoice_voided_in_quickbooks(books: Books) -> None:  # noqa: F811
    invoice, invoice_id, _ = synced_invoice(books)
    books.qbo.admin.void_as_user(books.realm_id, "Invoice", invoice_id)

    (planned,) = [a for a in sync_now_plan(books) if a["saas_id"] == invoice.id]

    assert (planned["action"], planned["step"]) == ("conflict", "hold")
    (action,) = tenant_api("GET", "/pending-actions", books.tenant_id).body["items"]
    assert (action["saas_id"], action["action"]) == (invoice.id, "void")


def test_unlinking_then_sync_now_creates_the_record_again(books: Books) -> None:  # noqa: F811
    contact = jane(books, email=None)  # nothing left to match the renamed twin by
    assert books.sync()["batchItemFailures"] == []
    first_id = books.link("contact", contact.id).remote_id
    books.qbo.admin.edit_as_user(books.realm_id, "Customer", first_id, DisplayName="Jane Doe (old books)")
    unlinked = tenant_api("DELETE", f"/links/contact/{contact.id}", books.tenant_id)
    assert unlinked.status == 200, unlinked.body

    (planned,) = [a for a in sync_now_plan(books) if a["saas_id"] == contact.id]

    assert (planned["action"], planned["step"]) == ("create", "push")
    link = books.link("contact", contact.id)
    assert link.state is LinkState.LINKED and link.remote_id not in (None, first_id)
    assert sorted(c["DisplayName"] for c in books.records("Customer")) == ["Jane Doe", "Jane Doe (old books)"]
    marker = books.worker.services.saas.get_contact(books.tenant_id, contact.id).accounting_link
    assert marker is not None and marker.remote_id == link.remote_id


def test_unlinking_then_sync_now_relinks_to_a_matching_record(books: Books) -> None:  # noqa: F811
    contact = jane(books)
    assert books.sync()["batchItemFailures"] == []
    first_id = books.link("contact", contact.id).remote_id
    assert tenant_api("DELETE", f"/links/contact/{contact.id}", books.tenant_id).status == 200

    (planned,) = [a for a in sync_now_plan(books) if a["saas_id"] == contact.id]

    assert (planned["action"], planned["remote_id"]) == ("link", first_id)
    link = books.link("contact", contact.id)
    assert (link.state, link.remote_id) == (LinkState.LINKED, first_id)
    assert books.count("Customer") == 1


def test_a_void_the_app_refuses_stays_pending_with_the_apps_reason(books: Books) -> None:  # noqa: F811
    invoice, invoice_id, _ = synced_invoice(books)
    books.app.record_payment(
        books.tenant_id,
        contact_id=invoice.contact_id,
        date="2026-11-22",
        amount="30.00",
        method="card",
        applied_to=[{"invoice_id": invoice.id, "amount": "30.00"}],
    )
    assert books.sync()["batchItemFailures"] == []
    books.qbo.admin.void_as_user(books.realm_id, "Invoice", invoice_id)  # QuickBooks unapplies the payment
    inbound = inbound_for(books)
    document_changed(inbound, "invoice", inbound.reader.one("invoice", invoice_id))
    (action,) = tenant_api("GET", "/pending-actions", books.tenant_id).body["items"]

    refused = tenant_api("POST", f"/pending-actions/{action['action_id']}/approve", books.tenant_id)

    assert refused.status == 409
    assert refused.body["message"] == (
        f"Could not void invoice {invoice.id} in the app: The SaaS refused the change: Invoice {invoice.number} has "
        "30.00 in payments applied; it cannot be voided. The action is still pending; approve it again later."
    )
    assert [a["action_id"] for a in tenant_api("GET", "/pending-actions", books.tenant_id).body["items"]] == [
        action["action_id"]
    ]
    assert books.worker.services.saas.get_invoice(books.tenant_id, invoice.id).status == "finalized"


def test_a_recorded_payment_changed_in_quickbooks_is_logged_not_recorded_again(books: Books) -> None:  # noqa: F811
    invoice, invoice_id, customer_id = synced_invoice(books)
    paid = paid_in_quickbooks(books, customer_id, invoice_id, "40.00")
    inbound = inbound_for(books)
    payment_changed(inbound, "payment", inbound.reader.one("payment", paid["Id"]))
    books.qbo.admin.edit_as_user(
        books.realm_id,
        "Payment",
        paid["Id"],
        TotalAmt=45,
        Line=[{"Amount": 45, "LinkedTxn": [{"TxnId": invoice_id, "TxnType": "Invoice"}]}],
    )
    changed = inbound.reader.one("payment", paid["Id"])

    assert payment_changed(inbound, "payment", changed) is Taken.SKIPPED
    assert payment_changed(inbound, "payment", changed) is Taken.UNCHANGED  # logged once

    (payment,) = saas_payments(books)
    assert payment.amount == Decimal("40.00")
    row = next(r for r in books.log(direction="from_accounting") if r.action == "update")
    assert row.detail == (
        "Payment of 40.00 was changed in QuickBooks Online after it was recorded; the app keeps recorded payments "
        "as they are, so void it there and record it again to change it."
    )


def test_payments_from_accounting_switched_off_are_not_recorded(books_for: Any) -> None:  # noqa: F811
    tenant = books_for(directions={"payment": "to_accounting"})
    _, invoice_id, customer_id = synced_invoice(tenant)
    paid = paid_in_quickbooks(tenant, customer_id, invoice_id, "10.00")
    inbound = inbound_for(tenant)

    assert payment_changed(inbound, "payment", inbound.reader.one("payment", paid["Id"])) is Taken.SKIPPED

    assert saas_payments(tenant) == []
