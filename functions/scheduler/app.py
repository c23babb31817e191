"""Schedule tick → one pull job per connection whose interval is due."""

from __future__ import annotations

from datetime import datetime

from aws_lambda_powertools.utilities.data_classes import EventBridgeEvent
from aws_lambda_powertools.utilities.typing import LambdaContext

from fieldbooks.domain.actors import Actor, acting_as
from fieldbooks.observability import logger, metrics
from fieldbooks.queues.pull_jobs import queue_due_pulls
from fieldbooks.services import Services
from fieldbooks.store.base import now

services = Services.from_environment()


def tick_time(event: dict) -> datetime:
    """The moment the schedule fired (the event's `time`), so a tick Lambda retries late still decides
    for its own slot, maintenance window included; a hand-made event without one means now."""
    try:
        return datetime.fromisoformat(EventBridgeEvent(event).time)
    except (KeyError, TypeError, ValueError):
        return now()


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    with acting_as(Actor.scheduled()):  # nobody clicked: the runs and their work are the schedule's
        jobs = queue_due_pulls(services, tick_time(event))
    logger.info("Queued scheduled pulls", extra={"count": len(jobs)})
    return {"queued": len(jobs)}
