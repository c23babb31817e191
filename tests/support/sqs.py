"""Reads messages off a moto queue as the SQS event Lambda would hand a function (the runtime's record shape)."""

from __future__ import annotations

from typing import Any

from local.runtime.pollers import sqs_record
from local.runtime.resources import ACCOUNT_ID, REGION


def receive_event(sqs: Any, queue_url: str, max_messages: int = 10) -> dict[str, Any]:
    reply = sqs.receive_message(
        QueueUrl=queue_url, MaxNumberOfMessages=max_messages, AttributeNames=["All"], MessageAttributeNames=["All"]
    )
    arn = f"arn:aws:sqs:{REGION}:{ACCOUNT_ID}:{queue_url.rsplit('/', 1)[1]}"
    return {"Records": [sqs_record(message, arn) for message in reply.get("Messages", [])]}
