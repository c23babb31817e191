"""A poison push message, through the runtime's own SQS event source and the real push worker on moto."""

from __future__ import annotations

import json
import time

import boto3

from fieldbooks.store.sync_log import SyncLogFilter, SyncLogStore
from local.runtime.invocation import FunctionHost
from local.runtime.pollers import QueuePoller, SqsEventSource, polled_queue
from tests.conftest import TEMPLATE
from tests.integration.test_push_pipeline import app_contact, fake_provider, tenant  # noqa: F401 - fixtures
from tests.support.saas_changes import bus_event


def test_a_poison_record_is_retried_alone_then_parked_in_the_dlq_intact(
    aws,
    handler,
    context,
    fake_provider,  # noqa: F811 - the fixture imported above
    saas_app,
    tenant,  # noqa: ANN001, F811
) -> None:
    sqs = boto3.client("sqs")
    push_url = aws.queue_url("PushQueue")
    dlq_url = aws.queue_url(aws.dead_letter_queue_of("PushQueue"))
    poison = json.dumps({"tenant_id": tenant, "entity": "invoice", "record_id": "inv_9", "schema_version": 7})
    sqs.send_message(QueueUrl=push_url, MessageBody=poison, MessageGroupId="g-poison", MessageDeduplicationId="p1")
    good = app_contact(saas_app, tenant)
    handler("SaasEventsFunction")(bus_event(good), context)

    source = next(s for s in TEMPLATE.queue_sources() if s.queue_id == "PushQueue")
    queue = polled_queue(push_url, source.batch_size)
    poller = QueuePoller(queue, SqsEventSource(source, queue, FunctionHost(aws)).deliver, 0, name="sqs-test-push")
    poller.start()
    try:
        parked = _wait_for_message(sqs, dlq_url, deadline=time.monotonic() + 30)
    finally:
        poller.stop()
        poller.join(timeout=10)

    assert parked["Body"] == poison  # nothing lost: ready for a redrive
    assert int(parked["Attributes"]["ApproximateReceiveCount"]) >= 5  # maxReceiveCount in template.yaml
    assert fake_provider.books(f"realm-{tenant}").pushed == [(good.record_id, 1)]  # the good record, once
    errors = SyncLogStore().page(tenant, SyncLogFilter(status="error")).items
    assert [(row.entity, row.saas_id) for row in errors] == [("invoice", "inv_9")]  # one row, not one per retry


def _wait_for_message(sqs, queue_url: str, deadline: float) -> dict:  # noqa: ANN001
    while time.monotonic() < deadline:
        reply = sqs.receive_message(QueueUrl=queue_url, AttributeNames=["All"], WaitTimeSeconds=0)
        if reply.get("Messages"):
            return reply["Messages"][0]
        time.sleep(0.1)
    raise AssertionError("the poison message never reached the dead-letter queue")
