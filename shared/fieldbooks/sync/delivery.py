"""One push-queue message, delivered: to its connection, and how it comes back when it does not go through.

Intake queues one message per (connection, record version), so a 429 at one provider re-delivers
the change to that connection only. A message without a provider (queued before that rule, still
in flight at deploy) goes to every connection of the tenant, as it did then.

A rate-limited push is replaced by a copy that waits out the connection's pause (queues/deferral.py),
so waiting never uses up the queue's maxReceiveCount: however long a burst, a record parks in the DLQ
only when it keeps failing for some other reason.
"""

from __future__ import annotations

from dataclasses import dataclass

from fieldbooks import registry
from fieldbooks.connections.lifecycle import mark_needs_reauth
from fieldbooks.domain.errors import AuthExpired, FieldbooksError, RateLimited
from fieldbooks.domain.models import Connection, ConnectionStatus, Direction, SyncStatus
from fieldbooks.observability import logger
from fieldbooks.queues.deferral import defer, hold, must_wait
from fieldbooks.queues.intake import PushMessage
from fieldbooks.services import Services
from fieldbooks.sync.push import Push

# maxReceiveCount of PushQueue in template.yaml (a unit test keeps the two equal).
PUSH_MAX_RECEIVES = 15
LONG_PAUSE_SECONDS = 3600  # past an hour the wait is told as a moment, in the provider package's words


@dataclass(frozen=True)
class Delivery:
    """Which SQS receive of which message this push is."""

    queue_url: str
    receipt_handle: str
    receive_count: int
    group_id: str  # the FIFO group, which a deferred copy keeps

    @property
    def is_last_try(self) -> bool:
        return self.receive_count >= PUSH_MAX_RECEIVES


def push_delivered(message: PushMessage, delivery: Delivery, services: Services) -> None:
    """Pushes one change; on failure re-raises, after arranging when and how it comes back.

    A rate-limited push returns normally: its deferred copy is queued, so this message is done.
    """
    if must_wait(message, delivery.receive_count):
        raise hold(message, delivery.queue_url, delivery.receipt_handle, services)
    try:
        push_change(message, services)
    except RateLimited as error:
        try:
            seconds = defer(error, message, delivery.queue_url, delivery.group_id, services)
        except Exception:  # the copy could not be queued: this message stays and comes back itself
            if delivery.is_last_try:
                _log_parked(message, services, "the accounting system kept asking Fieldbooks to slow down")
            raise
        if message.deferrals == 0:  # one row per record, not one per pause
            _log(message, services, pause_sentence(error, seconds))
    except Exception as error:  # any failure, bugs included, parks the record in the DLQ after the last try
        if delivery.is_last_try:
            reason = error.message if isinstance(error, FieldbooksError) else "an unexpected error"
            _log_parked(message, services, reason)
        raise


def pause_sentence(error: RateLimited, seconds: int) -> str:
    """A short wait is a number of seconds; a long one (a provider's daily limit) is the provider
    package's own sentence, which says in words until when."""
    if error.retry_after >= LONG_PAUSE_SECONDS:
        return error.message
    return f"Rate limit reached — retrying in about {seconds} seconds."


def push_change(message: PushMessage, services: Services) -> None:
    change = message.change
    if change.origin == "fieldbooks":
        logger.debug("Ignoring our own write coming back", extra={"record_id": change.record_id})
        return
    for connection in _connections(message, services):
        if connection.status is ConnectionStatus.DISCONNECTED or not registry.available(connection.provider):
            continue
        push = Push(connection, services)
        if reason := push.skip_reason(change.entity, change.record):
            push.settle.log(change.entity, change.record_id, SyncStatus.SKIPPED, "skip", reason)
            continue
        if connection.status is ConnectionStatus.NEEDS_REAUTH:
            push.settle.log(
                change.entity, change.record_id, SyncStatus.SKIPPED, "skip", waiting_for_reconnect(connection)
            )
            continue
        try:
            push.change(change)
        except AuthExpired:
            # The tokens were refused mid-push. The message is not retried: until the tenant reconnects
            # every try would fail the same way, and the reconnect queues a run that brings over
            # whatever changed meanwhile (records newer than their link's synced version).
            mark_needs_reauth(connection.tenant_id, connection.provider, services)
            push.settle.log(
                change.entity, change.record_id, SyncStatus.SKIPPED, "skip", waiting_for_reconnect(connection)
            )


def waiting_for_reconnect(connection: Connection) -> str:
    label = connection.provider.label
    return f"Not sent yet: {label} needs to be reconnected. The sync that runs on reconnect brings this change over."


def _connections(message: PushMessage, services: Services) -> list[Connection]:
    if message.provider is None:
        return list(services.connections.list_for_tenant(message.change.tenant_id))
    connection = services.connections.find(message.change.tenant_id, message.provider)
    return [connection] if connection is not None else []


def _log_parked(message: PushMessage, services: Services, reason: str) -> None:
    change = message.change
    _log(
        message,
        services,
        f"Could not sync this {change.entity.replace('_', ' ')} after {PUSH_MAX_RECEIVES} tries ({reason}); "
        "it waits in the retry queue until an admin sends it again.",
    )


def _log(message: PushMessage, services: Services, detail: str) -> None:
    change = message.change
    for connection in _connections(message, services):
        if not connection.is_active:
            continue
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
