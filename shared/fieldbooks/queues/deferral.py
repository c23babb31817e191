"""A rate-limited message waits out its connection's pause; a push does so without using up receives.

SQS moves a message to the dead-letter queue after `maxReceiveCount` receives, and every receive
counts, including one the rate governor refused before anything reached the provider. Hiding the
same message for the pause (ChangeMessageVisibility) therefore parks a record that only waited:
a long burst at one connection defers its last messages more times than the queue allows.

So a refused message is replaced: the worker sends a fresh copy to the same FIFO group, carrying
how many times the change has waited (`deferrals`, not the receive count) and how long to wait
(`wait_seconds`), and lets the original go (its record succeeds in the batch, so Lambda deletes it).
FIFO queues take no per-message delay (DelaySeconds is per queue), so the copy's first receive
hides it for the wait (`hold`); its second receive tries the push. A copy thus uses at most two
receives per pause, whatever the pause count, and a record that fails for other reasons still parks
after its receives run out.

The pull worker's jobs wait rarely and keep the simpler `wait_out` (the job hides for the pause).

Ordering holds: the copy goes to the back of the record's own group, behind any later version of
that record, and the engine ignores an older version arriving after a newer one (sync/push.py).
"""

from __future__ import annotations

import hashlib
import math
from typing import Any

from fieldbooks.domain.errors import RateLimited
from fieldbooks.observability import logger
from fieldbooks.queues.intake import PushMessage, deduplication_id
from fieldbooks.services import Services

MAX_VISIBILITY_SECONDS = 12 * 3600  # the most SQS accepts


class Held(Exception):  # noqa: N818 - a state, not a fault: the copy is waiting, by design
    """Raised for a copy's first receive: the message stays on the queue, hidden until its wait ends."""

    def __init__(self, seconds: int) -> None:
        super().__init__(f"Waiting {seconds} s for the connection's rate-limit pause to end")
        self.seconds = seconds


def must_wait(message: PushMessage, receive_count: int) -> bool:
    """A deferred copy waits on its first receive only: later receives are tries (or retries)."""
    return message.wait_seconds > 0 and receive_count <= 1


def hold(message: PushMessage, queue_url: str, receipt_handle: str, services: Services) -> Held:
    """Hides the copy for its wait; the caller raises the returned `Held` so the batch keeps it."""
    seconds = min(MAX_VISIBILITY_SECONDS, message.wait_seconds)
    services.sqs.change_message_visibility(QueueUrl=queue_url, ReceiptHandle=receipt_handle, VisibilityTimeout=seconds)
    return Held(seconds)


def wait_out(error: RateLimited, queue_url: str, receipt_handle: str, services: Services) -> int:
    """Hides a (pull-queue) message until the pause is over; returns the seconds. Each such wait is a
    receive: right for a queue whose jobs wait rarely, not for a push burst (see `defer`)."""
    seconds = deferral_seconds(error)
    services.sqs.change_message_visibility(QueueUrl=queue_url, ReceiptHandle=receipt_handle, VisibilityTimeout=seconds)
    logger.info("Message deferred by the rate governor", extra={"seconds": seconds})
    return seconds


def defer(error: RateLimited, message: PushMessage, queue_url: str, group_id: str, services: Services) -> int:
    """Queues the copy that waits out the pause (or the next budget minute); returns the seconds."""
    seconds = deferral_seconds(error)
    services.sqs.send_message(**deferred_copy(message, seconds, queue_url, group_id))
    logger.info("Push deferred by the rate governor", extra={"seconds": seconds, "deferrals": message.deferrals + 1})
    return seconds


def deferred_copy(message: PushMessage, seconds: int, queue_url: str, group_id: str) -> dict[str, Any]:
    """The copy's send arguments. Its deduplication id names the deferral, or SQS would drop it as the
    original resent within five minutes; a redelivered original sending the same copy twice is
    deduplicated for the same reason."""
    copy = message.model_copy(update={"deferrals": message.deferrals + 1, "wait_seconds": seconds})
    original = deduplication_id(message.change, message.provider) if message.provider else _digest(message)
    return {
        "QueueUrl": queue_url,
        "MessageBody": copy.model_dump_json(),
        "MessageGroupId": group_id,
        "MessageDeduplicationId": _bounded(f"{original}#deferral{copy.deferrals}"),
    }


def deferral_seconds(error: RateLimited) -> int:
    return min(MAX_VISIBILITY_SECONDS, max(1, math.ceil(error.retry_after)))


def _digest(message: PushMessage) -> str:
    change = message.change
    return f"{change.tenant_id}#{change.entity}#{change.record_id}#{change.record_version}#{change.action}"


def _bounded(value: str) -> str:
    """SQS allows 128 characters; the tenant prefix stays readable and a digest keeps it unique."""
    if len(value) <= 128:
        return value
    return f"{value[:63]}#{hashlib.sha256(value.encode()).hexdigest()}"
