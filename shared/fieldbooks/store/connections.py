"""Connections: one row per tenant and accounting provider."""

from __future__ import annotations

import os
from typing import Any

from pynamodb.attributes import JSONAttribute, UnicodeAttribute, UTCDateTimeAttribute, VersionAttribute
from pynamodb.exceptions import PutError
from pynamodb.models import Model

from fieldbooks.domain.errors import NotFound, StaleVersion
from fieldbooks.domain.models import SYNCED_ENTITIES, Connection, ConnectionSettings, ConnectionStatus, Provider
from fieldbooks.store.base import TableSettings


class ConnectionRow(Model):
    """`remote_company_key` ("<provider>#<company id>") feeds the index webhooks use to find the tenant.

    `version` makes every write conditional, which serialises token refreshes per connection.
    """

    class Meta(TableSettings):
        table_name = os.environ.get("CONNECTIONS_TABLE", "fieldbooks-dev-connections")

    tenant_id = UnicodeAttribute(hash_key=True)
    provider = UnicodeAttribute(range_key=True)
    status = UnicodeAttribute()
    remote_company_id = UnicodeAttribute()
    remote_company_key = UnicodeAttribute()
    company_name = UnicodeAttribute()
    connected_by = UnicodeAttribute()
    connected_at = UTCDateTimeAttribute()
    pull_queued_at = UTCDateTimeAttribute(null=True)
    paused_until = UTCDateTimeAttribute(null=True)
    settings = JSONAttribute(null=True)
    sealed_tokens = UnicodeAttribute(null=True)
    refresh_lease_until = UTCDateTimeAttribute(null=True)
    version = VersionAttribute()

    def to_model(self) -> Connection:
        return Connection(
            tenant_id=self.tenant_id,
            provider=Provider(self.provider),
            status=ConnectionStatus(self.status),
            remote_company_id=self.remote_company_id,
            company_name=self.company_name,
            connected_by=self.connected_by,
            connected_at=self.connected_at,
            pull_queued_at=self.pull_queued_at,
            paused_until=self.paused_until,
            settings=ConnectionSettings.model_validate(_known_settings(self.settings or {})),
            sealed_tokens=self.sealed_tokens,
            refresh_lease_until=self.refresh_lease_until,
            version=int(self.version or 0),
        )


class ConnectionStore:
    def list_for_tenant(self, tenant_id: str) -> list[Connection]:
        return [row.to_model() for row in ConnectionRow.query(tenant_id)]

    def get(self, tenant_id: str, provider: Provider) -> Connection:
        try:
            return ConnectionRow.get(tenant_id, provider.value).to_model()
        except ConnectionRow.DoesNotExist as error:
            raise NotFound(f"{provider.label} is not connected.") from error

    def find(self, tenant_id: str, provider: Provider) -> Connection | None:
        try:
            return self.get(tenant_id, provider)
        except NotFound:
            return None

    def active_for_tenant(self, tenant_id: str) -> list[Connection]:
        return [c for c in self.list_for_tenant(tenant_id) if c.is_active]

    def all_active(self) -> list[Connection]:
        """A scan: connections number in the thousands at most, and the scheduler reads them once a tick."""
        condition = ConnectionRow.status == ConnectionStatus.CONNECTED.value
        return [row.to_model() for row in ConnectionRow.scan(condition)]

    def save(self, connection: Connection) -> Connection:
        """Writes only if nobody saved a newer version meanwhile; the loser gets StaleVersion."""
        row = ConnectionRow(
            connection.tenant_id,
            connection.provider.value,
            status=connection.status.value,
            remote_company_id=connection.remote_company_id,
            remote_company_key=f"{connection.provider.value}#{connection.remote_company_id}",
            company_name=connection.company_name,
            connected_by=connection.connected_by,
            connected_at=connection.connected_at,
            pull_queued_at=connection.pull_queued_at,
            paused_until=connection.paused_until,
            settings=connection.settings.model_dump(mode="json"),
            sealed_tokens=connection.sealed_tokens,
            refresh_lease_until=connection.refresh_lease_until,
        )
        if connection.version:
            row.version = connection.version  # else: a first save, conditional on the row not existing
        try:
            row.save()
        except PutError as error:
            if error.cause_response_code == "ConditionalCheckFailedException":
                raise StaleVersion("The connection changed while we were saving it.") from error
            raise
        return row.to_model()


def _known_settings(stored: dict[str, Any]) -> dict[str, Any]:
    """Rows written before settings were a closed schema may hold made-up `directions` keys; they never
    meant anything, so reading drops them instead of making the connection unreadable."""
    directions = stored.get("directions")
    if not isinstance(directions, dict):
        return stored
    return {**stored, "directions": {k: v for k, v in directions.items() if k in SYNCED_ENTITIES}}
