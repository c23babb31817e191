"""Schedule tick → scheduler → pull queue → pull worker, through the real handlers on moto."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from fieldbooks import registry
from fieldbooks.domain.errors import AuthExpired, RateLimited
from fieldbooks.domain.models import ConnectionStatus, Provider, RunKind, RunStatus
from fieldbooks.queues.pull_jobs import PullJob
from fieldbooks.store.connections import ConnectionStore
from fieldbooks.store.runs import RunStore
from tests.support.fake_provider import FakeProvider, connect
from tests.support.sqs import receive_event


@pytest.fixture
def fake_provider() -> Iterator[FakeProvider]:
    """The fake package in the QuickBooks Online slot, through the registry (every handler sees it)."""
    with registry.replaced(Provider.QUICKBOOKS_ONLINE, FakeProvider()) as fake:
        yield fake


def sync_now_job(aws: Any, tenant_id: str) -> Any:
    """A Sync-now run on the pull queue, as the tenant API queues it: its READ phase asks the provider."""
    run = RunStore().create(tenant_id, Provider.QUICKBOOKS_ONLINE, RunKind.SYNC_NOW)
    job = PullJob(tenant_id=tenant_id, provider=Provider.QUICKBOOKS_ONLINE, run_id=run.run_id)
    boto3.client("sqs").send_message(QueueUrl=aws.queue_url("PullQueue"), MessageBody=job.model_dump_json())
    return run


def tick(handler, context, load_event) -> dict:  # noqa: ANN001
    return handler("SchedulerFunction")(load_event("scheduler/tick.json"), context)


def test_a_tick_queues_one_pull_per_due_connection_and_the_worker_runs_it(
    aws, handler, context, load_event, fake_provider
) -> None:  # noqa: ANN001
    connect("t-acme")
    connect("t-recent", pull_queued_at=datetime.now(UTC) - timedelta(minutes=3))
    connect("t-paused", paused_until=datetime.now(UTC) + timedelta(minutes=5))
    connect("t-gone", status=ConnectionStatus.DISCONNECTED)

    assert tick(handler, context, load_event) == {"queued": 1}
    assert tick(handler, context, load_event) == {"queued": 0}  # claimed: not due again for 15 minutes

    event = receive_event(boto3.client("sqs"), aws.queue_url("PullQueue"))
    assert handler("PullWorkerFunction")(event, context) == {"batchItemFailures": []}
    (run,) = RunStore().recent("t-acme").items
    # A scheduled run reads the provider's changes, never its whole side.
    books = fake_provider.books("realm-t-acme")
    assert (run.kind, run.status, books.reads, books.change_reads) == ("scheduled", RunStatus.SUCCEEDED, 0, 1)


def test_a_rate_limited_pull_is_retried_not_dropped(aws, handler, context, fake_provider) -> None:  # noqa: ANN001
    connect("t-acme")
    run = sync_now_job(aws, "t-acme")
    event = receive_event(boto3.client("sqs"), aws.queue_url("PullQueue"))
    fake_provider.books("realm-t-acme").read_failure = RateLimited("Rate limit reached — retrying", retry_after=60)

    reply = handler("PullWorkerFunction")(event, context)

    assert [f["itemIdentifier"] for f in reply["batchItemFailures"]] == [event["Records"][0]["messageId"]]
    assert RunStore().get("t-acme", run.run_id).status is RunStatus.PLANNING  # not finished: the retry reads again


def test_refused_tokens_mark_the_connection_for_reauthorisation(aws, handler, context, fake_provider) -> None:  # noqa: ANN001
    connect("t-acme")
    run = sync_now_job(aws, "t-acme")
    event = receive_event(boto3.client("sqs"), aws.queue_url("PullQueue"))
    fake_provider.books("realm-t-acme").read_failure = AuthExpired("Authentication expired — reconnect")

    assert handler("PullWorkerFunction")(event, context) == {"batchItemFailures": []}

    assert ConnectionStore().get("t-acme", Provider.QUICKBOOKS_ONLINE).status is ConnectionStatus.NEEDS_REAUTH
    finished = RunStore().get("t-acme", run.run_id)
    assert (finished.status, finished.message) == (RunStatus.FAILED, "Authentication expired — reconnect")


def test_a_stopped_run_does_not_start(aws, handler, context, fake_provider) -> None:  # noqa: ANN001
    connect("t-acme")
    run = sync_now_job(aws, "t-acme")
    RunStore().request_stop("t-acme", run.run_id)

    handler("PullWorkerFunction")(receive_event(boto3.client("sqs"), aws.queue_url("PullQueue")), context)

    assert RunStore().get("t-acme", run.run_id).status is RunStatus.STOPPED
    assert fake_provider.books("realm-t-acme").reads == 0
