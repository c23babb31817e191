"""The provider-independent half of a push: what never syncs, what is an echo, who is connected."""

from __future__ import annotations

from fieldbooks.domain.errors import ValidationFailed
from fieldbooks.domain.models import Connection, Direction, SyncStatus
from fieldbooks.observability import logger
from fieldbooks.providers.base import AccountingProvider
from fieldbooks.saas.events import SaasChangeEvent
from fieldbooks.services import Services

NEVER_SYNCED = {
    "quote": "Quotes stay in the field-service app; only finalized invoices go to accounting.",
    "job": "Jobs stay in the field-service app; they never sync to accounting.",
    "team_member": "Team members stay in the field-service app; they never sync to accounting.",
}


def skip_reason(change: SaasChangeEvent) -> str | None:
    if change.entity in NEVER_SYNCED:
        return NEVER_SYNCED[change.entity]
    if change.entity == "invoice" and getattr(change.record, "status", None) == "draft":
        return "Draft invoices go to accounting once they are finalized."
    return None


def push_change(change: SaasChangeEvent, services: Services) -> None:
    if change.origin == "fieldbooks":
        logger.debug("Ignoring our own write coming back", extra={"record_id": change.record_id})
        return
    for connection in services.connections.active_for_tenant(change.tenant_id):
        if reason := skip_reason(change):
            services.sync_log.write(
                change.tenant_id,
                provider=connection.provider,
                entity=change.entity,
                direction=Direction.TO_ACCOUNTING,
                status=SyncStatus.SKIPPED,
                action="skip",
                detail=reason,
                saas_id=change.record_id,
            )
            continue
        _adapter(connection, services).push_change(connection, change, services)


def _adapter(connection: Connection, services: Services) -> AccountingProvider:
    try:
        return services.providers[connection.provider]
    except KeyError as error:
        raise ValidationFailed(f"Syncing with {connection.provider.label} is not available yet.") from error
