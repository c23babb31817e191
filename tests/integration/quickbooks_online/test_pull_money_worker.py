"""Payments, voids and deletions through the pull worker itself: a pull job on the pull queue (moto) →
the real PullWorkerFunction → the pull driver → the steps in `inbound_steps.STEPS` → the QuickBooks
simulator over HTTP and the reference SaaS app. Webhook runs name their records (`PullJob.targets`);
scheduled runs read QuickBooks' change data capture from the connection's cursors."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import boto3

from fieldbooks.domain.models import LinkState, Provider, RunKind, RunStatus
from fieldbooks.queues.pull_jobs import PullJob, PullTarget
from fieldbooks.store.runs import RunStore
from tests.integration.quickbooks_online.test_pull_money import (
    paid_in_quickbooks,
    quickbooks_balance,
    saas_payments,
    synced_invoice,
)
from tests.integration.quickbooks_online.test_push_adapter import (  # noqa: F401 - fixtures
    Books,
    books,
    books_for,
)
from tests.support.oauth_flow import tenant_api
from tests.support.sqs import receive_event

QBO = Provider.QUICKBOOKS_ONLINE


def pull(books: Books, kind: RunKind, targets: list[PullTarget] | None = None) -> str:  # noqa: F811
    """One pull job through the real pull worker, as the scheduler or the webhook receiver queues it."""
    run = RunStore().create(books.tenant_id, QBO, kind)
    job = PullJob(tenant_id=books.tenant_id, provider=QBO, run_id=run.run_id, targets=targets or [])
    sqs, url = boto3.client("sqs"), books._aws.queue_url("PullQueue")
    sqs.send_message(QueueUrl=url, MessageBody=job.model_dump_json())
    event = receive_event(sqs, url)
    assert books._run("PullWorkerFunction", event) == {"batchItemFailures": []}
    sqs.delete_message(QueueUrl=url, ReceiptHandle=event["Records"][0]["receiptHandle"])
    assert RunStore().get(books.tenant_id, run.run_id).status is RunStatus.SUCCEEDED
    return run.run_id


def webhook(books: Books, entity: str, remote_id: str, deleted: bool = False) -> str:  # noqa: F811
    return pull(books, RunKind.WEBHOOK, [PullTarget(remote_entity=entity, remote_id=remote_id, deleted=deleted)])


def saas_balance(books: Books, invoice_id: str) -> Decimal:  # noqa: F811
    return books.worker.services.saas.get_invoice(books.tenant_id, invoice_id).balance_due


def pending(books: Books) -> list[dict[str, Any]]:  # noqa: F811
    return tenant_api("GET", "/pending-actions", books.tenant_id).body["items"]


def test_a_payment_recorded_in_quickbooks_reaches_the_saas_by_webhook_and_the_schedule_adds_nothing(
    books: Books,  # noqa: F811
) -> None:
    invoice, invoice_id, customer_id = synced_invoice(books, price="250.00")
    paid = paid_in_quickbooks(books, customer_id, invoice_id, "99.99")

    run_id = webhook(books, "Payment", paid["Id"])
    scheduled = pull(books, RunKind.SCHEDULED)  # CDC brings the same payment (and the invoice it paid) again

    (payment,) = saas_payments(books)
    assert payment.amount == Decimal("99.99")
    assert saas_balance(books, invoice.id) == quickbooks_balance(books, invoice_id) == Decimal("150.01")
    assert RunStore().get(books.tenant_id, run_id).progress["payments"].done == 1
    again = RunStore().get(books.tenant_id, scheduled).progress["payments"]
    assert (again.total, again.done, again.failed) == (1, 1, 0)  # read again, and dropped as already recorded
    assert books.count("Payment") == 1  # nothing went back to QuickBooks either


def test_a_payment_voided_in_quickbooks_is_reversed_through_the_pull_worker(books: Books) -> None:  # noqa: F811
    invoice, invoice_id, customer_id = synced_invoice(books)
    paid = paid_in_quickbooks(books, customer_id, invoice_id, "100.00")
    webhook(books, "Payment", paid["Id"])
    books.qbo.admin.void_as_user(books.realm_id, "Payment", paid["Id"])

    webhook(books, "Payment", paid["Id"])

    (payment,) = saas_payments(books)
    assert payment.reversed_at is not None
    assert saas_balance(books, invoice.id) == quickbooks_balance(books, invoice_id) == Decimal("100.00")


def test_the_saas_own_payment_pulled_back_by_the_schedule_is_not_echoed(books: Books) -> None:  # noqa: F811
    invoice, invoice_id, _ = synced_invoice(books)
    sent = books.app.record_payment(
        books.tenant_id,
        contact_id=invoice.contact_id,
        date="2026-11-22",
        amount="45.00",
        method="card",
        applied_to=[{"invoice_id": invoice.id, "amount": "45.00"}],
    )
    assert books.sync()["batchItemFailures"] == []

    pull(books, RunKind.SCHEDULED)
    webhook(books, "Payment", books.link("payment", sent.id).remote_id)

    assert [p.id for p in saas_payments(books)] == [sent.id]
    assert saas_balance(books, invoice.id) == quickbooks_balance(books, invoice_id) == Decimal("55.00")


def test_an_invoice_deleted_in_quickbooks_is_re_imported_once_even_when_the_pull_comes_again(
    books: Books,  # noqa: F811
) -> None:
    invoice, invoice_id, _ = synced_invoice(books)
    books.qbo.admin.delete_as_user(books.realm_id, "Invoice", invoice_id)

    webhook(books, "Invoice", invoice_id, deleted=True)
    webhook(books, "Invoice", invoice_id, deleted=True)  # a replayed notification
    (action,) = pending(books)
    approved = tenant_api("POST", f"/pending-actions/{action['action_id']}/approve", books.tenant_id)
    webhook(books, "Invoice", invoice_id, deleted=True)  # late again, after the re-import
    pull(books, RunKind.SCHEDULED)

    assert approved.status == 200, approved.body
    (new,) = books.records("Invoice")
    assert new["Id"] == approved.body["remote_id"] != invoice_id
    assert pending(books) == []
    link = books.link("invoice", invoice.id)
    assert (link.state, link.remote_id, link.remote_inactive) == (LinkState.LINKED, new["Id"], False)


def test_an_invoice_voided_in_quickbooks_reaches_the_pending_actions_by_the_schedule(books: Books) -> None:  # noqa: F811
    invoice, invoice_id, _ = synced_invoice(books)
    books.qbo.admin.void_as_user(books.realm_id, "Invoice", invoice_id)

    pull(books, RunKind.SCHEDULED)
    (action,) = pending(books)
    approved = tenant_api("POST", f"/pending-actions/{action['action_id']}/approve", books.tenant_id)
    pull(books, RunKind.SCHEDULED)  # our void in the SaaS does not come back as anything to do

    assert approved.status == 200, approved.body
    assert books.worker.services.saas.get_invoice(books.tenant_id, invoice.id).status == "void"
    assert pending(books) == []
