"""A failed message whose handler set its own visibility comes back when the handler said, scaled like
every other delay of the local runtime, not after the poller's shortened retry delay (issue 10, A.6)."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest

from local.runtime.stack import RunningStack, running_stack
from tests.integration.runtime.conftest import FIXTURE_TEMPLATE
from tests.integration.runtime.test_queues import deliveries

SCALE = 0.1  # the fixture WorkQueue's 30 s visibility timeout is a 3 s retry here


@pytest.fixture(scope="module")
def stack() -> Iterator[RunningStack]:
    with running_stack(FIXTURE_TEMPLATE, visibility_scale=SCALE, schedule_scale=None) as running:
        yield running


def arrivals(stack: RunningStack, tag: str, body: str) -> list[float]:
    return [row["at"] for row in deliveries(stack, tag) if row["record"]["body"] == body]


def test_a_message_the_handler_hid_for_longer_comes_back_after_the_handlers_timeout(
    stack: RunningStack, tag: str
) -> None:
    sqs = boto3.client("sqs")
    with stack.pollers_paused():  # both in one batch
        sqs.send_message(QueueUrl=stack.queue_url("WorkQueue"), MessageBody=f"hide-60 {tag}")
        sqs.send_message(QueueUrl=stack.queue_url("WorkQueue"), MessageBody=f"fail {tag}")

    stack.wait_until_idle(timeout=30)

    failing = arrivals(stack, tag, f"fail {tag}")
    hidden = arrivals(stack, tag, f"hide-60 {tag}")
    assert len(failing) == 3  # the poller's own retry delay for a message nobody re-timed: 3 s each
    assert failing[1] - failing[0] < 5
    assert len(hidden) == 2  # hidden once by the handler, then done
    assert hidden[1] - hidden[0] >= 60 * SCALE - 0.5  # 6 s, not the poller's 3 s


def test_a_message_the_handler_hid_for_less_comes_back_sooner_than_the_retry_delay(
    stack: RunningStack, tag: str
) -> None:
    boto3.client("sqs").send_message(QueueUrl=stack.queue_url("WorkQueue"), MessageBody=f"hide-10 {tag}")

    stack.wait_until_idle(timeout=15)

    first, second = arrivals(stack, tag, f"hide-10 {tag}")
    assert 0.5 <= second - first < 2.5  # 10 s scaled: 1 s, where the queue's own would be 3 s
