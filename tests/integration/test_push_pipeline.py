"""SaaS change → intake → FIFO push queue → push worker, through the real handlers on moto."""

from __future__ import annotations

import json

import boto3
import pytest

from fieldbooks.domain.errors import AuthExpired, Transient
from fieldbooks.domain.models import ConnectionStatus, Provider
from fieldbooks.store.connections import ConnectionStore
from fieldbooks.store.sync_log import SyncLogFilter, SyncLogStore
from local.runtime.handlers import load_module
from tests.conftest import TEMPLATE
from tests.support.fake_provider import FakeProvider, connect
from tests.support.saas_changes import bus_event, change
from tests.support.sqs import receive_event


@pytest.fixture
def fake_provider():  # noqa: ANN201
    """Plugs the fake into the workers' services, as the QuickBooks adapter will be plugged in."""
    fake = FakeProvider()
    workers = [load_module(TEMPLATE.function(f)).services for f in ("PushWorkerFunction", "PullWorkerFunction")]
    registered = [dict(services.providers) for services in workers]  # the real adapter, put back afterwards
    for services in workers:
        services.providers[Provider.QUICKBOOKS_ONLINE] = fake
    yield fake
    for services, providers in zip(workers, registered, strict=True):
        services.providers.clear()
        services.providers.update(providers)


def queued(aws) -> list[dict]:  # noqa: ANN001
    return receive_event(boto3.client("sqs"), aws.queue_url("PushQueue"))["Records"]


def test_a_change_is_queued_once_per_record_version_in_its_records_group(aws, handler, context) -> None:  # noqa: ANN001
    intake = handler("SaasEventsFunction")
    v1 = change("contact", "updated", version=1)
    assert intake(bus_event(v1), context) == {"queued": True}
    assert intake(bus_event(v1), context) == {"queued": True}  # EventBridge delivers at least once

    records = queued(aws)
    assert len(records) == 1
    assert records[0]["attributes"]["MessageGroupId"] == "t-acme#contact#con_1"
    assert json.loads(records[0]["body"])["record_version"] == 1


def test_our_own_writes_coming_back_are_not_queued(aws, handler, context) -> None:  # noqa: ANN001
    assert handler("SaasEventsFunction")(bus_event(change(origin="fieldbooks")), context)["queued"] is False
    assert queued(aws) == []


def test_an_unreadable_event_fails_loudly_and_tells_the_tenant(aws, handler, context) -> None:  # noqa: ANN001
    event = bus_event(change())
    event["detail"]["record_version"] = "three"
    with pytest.raises(ValueError, match="record_version"):
        handler("SaasEventsFunction")(event, context)

    (row,) = SyncLogStore().page("t-acme", SyncLogFilter()).items
    assert (row.status, row.entity, row.saas_id) == ("error", "contact", "con_1")
    assert row.detail.startswith("This change could not be read and was set aside")
    assert queued(aws) == []


def test_a_batch_with_one_bad_record_fails_only_that_record(aws, handler, context, fake_provider) -> None:  # noqa: ANN001
    connect("t-acme")
    intake = handler("SaasEventsFunction")
    for record_id in ("con_1", "con_2", "con_3"):
        intake(bus_event(change(record_id=record_id)), context)
    fake_provider.failures["con_2"] = Transient("QuickBooks answered 503")

    event = receive_event(boto3.client("sqs"), aws.queue_url("PushQueue"))
    reply = handler("PushWorkerFunction")(event, context)

    failed = [f["itemIdentifier"] for f in reply["batchItemFailures"]]
    by_record = {json.loads(r["body"])["record_id"]: r["messageId"] for r in event["Records"]}
    assert failed == [by_record["con_2"]]
    assert fake_provider.pushed == [("t-acme", "con_1", 1), ("t-acme", "con_3", 1)]


def test_quotes_jobs_and_drafts_are_logged_as_skipped_with_the_reason(aws, handler, context, fake_provider) -> None:  # noqa: ANN001
    connect("t-acme")
    intake = handler("SaasEventsFunction")
    intake(bus_event(change("quote", "created")), context)
    intake(bus_event(change("job", "created")), context)
    intake(bus_event(change("invoice", "created", status="draft")), context)
    intake(bus_event(change("invoice", "finalized")), context)

    reply = handler("PushWorkerFunction")(receive_event(boto3.client("sqs"), aws.queue_url("PushQueue")), context)

    assert reply["batchItemFailures"] == []
    assert fake_provider.pushed == [("t-acme", "inv_1", 1)]
    rows = SyncLogStore().page("t-acme", SyncLogFilter(status="skipped")).items
    assert sorted((r.entity, r.detail) for r in rows) == [
        ("invoice", "Draft invoices go to accounting once they are finalized."),
        ("job", "Jobs stay in the field-service app; they never sync to accounting."),
        ("quote", "Quotes stay in the field-service app; only finalized invoices go to accounting."),
    ]


def test_a_tenant_without_a_connection_pushes_nothing(aws, handler, context, fake_provider) -> None:  # noqa: ANN001
    connect("t-other")
    handler("SaasEventsFunction")(bus_event(change(tenant_id="t-acme")), context)
    reply = handler("PushWorkerFunction")(receive_event(boto3.client("sqs"), aws.queue_url("PushQueue")), context)
    assert (reply["batchItemFailures"], fake_provider.pushed) == ([], [])


def test_an_unreadable_push_message_fails_only_itself_and_is_logged(aws, handler, context, fake_provider) -> None:  # noqa: ANN001
    connect("t-acme")
    sqs = boto3.client("sqs")
    url = aws.queue_url("PushQueue")
    bad = {"tenant_id": "t-acme", "entity": "invoice", "record_id": "inv_9", "schema_version": 7}
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps(bad), MessageGroupId="g-bad", MessageDeduplicationId="1")
    handler("SaasEventsFunction")(bus_event(change()), context)

    event = receive_event(sqs, url)
    reply = handler("PushWorkerFunction")(event, context)

    bad_id = next(r["messageId"] for r in event["Records"] if "inv_9" in r["body"])
    assert [f["itemIdentifier"] for f in reply["batchItemFailures"]] == [bad_id]
    assert fake_provider.pushed == [("t-acme", "con_1", 1)]
    (row,) = SyncLogStore().page("t-acme", SyncLogFilter(status="error")).items
    assert (row.entity, row.saas_id) == ("invoice", "inv_9")


def test_refused_tokens_pause_the_connection_and_say_the_change_syncs_on_reconnect(
    aws,  # noqa: ANN001
    handler,  # noqa: ANN001
    context,  # noqa: ANN001
    fake_provider,  # noqa: ANN001
) -> None:
    connect("t-acme")
    intake = handler("SaasEventsFunction")
    fake_provider.failures["con_1"] = AuthExpired("Authentication expired — reconnect")
    intake(bus_event(change(record_id="con_1")), context)
    first = handler("PushWorkerFunction")(receive_event(boto3.client("sqs"), aws.queue_url("PushQueue")), context)
    intake(bus_event(change(record_id="con_2")), context)  # while paused: never handed to the provider
    second = handler("PushWorkerFunction")(receive_event(boto3.client("sqs"), aws.queue_url("PushQueue")), context)

    assert first["batchItemFailures"] == second["batchItemFailures"] == []
    assert ConnectionStore().get("t-acme", Provider.QUICKBOOKS_ONLINE).status is ConnectionStatus.NEEDS_REAUTH
    assert fake_provider.pushed == []
    rows = SyncLogStore().page("t-acme", SyncLogFilter()).items
    waiting = sorted(r.saas_id for r in rows if r.detail.startswith("Not sent yet: QuickBooks Online needs to be"))
    assert waiting == ["con_1", "con_2"]
    assert [r.detail for r in rows if r.entity == "connection"] == ["Authentication expired — reconnect"]
