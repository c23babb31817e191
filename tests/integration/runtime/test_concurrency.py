"""Several invocations of one function at once, as Lambda runs them, up to its reserved concurrency."""

from __future__ import annotations

from typing import Any

import boto3

from local.runtime.containers import DEFAULT_CONCURRENCY
from local.runtime.stack import RunningStack
from tests.integration.runtime.conftest import recorded

SLOW = "SlowWorkerFunction"  # ReservedConcurrentExecutions: 2, its queue's ScalingConfig allows 5


def most_at_once(rows: list[dict[str, Any]]) -> int:
    """The largest number of invocations whose [began, ended] intervals overlap at one moment."""
    edges = sorted([(row["began"], 1) for row in rows] + [(row["ended"], -1) for row in rows])
    running = peak = 0
    for _moment, change in edges:  # at a tie the end (-1) sorts first: touching is not overlapping
        running += change
        peak = max(peak, running)
    return peak


def test_a_slow_functions_batches_overlap_up_to_its_reserved_concurrency_and_never_more(
    stack: RunningStack, tag: str
) -> None:
    bodies = [f"{n} {tag}" for n in range(6)]
    with stack.pollers_paused():  # all six wait in the queue before the first receive
        boto3.client("sqs").send_message_batch(
            QueueUrl=stack.queue_url("SlowQueue"),
            Entries=[{"Id": str(n), "MessageBody": body} for n, body in enumerate(bodies)],
        )

    stack.wait_until_idle(timeout=20)

    rows = [row for row in recorded(stack, SLOW) if row["body"].endswith(tag)]
    assert sorted(row["body"] for row in rows) == sorted(bodies)  # each handled once (BatchSize 1)
    assert most_at_once(rows) == 2
    assert len({row["container"] for row in rows}) == 2  # two warm containers, each with its own globals
    assert stack.host.peak_concurrency(SLOW) == 2


def test_the_event_sources_concurrency_is_the_smaller_of_the_functions_and_its_scaling_config(
    stack: RunningStack,
) -> None:
    assert stack.host.concurrency(SLOW) == 2
    assert stack.queue_pollers["SlowQueue"].concurrency == 2  # not the ScalingConfig's 5
    # Without ReservedConcurrentExecutions or ScalingConfig: the runtime's default.
    assert stack.host.concurrency("RecordWorkerFunction") == DEFAULT_CONCURRENCY
    assert stack.queue_pollers["WorkQueue"].concurrency == DEFAULT_CONCURRENCY
