"""`POST /dlq/redrive`: a tenant admin sends their parked messages back to the queue they came from.

SQS's own StartMessageMoveTask moves a whole queue, but the dead-letter queues are shared by every
tenant, and one tenant's admin may only move that tenant's messages. So the move is receive → send →
delete, one message at a time, reading the tenant id from each body, and bounded per call so the
request ends well inside the API's timeout; the reply says whether more may be waiting.
"""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Any

from pydantic import BaseModel

from fieldbooks.observability import logger
from fieldbooks.services import Services

MAX_RECEIVES_PER_CALL = 10  # of up to 10 messages each: at most 100 messages looked at per request
# Longer than one call takes: what this call has looked at stays hidden from it until it releases it.
RECEIVE_VISIBILITY_SECONDS = 30


class DeadLetterQueue(StrEnum):
    PUSH = "push"
    PULL = "pull"


class RedriveRequest(BaseModel):
    queue: DeadLetterQueue


class RedriveResult(BaseModel):
    queue: DeadLetterQueue
    moved: int
    examined: int
    more_may_be_waiting: bool


def redrive(tenant_id: str, queue: DeadLetterQueue, services: Services) -> RedriveResult:
    settings = services.settings
    dlq_url, source_url = {
        DeadLetterQueue.PUSH: (settings.push_dlq_url, settings.push_queue_url),
        DeadLetterQueue.PULL: (settings.pull_dlq_url, settings.pull_queue_url),
    }[queue]
    sqs = services.sqs
    moved = 0
    others: list[dict[str, Any]] = []
    try:
        for _ in range(MAX_RECEIVES_PER_CALL):
            messages = sqs.receive_message(
                QueueUrl=dlq_url,
                MaxNumberOfMessages=10,
                VisibilityTimeout=RECEIVE_VISIBILITY_SECONDS,
                AttributeNames=["All"],
                MessageAttributeNames=["All"],
            ).get("Messages", [])
            if not messages:
                return RedriveResult(queue=queue, moved=moved, examined=moved + len(others), more_may_be_waiting=False)
            for message in messages:
                if _tenant_of(message) != tenant_id:
                    others.append(message)  # stays hidden until the end, so this call never sees it twice
                    continue
                sqs.send_message(QueueUrl=source_url, **_resend_arguments(message, fifo=source_url.endswith(".fifo")))
                sqs.delete_message(QueueUrl=dlq_url, ReceiptHandle=message["ReceiptHandle"])
                moved += 1
    finally:
        _release(sqs, dlq_url, others)
    logger.info("Redrive stopped at its per-call bound", extra={"moved": moved, "examined": moved + len(others)})
    return RedriveResult(queue=queue, moved=moved, examined=moved + len(others), more_may_be_waiting=True)


def _tenant_of(message: dict[str, Any]) -> str | None:
    """Both queues carry JSON naming its tenant (a SaaS change event, a pull job). A body without one
    belongs to no tenant and stays for support."""
    try:
        body = json.loads(message["Body"])
    except ValueError:
        return None
    tenant_id = body.get("tenant_id") if isinstance(body, dict) else None
    return tenant_id if isinstance(tenant_id, str) else None


def _resend_arguments(message: dict[str, Any], fifo: bool) -> dict[str, Any]:
    arguments: dict[str, Any] = {"MessageBody": message["Body"]}
    if message.get("MessageAttributes"):
        arguments["MessageAttributes"] = message["MessageAttributes"]
    if fifo:
        attributes = message.get("Attributes", {})
        arguments["MessageGroupId"] = attributes["MessageGroupId"]  # keeps the record's versions in order
        # Not the original id: SQS would drop it as a duplicate within five minutes of the first send.
        # The DLQ message id is unique per parked message, and a repeat of this same move (a crash between
        # send and delete) is the duplicate SQS should drop.
        arguments["MessageDeduplicationId"] = f"redrive-{message['MessageId']}"
    return arguments


def _release(sqs: Any, dlq_url: str, messages: list[dict[str, Any]]) -> None:
    """Other tenants' messages become visible again as soon as this call is done, for their own admins."""
    for start in range(0, len(messages), 10):  # SQS takes ten entries per batch call
        sqs.change_message_visibility_batch(
            QueueUrl=dlq_url,
            Entries=[
                {"Id": str(index), "ReceiptHandle": message["ReceiptHandle"], "VisibilityTimeout": 0}
                for index, message in enumerate(messages[start : start + 10])
            ],
        )
