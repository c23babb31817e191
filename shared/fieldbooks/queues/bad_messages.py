"""What happens to a message that cannot be read: a log row the tenant can see, then the DLQ."""

from __future__ import annotations

import json

from pydantic import ValidationError

from fieldbooks.domain.models import Direction, SyncStatus
from fieldbooks.observability import logger
from fieldbooks.services import Services


def report_unreadable(body: str, error: ValueError, services: Services, direction: Direction, attempt: int = 1) -> None:
    """Logs the problem; if the body names a tenant and a record, that tenant's sync log shows it too,
    once (on the first attempt) rather than once per retry.

    The caller re-raises, so the message is retried and then kept in the dead-letter queue for a redrive.
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
