"""Schedule tick → one pull job per connection whose interval is due."""

from __future__ import annotations

from aws_lambda_powertools.utilities.typing import LambdaContext

from fieldbooks.observability import logger, metrics
from fieldbooks.queues.pull_jobs import queue_due_pulls
from fieldbooks.services import Services
from fieldbooks.store.base import now

services = Services.from_environment()


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    jobs = queue_due_pulls(services, now())
    logger.info("Queued scheduled pulls", extra={"count": len(jobs)})
    return {"queued": len(jobs)}
