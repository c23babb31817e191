"""The balance report end to end: contacts and invoices made in the reference SaaS app reach the QuickBooks
Online simulator through the real intake and push worker, a payment is recorded only in QuickBooks (its
admin API, as a bookkeeper would), and `GET /reports/balances` on the real tenant API handler shows that
customer first, with totals right to the cent, in JSON and in CSV (moto throughout)."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import boto3
import httpx
import pytest

from fieldbooks import registry
from fieldbooks.domain.models import Provider
from fieldbooks.providers.quickbooks_online.package import QuickBooksOnlinePackage
from fieldbooks.store.links import LinkStore
from local.runtime.handlers import LambdaContext, load_handler
from local.simulators.quickbooks_online import SimulatorHandle
from tests.conftest import QBO_REALM, TEMPLATE, SaasApp
from tests.support.oauth_flow import connect_quickbooks, tenant_api
from tests.support.saas_changes import bus_event
from tests.support.sqs import receive_event

QBO = Provider.QUICKBOOKS_ONLINE
DATES = {"issue_date": "2026-11-01", "due_date": "2026-12-01"}


class Books:
    """One tenant connected to the simulator's company, whose SaaS edits go through the push pipeline."""

    def __init__(self, aws: Any, qbo: SimulatorHandle, saas_app: SaasApp) -> None:
        self.tenant = f"t-{uuid.uuid4().hex[:10]}"
        self.app = saas_app.handle.app_client
        self.app.create_tenant(self.tenant, "Acme Plumbing")
        self.qbo = qbo
        self._aws = aws
        self._saas_app = saas_app
        self._seen: set[str] = set()
        connect_quickbooks(self.tenant)

    def push_changes(self) -> None:
        """What EventBridge, SQS and Lambda do with the app's new change events: intake, queue, push worker."""
        context = LambdaContext("fieldbooks-test")
        for event in self._saas_app.events_of(self.tenant):
            if event.event_id not in self._seen:
                self._seen.add(event.event_id)
                load_handler(TEMPLATE.function("SaasEventsFunction"))(bus_event(event), context)
        sqs, queue = boto3.client("sqs"), self._aws.queue_url("PushQueue")
        while (batch := receive_event(sqs, queue))["Records"]:
            assert load_handler(TEMPLATE.function("PushWorkerFunction"))(batch, context)["batchItemFailures"] == []
            for record in batch["Records"]:
                sqs.delete_message(QueueUrl=queue, ReceiptHandle=record["receiptHandle"])

    def invoice(self, contact_id: str, *amounts: str, **fields: Any) -> str:
        lines = [{"description": f"Work {n}", "unit_price": amount} for n, amount in enumerate(amounts)]
        draft = self.app.create_invoice(self.tenant, contact_id=contact_id, lines=lines, **DATES, **fields)
        return self.app.finalize_invoice(self.tenant, draft.id).id

    def remote_id(self, entity: str, saas_id: str) -> str:
        link = LinkStore().get(self.tenant, QBO, entity, saas_id)
        assert link is not None and link.remote_id, f"{entity} {saas_id} is not linked"
        return link.remote_id


@pytest.fixture
def books(aws, qbo: SimulatorHandle, saas_app: SaasApp) -> Books:  # noqa: ANN001 - fixture
    return Books(aws, qbo, saas_app)


@pytest.fixture
def qbo_queries() -> Iterator[list[str]]:
    """The production package with an HTTP client that counts the query calls it sends."""
    queries: list[str] = []

    def record(request: httpx.Request) -> None:
        if request.url.path.endswith("/query"):
            queries.append(request.content.decode())

    http = httpx.Client(timeout=httpx.Timeout(5.0), event_hooks={"request": [record]})
    with registry.replaced(QBO, QuickBooksOnlinePackage(http=http)):
        yield queries
    http.close()


def test_a_payment_recorded_only_in_quickbooks_comes_first_with_totals_right_to_the_cent(books: Books) -> None:
    app, tenant = books.app, books.tenant
    jane = app.create_contact(tenant, first_name="Jane", last_name="Doe")
    bob = app.create_contact(tenant, first_name="Bob", last_name="Stone")
    carol = app.create_contact(tenant, first_name="Carol", last_name="King")
    site = app.create_property(tenant, contact_id=jane.id, name="Main Street", address={"line1": "1 Main St"})
    paid_in_quickbooks = books.invoice(jane.id, "120.00", "0.10")
    books.invoice(jane.id, "45.25", property_id=site.id)  # a job site's invoice is still Jane's to pay
    bobs = books.invoice(bob.id, "99.99")
    refund = [{"description": "Call-out refund", "unit_price": "9.99"}]
    app.create_credit_note(tenant, contact_id=bob.id, invoice_id=bobs, issue_date="2026-11-02", lines=refund)
    app.create_invoice(tenant, contact_id=carol.id, lines=[{"description": "Quote", "unit_price": "500"}], **DATES)
    books.push_changes()

    # The bookkeeper records a cheque in QuickBooks; nothing tells the SaaS (webhooks are another story).
    books.qbo.admin.create_as_user(
        QBO_REALM,
        "Payment",
        CustomerRef={"value": books.remote_id("contact", jane.id)},
        TotalAmt="50.05",
        Line=[
            {
                "Amount": "50.05",
                "LinkedTxn": [{"TxnId": books.remote_id("invoice", paid_in_quickbooks), "TxnType": "Invoice"}],
            }
        ],
    )

    reply = tenant_api("GET", "/reports/balances", tenant, role="member")

    assert reply.status == 200, reply.body
    rows = [(r["name"], r["saas_balance"], r["accounting_balance"], r["difference"]) for r in reply.body["rows"]]
    assert rows == [
        ("Jane Doe", "165.35", "115.30", "50.05"),  # the difference first
        ("Bob Stone", "90.00", "90.00", "0.00"),  # his credit note counts on both sides
        ("Carol King", "0.00", "0.00", "0.00"),  # a draft is not owed yet
    ]
    assert reply.body["totals"] == {
        "customers": 3,
        "with_differences": 1,
        "saas_balance": "255.35",
        "accounting_balance": "205.30",
        "difference": "50.05",
    }
    assert reply.body["rows"][0]["remote_id"] == books.remote_id("contact", jane.id)

    exported = tenant_api("GET", "/reports/balances", tenant, query={"format": "csv"})

    assert exported.status == 200
    assert exported.headers["Content-Type"].startswith("text/csv")
    assert exported.headers["Content-Disposition"] == 'attachment; filename="balances.csv"'
    table = list(csv.reader(io.StringIO(exported.body)))
    assert table[0] == ["customer", "saas_id", "remote_id", "saas_balance", "accounting_balance", "difference", "note"]
    assert [row[0] for row in table[1:]] == ["Jane Doe", "Bob Stone", "Carol King", "Total"]
    assert table[1][3:6] == ["165.35", "115.30", "50.05"]
    assert table[-1][3:6] == ["255.35", "205.30", "50.05"]
    assert sum(Decimal(row[5]) for row in table[1:-1]) == Decimal(table[-1][5])


def test_two_thousand_five_hundred_customers_are_read_in_three_queries(books: Books, qbo_queries: list[str]) -> None:
    jane = books.app.create_contact(books.tenant, first_name="Jane", last_name="Doe")
    books.invoice(jane.id, "10.00")
    books.push_changes()
    # Customers a bookkeeper made in QuickBooks over the years, as the simulator's admin API adds them.
    for n in range(2500 - len(books.qbo.admin.data(QBO_REALM, "Customer")["Customer"])):
        books.qbo.admin.create_as_user(QBO_REALM, "Customer", DisplayName=f"Walk-in {n:04d}")
    assert books.qbo.admin.count(QBO_REALM, "Customer") == 2500
    qbo_queries.clear()

    reply = tenant_api("GET", "/reports/balances", books.tenant)

    assert reply.status == 200, reply.body
    assert qbo_queries == [
        f"SELECT Id, Balance, BalanceWithJobs FROM Customer STARTPOSITION {start} MAXRESULTS 1000"
        for start in (1, 1001, 2001)
    ]
    ((name, ours, theirs),) = [(r["name"], r["saas_balance"], r["accounting_balance"]) for r in reply.body["rows"]]
    assert (name, ours, theirs) == ("Jane Doe", "10.00", "10.00")


def test_a_customer_made_inactive_in_quickbooks_is_a_difference_with_a_note(books: Books) -> None:
    bob = books.app.create_contact(books.tenant, first_name="Bob", last_name="Stone")
    books.push_changes()
    customer_id = books.remote_id("contact", bob.id)
    books.qbo.admin.edit_as_user(QBO_REALM, "Customer", customer_id, Active=False)

    reply = tenant_api("GET", "/reports/balances", books.tenant)

    (row,) = reply.body["rows"]
    assert row["accounting_balance"] is None
    assert row["note"] == f"QuickBooks Online has no active customer {customer_id}."
    assert reply.body["totals"]["with_differences"] == 1
