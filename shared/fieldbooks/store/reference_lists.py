"""The reference lists last pulled from each connection's accounting company: one row per connection.

The settings check reads them (a default income account or tax code must be one the company has), and
so does the Integrations page's pick lists; the SaaS holds its own copy through the platform API.
"""

from __future__ import annotations

import os
from datetime import datetime

from pydantic import BaseModel, ConfigDict
from pynamodb.attributes import UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.models import Model

from fieldbooks.domain.models import Provider
from fieldbooks.domain.reference_lists import ReferenceLists
from fieldbooks.store.base import TableSettings


class PulledReferenceLists(BaseModel):
    model_config = ConfigDict(frozen=True)

    tenant_id: str
    provider: Provider
    pulled_at: datetime
    lists: ReferenceLists


class ReferenceListsRow(Model):
    """Tenant first; the lists as their JSON (amounts as strings, so rates stay exact)."""

    class Meta(TableSettings):
        table_name = os.environ.get("REFERENCE_LISTS_TABLE", "fieldbooks-dev-reference-lists")

    tenant_id = UnicodeAttribute(hash_key=True)
    provider = UnicodeAttribute(range_key=True)
    pulled_at = UTCDateTimeAttribute()
    lists_json = UnicodeAttribute()


class ReferenceListStore:
    def get(self, tenant_id: str, provider: Provider) -> PulledReferenceLists | None:
        """None when the lists were never pulled for this connection."""
        try:
            row = ReferenceListsRow.get(tenant_id, provider.value)
        except ReferenceListsRow.DoesNotExist:
            return None
        return PulledReferenceLists(
            tenant_id=row.tenant_id,
            provider=Provider(row.provider),
            pulled_at=row.pulled_at,
            lists=ReferenceLists.model_validate_json(row.lists_json),
        )

    def save(self, pulled: PulledReferenceLists) -> PulledReferenceLists:
        """A whole replacement: the last pull wins, as it reflects the company as it is now."""
        ReferenceListsRow(
            pulled.tenant_id,
            pulled.provider.value,
            pulled_at=pulled.pulled_at,
            lists_json=pulled.lists.model_dump_json(),
        ).save()
        return pulled
