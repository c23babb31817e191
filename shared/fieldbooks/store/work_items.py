"""The outbox of a QUEUE provider: per-connection work items, handed out in the order they were decided.

Rows are tenant first (`<provider>#<item id>`), the item id sortable by time, so one query reads a
connection's queue in order. A state change is conditional on the row's version: two Web Connector
sessions can never both send one item.
"""

from __future__ import annotations

import json
import os

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute, VersionAttribute
from pynamodb.exceptions import DeleteError, PutError
from pynamodb.models import Model

from fieldbooks.domain.errors import StaleVersion
from fieldbooks.domain.models import Provider, WorkItem, WorkOperation, WorkState
from fieldbooks.store.base import TableSettings


class WorkItemRow(Model):
    class Meta(TableSettings):
        table_name = os.environ.get("WORK_ITEMS_TABLE", "fieldbooks-dev-work-items")

    tenant_id = UnicodeAttribute(hash_key=True)
    item_key = UnicodeAttribute(range_key=True)  # "<provider>#<item id>"
    provider = UnicodeAttribute()
    item_id = UnicodeAttribute()
    entity = UnicodeAttribute()
    saas_id = UnicodeAttribute()
    record_version = NumberAttribute()
    operation = UnicodeAttribute()
    key = UnicodeAttribute()
    state = UnicodeAttribute()
    run_id = UnicodeAttribute(null=True)
    category = UnicodeAttribute(null=True)
    sent_json = UnicodeAttribute(null=True)  # canonical: amounts are already exact strings
    created_at = UTCDateTimeAttribute()
    version = VersionAttribute()

    def to_model(self) -> WorkItem:
        return WorkItem(
            tenant_id=self.tenant_id,
            provider=Provider(self.provider),
            item_id=self.item_id,
            entity=self.entity,
            saas_id=self.saas_id,
            record_version=int(self.record_version),
            operation=WorkOperation(self.operation),
            key=self.key,
            state=WorkState(self.state),
            run_id=self.run_id,
            category=self.category,
            sent=json.loads(self.sent_json) if self.sent_json else None,
            created_at=self.created_at,
            version=int(self.version or 0),
        )


def _key(provider: Provider, item_id: str) -> str:
    return f"{provider.value}#{item_id}"


class WorkItemStore:
    def add(self, item: WorkItem) -> WorkItem:
        return self.save(item)

    def save(self, item: WorkItem) -> WorkItem:
        row = WorkItemRow(
            item.tenant_id,
            _key(item.provider, item.item_id),
            provider=item.provider.value,
            item_id=item.item_id,
            entity=item.entity,
            saas_id=item.saas_id,
            record_version=item.record_version,
            operation=item.operation.value,
            key=item.key,
            state=item.state.value,
            run_id=item.run_id,
            category=item.category,
            sent_json=json.dumps(item.sent) if item.sent is not None else None,
            created_at=item.created_at,
        )
        if item.version:  # a stored item: the save is conditional on the version it was read at
            row.version = item.version
        try:
            row.save()
        except PutError as error:
            if error.cause_response_code == "ConditionalCheckFailedException":
                raise StaleVersion("Another session took this work item first.") from error
            raise
        return row.to_model()

    def waiting(self, tenant_id: str, provider: Provider, limit: int) -> list[WorkItem]:
        """The connection's outbox in order, queued and sent alike (a sent item with no answer is resent)."""
        rows = WorkItemRow.query(
            tenant_id, WorkItemRow.item_key.startswith(f"{provider.value}#"), consistent_read=True, limit=limit
        )
        return [row.to_model() for row in rows]

    def get(self, tenant_id: str, provider: Provider, item_id: str) -> WorkItem | None:
        try:
            return WorkItemRow.get(tenant_id, _key(provider, item_id), consistent_read=True).to_model()
        except WorkItemRow.DoesNotExist:
            return None

    def done(self, item: WorkItem) -> None:
        """Settled: the row goes (if still as read); the link and the sync log keep what happened."""
        row = WorkItemRow(item.tenant_id, _key(item.provider, item.item_id))
        row.version = item.version
        try:
            row.delete()
        except DeleteError as error:
            if error.cause_response_code == "ConditionalCheckFailedException":
                raise StaleVersion("Another session settled this work item first.") from error
            raise
