"""Pull queue → one pull job for one connection."""

from __future__ import annotations

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import ValidationError

from fieldbooks.domain.actors import acting_as
from fieldbooks.domain.errors import RateLimited
from fieldbooks.domain.models import Direction
from fieldbooks.observability import logger, metrics
from fieldbooks.queues.bad_messages import report_unreadable
from fieldbooks.queues.deferral import wait_out
from fieldbooks.queues.pull_jobs import PullJob, job_actor
from fieldbooks.services import Services
from fieldbooks.sync import pull

# A failed job is reported, not raised: Lambda then retries just that message (the batch is one job).
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
services = Services.from_environment()


def pull_one_job(record: SQSRecord) -> None:
    try:
        job = PullJob.model_validate_json(record.body)
    except ValidationError as error:
        attempt = int(record.attributes.approximate_receive_count or 1)
        report_unreadable(record.body, error, services, Direction.FROM_ACCOUNTING, attempt)
        raise
    try:
        with acting_as(job_actor(job, services)):  # who started the run, or approved its plan
            pull.run_job(job, services)
    except RateLimited as error:
        wait_out(error, services.settings.pull_queue_url, record.receipt_handle, services)
        raise


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return process_partial_response(event=event, record_handler=pull_one_job, processor=processor, context=context)
