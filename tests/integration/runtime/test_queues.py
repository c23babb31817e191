"""Queues polled into their functions with Lambda's partial-batch, visibility and DLQ semantics."""

from __future__ import annotations

import hashlib
from collections import Counter

import boto3

from local.runtime.stack import RunningStack
from tests.integration.runtime.conftest import recorded


def deliveries(stack: RunningStack, tag: str) -> list[dict]:
    """Every record of this test the record worker saw, with the batch it came in."""
    return [row for row in recorded(stack, "RecordWorkerFunction") if row["record"]["body"].endswith(tag)]


def dead_letters(queue_url: str) -> list[dict]:
    messages = boto3.client("sqs").receive_message(
        QueueUrl=queue_url, MaxNumberOfMessages=10, MessageSystemAttributeNames=["All"]
    )
    return messages.get("Messages", [])


def test_a_failed_record_alone_is_retried_then_dead_lettered_intact(stack: RunningStack, tag: str) -> None:
    sqs = boto3.client("sqs")
    bodies = [f"ok-1 {tag}", f"fail {tag}", f"ok-2 {tag}"]
    with stack.pollers_paused():  # all three arrive in one batch
        for body in bodies:
            sqs.send_message(QueueUrl=stack.queue_url("WorkQueue"), MessageBody=body)

    stack.wait_until_idle(timeout=15)

    seen = deliveries(stack, tag)
    assert len(seen[0]["batch"]) == 3
    assert Counter(row["record"]["body"] for row in seen) == {
        f"ok-1 {tag}": 1,  # deleted after the first batch
        f"ok-2 {tag}": 1,
        f"fail {tag}": 3,  # maxReceiveCount of the fixture's WorkQueue
    }
    retries = [row["record"] for row in seen if row["record"]["body"] == f"fail {tag}"]
    assert [r["attributes"]["ApproximateReceiveCount"] for r in retries] == ["1", "2", "3"]
    parked = dead_letters(stack.dead_letter_queue_url("WorkQueue"))
    assert [(m["Body"], m["MessageId"]) for m in parked] == [(f"fail {tag}", retries[0]["messageId"])]


def test_records_have_the_lambda_sqs_event_shape(stack: RunningStack, tag: str) -> None:
    boto3.client("sqs").send_message(
        QueueUrl=stack.queue_url("WorkQueue"),
        MessageBody=f"shape {tag}",
        MessageAttributes={"tenant": {"DataType": "String", "StringValue": "t-acme"}},
    )
    stack.wait_until_idle()

    (row,) = deliveries(stack, tag)
    record = row["record"]
    assert set(record) == {
        "messageId",
        "receiptHandle",
        "body",
        "attributes",
        "messageAttributes",
        "md5OfBody",
        "md5OfMessageAttributes",
        "eventSource",
        "eventSourceARN",
        "awsRegion",
    }
    assert record["eventSource"] == "aws:sqs"
    assert record["eventSourceARN"] == "arn:aws:sqs:us-east-1:123456789012:fixture-local-work"
    assert record["awsRegion"] == "us-east-1"
    assert record["md5OfBody"] == hashlib.md5(f"shape {tag}".encode()).hexdigest()
    assert record["messageAttributes"] == {
        "tenant": {
            "stringValue": "t-acme",
            "stringListValues": [],
            "binaryListValues": [],
            "dataType": "String",
        }
    }
    assert {
        "ApproximateReceiveCount",
        "SentTimestamp",
        "SenderId",
        "ApproximateFirstReceiveTimestamp",
    } <= set(record["attributes"])


def test_a_handler_exception_fails_the_whole_batch(stack: RunningStack, tag: str) -> None:
    sqs = boto3.client("sqs")
    with stack.pollers_paused():
        for body in (f"a {tag}", f"raise-first {tag}", f"b {tag}"):
            sqs.send_message(QueueUrl=stack.queue_url("WorkQueue"), MessageBody=body)

    stack.wait_until_idle(timeout=15)

    seen = deliveries(stack, tag)
    receive_counts = Counter(
        (row["record"]["body"], row["record"]["attributes"]["ApproximateReceiveCount"]) for row in seen
    )
    first_batch = seen[0]["batch"]
    assert len(first_batch) == 3
    # Every record of the batch that raised came back once more, including the ones that were fine.
    assert receive_counts == {
        (f"a {tag}", "1"): 1,
        (f"raise-first {tag}", "1"): 1,
        (f"b {tag}", "1"): 1,
        (f"a {tag}", "2"): 1,
        (f"raise-first {tag}", "2"): 1,
        (f"b {tag}", "2"): 1,
    }
    assert dead_letters(stack.dead_letter_queue_url("WorkQueue")) == []


def test_without_report_batch_item_failures_a_returned_failure_list_is_ignored(stack: RunningStack, tag: str) -> None:
    boto3.client("sqs").send_message(QueueUrl=stack.queue_url("PlainQueue"), MessageBody=f"fail {tag}")

    stack.wait_until_idle()

    assert len(deliveries(stack, tag)) == 1  # deleted after one success, never retried


def test_fifo_records_are_handled_in_order_within_each_group_despite_a_retry(stack: RunningStack, tag: str) -> None:
    sqs = boto3.client("sqs")
    sent = {"g1": [f"1 {tag}", f"2 {tag} fail-once", f"3 {tag}"], "g2": [f"a {tag}", f"b {tag}"]}
    with stack.pollers_paused():
        for index in range(3):
            for group, bodies in sent.items():
                if index < len(bodies):
                    sqs.send_message(
                        QueueUrl=stack.queue_url("OrderedQueue"),
                        MessageBody=bodies[index],
                        MessageGroupId=f"{group}-{tag}",
                        MessageDeduplicationId=f"{group}-{index}-{tag}",  # per version, as the push queue
                    )

    stack.wait_until_idle(timeout=15)

    handled = [row["record"] for row in recorded(stack, "FifoWorkerFunction") if tag in row["record"]["body"]]
    for group, bodies in sent.items():
        in_group = [r for r in handled if r["attributes"]["MessageGroupId"] == f"{group}-{tag}"]
        assert [r["body"] for r in in_group] == bodies
        # moto makes SequenceNumber up at random, so only its presence is checked, not its order.
        assert all({"MessageDeduplicationId", "SequenceNumber"} <= set(r["attributes"]) for r in in_group)
    assert dead_letters(stack.dead_letter_queue_url("OrderedQueue")) == []
