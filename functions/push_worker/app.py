"""Push queue → accounting. FIFO: a failure holds back only its own record's later versions."""

from __future__ import annotations

from aws_lambda_powertools.utilities.batch import SqsFifoPartialProcessor, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from fieldbooks.domain.actors import Actor, acting_as
from fieldbooks.domain.models import Direction
from fieldbooks.observability import logger, metrics
from fieldbooks.queues.bad_messages import report_unreadable
from fieldbooks.queues.intake import PushMessage
from fieldbooks.services import Services
from fieldbooks.sync.delivery import Delivery, push_delivered

processor = SqsFifoPartialProcessor(skip_group_on_error=True)
# A batch whose every record failed is reported, not raised (as the pull worker does): when a paused
# connection defers a whole batch, that is the rate governor working, not a function error. The FIFO
# processor's constructor does not take the flag, hence the attribute.
processor.raise_on_entire_batch_failure = False
services = Services.from_environment()


def push_one_change(record: SQSRecord) -> None:
    attempt = int(record.attributes.approximate_receive_count or 1)
    try:
        message = PushMessage.parse(record.body)
    except ValueError as error:  # not JSON, or not a change event
        report_unreadable(record.body, error, services, Direction.TO_ACCOUNTING, attempt)
        raise
    delivery = Delivery(
        services.settings.push_queue_url, record.receipt_handle, attempt, record.attributes.message_group_id or ""
    )
    with acting_as(Actor.live()):  # the app's change event names no person
        push_delivered(message, delivery, services)  # Transient propagates: retried, never dropped


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return process_partial_response(event=event, record_handler=push_one_change, processor=processor, context=context)
