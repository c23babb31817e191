"""SaaS change events become push-queue messages: one per (connection, record version), one FIFO
group per (connection, record), so versions of one record push in order, different records and
different connections in parallel, and a pause at one provider holds back only its own messages."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from fieldbooks.domain.models import Connection, ConnectionStatus, Provider
from fieldbooks.saas.events import SaasChangeEvent


class PushMessage(BaseModel):
    """The push queue's body. `provider` None: a message from before one-per-connection (every connection).

    `deferrals` and `wait_seconds` are set on the copy that waits out a rate-limit pause
    (queues/deferral.py): how often the change has waited, and how long this copy waits first.
    """

    model_config = ConfigDict(frozen=True)

    provider: Provider | None = None
    change: SaasChangeEvent
    deferrals: int = Field(default=0, ge=0)
    wait_seconds: int = Field(default=0, ge=0)

    @classmethod
    def parse(cls, body: str) -> PushMessage:
        """Also reads the earlier body, the bare change event, so messages in flight at a deploy still push.

        Raises ValueError (pydantic's ValidationError, or a JSON error) for a body that is neither.
        """
        data = json.loads(body)
        if isinstance(data, dict) and "change" in data:
            return cls.model_validate(data)
        return cls(change=SaasChangeEvent.model_validate(data))


def message_group_id(change: SaasChangeEvent, provider: Provider) -> str:
    return _bounded(f"{change.tenant_id}#{provider.value}#{change.entity}#{change.record_id}")


def deduplication_id(change: SaasChangeEvent, provider: Provider) -> str:
    """The same record version published twice is queued once (SQS keeps dedup ids for 5 minutes)."""
    return _bounded(
        f"{change.tenant_id}#{provider.value}#{change.entity}#{change.record_id}#{change.record_version}#{change.action}"
    )


def push_messages(change: SaasChangeEvent, connections: list[Connection], queue_url: str) -> list[dict[str, Any]]:
    """One message per connection that is not disconnected (a paused one logs why it waits)."""
    return [
        {
            "QueueUrl": queue_url,
            "MessageBody": PushMessage(provider=connection.provider, change=change).model_dump_json(),
            "MessageGroupId": message_group_id(change, connection.provider),
            "MessageDeduplicationId": deduplication_id(change, connection.provider),
        }
        for connection in connections
        if connection.status is not ConnectionStatus.DISCONNECTED
    ]


def _bounded(value: str) -> str:
    """SQS allows 128 characters; long ids keep their tenant prefix readable and end in a digest."""
    if len(value) <= 128:
        return value
    return f"{value[:63]}#{hashlib.sha256(value.encode()).hexdigest()}"
