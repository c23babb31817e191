"""Polls queues into the real handlers with Lambda's SQS event-source semantics.

Lambda's rules, as documented in https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html and
https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html:

- a batch of up to `BatchSize` messages is one invocation, with an `aws:sqs` event;
- success deletes the whole batch; an exception leaves the whole batch to come back after the
  visibility timeout;
- with `ReportBatchItemFailures`, only the messages named in `batchItemFailures` come back; an empty
  or missing list is success, an identifier that is empty or not in the batch fails the batch;
- after `maxReceiveCount` receives, SQS itself moves a message to the dead-letter queue (moto does
  this on receive, as SQS does).

The only liberty: a failed message becomes visible again after the queue's `VisibilityTimeout`
times `visibility_scale`, so the five retries of a 180-second queue take seconds on a laptop. A
failed message whose visibility the handler set itself during the invocation keeps the handler's
timeout (times the same scale), as Lambda leaves it alone (visibility.py says how we know).
"""

from __future__ import annotations

import base64
import logging
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import boto3

from local.runtime.invocation import FunctionHost
from local.runtime.resources import REGION
from local.runtime.template import QueueSource
from local.runtime.visibility import VisibilityLedger

log = logging.getLogger("local.runtime")

WAIT_SECONDS = 1  # long-poll wait: short, so Ctrl-C stops the stack within about a second
MAX_RECEIVE = 10  # SQS hands out at most ten messages per receive
# An SQS event source without ScalingConfig scales up to 1,250 concurrent batches; the function's
# own concurrency is the bound that matters.
MAX_POLLERS = 1250

Message = dict[str, Any]  # one message as boto3's receive_message returns it
# Given a batch, returns the ids of the messages that must come back (empty: all done).
Delivery = Callable[[list[Message]], set[str]]


@dataclass(frozen=True)
class PolledQueue:
    queue_url: str
    queue_arn: str
    batch_size: int
    visibility_timeout: int


class QueuePoller:
    """One thread long-polling one queue, handing each batch to a worker; up to `concurrency` batches
    are in flight at once, as Lambda's event source runs up to the function's concurrency (or the
    event's `ScalingConfig.MaximumConcurrency`). A batch is received only when a worker is free, so
    none waits received but unhandled, using up its visibility timeout and a receive.

    Receives stay on the one polling thread: moto can hand one message to two receives that overlap.
    """

    def __init__(
        self,
        queue: PolledQueue,
        deliver: Delivery,
        retry_delay_seconds: int,
        name: str,
        visibility: VisibilityLedger | None = None,
        visibility_scale: float = 1.0,
        concurrency: int = 1,
    ) -> None:
        self.queue = queue
        self.concurrency = concurrency
        self._deliver = deliver
        self._retry_delay = retry_delay_seconds
        self._visibility = visibility or VisibilityLedger()
        self._scale = visibility_scale
        self._sqs = boto3.client("sqs", region_name=REGION)
        self._stopping = threading.Event()
        self._paused = threading.Event()
        self._turn = threading.Lock()
        self._free_workers = threading.BoundedSemaphore(concurrency)
        self._workers = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix=f"{name}-batch")
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()

    def join(self, timeout: float | None = None) -> None:
        """Waits for the polling thread, then for the batches in flight to settle."""
        self._thread.join(timeout)
        self._workers.shutdown(wait=True)

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def request_pause(self) -> None:
        """Asks the poller to receive no more; `wait_paused` then waits for a receive in progress.
        Batches already received keep running."""
        self._paused.set()

    def wait_paused(self) -> None:
        self._turn.acquire()

    def resume(self) -> None:
        self._turn.release()
        self._paused.clear()

    def _run(self) -> None:
        while not self._stopping.is_set():
            if self._paused.is_set() or not self._free_workers.acquire(timeout=0.1):
                self._stopping.wait(0.05)
                continue
            if not self._turn.acquire(timeout=0.1):
                self._free_workers.release()
                continue
            try:
                messages = self._receive()
            except Exception:  # a broken poll (moto hiccup, bug) must not kill the queue's poller
                log.exception("Polling %s failed; trying again", self.queue.queue_url)
                messages = []
                self._stopping.wait(1)
            finally:
                self._turn.release()
            if messages:
                self._workers.submit(self._handle, messages)
            else:
                self._free_workers.release()

    def _receive(self) -> list[Message]:
        messages: list[Message] = self._sqs.receive_message(
            QueueUrl=self.queue.queue_url,
            MaxNumberOfMessages=min(self.queue.batch_size, MAX_RECEIVE),
            WaitTimeSeconds=WAIT_SECONDS,
            MessageSystemAttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        if messages:  # watched before the handler can run, so no re-timing it does is missed
            self._visibility.watch(m["ReceiptHandle"] for m in messages)
        return messages

    def _handle(self, messages: list[Message]) -> None:
        try:
            self._settle(messages)
        except Exception:  # the messages come back after their visibility timeout, as after a crash
            log.exception("Settling a batch from %s failed", self.queue.queue_url)
        finally:
            self._free_workers.release()

    def _settle(self, messages: list[Message]) -> None:
        handles = [m["ReceiptHandle"] for m in messages]
        try:
            failed = self._deliver(messages)
        finally:
            retimed = self._visibility.release(handles)
        done = [m for m in messages if m["MessageId"] not in failed]
        retry = [m for m in messages if m["MessageId"] in failed]
        for chunk in _chunks(done):
            self._sqs.delete_message_batch(
                QueueUrl=self.queue.queue_url,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(chunk)],
            )
        for chunk in _chunks(retry):
            self._sqs.change_message_visibility_batch(
                QueueUrl=self.queue.queue_url,
                Entries=[
                    {
                        "Id": str(i),
                        "ReceiptHandle": m["ReceiptHandle"],
                        "VisibilityTimeout": self._retry_timeout(retimed.get(m["ReceiptHandle"])),
                    }
                    for i, m in enumerate(chunk)
                ],
            )

    def _retry_timeout(self, set_by_handler: int | None) -> int:
        if set_by_handler is None:
            return self._retry_delay
        return scaled_seconds(set_by_handler, self._scale)


class SqsEventSource:
    """The Lambda event-source mapping of one template `SQS` event: event shape and batch verdict."""

    def __init__(self, source: QueueSource, queue: PolledQueue, host: FunctionHost) -> None:
        self.source = source
        self.queue = queue
        self._host = host
        self._queue_name = queue.queue_arn.rsplit(":", 1)[1]

    def deliver(self, messages: list[Message]) -> set[str]:
        event = {"Records": [self.record(m) for m in messages]}
        every_id = {m["MessageId"] for m in messages}
        invocation = self._host.invoke(
            self.source.function_id,
            event,
            f"sqs {self._queue_name} ({len(messages)})",
            lambda result: self._describe(result, every_id),
        )
        if invocation.failed:
            return every_id
        return self._failed_ids(invocation.result, every_id)

    def record(self, message: Message) -> dict[str, Any]:
        return sqs_record(message, self.queue.queue_arn)

    def _failed_ids(self, result: Any, every_id: set[str]) -> set[str]:
        if not self.source.reports_batch_item_failures:
            return set()
        failures = result.get("batchItemFailures") if isinstance(result, dict) else None
        if not failures:
            return set()
        named = {failure.get("itemIdentifier") if isinstance(failure, dict) else None for failure in failures}
        if not named <= every_id:
            # Lambda's rule: an empty, null or unknown identifier fails the whole batch.
            log.error("%s named %s in batchItemFailures; the batch fails", self.source.function_id, named)
            return every_id
        return {str(identifier) for identifier in named}

    def _describe(self, result: Any, every_id: set[str]) -> str:
        failed = len(self._failed_ids(result, every_id))
        return f"ok, {failed} of {len(every_id)} failed" if failed else "ok"


def sqs_record(message: Message, queue_arn: str) -> dict[str, Any]:
    """One record of the `aws:sqs` event; FIFO system attributes ride along in `attributes`."""
    record: dict[str, Any] = {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": message.get("Attributes", {}),
        "messageAttributes": {
            name: _lambda_message_attribute(value) for name, value in message.get("MessageAttributes", {}).items()
        },
        "md5OfBody": message["MD5OfBody"],
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": REGION,
    }
    if "MD5OfMessageAttributes" in message:
        record["md5OfMessageAttributes"] = message["MD5OfMessageAttributes"]
    return record


def polled_queue(queue_url: str, batch_size: int) -> PolledQueue:
    sqs = boto3.client("sqs", region_name=REGION)
    attributes = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn", "VisibilityTimeout"])
    attributes = attributes["Attributes"]
    return PolledQueue(queue_url, attributes["QueueArn"], batch_size, int(attributes["VisibilityTimeout"]))


def scaled_seconds(seconds: float, scale: float) -> int:
    """SQS takes whole seconds; 0 makes a failed message visible again at once."""
    return max(0, round(seconds * scale))


def _lambda_message_attribute(value: dict[str, Any]) -> dict[str, Any]:
    """SQS API attributes (`StringValue`, bytes) in the camelCase, base64 form Lambda delivers."""
    converted: dict[str, Any] = {
        "stringListValues": value.get("StringListValues", []),
        "binaryListValues": [base64.b64encode(b).decode("ascii") for b in value.get("BinaryListValues", [])],
        "dataType": value["DataType"],
    }
    if "StringValue" in value:
        converted["stringValue"] = value["StringValue"]
    if "BinaryValue" in value:
        converted["binaryValue"] = base64.b64encode(value["BinaryValue"]).decode("ascii")
    return converted


def _chunks(messages: list[Message]) -> Iterator[list[Message]]:
    for start in range(0, len(messages), MAX_RECEIVE):
        yield messages[start : start + MAX_RECEIVE]
