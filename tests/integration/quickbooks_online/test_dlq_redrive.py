"""POST /dlq/redrive through the real tenant API handler, then the real push worker, on moto and the simulator."""

from __future__ import annotations

import json
import secrets
from typing import Any

import boto3
import pytest

from fieldbooks.saas.events import SaasChangeEvent
from tests.conftest import QBO_REALM, console_token
from tests.integration.quickbooks_online.test_push_retries import (  # noqa: F401 - fixtures
    customer_names,
    deliver,
    pusher,
    worker,
)
from tests.support import saas_changes as changes
from tests.support.fake_provider import connect


@pytest.fixture
def redrive(aws, handler, context, load_event):  # noqa: ANN001, ANN201 - fixtures
    tenant_api = handler("TenantApiFunction")

    def call(tenant_id: str, queue: str, role: str = "admin") -> tuple[int, Any]:
        event = load_event(
            "tenant_api/post_dlq_redrive.json",
            body=json.dumps({"queue": queue}),
            headers__authorization=f"Bearer {console_token(tenant_id, role=role)}",
        )
        reply = tenant_api(event, context)
        return reply["statusCode"], json.loads(reply["body"])

    return call


def park_push(aws: Any, tenant_id: str, record_id: str, change: SaasChangeEvent | None = None) -> None:
    """A push message as SQS leaves it in the DLQ after its last failed receive: the bare change event,
    as messages queued before one-message-per-connection were (they must still push after a deploy)."""
    change = change or changes.change(tenant_id=tenant_id, record_id=record_id)
    body = change.model_dump_json()
    boto3.client("sqs").send_message(
        QueueUrl=aws.queue_url("PushDeadLetterQueue"),
        MessageBody=body,
        MessageGroupId=f"{tenant_id}#contact#{record_id}",
        MessageDeduplicationId=f"{tenant_id}-{record_id}-1",
    )


def visible(aws: Any, queue: str) -> list[dict[str, Any]]:
    return (
        boto3.client("sqs")
        .receive_message(
            QueueUrl=aws.queue_url(queue), MaxNumberOfMessages=10, AttributeNames=["All"], VisibilityTimeout=0
        )
        .get("Messages", [])
    )


def test_an_admin_sends_their_parked_pushes_back_and_they_sync(
    aws,
    redrive,
    context,
    qbo,
    saas_app,
    worker,  # noqa: F811 - the fixture imported above
    pusher,  # noqa: ANN001, F811
) -> None:
    tenant_id, other_tenant = f"t-{secrets.token_hex(4)}", f"t-{secrets.token_hex(4)}"
    saas_app.handle.app_client.create_tenant(tenant_id, "Acme Plumbing")
    connect(tenant_id, remote_company_id=QBO_REALM)
    first, second = (
        saas_app.handle.app_client.create_contact(tenant_id, first_name="Jane", last_name=f"Doe {n}") for n in (1, 2)
    )
    created = {event.record_id: event for event in saas_app.events_of(tenant_id)}
    park_push(aws, tenant_id, first.id, created[first.id])
    park_push(aws, other_tenant, "con_9")
    park_push(aws, tenant_id, second.id, created[second.id])

    status, result = redrive(tenant_id, "push")

    assert status == 200
    assert result == {"queue": "push", "moved": 2, "examined": 3, "more_may_be_waiting": False}
    left = visible(aws, "PushDeadLetterQueue")
    assert [json.loads(m["Body"])["tenant_id"] for m in left] == [other_tenant]  # released at once, untouched
    event, failed = deliver(worker, aws, context)
    assert sorted(r["attributes"]["MessageGroupId"] for r in event["Records"]) == sorted(
        [f"{tenant_id}#contact#{first.id}", f"{tenant_id}#contact#{second.id}"]
    )
    assert failed == []
    assert customer_names(qbo) == ["Jane Doe 1", "Jane Doe 2"]


def test_parked_pull_jobs_go_back_to_the_pull_queue(aws, redrive) -> None:  # noqa: ANN001
    tenant_id = f"t-{secrets.token_hex(4)}"
    job = {"tenant_id": tenant_id, "provider": "quickbooks_online", "run_id": "run-1"}
    boto3.client("sqs").send_message(QueueUrl=aws.queue_url("PullDeadLetterQueue"), MessageBody=json.dumps(job))

    status, result = redrive(tenant_id, "pull")

    assert (status, result["moved"]) == (200, 1)
    assert [json.loads(m["Body"]) for m in visible(aws, "PullQueue")] == [job]
    assert visible(aws, "PullDeadLetterQueue") == []


def test_only_admins_may_redrive_and_only_known_queues(aws, redrive) -> None:  # noqa: ANN001
    tenant_id = f"t-{secrets.token_hex(4)}"
    park_push(aws, tenant_id, "con_1")

    assert redrive(tenant_id, "push", role="member")[0] == 403
    assert redrive(tenant_id, "saas-events")[0] == 400
    assert len(visible(aws, "PushDeadLetterQueue")) == 1
