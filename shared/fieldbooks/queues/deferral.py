"""A rate-limited message comes back when the connection's pause ends, not after the queue's timeout.

SQS retries a failed message after its visibility timeout (180 s on the push queue, 720 s on the pull
queue). A message the rate governor refused should come back when the pause ends instead: sooner
would only be refused again, later wastes the budget that opened. The message still counts as failed
for its batch, so Lambda leaves it on the queue: nothing is lost and, in a FIFO group, nothing
overtakes it.
"""

from __future__ import annotations

import math

from fieldbooks.domain.errors import RateLimited
from fieldbooks.observability import logger
from fieldbooks.services import Services

MAX_VISIBILITY_SECONDS = 12 * 3600  # the most SQS accepts


def wait_out(error: RateLimited, queue_url: str, receipt_handle: str, services: Services) -> int:
    """Hides the message until the pause (or the next budget minute) is over; returns the seconds."""
    seconds = deferral_seconds(error)
    services.sqs.change_message_visibility(QueueUrl=queue_url, ReceiptHandle=receipt_handle, VisibilityTimeout=seconds)
    logger.info("Message deferred by the rate governor", extra={"seconds": seconds})
    return seconds


def deferral_seconds(error: RateLimited) -> int:
    return min(MAX_VISIBILITY_SECONDS, max(1, math.ceil(error.retry_after)))
