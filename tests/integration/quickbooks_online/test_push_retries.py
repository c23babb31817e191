"""The push worker under QuickBooks' rate limits and failures: SQS (moto) → real handler → simulator.

Pushes go through the engine and the production QuickBooks package; only the governor's clock (and
the tokens) are the test's, so a 60-second pause passes in an instant, while SQS, the worker, the
engine, the client and QuickBooks' replies are all real.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

import boto3
import httpx
import pytest

from fieldbooks import registry
from fieldbooks.domain.models import Provider
from fieldbooks.providers.contract import CallContext
from fieldbooks.providers.quickbooks_online.client import QboClient
from fieldbooks.providers.quickbooks_online.descriptor import DESCRIPTOR
from fieldbooks.providers.quickbooks_online.package import QuickBooksOnlinePackage
from fieldbooks.store.rate_budget import RateGovernor
from fieldbooks.store.sync_log import SyncLogFilter, SyncLogStore
from fieldbooks.sync.delivery import PUSH_MAX_RECEIVES
from local.runtime.handlers import load_module
from local.simulators.quickbooks_online import SimulatorHandle
from tests.conftest import QBO_REALM, QBO_REDIRECT_URI, TEMPLATE, SaasApp
from tests.support.fake_provider import connect
from tests.support.qbo_tokens import SimulatorTokens
from tests.support.saas_changes import bus_event
from tests.support.sqs import receive_event

WINDOW_START = 1_800_000_000.0
QBO = Provider.QUICKBOOKS_ONLINE


@dataclass
class Clock:
    now: float = WINDOW_START

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


class ClockedQuickBooks(QuickBooksOnlinePackage):
    """The production package on the test's tokens, with the test's clock in the rate governor."""

    def __init__(self, tokens: SimulatorTokens, clock: Clock) -> None:
        super().__init__(http=httpx.Client(timeout=1.0))
        self.tokens, self.clock = tokens, clock

    def client(self, context: CallContext) -> QboClient:
        assert isinstance(context.governor, RateGovernor)
        tenant_id = context.governor.tenant_id
        governor = RateGovernor(tenant_id, QBO, DESCRIPTOR.budget, clock=self.clock, sleep=self.clock.sleep)
        return super().client(replace(context, tokens=self.tokens, governor=governor))


@pytest.fixture
def worker() -> Any:
    return load_module(TEMPLATE.function("PushWorkerFunction"))


@pytest.fixture
def pusher(qbo: SimulatorHandle, worker: Any) -> Iterator[ClockedQuickBooks]:
    package = ClockedQuickBooks(SimulatorTokens(qbo, QBO_REALM, QBO_REDIRECT_URI), Clock())
    with registry.replaced(QBO, package):
        yield package


@pytest.fixture
def visibility_changes(worker: Any, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Every VisibilityTimeout the worker sets on a message (moto does not report it back)."""
    seen: list[int] = []
    sqs = boto3.client("sqs")
    original = sqs.change_message_visibility

    def recording(**arguments: Any) -> Any:
        seen.append(arguments["VisibilityTimeout"])
        return original(**arguments)

    monkeypatch.setattr(sqs, "change_message_visibility", recording)
    monkeypatch.setitem(worker.services.__dict__, "sqs", sqs)
    return seen


def queue_contacts(handler: Any, context: Any, saas_app: SaasApp, count: int) -> tuple[str, list[str]]:
    """A tenant with `count` contacts in the SaaS app, connected to the realm, their changes queued."""
    tenant_id = f"t-{secrets.token_hex(4)}"
    saas_app.handle.app_client.create_tenant(tenant_id, "Acme Plumbing")
    connect(tenant_id, remote_company_id=QBO_REALM)
    ids = [
        saas_app.handle.app_client.create_contact(tenant_id, first_name="Jane", last_name=f"Doe {n}").id
        for n in range(count)
    ]
    intake = handler("SaasEventsFunction")
    for event in saas_app.events_of(tenant_id):
        intake(bus_event(event), context)
    return tenant_id, ids


def deliver(worker: Any, aws: Any, context: Any) -> tuple[dict[str, Any], list[str]]:
    """One poll of the push queue into the handler; returns the event and the failed message ids.

    What succeeded is deleted, as the Lambda service does; what failed is left as the handler left it.
    """
    sqs = boto3.client("sqs")
    event = receive_event(sqs, aws.queue_url("PushQueue"))
    reply = worker.lambda_handler(event, context) if event["Records"] else {"batchItemFailures": []}
    failed = [failure["itemIdentifier"] for failure in reply["batchItemFailures"]]
    for record in event["Records"]:
        if record["messageId"] not in failed:
            sqs.delete_message(QueueUrl=aws.queue_url("PushQueue"), ReceiptHandle=record["receiptHandle"])
    return event, failed


def pause_is_over(event: dict[str, Any], aws: Any) -> None:
    """What SQS does when the visibility timeout the worker set runs out."""
    sqs = boto3.client("sqs")
    for record in event["Records"]:
        sqs.change_message_visibility(
            QueueUrl=aws.queue_url("PushQueue"), ReceiptHandle=record["receiptHandle"], VisibilityTimeout=0
        )


def customer_names(qbo: SimulatorHandle) -> list[str]:
    return sorted(row["DisplayName"] for row in qbo.admin.data(QBO_REALM, "Customer")["Customer"])


def test_a_429_storm_pauses_the_connection_and_every_record_lands_exactly_once(
    aws,
    handler,
    context,
    qbo,
    saas_app,
    worker,
    pusher,
    visibility_changes,  # noqa: ANN001
) -> None:
    tenant_id, _ = queue_contacts(handler, context, saas_app, 5)
    qbo.admin.add_fault("throttle", entity="Customer", times=2)

    for storm_round in range(2):
        event, failed = deliver(worker, aws, context)
        assert len(event["Records"]) == 5
        # The first push met a 429, the governor held back the other four: each is replaced by a copy
        # that waits, so the originals are done (deleted) and none of them used up a receive.
        assert failed == []
        assert customer_names(qbo) == []
        waiting, failed = deliver(worker, aws, context)
        assert [json.loads(r["body"])["deferrals"] for r in waiting["Records"]] == [storm_round + 1] * 5
        assert [r["attributes"]["ApproximateReceiveCount"] for r in waiting["Records"]] == ["1"] * 5
        assert len(failed) == 5  # each copy hides for the pause on its first receive
        assert visibility_changes[-5:] == [60] * 5, storm_round
        assert deliver(worker, aws, context)[0]["Records"] == []  # hidden until the pause ends
        pusher.clock.now += 61
        pause_is_over(waiting, aws)

    event, failed = deliver(worker, aws, context)

    assert failed == []
    assert [r["attributes"]["ApproximateReceiveCount"] for r in event["Records"]] == ["2"] * 5
    assert customer_names(qbo) == sorted(f"Jane Doe {number}" for number in range(5))
    assert qbo.admin.faults() == []
    assert deliver(worker, aws, context)[0]["Records"] == []
    rows = SyncLogStore().page(tenant_id, SyncLogFilter(status="error")).items
    assert {row.detail for row in rows} == {"Rate limit reached — retrying in about 60 seconds."}
    assert len(rows) == 5  # one row per record, on its first deferral, not one per pause


def test_a_record_deferred_more_often_than_the_queue_allows_receives_is_never_parked(
    aws,
    handler,
    context,
    qbo,
    saas_app,
    worker,
    pusher,  # noqa: ANN001
) -> None:
    """Every receive counts towards maxReceiveCount; a pause per receive would park it after 15."""
    tenant_id, _ = queue_contacts(handler, context, saas_app, 1)
    pauses = PUSH_MAX_RECEIVES + 1
    qbo.admin.add_fault("throttle", entity="Customer", times=pauses)

    for _ in range(pauses):
        event, failed = deliver(worker, aws, context)  # tried: a 429, replaced by a waiting copy
        assert failed == [] and len(event["Records"]) == 1
        waiting, failed = deliver(worker, aws, context)  # the copy's first receive: it hides
        assert len(failed) == 1
        pusher.clock.now += 61
        pause_is_over(waiting, aws)
    event, failed = deliver(worker, aws, context)

    assert failed == []
    assert json.loads(event["Records"][0]["body"])["deferrals"] == pauses
    assert customer_names(qbo) == ["Jane Doe 0"]
    parked = boto3.client("sqs").receive_message(QueueUrl=aws.queue_url("PushDeadLetterQueue"))
    assert parked.get("Messages", []) == []


def test_a_reply_lost_after_commit_is_retried_by_the_worker_without_a_duplicate(
    aws,
    handler,
    context,
    qbo,
    saas_app,
    worker,
    pusher,  # noqa: ANN001
) -> None:
    tenant_id, (contact_id,) = queue_contacts(handler, context, saas_app, 1)
    # Three lost replies outlast the client's own three tries: the second delivery finishes the job.
    qbo.admin.add_fault("drop_after_commit", entity="Customer", times=3)

    event, failed = deliver(worker, aws, context)
    assert len(failed) == 1
    pause_is_over(event, aws)  # SQS redelivers after the visibility timeout
    _, failed = deliver(worker, aws, context)

    assert failed == []
    assert customer_names(qbo) == ["Jane Doe 0"]


def test_the_last_try_tells_the_tenant_the_record_waits_in_the_retry_queue(
    aws,
    handler,
    context,
    qbo,
    saas_app,
    worker,
    pusher,  # noqa: ANN001
) -> None:
    tenant_id, (contact_id,) = queue_contacts(handler, context, saas_app, 1)
    qbo.admin.add_fault("error", entity="Customer", times=3)
    event = receive_event(boto3.client("sqs"), aws.queue_url("PushQueue"))
    event["Records"][0]["attributes"]["ApproximateReceiveCount"] = str(PUSH_MAX_RECEIVES)

    reply = worker.lambda_handler(event, context)

    assert len(reply["batchItemFailures"]) == 1
    (row,) = SyncLogStore().page(tenant_id, SyncLogFilter(status="error")).items
    assert row.detail.startswith(f"Could not sync this contact after {PUSH_MAX_RECEIVES} tries (QuickBooks answered")
    assert row.detail.endswith("it waits in the retry queue until an admin sends it again.")
    assert row.saas_id == contact_id


def test_the_push_queue_allows_as_many_receives_as_the_worker_counts_on() -> None:
    push_queue = TEMPLATE.resources["PushQueue"]["Properties"]
    assert push_queue["RedrivePolicy"]["maxReceiveCount"] == PUSH_MAX_RECEIVES
