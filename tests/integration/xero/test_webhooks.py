"""Xero webhooks through the real WebhooksFunction handler: the simulator's intent-to-receive
handshake (a right signature gets a 200, a wrong one a 401), then a contact edited in Xero queues a
webhook run naming it for the tenant holding the organisation."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from local.runtime.handlers import LambdaContext, load_handler
from local.runtime.resources import DEV_XERO_WEBHOOK_KEY
from local.simulators.serving import serving
from local.simulators.xero.webhooks import signature
from tests.conftest import TEMPLATE, XERO_ORG
from tests.integration.test_webhooks import pull_jobs, webhook_event, webhook_runs
from tests.support.xero_flow import connect_xero

PATH = "/webhooks/xero"


def drain(aws: Any) -> None:  # noqa: ANN401
    sqs, url = boto3.client("sqs"), aws.queue_url("PullQueue")
    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages"):
        for message in messages:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


def post(body: bytes, headers: dict[str, str] | None = None) -> tuple[int, dict[str, Any]]:
    if headers is None:
        headers = {"x-xero-signature": signature(DEV_XERO_WEBHOOK_KEY, body)}
    headers = {"content-type": "application/json", **headers}
    reply = load_handler(TEMPLATE.function("WebhooksFunction"))(
        webhook_event(PATH, body, headers), LambdaContext("fieldbooks-test")
    )
    return reply["statusCode"], json.loads(reply["body"]) if reply.get("body") else {}


@pytest.fixture
def receiver(aws) -> Iterator[str]:  # noqa: ANN001
    async def forward(request: Request) -> Response:
        status, reply = await run_in_threadpool(post, await request.body(), dict(request.headers))
        if not reply:  # the handler's empty 200 goes back empty, as API Gateway sends it
            return Response(status_code=status)
        return Response(json.dumps(reply), status_code=status, media_type="application/json")

    app = Starlette(routes=[Route(PATH, forward, methods=["POST"])])
    with serving(app, "xero webhook receiver", lifespan="off") as base_url:
        yield f"{base_url}{PATH}"


def test_the_intent_to_receive_handshake_passes(aws, xero, receiver) -> None:  # noqa: ANN001
    body = json.dumps({"events": [], "firstEventSequence": 0, "lastEventSequence": 0, "entropy": "ABC"}).encode()
    assert post(body) == (200, {})  # no body: Xero's handshake refuses a 200 that has one
    assert post(body, {"x-xero-signature": signature("not-the-key", body)})[0] == 401
    assert post(body, {})[0] == 401

    xero.admin.configure_webhooks(url=receiver)

    assert xero.admin.intent_to_receive() == "OK"


def test_a_contact_edited_in_xero_queues_one_webhook_run_naming_it(aws, xero, receiver) -> None:  # noqa: ANN001
    tenant = f"t-{uuid.uuid4().hex[:10]}"
    connect_xero(tenant, XERO_ORG)
    drain(aws)  # the connect's own initial run: gone, so the FIFO group is free
    xero.admin.configure_webhooks(url=receiver)
    assert xero.admin.intent_to_receive() == "OK"

    contact = xero.admin.create_as_user(XERO_ORG, "Contacts", Name="Jane Webhook")

    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not _answered(xero):
        time.sleep(0.05)
    (run,) = webhook_runs(tenant)
    (job,) = pull_jobs(aws)
    assert (job.tenant_id, job.run_id) == (tenant, run.run_id)
    assert [(t.remote_entity, t.remote_id, t.deleted) for t in job.targets] == [
        ("Contacts", contact["ContactID"], False)
    ]


def _answered(xero: Any) -> bool:  # noqa: ANN401
    """The simulator sent its delivery and our handler answered it."""
    sent = xero.admin.webhooks()["notifications"]
    return bool(sent) and all(n["attempts"] for n in sent)
