"""Change notifications already taken: one row per tenant, provider and event id, kept a week.

Providers redeliver a notification until it is acknowledged, and a replayed body carries a valid
signature, so each event is claimed by a conditional put before it queues anything: the second
sighting of an event id finds the row and is dropped. The puts of one delivery run side by side, so
a thousand events take tens of milliseconds, not seconds, inside the provider's few seconds. A week
outlasts the retries that matter (hours, providers.md); an event replayed after its row expired
queues one more re-read, which changes nothing: the record read is the one already applied.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import PutError
from pynamodb.models import Model

from fieldbooks.domain.models import Provider
from fieldbooks.store.base import TableSettings, expiry_epoch, now

RETENTION_DAYS = 7
CONDITION_FAILED = "ConditionalCheckFailedException"
PARALLEL_PUTS = 16  # puts in flight at once; the table's connection pool is sized to match


class WebhookReceiptRow(Model):
    class Meta(TableSettings):
        table_name = os.environ.get("WEBHOOK_RECEIPTS_TABLE", "fieldbooks-dev-webhook-receipts")
        max_pool_connections = PARALLEL_PUTS

    tenant_id = UnicodeAttribute(hash_key=True)
    receipt_key = UnicodeAttribute(range_key=True)  # "<provider>#<event id>"
    received_at = UTCDateTimeAttribute()
    expires_at = NumberAttribute()


class WebhookReceiptStore:
    def claim(self, tenant_id: str, provider: Provider, event_ids: Sequence[str]) -> list[str]:
        """The events of `event_ids` seen for the first time (now claimed), in order; the others were
        taken before. An id repeated within `event_ids` counts once."""
        unique = list(dict.fromkeys(event_ids))
        if len(unique) <= 1:
            return [e for e in unique if self._claim_one(tenant_id, provider, e)]
        with ThreadPoolExecutor(max_workers=min(PARALLEL_PUTS, len(unique))) as pool:
            first = list(pool.map(lambda event_id: self._claim_one(tenant_id, provider, event_id), unique))
        return [event_id for event_id, fresh in zip(unique, first, strict=True) if fresh]

    def release(self, tenant_id: str, provider: Provider, event_ids: Sequence[str]) -> None:
        """Forgets claims whose work could not be queued, so the provider's redelivery is taken."""
        with WebhookReceiptRow.batch_write() as batch:
            for event_id in event_ids:
                batch.delete(WebhookReceiptRow(tenant_id, _key(provider, event_id)))

    def _claim_one(self, tenant_id: str, provider: Provider, event_id: str) -> bool:
        row = WebhookReceiptRow(
            tenant_id, _key(provider, event_id), received_at=now(), expires_at=expiry_epoch(RETENTION_DAYS)
        )
        try:
            row.save(condition=WebhookReceiptRow.receipt_key.does_not_exist())
        except PutError as error:
            if error.cause_response_code == CONDITION_FAILED:
                return False
            raise
        return True


def _key(provider: Provider, event_id: str) -> str:
    return f"{provider.value}#{event_id}"
