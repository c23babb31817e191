"""The engine on the fake provider, in both transports: a CALL push settles now; a QUEUE push ends
QUEUED, `next_message` hands it out, the provider's side answers, `receive` settles it, and the link,
the sync log, the SaaS badge and the run's counters end the same. No provider package is imported.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest

from fieldbooks import registry
from fieldbooks.domain.models import Connection, LinkState, Provider, RunKind, RunStatus, SyncStatus
from fieldbooks.domain.outcomes import PushAction, PushOutcome
from fieldbooks.domain.records import SaasRecord
from fieldbooks.providers.contract import Transport
from fieldbooks.queues.pull_jobs import PullJob
from fieldbooks.services import Services
from fieldbooks.store.sync_log import SyncLogFilter
from fieldbooks.sync import outbox
from fieldbooks.sync.push import Push
from tests.conftest import SaasApp, console_token
from tests.support.fake_provider import FakeAgent, FakeBooks, FakeProvider, FakeQueueProvider, connect
from tests.support.sqs import receive_event

SLOT = Provider.QUICKBOOKS_ONLINE


@dataclass
class World:
    """One tenant on the fake books, in one transport; `push` and `settle_all` hide which."""

    transport: Transport
    tenant_id: str
    connection: Connection
    books: FakeBooks
    agent: FakeAgent
    app: Any
    services: Services

    def push(self, entity: str, record: SaasRecord, **options: Any) -> PushOutcome:
        return Push(self.connection, self.services, **options).record(entity, record)

    def settle_all(self, rounds: int = 5) -> list[PushOutcome]:
        """QUEUE: what the provider's side does when it connects; CALL: nothing is waiting."""
        settled: list[PushOutcome] = []
        if self.transport is Transport.CALL:
            assert self.services.work_items.waiting(self.tenant_id, SLOT, 10) == []  # nothing was queued
            return settled
        for _ in range(rounds):
            push = Push(self.connection, self.services)
            if (request := outbox.next_message(push)) is None:
                break
            if (answer := self.agent.answer(request)) is not None:
                settled += outbox.receive(push, answer)
        return settled

    def log(self, **filters: Any) -> list[Any]:
        return self.services.sync_log.page(self.tenant_id, SyncLogFilter(**filters), limit=100).items


@pytest.fixture(params=[Transport.CALL, Transport.QUEUE], ids=["call", "queue"])
def world(request: pytest.FixtureRequest, aws: Any, saas_app: SaasApp) -> Iterator[World]:
    package = FakeProvider() if request.param is Transport.CALL else FakeQueueProvider()
    tenant_id = f"t-{uuid.uuid4().hex[:10]}"
    saas_app.handle.app_client.create_tenant(tenant_id, "Acme Plumbing")
    connection = connect(tenant_id)
    books = package.books(connection.remote_company_id)
    with registry.replaced(SLOT, package):
        yield World(
            request.param,
            tenant_id,
            connection,
            books,
            FakeAgent(books),
            saas_app.handle.app_client,
            Services.from_environment(),
        )


def jane(world: World, **fields: Any) -> SaasRecord:
    return world.app.create_contact(world.tenant_id, first_name="Jane", last_name="Doe", **fields)


def test_a_new_contact_ends_linked_logged_and_badged_the_same_in_both_transports(world: World) -> None:
    contact = jane(world)

    outcome = world.push("contact", contact)

    if world.transport is Transport.QUEUE:
        assert outcome.action is PushAction.QUEUED
        assert world.books.of("Customer") == []  # nothing left before the provider's side asked
        assert world.services.links.get(world.tenant_id, SLOT, "contact", contact.id).state is LinkState.PENDING
        (outcome,) = world.settle_all()
    assert outcome.action is PushAction.CREATED
    (customer,) = world.books.of("Customer")
    link = world.services.links.get(world.tenant_id, SLOT, "contact", contact.id)
    assert (link.state, link.remote_id, link.synced_version) == (LinkState.LINKED, customer.remote_id, 1)
    assert [row.detail for row in world.log(status=SyncStatus.SYNCED)] == ["Created customer Jane Doe in Fake Books."]
    badge = world.services.saas.get_contact(world.tenant_id, contact.id).accounting_link
    assert (badge.provider, badge.remote_id) == ("qbo", customer.remote_id)


def test_an_invoice_brings_its_customer_first_in_both_transports(world: World) -> None:
    contact = jane(world)
    lines = [{"description": "Boiler service", "quantity": "1", "unit_price": "120.00", "taxable": False}]
    draft = world.app.create_invoice(
        world.tenant_id, contact_id=contact.id, issue_date="2026-11-20", due_date="2026-12-20", lines=lines
    )
    invoice = world.app.finalize_invoice(world.tenant_id, draft.id)

    world.push("invoice", invoice)
    world.settle_all()

    (customer,) = world.books.of("Customer")
    (booked,) = world.books.of("Invoice")
    assert booked.fields["Customer"] == customer.remote_id
    assert world.books.writes == [("contact", contact.id), ("invoice", invoice.id)]
    link = world.services.links.get(world.tenant_id, SLOT, "invoice", invoice.id)
    assert (link.state, link.remote_id) == (LinkState.LINKED, booked.remote_id)


def test_an_answer_lost_after_the_books_were_written_never_makes_a_second_record(world: World) -> None:
    contact = jane(world)
    if world.transport is Transport.QUEUE:
        world.agent.lose_next_answer = True
    else:
        world.books.lose_reply_of.add(contact.id)

    try:
        world.push("contact", contact)
    except Exception as error:  # CALL: the lost reply is a Transient, and SQS brings the message back
        assert world.transport is Transport.CALL and type(error).__name__ == "Transient"
        world.push("contact", world.services.saas.get_contact(world.tenant_id, contact.id))
    world.settle_all()

    assert len(world.books.of("Customer")) == 1
    link = world.services.links.get(world.tenant_id, SLOT, "contact", contact.id)
    assert link.state is LinkState.LINKED


def test_an_update_sends_only_what_changed_in_both_transports(world: World) -> None:
    contact = jane(world, email="jane@example.com")
    world.push("contact", contact)
    world.settle_all()
    renamed = world.app.update_contact(world.tenant_id, contact.id, last_name="Smith")

    outcome = world.push("contact", world.services.saas.get_contact(world.tenant_id, renamed.id))
    settled = world.settle_all()

    final = settled[-1] if world.transport is Transport.QUEUE else outcome
    assert final.action is PushAction.UPDATED
    (customer,) = world.books.of("Customer")
    assert (customer.fields["Name"], customer.version) == ("Jane Smith", 1)


def test_a_run_counts_each_record_once_its_provider_has_answered(
    world: World, aws: Any, handler: Callable[[str], Any], context: Any
) -> None:
    for name in ("Ann", "Bob"):
        world.app.create_contact(world.tenant_id, first_name=name, last_name="Doe")
    world.app.create_item(world.tenant_id, name="Labour", kind="service", unit_price="80.00")
    run = world.services.runs.create(world.tenant_id, SLOT, RunKind.INITIAL)
    job = PullJob(tenant_id=world.tenant_id, provider=SLOT, run_id=run.run_id)
    boto3.client("sqs").send_message(QueueUrl=aws.queue_url("PullQueue"), MessageBody=job.model_dump_json())

    reply = handler("PullWorkerFunction")(receive_event(boto3.client("sqs"), aws.queue_url("PullQueue")), context)
    assert reply == {"batchItemFailures": []}
    if world.transport is Transport.QUEUE:
        waiting = world.services.runs.get(world.tenant_id, run.run_id)
        assert waiting.status is RunStatus.RUNNING
        assert {c: p.queued for c, p in waiting.progress.items()} == {"contacts": 2, "items": 1}
        world.settle_all()

    finished = world.services.runs.get(world.tenant_id, run.run_id)
    assert finished.status is RunStatus.SUCCEEDED
    progress = {c: (p.done, p.total, p.failed, p.queued) for c, p in finished.progress.items()}
    assert progress == {"contacts": (2, 2, 0, 0), "items": (1, 1, 0, 0)}
    assert sorted(r.fields["Name"] for r in world.books.of("Customer")) == ["Ann Doe", "Bob Doe"]
    assert json.loads(json.dumps([r.fields["Name"] for r in world.books.of("Item")])) == ["Labour"]


def test_approving_a_held_contact_through_the_tenant_api_pushes_it_in_both_transports(
    world: World, handler: Callable[[str], Any], context: Any, load_event: Callable[..., dict[str, Any]]
) -> None:
    """Preview mode holds the contact; the console's approval sends it (QUEUE: queues it, then the
    provider's side takes it) and the pending action is gone either way."""
    settings = world.connection.settings.model_copy(update={"preview_customer_actions": True})
    world.connection = world.services.connections.save(world.connection.model_copy(update={"settings": settings}))
    contact = jane(world)
    assert world.push("contact", contact).action is PushAction.HELD
    (held,) = world.services.pending_actions.list(world.tenant_id)

    path = f"/pending-actions/{held.action_id}/approve"
    event = load_event(
        "tenant_api/post_dlq_redrive.json",
        rawPath=path,
        routeKey=f"POST {path}",
        body=None,
        headers={"authorization": f"Bearer {console_token(world.tenant_id, role='admin')}"},
        requestContext__http__path=path,
    )
    reply = handler("TenantApiFunction")(event, context)

    assert reply["statusCode"] == 200, reply["body"]
    expected = "queued" if world.transport is Transport.QUEUE else "created"
    assert json.loads(reply["body"])["outcome"] == expected
    world.settle_all()
    (customer,) = world.books.of("Customer")
    link = world.services.links.get(world.tenant_id, SLOT, "contact", contact.id)
    assert (link.state, link.remote_id) == (LinkState.LINKED, customer.remote_id)
    assert world.services.pending_actions.list(world.tenant_id) == []


@pytest.mark.parametrize("world", [Transport.QUEUE], ids=["queue"], indirect=True)
def test_stop_cancels_queued_work_not_yet_sent_and_the_run_stops_with_the_last_answer(
    world: World, aws: Any, handler: Callable[[str], Any], context: Any, load_event: Callable[..., dict[str, Any]]
) -> None:
    for name in ("Ann", "Bob", "Cy"):
        world.app.create_contact(world.tenant_id, first_name=name, last_name="Doe")
    run = world.services.runs.create(world.tenant_id, SLOT, RunKind.INITIAL)
    job = PullJob(tenant_id=world.tenant_id, provider=SLOT, run_id=run.run_id)
    boto3.client("sqs").send_message(QueueUrl=aws.queue_url("PullQueue"), MessageBody=job.model_dump_json())
    handler("PullWorkerFunction")(receive_event(boto3.client("sqs"), aws.queue_url("PullQueue")), context)
    push = Push(world.connection, world.services)
    request = outbox.next_message(push, limit=1)  # one contact handed out; two still waiting
    assert request is not None

    path = f"/runs/{run.run_id}/stop"
    event = load_event(
        "tenant_api/post_dlq_redrive.json",
        rawPath=path,
        routeKey=f"POST {path}",
        body=None,
        headers={"authorization": f"Bearer {console_token(world.tenant_id, role='admin')}"},
        requestContext__http__path=path,
    )
    stopping = json.loads(handler("TenantApiFunction")(event, context)["body"])
    assert (stopping["status"], stopping["progress"]["contacts"]["queued"]) == ("running", 1)  # one is out there
    assert len(world.services.work_items.waiting(world.tenant_id, SLOT, 10)) == 1

    answer = world.agent.answer(request)
    assert answer is not None
    outbox.receive(push, answer)

    stopped = world.services.runs.get(world.tenant_id, run.run_id)
    assert (stopped.status, stopped.message) == (RunStatus.STOPPED, "Stopped on request.")
    assert (stopped.progress["contacts"].done, stopped.progress["contacts"].queued) == (1, 0)
    assert len(world.books.of("Customer")) == 1
    assert world.services.work_items.waiting(world.tenant_id, SLOT, 10) == []
