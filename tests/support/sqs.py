"""Reads messages off a moto queue as the SQS event Lambda would hand a function."""

from __future__ import annotations

from typing import Any

REGION = "us-east-1"


def receive_event(sqs: Any, queue_url: str, max_messages: int = 10) -> dict[str, Any]:
    reply = sqs.receive_message(
        QueueUrl=queue_url, MaxNumberOfMessages=max_messages, AttributeNames=["All"], MessageAttributeNames=["All"]
    )
    arn = f"arn:aws:sqs:{REGION}:123456789012:{queue_url.rsplit('/', 1)[1]}"
    return {
        "Records": [
            {
                "messageId": m["MessageId"],
                "receiptHandle": m["ReceiptHandle"],
                "body": m["Body"],
                "attributes": m.get("Attributes", {}),
                "messageAttributes": {},
                "md5OfBody": m["MD5OfBody"],
                "eventSource": "aws:sqs",
                "eventSourceARN": arn,
                "awsRegion": REGION,
            }
            for m in reply.get("Messages", [])
        ]
    }
