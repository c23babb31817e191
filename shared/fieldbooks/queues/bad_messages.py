"""What happens to a message that cannot be read: a log row the tenant can see, then the DLQ."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

from fieldbooks.domain.models import Direction, SyncStatus
from fieldbooks.observability import logger
from fieldbooks.services import Services


def report_unreadable(body: str, error: ValueError, services: Services, direction: Direction, attempt: int = 1) -> None:
    """Logs the problem; if the body names a tenant and a record, that tenant's sync log shows it too,
    once (on the first attempt) rather than once per retry.

    The push worker re-raises, so its message is retried and then kept in the dead-letter queue for a
    redrive; the bus intake parks the event itself (`park_unreadable_event`).
    """
    if isinstance(error, ValidationError):
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors()[:5])
    else:
        problems = "the message is not JSON"
    logger.error("Unreadable message", extra={"problems": problems, "body": body[:2000], "attempt": attempt})
    if attempt > 1:
        return
    try:
        raw = json.loads(body)
    except ValueError:
        return
    if isinstance(raw, dict) and isinstance(raw.get("change"), dict):
        raw = raw["change"]  # a push message: the change it carries names the tenant and the record
    tenant_id = raw.get("tenant_id") if isinstance(raw, dict) else None
    if not isinstance(tenant_id, str) or not tenant_id:
        return
    services.sync_log.write(
        tenant_id,
        entity=str(raw.get("entity") or "unknown"),
        direction=direction,
        status=SyncStatus.ERROR,
        action="read",
        detail=f"This change could not be read and was set aside for a retry by support ({problems}).",
        saas_id=raw.get("record_id") if isinstance(raw.get("record_id"), str) else None,
    )


def park_unreadable_event(event: dict[str, Any], error: ValueError, services: Services, request_id: str) -> None:
    """A bus event that cannot be read goes straight to the SaaS events DLQ, with one sync-log row.

    Not raised: EventBridge invokes the function asynchronously, and Lambda would run it twice more
    (MaximumRetryAttempts in template.yaml) before its OnFailure destination, each run writing its own
    row, when no retry can make the same bytes readable. The record has the shape of Lambda's
    OnFailure destination record, so the DLQ holds one shape whichever way an event got there
    (https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html). Sent before
    the row is written: if the row fails, the retry may park a second copy but never shows two rows.
    """
    services.sqs.send_message(
        QueueUrl=services.settings.saas_events_dlq_url,
        MessageBody=json.dumps(
            {
                "version": "1.0",
                "timestamp": datetime.now(UTC).isoformat(),
                "requestContext": {"requestId": request_id, "condition": "Unreadable", "approximateInvokeCount": 1},
                "requestPayload": event,
                "responsePayload": {"errorType": type(error).__name__, "errorMessage": str(error)[:4000]},
            },
            default=str,
        ),
    )
    report_unreadable(json.dumps(event.get("detail"), default=str), error, services, Direction.TO_ACCOUNTING)
