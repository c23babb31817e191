"""Webhooks: the QuickBooks Online simulator signs and sends its change notifications (both formats) to
a small receiver on 127.0.0.1 that hands each POST to the real WebhooksFunction handler as API Gateway
would; the handler routes by company, drops what it took before, and queues webhook runs (moto)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
import pytest
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from fieldbooks.domain.models import ConnectionStatus, Provider, RunKind, RunStatus
from fieldbooks.queues.pull_jobs import PullJob, PullTarget
from fieldbooks.store.company_claims import CompanyClaimStore
from fieldbooks.store.runs import RunStore
from local.runtime.handlers import LambdaContext, load_handler
from local.runtime.resources import DEV_QUICKBOOKS_WEBHOOK_VERIFIER_TOKEN
from local.simulators.quickbooks_online.webhooks import signature
from local.simulators.serving import serving
from tests.conftest import QBO_OTHER_REALM, QBO_REALM, TEMPLATE
from tests.support.fake_provider import connect
from tests.support.moto_atomic import serialise_conditional_writes
from tests.support.oauth_flow import handler_services

QBO = Provider.QUICKBOOKS_ONLINE
PATH = "/webhooks/quickbooks_online"


def webhook_event(path: str, body: bytes, headers: dict[str, str]) -> dict[str, Any]:
    """An HTTP API (payload 2.0) event: JSON bodies arrive as text, header names lower-case."""
    return {
        "version": "2.0",
        "routeKey": "POST /webhooks/{provider}",
        "rawPath": path,
        "rawQueryString": "",
        "headers": {name.lower(): value for name, value in headers.items()},
        "body": body.decode(),
        "isBase64Encoded": False,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "api",
            "domainName": "api.fieldbooks.example",
            "http": {"method": "POST", "path": path, "protocol": "HTTP/1.1", "sourceIp": "203.0.113.20"},
            "requestId": "req-webhook",
            "routeKey": "POST /webhooks/{provider}",
            "stage": "$default",
            "timeEpoch": 1795255200000,
        },
    }


def post(body: bytes, headers: dict[str, str] | None = None, path: str = PATH) -> tuple[int, dict[str, Any]]:
    """One delivery straight into the handler; `headers` default to a valid signature."""
    if headers is None:
        headers = {"intuit-signature": signature(DEV_QUICKBOOKS_WEBHOOK_VERIFIER_TOKEN, body)}
    headers = {"content-type": "application/json", **headers}
    reply = load_handler(TEMPLATE.function("WebhooksFunction"))(
        webhook_event(path, body, headers), LambdaContext("fieldbooks-test")
    )
    return reply["statusCode"], json.loads(reply["body"])


@pytest.fixture
def receiver(aws) -> Iterator[str]:  # noqa: ANN001
    """Where the simulator delivers: each POST goes to the handler, and its reply goes back."""

    async def forward(request: Request) -> Response:
        body = await request.body()
        status, reply = await run_in_threadpool(post, body, dict(request.headers), request.url.path)
        return Response(json.dumps(reply), status_code=status, media_type="application/json")

    app = Starlette(routes=[Route("/webhooks/{provider}", forward, methods=["POST"])])
    # Warm, as a deployed function is after its first delivery: a cold import here is not the code's pace.
    assert post(b"[]")[0] == 200
    with serving(app, "webhook receiver", lifespan="off") as base_url:
        yield f"{base_url}{PATH}"


@pytest.fixture
def acme(aws) -> str:  # noqa: ANN001
    """A tenant holding the simulator's first company, as a finished connect leaves it."""
    CompanyClaimStore().claim(QBO, QBO_REALM, "t-acme")
    connect("t-acme", remote_company_id=QBO_REALM)
    return "t-acme"


def deliveries(qbo, count: int = 1, timeout: float = 10.0) -> list[dict[str, Any]]:  # noqa: ANN001
    """Waits until the simulator has sent `count` notifications and each got an answer."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        sent = qbo.admin.webhooks()["notifications"]
        if len(sent) >= count and all(n["attempts"] for n in sent):
            return sent
        time.sleep(0.05)
    raise AssertionError(f"the simulator sent {qbo.admin.webhooks()['notifications']!r}")


def pull_jobs(aws: Any) -> list[PullJob]:
    sqs, found = boto3.client("sqs"), []
    while reply := sqs.receive_message(QueueUrl=aws.queue_url("PullQueue"), MaxNumberOfMessages=10).get("Messages"):
        found += [PullJob.model_validate_json(m["Body"]) for m in reply]
    return found


def webhook_runs(tenant_id: str) -> list[Any]:
    return [run for run in RunStore().recent(tenant_id).items if run.kind is RunKind.WEBHOOK]


def cloud_event(realm: str, entity: str, verb: str, record_id: str, event_id: str) -> dict[str, Any]:
    return {
        "specversion": "1.0",
        "id": event_id,
        "source": "intuit.test",
        "type": f"qbo.{entity}.{verb}.v1",
        "datacontenttype": "application/json",
        "time": "2026-11-21T10:00:00.000Z",
        "intuitentityid": record_id,
        "intuitaccountid": realm,
        "data": {},
    }


@pytest.mark.parametrize("payload_format", ["cloudevents", "legacy"])
def test_a_customer_added_and_edited_in_quickbooks_queues_one_webhook_run_naming_it(
    aws, qbo, receiver, acme, payload_format: str
) -> None:  # noqa: ANN001
    qbo.admin.configure_webhooks(url=receiver, format=payload_format)
    customer = qbo.admin.create_as_user(QBO_REALM, "Customer", DisplayName="Jane Webhook")
    qbo.admin.edit_as_user(QBO_REALM, "Customer", customer["Id"], CompanyName="Jane's Pipes")

    (delivery,) = deliveries(qbo)

    # Answered 200 at the first attempt, within the simulator's 3 s delivery timeout (Intuit's limit).
    assert [(a["number"], a["status"]) for a in delivery["attempts"]] == [(1, 200)]
    (run,) = webhook_runs(acme)
    (job,) = pull_jobs(aws)
    assert (run.status, job.tenant_id, job.run_id) == (RunStatus.QUEUED, acme, run.run_id)
    # Two events for one record make one target: the record is read once.
    assert job.targets == [PullTarget(remote_entity="Customer", remote_id=customer["Id"], deleted=False)]


def test_one_delivery_mixing_two_companies_queues_a_run_for_each_tenant_with_only_its_records(
    aws, qbo, receiver, acme
) -> None:  # noqa: ANN001
    CompanyClaimStore().claim(QBO, QBO_OTHER_REALM, "t-other")
    connect("t-other", remote_company_id=QBO_OTHER_REALM)
    qbo.admin.configure_webhooks(url=receiver, format="cloudevents")
    ours = qbo.admin.create_as_user(QBO_REALM, "Customer", DisplayName="Acme Customer")
    theirs = qbo.admin.create_as_user(QBO_OTHER_REALM, "Customer", DisplayName="Other Customer")

    (delivery,) = deliveries(qbo)

    assert {event["intuitaccountid"] for event in delivery["body"]} == {QBO_REALM, QBO_OTHER_REALM}
    jobs = {job.tenant_id: job for job in pull_jobs(aws)}
    assert [t.remote_id for t in jobs["t-acme"].targets] == [ours["Id"]]
    assert [t.remote_id for t in jobs["t-other"].targets] == [theirs["Id"]]
    assert len(webhook_runs("t-acme")) == len(webhook_runs("t-other")) == 1


def test_a_redelivered_or_replayed_notification_queues_nothing_twice(aws, qbo, receiver, acme) -> None:  # noqa: ANN001
    qbo.admin.configure_webhooks(url=receiver, format="cloudevents")
    qbo.admin.create_as_user(QBO_REALM, "Customer", DisplayName="Replayed Customer")
    (delivery,) = deliveries(qbo)
    assert len(pull_jobs(aws)) == 1

    # The same signed bytes again: an Intuit retry, or someone replaying a captured delivery.
    body = delivery["attempts"][0]["body"].encode()
    status, reply = post(body)
    status_again, _ = post(body)

    assert (status, status_again) == (200, 200)
    assert reply == {"message": "Received; 0 pull(s) queued."}
    assert pull_jobs(aws) == []
    assert len(webhook_runs(acme)) == 1


def test_a_bad_or_missing_signature_is_a_401_and_queues_nothing(aws, acme) -> None:  # noqa: ANN001
    body = json.dumps([cloud_event(QBO_REALM, "customer", "updated", "7", "e-forged")]).encode()
    forged = signature("not-the-verifier-token", body)

    for headers in ({"intuit-signature": forged}, {}, {"intuit-signature": "\u00e9t\u00e9"}):
        status, reply = post(body, headers)
        assert status == 401 and "signature" in reply["message"], reply

    # A valid signature over other bytes does not carry over: the body was altered in transit.
    altered = body.replace(b'"7"', b'"8"')
    assert post(altered, {"intuit-signature": signature(DEV_QUICKBOOKS_WEBHOOK_VERIFIER_TOKEN, body)})[0] == 401
    assert pull_jobs(aws) == []
    assert webhook_runs(acme) == []


def test_an_unknown_company_is_answered_200_and_logged_with_nothing_queued(aws, acme, caplog) -> None:  # noqa: ANN001
    body = json.dumps([cloud_event("4620816365000000", "invoice", "created", "12", "e-stranger")]).encode()

    status, _ = post(body)

    assert status == 200
    assert "names no connected company" in caplog.text
    assert pull_jobs(aws) == []
    assert RunStore().recent(acme).items == []


@pytest.mark.parametrize("status", [ConnectionStatus.NEEDS_REAUTH, ConnectionStatus.DISCONNECTED])
def test_a_company_whose_connection_is_not_live_gets_200_and_nothing_queued(aws, status) -> None:  # noqa: ANN001
    CompanyClaimStore().claim(QBO, QBO_REALM, "t-paused")
    connect("t-paused", remote_company_id=QBO_REALM, status=status)
    body = json.dumps([cloud_event(QBO_REALM, "customer", "updated", "3", "e-paused")]).encode()

    assert post(body)[0] == 200
    assert pull_jobs(aws) == []
    assert webhook_runs("t-paused") == []


@pytest.mark.parametrize("path", ["/webhooks/quickbooks_desktop", "/webhooks/sage", "/webhooks/"])
def test_a_provider_that_sends_no_webhooks_here_is_a_404(aws, path: str) -> None:  # noqa: ANN001
    status, reply = post(b"[]", path=path)

    assert status == 404 and reply["message"], reply


def test_deleted_and_merged_records_are_flagged_and_entities_that_do_not_sync_are_left_out(aws, acme) -> None:  # noqa: ANN001
    body = json.dumps(
        [
            cloud_event(QBO_REALM, "invoice", "deleted", "41", "e-1"),
            cloud_event(QBO_REALM, "customer", "merged", "5", "e-2"),
            cloud_event(QBO_REALM, "invoice", "voided", "42", "e-3"),
            cloud_event(QBO_REALM, "invoice", "emailed", "43", "e-4"),  # changes nothing that syncs
            cloud_event(QBO_REALM, "account", "updated", "90", "e-5"),  # not an entity that is pulled
            cloud_event(QBO_REALM, "creditmemo", "created", "44", "e-6"),
            {"specversion": "1.0", "id": "e-7", "type": "qbo.customer.updated.v1"},  # unreadable: skipped
        ]
    ).encode()

    assert post(body)[0] == 200

    (job,) = pull_jobs(aws)
    assert [(t.remote_entity, t.remote_id, t.deleted) for t in job.targets] == [
        ("Invoice", "41", True),
        ("Customer", "5", True),
        ("Invoice", "42", False),
        ("CreditMemo", "44", False),
    ]


def test_a_legacy_delivery_with_several_companies_and_operations_is_read(aws, acme) -> None:  # noqa: ANN001
    entities = [
        {"name": "Customer", "id": "1", "operation": "Merge", "lastUpdated": "2026-11-21T02:00:00-0800"},
        {"name": "Payment", "id": "9", "operation": "Create", "lastUpdated": "2026-11-21T02:00:01-0800"},
        {"name": "Item", "id": "3", "operation": "Update", "lastUpdated": "2026-11-21T02:00:02-0800"},
    ]
    body = json.dumps(
        {
            "eventNotifications": [
                {"realmId": QBO_REALM, "dataChangeEvent": {"entities": entities}},
                {"realmId": "4620816365000000", "dataChangeEvent": {"entities": entities[:1]}},
            ]
        }
    ).encode()

    assert post(body)[0] == 200
    assert post(body)[1] == {"message": "Received; 0 pull(s) queued."}  # the same delivery again

    (job,) = pull_jobs(aws)
    assert [(t.remote_entity, t.remote_id, t.deleted) for t in job.targets] == [
        ("Customer", "1", True),
        ("Payment", "9", False),
    ]


def test_more_than_a_thousand_records_are_split_into_jobs_each_with_its_own_run(aws, acme) -> None:  # noqa: ANN001
    events = [cloud_event(QBO_REALM, "customer", "updated", str(n), f"e-{n}") for n in range(1, 1502)]

    assert post(json.dumps(events).encode())[0] == 200

    jobs = pull_jobs(aws)
    assert sorted(len(job.targets) for job in jobs) == [501, 1000]
    # A run ends with its job: two jobs of one run would see the second taken for a duplicate.
    runs = webhook_runs(acme)
    assert sorted(job.run_id for job in jobs) == sorted(run.run_id for run in runs) and len(runs) == 2


def test_a_body_that_is_no_notification_is_a_400(aws, acme) -> None:  # noqa: ANN001
    for body in (b"not json", b'{"eventNotifications": 3}', b'"text"'):
        status, reply = post(body)
        assert status == 400 and reply["message"], reply


def test_when_queuing_fails_the_events_are_not_marked_taken_so_the_redelivery_queues_them(
    aws, acme, monkeypatch
) -> None:  # noqa: ANN001
    body = json.dumps([cloud_event(QBO_REALM, "customer", "updated", "11", "e-retry")]).encode()
    services = handler_services("WebhooksFunction")
    sqs = services.sqs
    failing = type("FailingSqs", (), {"send_message": lambda self, **_: (_ for _ in ()).throw(OSError("SQS down"))})
    monkeypatch.setitem(services.__dict__, "sqs", failing())

    with pytest.raises(OSError):  # Lambda answers API Gateway's 500: Intuit delivers again
        post(body)
    (abandoned,) = webhook_runs(acme)
    assert abandoned.status is RunStatus.FAILED  # never left looking like a run about to start

    monkeypatch.setitem(services.__dict__, "sqs", sqs)
    assert post(body)[0] == 200
    (job,) = pull_jobs(aws)
    assert [t.remote_id for t in job.targets] == ["11"]


@pytest.mark.parametrize("sample", ["quickbooks_online_cloudevents.json", "quickbooks_online_legacy.json"])
def test_the_sample_deliveries_are_taken_as_signed(aws, acme, handler, context, load_event, sample: str) -> None:  # noqa: ANN001
    """The files `sam local invoke -e` takes, signed with the local stack's verifier token."""
    event = load_event(f"webhooks/{sample}")

    assert handler("WebhooksFunction")(event, context)["statusCode"] == 200

    (job,) = pull_jobs(aws)
    assert job.tenant_id == acme and [t.remote_id for t in job.targets][0] == "58"
    tampered = load_event(f"webhooks/{sample}", body=event["body"].replace('"58"', '"59"'))
    assert handler("WebhooksFunction")(tampered, context)["statusCode"] == 401


def test_two_copies_of_a_delivery_arriving_at_once_queue_each_record_once(aws, acme, monkeypatch) -> None:  # noqa: ANN001
    """Intuit's retry can overlap a slow first attempt; both containers then race for the same events."""
    serialise_conditional_writes(monkeypatch)
    events = [cloud_event(QBO_REALM, "customer", "updated", str(n), f"e-race-{n}") for n in range(1, 41)]
    body = json.dumps(events).encode()
    post(b"[]")  # warm, so both copies race inside the handler rather than in its import

    with ThreadPoolExecutor(max_workers=2) as pool:
        replies = list(pool.map(lambda _: post(body), range(2)))

    assert [status for status, _ in replies] == [200, 200]
    jobs = pull_jobs(aws)
    assert sorted(t.remote_id for job in jobs for t in job.targets) == sorted(str(n) for n in range(1, 41))
    assert len(webhook_runs(acme)) <= 2 and len(jobs) == len(webhook_runs(acme))
