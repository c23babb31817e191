"""SaaS bus → push queue. A Lambda sits here because an EventBridge FIFO target takes one fixed group."""

from __future__ import annotations

from aws_lambda_powertools.utilities.typing import LambdaContext
from cachetools import TTLCache
from pydantic import ValidationError

from fieldbooks.domain.models import Connection
from fieldbooks.observability import logger, metrics
from fieldbooks.queues.bad_messages import park_unreadable_event
from fieldbooks.queues.intake import push_messages
from fieldbooks.saas.events import SaasBusEvent
from fieldbooks.services import Services

services = Services.from_environment()
# A tenant's connections change rarely (connect, disconnect): reading them once a minute per container
# instead of once per event keeps intake at no DynamoDB read per change. Only a tenant that has
# connections is remembered, so the first change after connecting is never sent to nobody; a second
# connection made meanwhile is caught up by its initial run, and one removed meanwhile is skipped by
# the push worker, which reads the connection itself.
_connections: TTLCache[str, tuple[Connection, ...]] = TTLCache(maxsize=4096, ttl=60)


def connections_of(tenant_id: str) -> tuple[Connection, ...]:
    if (known := _connections.get(tenant_id)) is not None:
        return known
    found = tuple(services.connections.list_for_tenant(tenant_id))
    if found:
        _connections[tenant_id] = found
    return found


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    try:
        change = SaasBusEvent.model_validate(event).detail
    except ValidationError as error:
        park_unreadable_event(event, error, services, context.aws_request_id)  # no retry can make it readable
        return {"queued": False, "reason": "unreadable; set aside in the dead-letter queue"}
    if change.origin == "fieldbooks":
        return {"queued": False, "reason": "our own write"}
    messages = push_messages(change, list(connections_of(change.tenant_id)), services.settings.push_queue_url)
    for message in messages:
        services.sqs.send_message(**message)
    logger.info("Queued push", extra={"tenant_id": change.tenant_id, "record_id": change.record_id})
    return {"queued": bool(messages)}
