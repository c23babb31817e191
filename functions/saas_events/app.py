"""SaaS bus → push queue. A Lambda sits here because an EventBridge FIFO target takes one fixed group."""

from __future__ import annotations

import json

from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import ValidationError

from fieldbooks.domain.models import Direction
from fieldbooks.observability import logger, metrics
from fieldbooks.queues.bad_messages import report_unreadable
from fieldbooks.queues.intake import push_messages
from fieldbooks.saas.events import SaasBusEvent
from fieldbooks.services import Services

services = Services.from_environment()


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    try:
        change = SaasBusEvent.model_validate(event).detail
    except ValidationError as error:
        # Raising makes Lambda retry, then park the event in the declared on-failure queue.
        report_unreadable(json.dumps(event.get("detail"), default=str), error, services, Direction.TO_ACCOUNTING)
        raise
    if change.origin == "fieldbooks":
        return {"queued": False, "reason": "our own write"}
    connections = services.connections.list_for_tenant(change.tenant_id)
    messages = push_messages(change, list(connections), services.settings.push_queue_url)
    for message in messages:
        services.sqs.send_message(**message)
    logger.info("Queued push", extra={"tenant_id": change.tenant_id, "record_id": change.record_id})
    return {"queued": bool(messages)}
