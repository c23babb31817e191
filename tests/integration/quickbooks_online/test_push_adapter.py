"""Real-time push end to end: SaaS app → change event → intake → FIFO push queue (moto) → the real push
worker → the engine and the QuickBooks package → the simulator over HTTP, with real OAuth tokens.

The SaaS records are made through the reference app's user API, so the events, versions, totals and the
"Linked to accounting" marker are the product's own.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

import boto3
import httpx
import pytest

from fieldbooks import registry
from fieldbooks.domain.models import (
    Connection,
    ConnectionSettings,
    LinkState,
    Provider,
    SyncLogEntry,
)
from fieldbooks.domain.outcomes import PushAction
from fieldbooks.providers.quickbooks_online.mapping import money as mapping_money
from fieldbooks.providers.quickbooks_online.package import QuickBooksOnlinePackage
from fieldbooks.saas.events import SaasChangeEvent
from fieldbooks.security.token_vault import seal, token_context
from fieldbooks.store.connections import ConnectionStore
from fieldbooks.store.sync_log import SyncLogFilter, SyncLogStore
from fieldbooks.sync.push import Push
from local.runtime.handlers import load_module
from local.simulators.quickbooks_online import SimulatorHandle
from tests.conftest import QBO_REALM, TEMPLATE, SaasApp
from tests.support.fake_provider import connect
from tests.support.saas_changes import bus_event
from tests.support.sqs import receive_event

QBO = Provider.QUICKBOOKS_ONLINE
GB_REALM = "9130350000000044"
# The simulator answers at once; a short timeout makes a dropped reply cost one second, not eight.
TEST_HTTP = httpx.Timeout(1.0, connect=1.0)


class Books:
    """One tenant's world: its SaaS records, its connection, the queue and QuickBooks."""

    def __init__(
        self,
        tenant_id: str,
        realm_id: str,
        saas_app: SaasApp,
        qbo: SimulatorHandle,
        aws: Any,
        run: Any,
        stack: ExitStack,
    ):
        self.stack = stack  # what the test swaps in (a package through the registry) is undone at its end
        self.tenant_id = tenant_id
        self.realm_id = realm_id
        self.app = saas_app.handle.app_client
        self._saas_app = saas_app
        self.qbo = qbo
        self._aws = aws
        self._run = run  # (handler name, event) → reply
        self._seen: set[str] = set()
        self.worker = load_module(TEMPLATE.function("PushWorkerFunction"))

    # --- SaaS side
    def new_events(self) -> list[SaasChangeEvent]:
        events = [e for e in self._saas_app.events_of(self.tenant_id) if e.event_id not in self._seen]
        self._seen |= {e.event_id for e in events}
        return events

    def queue_new_events(self, only: Callable[[SaasChangeEvent], bool] = lambda e: True) -> None:
        for event in self.new_events():
            if only(event):
                self._run("SaasEventsFunction", bus_event(event))

    def sqs_event(self) -> dict[str, Any]:
        return receive_event(boto3.client("sqs"), self._aws.queue_url("PushQueue"))

    def work(self, event: dict[str, Any]) -> dict[str, Any]:
        """The push worker on one SQS event; what succeeded is deleted, as the Lambda service does."""
        reply = self._run("PushWorkerFunction", event)
        self._settle(event, reply)
        return reply

    def _settle(self, event: dict[str, Any], reply: dict[str, Any]) -> None:
        failed = {f["itemIdentifier"] for f in reply["batchItemFailures"]}
        sqs, url = boto3.client("sqs"), self._aws.queue_url("PushQueue")
        for record in event["Records"]:
            if record["messageId"] in failed:  # visible again at once instead of after the timeout
                sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=record["receiptHandle"], VisibilityTimeout=0)
            else:
                sqs.delete_message(QueueUrl=url, ReceiptHandle=record["receiptHandle"])

    def sync(self, only: Callable[[SaasChangeEvent], bool] = lambda e: True) -> dict[str, Any]:
        """Every new SaaS change through intake, the queue and the push worker."""
        self.queue_new_events(only)
        replies = {"batchItemFailures": []}
        while (event := self.sqs_event())["Records"]:
            reply = self.work(event)
            replies["batchItemFailures"] += reply["batchItemFailures"]
            if reply["batchItemFailures"]:
                break
        return replies

    # --- Fieldbooks side
    def link(self, entity: str, saas_id: str) -> Any:
        return self.worker.services.links.get(self.tenant_id, QBO, entity, saas_id)

    def log(self, **filters: Any) -> list[SyncLogEntry]:
        return SyncLogStore().page(self.tenant_id, SyncLogFilter(**filters), limit=200).items

    def connection(self) -> Connection:
        return ConnectionStore().get(self.tenant_id, QBO)

    def set(self, **settings: Any) -> Connection:
        current = self.connection()
        changed = current.settings.model_copy(update=settings)
        return ConnectionStore().save(current.model_copy(update={"settings": changed}))

    # --- QuickBooks side
    def records(self, entity: str) -> list[dict[str, Any]]:
        rows = self.qbo.admin.data(self.realm_id, entity)[entity]
        return [row for row in rows if row.get("status") != "Deleted"]

    def count(self, entity: str) -> int:
        return self.qbo.admin.count(self.realm_id, entity)


def signed_in(tenant_id: str, realm_id: str, services: Any, settings: ConnectionSettings) -> Connection:
    """A connection as the OAuth callback leaves it: tokens from Intuit's flow (the simulator's consent
    page and token endpoint, through the production `IntuitOAuth`), sealed with KMS on the row."""
    oauth = registry.oauth(QBO, services)
    with httpx.Client() as http:
        # sim_realm_id is the simulator's way of choosing the company on its consent page.
        consent = http.get(f"{oauth.authorize_url(state='test')}&sim_realm_id={realm_id}")
    code = parse_qs(urlsplit(consent.headers["location"]).query)["code"][0]
    context = token_context(tenant_id, QBO.value)
    sealed = seal(oauth.exchange_code(code), services.settings.tokens_kms_key_id, context, services.kms)
    return connect(tenant_id, remote_company_id=realm_id, settings=settings, sealed_tokens=sealed)


@pytest.fixture
def books_for(
    aws: Any, qbo: SimulatorHandle, saas_app: SaasApp, handler: Any, context: Any
) -> Iterator[Callable[..., Books]]:
    """Builds a tenant connected to a realm, with the production QuickBooks package behind the engine.

    Its client is the registry's (connection tokens, rate governor) with a 1 s HTTP timeout, so a
    reply the simulator drops costs one second instead of eight. Tokens are the connection's own:
    sealed on the row, opened and refreshed under the lease.
    """
    worker = load_module(TEMPLATE.function("PushWorkerFunction"))
    with ExitStack() as stack:
        stack.enter_context(registry.replaced(QBO, QuickBooksOnlinePackage(http=httpx.Client(timeout=TEST_HTTP))))

        def build(realm_id: str = QBO_REALM, **settings: Any) -> Books:
            tenant_id = f"t-{uuid.uuid4().hex[:10]}"
            saas_app.handle.app_client.create_tenant(tenant_id, "Acme Plumbing")
            signed_in(tenant_id, realm_id, worker.services, ConnectionSettings(**settings))
            run = lambda name, event: handler(name)(event, context)  # noqa: E731
            return Books(tenant_id, realm_id, saas_app, qbo, aws, run, stack)

        yield build


@pytest.fixture
def books(books_for: Callable[..., Books]) -> Books:
    return books_for()


def jane(books: Books, **fields: Any) -> Any:
    values = {"first_name": "Jane", "last_name": "Doe", "email": "jane@example.com"} | fields
    return books.app.create_contact(books.tenant_id, **values)


def finalized_invoice(books: Books, contact_id: str, lines: list[dict[str, Any]], **fields: Any) -> Any:
    draft = books.app.create_invoice(
        books.tenant_id, contact_id=contact_id, issue_date="2026-11-20", due_date="2026-12-20", lines=lines, **fields
    )
    return books.app.finalize_invoice(books.tenant_id, draft.id)


# ---------------------------------------------------------------- each entity, once


def test_a_new_contact_becomes_one_customer_even_when_sqs_delivers_it_twice(books: Books) -> None:
    contact = jane(books, phone="555-0100")
    books.queue_new_events()
    event = books.sqs_event()

    first = books.work(event)
    second = books._run("PushWorkerFunction", event)  # SQS redelivers the same message

    assert first["batchItemFailures"] == second["batchItemFailures"] == []
    (customer,) = books.records("Customer")
    assert customer["DisplayName"] == "Jane Doe"
    assert customer["PrimaryEmailAddr"] == {"Address": "jane@example.com"}
    link = books.link("contact", contact.id)
    assert (link.state, link.remote_id, link.synced_version) == (LinkState.LINKED, customer["Id"], 1)
    synced = books.log(status="synced")
    assert [row.detail for row in synced] == ["Created customer Jane Doe in QuickBooks."]
    marked = books.worker.services.saas.get_contact(books.tenant_id, contact.id)
    assert (marked.accounting_link.provider, marked.accounting_link.remote_id) == ("qbo", customer["Id"])
    assert books.sync()["batchItemFailures"] == []  # our own "linked" echo is not pushed back
    assert books.count("Customer") == 1


def test_a_property_becomes_a_job_under_its_contacts_customer(books: Books) -> None:
    contact = jane(books)
    books.app.create_property(
        books.tenant_id, contact_id=contact.id, name="Home", address={"line1": "1 Oak St", "city": "Reno"}
    )
    assert books.sync()["batchItemFailures"] == []

    parent, job = sorted(books.records("Customer"), key=lambda c: c.get("Job", False))
    assert (job["DisplayName"], job["Job"], job["ParentRef"]["value"]) == ("Jane Doe - Home", True, parent["Id"])
    assert job["FullyQualifiedName"] == "Jane Doe:Jane Doe - Home"
    assert job["BillWithParent"] is True


def test_an_invoice_with_tax_and_discounts_pushes_its_customer_and_items_first_and_matches_to_the_cent(
    books: Books,
) -> None:
    labour = books.app.create_item(books.tenant_id, name="Labour", kind="service", unit_price="99.50", taxable=True)
    valve = books.app.create_item(books.tenant_id, name="Valve", kind="material", unit_price="3.4125")
    contact = jane(books)
    invoice = finalized_invoice(
        books,
        contact.id,
        [
            {"item_id": labour.id, "description": "Labour", "quantity": "2.5", "unit_price": "99.50",
             "discount_percent": "10", "taxable": True, "tax_rate": "7.25"},
            {"item_id": valve.id, "description": "Valve", "quantity": "7", "unit_price": "3.4125",
             "discount_amount": "1.11", "taxable": True, "tax_rate": "7.25"},
            {"description": "Call-out fee", "unit_price": "45.00"},
        ],
        memo="Thanks!",
    )  # fmt: skip
    # Only the invoice event: its customer and items are not linked yet and must go first.
    assert books.sync(only=lambda e: e.entity == "invoice")["batchItemFailures"] == []

    (remote,) = books.records("Invoice")
    assert Decimal(str(remote["TotalAmt"])) == invoice.total
    assert Decimal(str(remote["TxnTaxDetail"]["TotalTax"])) == invoice.tax_total
    sales = [line for line in remote["Line"] if line["DetailType"] == "SalesItemLineDetail"]
    assert [Decimal(str(line["Amount"])) for line in sales] == [line.amount - line.discount for line in invoice.lines]
    assert remote["DocNumber"] == invoice.number
    assert remote["CustomerRef"]["value"] == books.link("contact", contact.id).remote_id
    assert sorted(item["Name"] for item in books.records("Item")) == ["Labour", "Services", "Valve"]
    items = {item["Name"]: item for item in books.records("Item")}
    assert (items["Valve"]["Type"], items["Labour"]["Type"], items["Labour"]["Taxable"]) == (
        "NonInventory",
        "Service",
        True,
    )
    assert items["Valve"]["IncomeAccountRef"]["name"] == "Sales of Product Income"
    synced = {row.detail for row in books.log(status="synced")}
    assert {"Created customer Jane Doe in QuickBooks.", f"Created invoice {invoice.number} in QuickBooks."} <= synced

    # The contact's and items' own events arrive later: they find their links and change nothing.
    assert books.sync()["batchItemFailures"] == []
    assert (books.count("Customer"), books.count("Item"), books.count("Invoice")) == (1, 3, 1)


def test_a_payment_is_applied_to_its_invoice_and_a_voided_invoice_is_voided(books: Books) -> None:
    labour = books.app.create_item(books.tenant_id, name="Labour", unit_price="100.00")
    contact = jane(books)
    paid = finalized_invoice(books, contact.id, [{"item_id": labour.id, "description": "Labour", "unit_price": "100"}])
    books.app.record_payment(
        books.tenant_id,
        contact_id=contact.id,
        date="2026-11-22",
        amount="60.00",
        method="card",
        applied_to=[{"invoice_id": paid.id, "amount": "60.00"}],
    )
    voided = finalized_invoice(books, contact.id, [{"item_id": labour.id, "description": "Oops", "unit_price": "10"}])
    assert books.sync()["batchItemFailures"] == []
    books.app.void_invoice(books.tenant_id, voided.id)
    assert books.sync()["batchItemFailures"] == []

    (payment,) = books.records("Payment")
    assert payment["Line"][0]["LinkedTxn"] == [
        {"TxnId": books.link("invoice", paid.id).remote_id, "TxnType": "Invoice"}
    ]
    invoices = {row["Id"]: row for row in books.records("Invoice")}
    assert Decimal(str(invoices[books.link("invoice", paid.id).remote_id]["Balance"])) == Decimal("40.00")
    gone = invoices[books.link("invoice", voided.id).remote_id]
    assert (gone["TotalAmt"], gone["PrivateNote"]) == (0, "Voided")
    assert f"Voided invoice {voided.number} in QuickBooks." in {row.detail for row in books.log(status="synced")}


def test_drafts_quotes_jobs_and_team_members_are_skipped_with_their_reasons(books: Books) -> None:
    contact = jane(books)
    books.app.create_invoice(books.tenant_id, contact_id=contact.id, issue_date="2026-11-20", due_date="2026-12-20")
    books.app.create_quote(books.tenant_id, contact_id=contact.id, issue_date="2026-11-20")
    books.app.create_job(books.tenant_id, contact_id=contact.id, title="Fix leak")
    books.app.create_team_member(books.tenant_id, name="Sam Tech")
    assert books.sync()["batchItemFailures"] == []

    skipped = sorted((row.entity, row.detail) for row in books.log(status="skipped"))
    assert skipped == [
        ("invoice", "Draft invoices go to accounting once they are finalized."),
        ("job", "Jobs stay in the field-service app; they never sync to accounting."),
        ("quote", "Quotes stay in the field-service app; only finalized invoices go to accounting."),
        ("team_member", "Team members stay in the field-service app; they never sync to accounting."),
    ]
    assert (books.count("Customer"), books.count("Invoice")) == (1, 0)


def test_a_direction_switched_off_is_skipped_with_the_reason(books_for: Callable[..., Books]) -> None:
    books = books_for(directions={"item": "off"})
    books.app.create_item(books.tenant_id, name="Labour", unit_price="10")
    assert books.sync()["batchItemFailures"] == []
    skipped = [row.detail for row in books.log(status="skipped")]
    assert skipped == ["Sending items to QuickBooks is switched off in settings."]
    assert books.count("Item") == 0


# ---------------------------------------------------------------- exactly once under failure


def test_a_crash_after_quickbooks_committed_but_before_the_link_was_saved_does_not_duplicate(
    books: Books, monkeypatch: pytest.MonkeyPatch
) -> None:
    contact = jane(books)
    books.queue_new_events()
    links = books.worker.services.links
    real_save = links.save
    crashes = []

    def crash_once_on_the_linked_write(link: Any) -> Any:
        if link.state is LinkState.LINKED and not crashes:
            crashes.append(link.remote_id)
            raise RuntimeError("Lambda ran out of time")
        return real_save(link)

    monkeypatch.setattr(links, "save", crash_once_on_the_linked_write)
    event = books.sqs_event()
    first = books.work(event)
    assert [f["itemIdentifier"] for f in first["batchItemFailures"]] == [event["Records"][0]["messageId"]]
    assert books.count("Customer") == 1
    assert books.link("contact", contact.id).state is LinkState.PENDING

    assert books.work(books.sqs_event())["batchItemFailures"] == []  # the redelivery

    (customer,) = books.records("Customer")
    link = books.link("contact", contact.id)
    assert (link.state, link.remote_id) == (LinkState.LINKED, customer["Id"])
    assert crashes == [customer["Id"]]


def test_a_reply_lost_after_commit_is_retried_with_the_same_requestid(books: Books) -> None:
    contact = jane(books)
    books.qbo.admin.add_fault("drop_after_commit", entity="Customer", times=1)

    assert books.sync()["batchItemFailures"] == []

    assert books.qbo.admin.faults() == []  # the reply really was dropped
    (customer,) = books.records("Customer")
    assert books.link("contact", contact.id).remote_id == customer["Id"]


def test_an_invoice_quickbooks_totals_differently_is_removed_and_left_retriable(
    books_for: Callable[..., Books], qbo: SimulatorHandle
) -> None:
    """A UK company: TaxService rounds VAT on the document, the SaaS per line, so they differ by a cent."""
    qbo.admin.add_company(GB_REALM, "Acme UK Ltd", country="GB")
    books = books_for(GB_REALM, default_tax_code_id="3")  # the 20% standard-rate code
    fitting = books.app.create_item(books.tenant_id, name="Fitting", kind="material", unit_price="0.03", taxable=True)
    contact = jane(books)
    line = {"item_id": fitting.id, "description": "Fitting", "unit_price": "0.03", "taxable": True, "tax_rate": "20"}
    invoice = finalized_invoice(books, contact.id, [line, line])
    assert invoice.total == Decimal("0.08")

    assert books.sync()["batchItemFailures"] == []  # not an SQS retry: retrying cannot change the sum

    assert books.count("Invoice") == 0
    (row,) = books.log(status="error")
    assert row.detail.startswith("Invoice total mismatch: QuickBooks computed 0.07, the invoice says 0.08.")
    link = books.link("invoice", invoice.id)
    assert (link.state, link.remote_id, link.intent_request_id, link.generation) == (LinkState.PENDING, None, None, 1)


def test_outside_the_us_a_non_taxable_line_carries_the_companys_zero_rated_code(
    books_for: Callable[..., Books], qbo: SimulatorHandle
) -> None:
    """QuickBooks refuses a GB invoice line without a tax code (6000), non-taxable lines included."""
    qbo.admin.add_company(GB_REALM, "Acme UK Ltd", country="GB")
    books = books_for(GB_REALM, default_tax_code_id="3")  # the 20% standard-rate code
    contact = jane(books)
    taxed = {
        "description": "Boiler service",
        "quantity": "1",
        "unit_price": "100.00",
        "taxable": True,
        "tax_rate": "20",
    }
    exempt = {"description": "Call-out (zero-rated)", "quantity": "1", "unit_price": "30.00", "taxable": False}
    invoice = finalized_invoice(books, contact.id, [taxed, exempt])

    assert books.sync()["batchItemFailures"] == []

    (remote,) = books.records("Invoice")
    codes = [
        line["SalesItemLineDetail"]["TaxCodeRef"]["value"] for line in remote["Line"] if "SalesItemLineDetail" in line
    ]
    assert codes == ["3", "4"]  # the standard rate, then the simulator's 0.0% Z code
    assert mapping_money(remote["TotalAmt"]) == invoice.total


# ---------------------------------------------------------------- updates


def test_renaming_an_item_renames_the_quickbooks_item(books: Books) -> None:
    item = books.app.create_item(books.tenant_id, name="Labour", unit_price="99.50")
    books.sync()
    books.app.update_item(books.tenant_id, item.id, name="Labour (per hour)")
    assert books.sync()["batchItemFailures"] == []

    (remote,) = books.records("Item")
    assert (remote["Name"], remote["SyncToken"]) == ("Labour (per hour)", "1")
    assert "Updated item Labour (per hour) in QuickBooks." in {row.detail for row in books.log(status="synced")}


def test_a_stale_synctoken_rereads_merges_and_keeps_the_bookkeepers_edit(books: Books) -> None:
    contact = jane(books)
    books.sync()
    customer_id = books.link("contact", contact.id).remote_id
    books.qbo.admin.edit_as_user(books.realm_id, "Customer", customer_id, PrimaryPhone={"FreeFormNumber": "555-0199"})
    books.app.update_contact(books.tenant_id, contact.id, email="jane.doe@example.com")

    assert books.sync()["batchItemFailures"] == []

    (customer,) = books.records("Customer")
    assert customer["PrimaryEmailAddr"] == {"Address": "jane.doe@example.com"}
    assert customer["PrimaryPhone"] == {"FreeFormNumber": "555-0199"}  # not overwritten
    assert books.link("contact", contact.id).remote_version == customer["SyncToken"] == "2"


def test_a_field_changed_on_both_sides_follows_the_conflict_policy(books_for: Callable[..., Books]) -> None:
    books = books_for(conflict_policy="accounting_wins")
    contact = jane(books)
    books.sync()
    customer_id = books.link("contact", contact.id).remote_id
    books.qbo.admin.edit_as_user(
        books.realm_id, "Customer", customer_id, PrimaryEmailAddr={"Address": "books@example.com"}
    )
    books.app.update_contact(books.tenant_id, contact.id, email="jane.doe@example.com", phone="555-0100")

    assert books.sync()["batchItemFailures"] == []

    (customer,) = books.records("Customer")
    assert customer["PrimaryEmailAddr"] == {"Address": "books@example.com"}
    assert customer["PrimaryPhone"] == {"FreeFormNumber": "555-0100"}
    row = next(r for r in books.log(status="synced") if r.action == "update")
    assert row.values == {
        "PrimaryEmailAddr": {
            "saas": {"Address": "jane.doe@example.com"},
            "accounting": {"Address": "books@example.com"},
        }
    }


def test_an_invoice_for_a_customer_made_inactive_in_quickbooks_says_customer_not_found(books: Books) -> None:
    labour = books.app.create_item(books.tenant_id, name="Labour", unit_price="10")
    contact = jane(books)
    books.sync()
    books.qbo.admin.edit_as_user(books.realm_id, "Customer", books.link("contact", contact.id).remote_id, Active=False)
    finalized_invoice(books, contact.id, [{"item_id": labour.id, "description": "Labour", "unit_price": "10"}])

    assert books.sync()["batchItemFailures"] == []

    (row,) = books.log(status="error")
    assert row.detail.startswith("Customer not found in QuickBooks")
    assert books.count("Invoice") == 0


# ---------------------------------------------------------------- preview and duplicate names


def test_preview_mode_holds_customer_actions_until_approved(books_for: Callable[..., Books]) -> None:
    books = books_for(preview_customer_actions=True)
    contact = jane(books)
    assert books.sync()["batchItemFailures"] == []

    assert books.count("Customer") == 0
    (held,) = books.worker.services.pending_actions.list(books.tenant_id)
    assert (held.saas_id, held.action, held.summary) == (contact.id, "create", "Create customer Jane Doe in QuickBooks")
    assert [row.detail for row in books.log(status="skipped")] == [
        "Waiting for approval: Create customer Jane Doe in QuickBooks."
    ]

    labour = books.app.create_item(books.tenant_id, name="Labour", unit_price="80.00")
    invoice = finalized_invoice(
        books, contact.id, [{"item_id": labour.id, "description": "Labour", "unit_price": "80"}]
    )
    assert books.sync()["batchItemFailures"] == []  # the invoice cannot go before its customer is approved
    (waiting,) = books.log(status="error")
    assert waiting.detail == (
        f"Invoice {invoice.number} waits for customer Jane Doe: "
        "Waiting for approval: Create customer Jane Doe in QuickBooks."
    )
    assert (books.count("Customer"), books.count("Invoice")) == (0, 0)

    outcome = Push(books.connection(), books.worker.services).record("contact", contact, approved=True)

    assert outcome.action is PushAction.CREATED
    (customer,) = books.records("Customer")
    assert outcome.remote_id == customer["Id"]
    finalized = books.worker.services.saas.get_invoice(books.tenant_id, invoice.id)
    again = Push(books.connection(), books.worker.services, run_id="run-1").record("invoice", finalized)
    assert (again.action, books.count("Invoice")) == (PushAction.CREATED, 1)


def test_a_name_taken_by_one_unlinked_quickbooks_customer_is_a_resolvable_conflict(books: Books) -> None:
    existing = books.qbo.admin.create_as_user(books.realm_id, "Customer", DisplayName="Jane Doe")
    contact = jane(books)
    assert books.sync()["batchItemFailures"] == []

    assert books.count("Customer") == 1
    (conflict,) = books.worker.services.conflicts.list(books.tenant_id)
    assert (conflict.saas_id, conflict.resolvable, conflict.remote_id) == (contact.id, True, existing["Id"])
    (row,) = books.log(status="conflict")
    assert row.detail.startswith("Duplicate customer name:")


def test_two_saas_contacts_with_one_name_are_unresolvable_until_the_naming_rule_is_on(
    books: Books,
) -> None:
    first = jane(books, first_name="John", last_name="Smith", company_name="Best Pipes", email="j@best.example")
    second = jane(books, first_name="John", last_name="Smith", company_name="Drain Kings", email="j@kings.example")
    assert books.sync()["batchItemFailures"] == []

    (conflict,) = books.worker.services.conflicts.list(books.tenant_id)
    assert (conflict.saas_id, conflict.resolvable, conflict.other_saas_ids) == (second.id, False, [first.id])
    assert "Two customers are named \"John Smith\"; rename one or switch on the 'First Last (Company)'" in (
        conflict.message
    )

    connection = books.set(name_individuals_with_company=True)
    record = books.worker.services.saas.get_contact(books.tenant_id, second.id)
    outcome = Push(connection, books.worker.services).record("contact", record)

    assert outcome.action is PushAction.CREATED
    assert sorted(c["DisplayName"] for c in books.records("Customer")) == ["John Smith", "John Smith (Drain Kings)"]
