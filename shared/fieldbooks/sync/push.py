"""The provider-independent half of a push: what never syncs, what is an echo, who is connected."""

from __future__ import annotations

from fieldbooks.connections.lifecycle import mark_needs_reauth
from fieldbooks.domain.errors import AuthExpired, ValidationFailed
from fieldbooks.domain.models import Connection, ConnectionStatus, Direction, SyncStatus
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
    for connection in services.connections.list_for_tenant(change.tenant_id):
        if connection.status is ConnectionStatus.DISCONNECTED:
            continue
        if reason := skip_reason(change):
            _log_skip(change, connection, reason, services)
            continue
        if connection.status is ConnectionStatus.NEEDS_REAUTH:
            _log_skip(change, connection, waiting_for_reconnect(connection), services)
            continue
        try:
            _adapter(connection, services).push_change(connection, change, services)
        except AuthExpired:
            # The tokens were refused mid-push. The message is not retried: until the tenant reconnects
            # every try would fail the same way, and the reconnect queues a run that brings over
            # whatever changed meanwhile (records newer than their link's synced version).
            mark_needs_reauth(connection.tenant_id, connection.provider, services)
            _log_skip(change, connection, waiting_for_reconnect(connection), services)


def waiting_for_reconnect(connection: Connection) -> str:
    label = connection.provider.label
    return f"Not sent yet: {label} needs to be reconnected. The sync that runs on reconnect brings this change over."


def _log_skip(change: SaasChangeEvent, connection: Connection, reason: str, services: Services) -> None:
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


def _adapter(connection: Connection, services: Services) -> AccountingProvider:
    try:
        return services.providers[connection.provider]
    except KeyError as error:
        raise ValidationFailed(f"Syncing with {connection.provider.label} is not available yet.") from error
