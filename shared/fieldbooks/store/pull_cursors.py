"""Where each pull left off: one moment per (tenant, provider, remote entity).

Kept in the links table under keys of their own ("cursor#<provider>#<remote entity>"): no link query
meets them (those start with the provider's name) and they carry no remote key, so the by-remote-id
index skips them. A cursor is only written after the records before it were applied, so a pull that
crashed reads them again.
"""

from __future__ import annotations

from datetime import datetime

from pynamodb.attributes import UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.models import Model

from fieldbooks.domain.models import Provider
from fieldbooks.store.base import TableSettings
from fieldbooks.store.links import LinkRow


def cursor_key(provider: Provider, remote_entity: str) -> str:
    return f"cursor#{provider.value}#{remote_entity}"


class PullCursorRow(Model):
    class Meta(TableSettings):
        table_name = LinkRow.Meta.table_name

    tenant_id = UnicodeAttribute(hash_key=True)
    link_key = UnicodeAttribute(range_key=True)  # the cursor key
    changed_since = UTCDateTimeAttribute()


class PullCursorStore:
    def get(self, tenant_id: str, provider: Provider, remote_entity: str) -> datetime | None:
        try:
            return PullCursorRow.get(tenant_id, cursor_key(provider, remote_entity)).changed_since
        except PullCursorRow.DoesNotExist:
            return None

    def all(self, tenant_id: str, provider: Provider) -> dict[str, datetime]:
        prefix = cursor_key(provider, "")
        rows = PullCursorRow.query(tenant_id, PullCursorRow.link_key.startswith(prefix), consistent_read=True)
        return {row.link_key.removeprefix(prefix): row.changed_since for row in rows}

    def save(self, tenant_id: str, provider: Provider, remote_entity: str, changed_since: datetime) -> None:
        PullCursorRow(tenant_id, cursor_key(provider, remote_entity), changed_since=changed_since).save()
