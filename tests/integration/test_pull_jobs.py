"""Schedule tick → scheduler → pull queue → pull worker, through the real handlers on moto."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import boto3
import pytest

from fieldbooks.domain.errors import AuthExpired, RateLimited
from fieldbooks.domain.models import ConnectionStatus, Provider, RunStatus
from fieldbooks.store.connections import ConnectionStore
from fieldbooks.store.runs import RunStore
from local.runtime.handlers import load_module
from tests.conftest import TEMPLATE
from tests.support.fake_provider import FakeProvider, connect
from tests.support.sqs import receive_event


@pytest.fixture
def fake_provider():  # noqa: ANN201
    fake = FakeProvider()
    services = load_module(TEMPLATE.function("PullWorkerFunction")).services
    registered = dict(services.providers)  # the real adapter, put back afterwards
    services.providers[Provider.QUICKBOOKS_ONLINE] = fake
    yield fake
    services.providers.clear()
    services.providers.update(registered)


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
    assert (run.kind, run.status, fake_provider.pulled) == ("scheduled", RunStatus.SUCCEEDED, [run.run_id])
    assert run.progress["customers"].done == 1


def test_a_rate_limited_pull_is_retried_not_dropped(aws, handler, context, load_event, fake_provider) -> None:  # noqa: ANN001
    connect("t-acme")
    tick(handler, context, load_event)
    event = receive_event(boto3.client("sqs"), aws.queue_url("PullQueue"))
    (run,) = RunStore().recent("t-acme").items
    fake_provider.failures[run.run_id] = RateLimited("Rate limit reached — retrying", retry_after=60)

    reply = handler("PullWorkerFunction")(event, context)

    assert [f["itemIdentifier"] for f in reply["batchItemFailures"]] == [event["Records"][0]["messageId"]]
    assert RunStore().get("t-acme", run.run_id).status is RunStatus.RUNNING


def test_refused_tokens_mark_the_connection_for_reauthorisation(
    aws, handler, context, load_event, fake_provider
) -> None:  # noqa: ANN001
    connect("t-acme")
    tick(handler, context, load_event)
    event = receive_event(boto3.client("sqs"), aws.queue_url("PullQueue"))
    (run,) = RunStore().recent("t-acme").items
    fake_provider.failures[run.run_id] = AuthExpired("Authentication expired — reconnect")

    assert handler("PullWorkerFunction")(event, context) == {"batchItemFailures": []}

    assert ConnectionStore().get("t-acme", Provider.QUICKBOOKS_ONLINE).status is ConnectionStatus.NEEDS_REAUTH
    finished = RunStore().get("t-acme", run.run_id)
    assert (finished.status, finished.message) == (RunStatus.FAILED, "Authentication expired — reconnect")


def test_a_stopped_run_does_not_start(aws, handler, context, load_event, fake_provider) -> None:  # noqa: ANN001
    connect("t-acme")
    tick(handler, context, load_event)
    (run,) = RunStore().recent("t-acme").items
    RunStore().request_stop("t-acme", run.run_id)

    handler("PullWorkerFunction")(receive_event(boto3.client("sqs"), aws.queue_url("PullQueue")), context)

    assert RunStore().get("t-acme", run.run_id).status is RunStatus.STOPPED
    assert fake_provider.pulled == []
