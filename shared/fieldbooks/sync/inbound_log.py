"""The sync-log row of a pull step: one sentence per record, direction "from accounting"."""

from __future__ import annotations

from typing import Any

from fieldbooks.domain.models import Direction, SyncStatus
from fieldbooks.sync.inbound import Inbound


def log_inbound(
    inbound: Inbound,
    entity: str,
    status: SyncStatus,
    action: str,
    detail: str,
    saas_id: str | None = None,
    remote_id: str | None = None,
    values: dict[str, Any] | None = None,
) -> None:
    inbound.services.sync_log.write(
        inbound.tenant_id,
        provider=inbound.connection.provider,
        entity=entity,
        direction=Direction.FROM_ACCOUNTING,
        status=status,
        action=action,
        detail=detail,
        saas_id=saas_id,
        remote_id=remote_id,
        run_id=inbound.run_id,
        values=values,
    )
