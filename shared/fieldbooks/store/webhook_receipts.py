"""Change notifications already taken: one row per tenant, provider and event id, kept a week.

Providers redeliver a notification until it is acknowledged, and a replayed body carries a valid
signature, so each event is claimed by a conditional put before it queues anything: the second
sighting of an event id finds the row and is dropped. A week outlasts the provider's retries that
matter (QuickBooks Online: 0 s to 6 h, providers.md 1.7); an event replayed after the row expired
queues one more re-read, which changes nothing, as the record read is the one already applied.
"""

from __future__ import annotations

import os

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import PutError
from pynamodb.models import Model

from fieldbooks.domain.models import Provider
from fieldbooks.store.base import TableSettings, expiry_epoch, now

RETENTION_DAYS = 7
CONDITION_FAILED = "ConditionalCheckFailedException"


class WebhookReceiptRow(Model):
    class Meta(TableSettings):
        table_name = os.environ.get("WEBHOOK_RECEIPTS_TABLE", "fieldbooks-dev-webhook-receipts")

    tenant_id = UnicodeAttribute(hash_key=True)
    receipt_key = UnicodeAttribute(range_key=True)  # "<provider>#<event id>"
    received_at = UTCDateTimeAttribute()
    expires_at = NumberAttribute()


class WebhookReceiptStore:
    def claim(self, tenant_id: str, provider: Provider, event_id: str) -> bool:
        """True for the first sighting of the event; False when it was taken before."""
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

    def release(self, tenant_id: str, provider: Provider, event_id: str) -> None:
        """Forgets a claim whose work could not be queued, so the provider's redelivery is taken."""
        WebhookReceiptRow(tenant_id, _key(provider, event_id)).delete()


def _key(provider: Provider, event_id: str) -> str:
    return f"{provider.value}#{event_id}"
