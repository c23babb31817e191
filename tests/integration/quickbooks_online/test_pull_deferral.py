"""A rate-limited pull job comes back when the connection's pause ends, not after the 12-minute timeout."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from fieldbooks.domain.errors import RateLimited
from fieldbooks.domain.models import Provider, RunKind
from fieldbooks.queues.pull_jobs import PullJob
from fieldbooks.store.runs import RunStore
from local.runtime.handlers import load_module
from tests.conftest import TEMPLATE
from tests.integration.test_pull_jobs import fake_provider  # noqa: F401 - fixture
from tests.support.fake_provider import FakeProvider, connect
from tests.support.sqs import receive_event


def test_a_rate_limited_pull_job_is_hidden_for_exactly_the_pause(
    aws: Any,
    handler: Any,
    context: Any,
    fake_provider: FakeProvider,  # noqa: F811 - the fixture imported above
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    connect("t-pull")
    run = RunStore().create("t-pull", Provider.QUICKBOOKS_ONLINE, RunKind.SYNC_NOW)
    sqs = boto3.client("sqs")
    job = PullJob(tenant_id="t-pull", provider=Provider.QUICKBOOKS_ONLINE, run_id=run.run_id)
    sqs.send_message(QueueUrl=aws.queue_url("PullQueue"), MessageBody=job.model_dump_json())
    fake_provider.books("realm-t-pull").read_failure = RateLimited("Rate limit reached — retrying.", retry_after=41.2)
    hidden_for: list[int] = []
    original = sqs.change_message_visibility

    def recording(**arguments: Any) -> Any:
        hidden_for.append(arguments["VisibilityTimeout"])
        return original(**arguments)

    monkeypatch.setattr(sqs, "change_message_visibility", recording)
    monkeypatch.setitem(load_module(TEMPLATE.function("PullWorkerFunction")).services.__dict__, "sqs", sqs)
    event = receive_event(sqs, aws.queue_url("PullQueue"))

    reply = handler("PullWorkerFunction")(event, context)

    assert len(reply["batchItemFailures"]) == 1  # still a failure: Lambda keeps the message
    assert hidden_for == [42]  # the pause, rounded up, instead of the queue's 720 s
    assert receive_event(sqs, aws.queue_url("PullQueue"))["Records"] == []
