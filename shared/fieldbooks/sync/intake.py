"""SaaS change events become push-queue messages: one FIFO group per record, one message per version."""

from __future__ import annotations

import hashlib
from typing import Any

from fieldbooks.saas.events import SaasChangeEvent


def message_group_id(change: SaasChangeEvent) -> str:
    """Versions of one record push in order; different records push in parallel."""
    return _bounded(f"{change.tenant_id}#{change.entity}#{change.record_id}")


def deduplication_id(change: SaasChangeEvent) -> str:
    """The same record version published twice is queued once (SQS keeps dedup ids for 5 minutes)."""
    return _bounded(f"{change.tenant_id}#{change.entity}#{change.record_id}#{change.record_version}#{change.action}")


def push_message(change: SaasChangeEvent, queue_url: str) -> dict[str, Any]:
    return {
        "QueueUrl": queue_url,
        "MessageBody": change.model_dump_json(),
        "MessageGroupId": message_group_id(change),
        "MessageDeduplicationId": deduplication_id(change),
    }


def _bounded(value: str) -> str:
    """SQS allows 128 characters; long ids keep their tenant prefix readable and end in a digest."""
    if len(value) <= 128:
        return value
    return f"{value[:63]}#{hashlib.sha256(value.encode()).hexdigest()}"
