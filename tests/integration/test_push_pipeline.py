"""SaaS change → intake → FIFO push queue → push worker, through the real handlers on moto."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator

import boto3
import pytest

from fieldbooks import registry
from fieldbooks.domain.errors import AuthExpired, Transient
from fieldbooks.domain.models import ConnectionStatus, Provider
from fieldbooks.saas.events import SaasChangeEvent
from fieldbooks.store.connections import ConnectionStore
from fieldbooks.store.sync_log import SyncLogFilter, SyncLogStore
from tests.conftest import SaasApp
from tests.support.fake_provider import FakeProvider, connect
from tests.support.saas_changes import bus_event, change
from tests.support.sqs import receive_event


@pytest.fixture
def fake_provider() -> Iterator[FakeProvider]:
    """The fake package in QuickBooks Online's slot, through the registry: every handler pushes to it."""
    with registry.replaced(Provider.QUICKBOOKS_ONLINE, FakeProvider()) as fake:
        yield fake


@pytest.fixture
def tenant(saas_app: SaasApp) -> str:
    """A tenant of the reference SaaS app, connected: the engine reads parents and sets the badge there."""
    tenant_id = f"t-{uuid.uuid4().hex[:10]}"
    saas_app.handle.app_client.create_tenant(tenant_id, "Acme Plumbing")
    connect(tenant_id)
    return tenant_id


def app_contact(saas_app: SaasApp, tenant_id: str, last_name: str = "Doe") -> SaasChangeEvent:
    """A contact made in the SaaS app, as the change event its outbox publishes."""
    contact = saas_app.handle.app_client.create_contact(tenant_id, first_name="Jane", last_name=last_name)
    return next(e for e in reversed(saas_app.events_of(tenant_id)) if e.record_id == contact.id)


def queued(aws) -> list[dict]:  # noqa: ANN001
    return receive_event(boto3.client("sqs"), aws.queue_url("PushQueue"))["Records"]


def test_a_change_is_queued_once_per_connection_and_record_version_in_its_own_group(aws, handler, context) -> None:  # noqa: ANN001
    connect("t-acme")
    connect("t-acme", provider=Provider.XERO)
    connect("t-acme", provider=Provider.QUICKBOOKS_DESKTOP, status=ConnectionStatus.DISCONNECTED)
    intake = handler("SaasEventsFunction")
    v1 = change("contact", "updated", version=1)
    assert intake(bus_event(v1), context) == {"queued": True}
    assert intake(bus_event(v1), context) == {"queued": True}  # EventBridge delivers at least once

    records = sorted(queued(aws), key=lambda r: r["attributes"]["MessageGroupId"])
    assert [r["attributes"]["MessageGroupId"] for r in records] == [
        "t-acme#quickbooks_online#contact#con_1",
        "t-acme#xero#contact#con_1",
    ]  # a pause at one provider holds back only its own messages; a disconnected one gets none
    assert [json.loads(r["body"])["change"]["record_version"] for r in records] == [1, 1]


def test_our_own_writes_coming_back_are_not_queued(aws, handler, context) -> None:  # noqa: ANN001
    assert handler("SaasEventsFunction")(bus_event(change(origin="fieldbooks")), context)["queued"] is False
    assert queued(aws) == []


def test_an_unreadable_event_is_set_aside_in_the_dlq_at_once_and_tells_the_tenant_once(aws, handler, context) -> None:  # noqa: ANN001
    event = bus_event(change())
    event["detail"]["record_version"] = "three"

    reply = handler("SaasEventsFunction")(event, context)  # not raised: Lambda's retries could only repeat it

    assert reply["queued"] is False
    (row,) = SyncLogStore().page("t-acme", SyncLogFilter()).items
    assert (row.status, row.entity, row.saas_id) == ("error", "contact", "con_1")
    assert row.detail.startswith("This change could not be read and was set aside")
    assert "record_version" in row.detail
    assert queued(aws) == []
    sqs = boto3.client("sqs")
    (parked,) = sqs.receive_message(QueueUrl=aws.queue_url("SaasEventsDeadLetterQueue"))["Messages"]
    record = json.loads(parked["Body"])
    assert record["requestPayload"] == event
    assert record["requestContext"]["condition"] == "Unreadable"


def test_a_batch_with_one_bad_record_fails_only_that_record(
    aws, handler, context, fake_provider, saas_app, tenant
) -> None:  # noqa: ANN001
    intake = handler("SaasEventsFunction")
    first, second, third = (app_contact(saas_app, tenant, name) for name in ("One", "Two", "Three"))
    for each in (first, second, third):
        intake(bus_event(each), context)
    fake_provider.failures[second.record_id] = Transient("The books answered 503")

    event = receive_event(boto3.client("sqs"), aws.queue_url("PushQueue"))
    reply = handler("PushWorkerFunction")(event, context)

    failed = [f["itemIdentifier"] for f in reply["batchItemFailures"]]
    by_record = {json.loads(r["body"])["change"]["record_id"]: r["messageId"] for r in event["Records"]}
    assert failed == [by_record[second.record_id]]
    pushed = fake_provider.books(f"realm-{tenant}").pushed
    assert sorted(pushed) == sorted([(first.record_id, 1), (third.record_id, 1)])


def test_quotes_jobs_and_drafts_are_logged_as_skipped_with_the_reason(
    aws,
    handler,
    context,
    fake_provider,
    saas_app,
    tenant,  # noqa: ANN001
) -> None:
    intake = handler("SaasEventsFunction")
    intake(bus_event(change("quote", "created", tenant_id=tenant)), context)
    intake(bus_event(change("job", "created", tenant_id=tenant)), context)
    intake(bus_event(change("invoice", "created", tenant_id=tenant, status="draft")), context)
    app = saas_app.handle.app_client
    customer = app.create_contact(tenant, first_name="Jane", last_name="Doe")
    lines = [{"description": "Boiler service", "quantity": "1", "unit_price": "120.00", "taxable": False}]
    draft = app.create_invoice(
        tenant, contact_id=customer.id, issue_date="2026-11-20", due_date="2026-12-20", lines=lines
    )
    finalized = app.finalize_invoice(tenant, draft.id)
    event = next(e for e in reversed(saas_app.events_of(tenant)) if e.record_id == finalized.id)
    intake(bus_event(event), context)

    reply = handler("PushWorkerFunction")(receive_event(boto3.client("sqs"), aws.queue_url("PushQueue")), context)

    assert reply["batchItemFailures"] == []
    # Only the finalized invoice goes, its customer first (parents before children).
    assert fake_provider.books(f"realm-{tenant}").writes == [("contact", customer.id), ("invoice", finalized.id)]
    rows = SyncLogStore().page(tenant, SyncLogFilter(status="skipped")).items
    assert sorted((r.entity, r.detail) for r in rows) == [
        ("invoice", "Draft invoices go to accounting once they are finalized."),
        ("job", "Jobs stay in the field-service app; they never sync to accounting."),
        ("quote", "Quotes stay in the field-service app; only finalized invoices go to accounting."),
    ]


def test_a_tenant_without_a_connection_queues_nothing(aws, handler, context, fake_provider) -> None:  # noqa: ANN001
    connect("t-other")
    assert handler("SaasEventsFunction")(bus_event(change(tenant_id="t-acme")), context) == {"queued": False}
    assert queued(aws) == []


def test_an_unreadable_push_message_fails_only_itself_and_is_logged(
    aws, handler, context, fake_provider, saas_app, tenant
) -> None:  # noqa: ANN001
    sqs = boto3.client("sqs")
    url = aws.queue_url("PushQueue")
    bad = {"provider": "quickbooks_online", "change": {"tenant_id": tenant, "entity": "invoice", "record_id": "inv_9"}}
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps(bad), MessageGroupId="g-bad", MessageDeduplicationId="1")
    good = app_contact(saas_app, tenant)
    handler("SaasEventsFunction")(bus_event(good), context)

    event = receive_event(sqs, url)
    reply = handler("PushWorkerFunction")(event, context)

    bad_id = next(r["messageId"] for r in event["Records"] if "inv_9" in r["body"])
    assert [f["itemIdentifier"] for f in reply["batchItemFailures"]] == [bad_id]
    assert fake_provider.books(f"realm-{tenant}").pushed == [(good.record_id, 1)]
    (row,) = SyncLogStore().page(tenant, SyncLogFilter(status="error")).items
    assert (row.entity, row.saas_id) == ("invoice", "inv_9")


def test_refused_tokens_pause_the_connection_and_say_the_change_syncs_on_reconnect(
    aws,  # noqa: ANN001
    handler,  # noqa: ANN001
    context,  # noqa: ANN001
    fake_provider,  # noqa: ANN001
    saas_app,  # noqa: ANN001
    tenant: str,
) -> None:
    intake = handler("SaasEventsFunction")
    first, second = app_contact(saas_app, tenant, "One"), app_contact(saas_app, tenant, "Two")
    fake_provider.failures[first.record_id] = AuthExpired("Authentication expired — reconnect")
    intake(bus_event(first), context)
    replies = [handler("PushWorkerFunction")(receive_event(boto3.client("sqs"), aws.queue_url("PushQueue")), context)]
    intake(bus_event(second), context)  # while paused: never handed to the provider
    replies.append(
        handler("PushWorkerFunction")(receive_event(boto3.client("sqs"), aws.queue_url("PushQueue")), context)
    )

    assert [reply["batchItemFailures"] for reply in replies] == [[], []]
    assert ConnectionStore().get(tenant, Provider.QUICKBOOKS_ONLINE).status is ConnectionStatus.NEEDS_REAUTH
    assert fake_provider.books(f"realm-{tenant}").pushed == []
    rows = SyncLogStore().page(tenant, SyncLogFilter()).items
    waiting = sorted(r.saas_id for r in rows if r.detail.startswith("Not sent yet: QuickBooks Online needs to be"))
    assert waiting == sorted([first.record_id, second.record_id])
    assert [r.detail for r in rows if r.entity == "connection"] == ["Authentication expired — reconnect"]
