"""How a push that did not go through comes back: after the rate-limit pause, or in the DLQ with a row.

A rate-limited push waits out the connection's pause (sync/deferral.py). Every receive counts towards
the queue's maxReceiveCount, rate-limited ones included; that is why the push queue allows more
receives than a poison record needs to show itself (see template.yaml).
"""

from __future__ import annotations

from dataclasses import dataclass

from fieldbooks.domain.errors import FieldbooksError, RateLimited
from fieldbooks.domain.models import Direction, SyncStatus
from fieldbooks.saas.events import SaasChangeEvent
from fieldbooks.services import Services
from fieldbooks.sync import push
from fieldbooks.sync.deferral import wait_out

# maxReceiveCount of PushQueue in template.yaml (a unit test keeps the two equal).
PUSH_MAX_RECEIVES = 15


@dataclass(frozen=True)
class Delivery:
    """Which SQS receive of which message this push is."""

    queue_url: str
    receipt_handle: str
    receive_count: int

    @property
    def is_last_try(self) -> bool:
        return self.receive_count >= PUSH_MAX_RECEIVES


def push_delivered(change: SaasChangeEvent, delivery: Delivery, services: Services) -> None:
    """Pushes one change; on failure re-raises, after arranging when and how it comes back."""
    try:
        push.push_change(change, services)
    except RateLimited as error:
        seconds = wait_out(error, delivery.queue_url, delivery.receipt_handle, services)
        if delivery.receive_count == 1:
            _log(change, services, f"Rate limit reached — retrying in about {seconds} seconds.")
        if delivery.is_last_try:
            _log_parked(change, services, "QuickBooks kept asking Fieldbooks to slow down")
        raise
    except Exception as error:  # any failure, bugs included, parks the record in the DLQ after the last try
        if delivery.is_last_try:
            reason = error.message if isinstance(error, FieldbooksError) else "an unexpected error"
            _log_parked(change, services, reason)
        raise


def _log_parked(change: SaasChangeEvent, services: Services, reason: str) -> None:
    _log(
        change,
        services,
        f"Could not sync this {change.entity.replace('_', ' ')} after {PUSH_MAX_RECEIVES} tries ({reason}); "
        "it waits in the retry queue until an admin sends it again.",
    )


def _log(change: SaasChangeEvent, services: Services, detail: str) -> None:
    for connection in services.connections.active_for_tenant(change.tenant_id):
        services.sync_log.write(
            change.tenant_id,
            provider=connection.provider,
            entity=change.entity,
            direction=Direction.TO_ACCOUNTING,
            status=SyncStatus.ERROR,
            action="retry",
            detail=detail,
            saas_id=change.record_id,
        )
