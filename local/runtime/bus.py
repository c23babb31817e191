"""Routes events on the SaaS bus to the functions of the template's `EventBridgeRule` events.

moto matches the patterns, not us: each rule is created on moto with its own `EventPattern` and an
SQS "tap" queue as its target. moto's matcher (`moto.events.models.EventPattern`) knows EventBridge's
operators (`prefix`, `anything-but`, `exists`, `numeric`, `$or`, ...) and, as EventBridge, never
matches a missing field but with `exists: false`. moto delivers every matching event to the tap as
JSON, and a poller invokes the function with it. The event moto writes lacks `account`, so the
function gets the event rebuilt in the documented order and shape:
https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-events-structure.html

EventBridge invokes Lambda asynchronously; a failing invocation is retried twice (Lambda's default
`MaximumRetryAttempts`, https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html),
about a minute apart. Locally the tap's visibility timeout plays that delay (scaled) and a redrive
policy parks an event that failed three times in the tap's dead-letter queue instead of dropping it.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

import boto3

from local.runtime.invocation import FunctionHost
from local.runtime.pollers import Message, PolledQueue, QueuePoller, polled_queue, scaled_seconds
from local.runtime.resources import ACCOUNT_ID, REGION, LocalStack
from local.runtime.template import BusRule

ASYNC_ATTEMPTS = 3  # the first try and Lambda's two retries
ASYNC_RETRY_DELAY_SECONDS = 60


@dataclass(frozen=True)
class RuleTap:
    rule: BusRule
    bus_name: str
    rule_name: str
    queue: PolledQueue
    dead_letter_queue_url: str


def create_taps(stack: LocalStack) -> list[RuleTap]:
    """One moto rule per template rule, same bus and pattern, targeting a fresh tap queue."""
    sqs = boto3.client("sqs", region_name=REGION)
    events = boto3.client("events", region_name=REGION)
    taps = []
    for index, rule in enumerate(stack.template.bus_rules()):
        bus_name = str(stack.resolver.resolve(rule.event_bus_name))
        rule_name = f"local-{rule.function_id}-{index}"
        dlq_url = sqs.create_queue(QueueName=f"{rule_name}-tap-dlq")["QueueUrl"]
        dlq_arn = f"arn:aws:sqs:{REGION}:{ACCOUNT_ID}:{rule_name}-tap-dlq"
        redrive = {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": ASYNC_ATTEMPTS}
        tap_url = sqs.create_queue(QueueName=f"{rule_name}-tap", Attributes={"RedrivePolicy": json.dumps(redrive)})[
            "QueueUrl"
        ]
        # One event per receive: EventBridge invokes the function once per event, asynchronously, so
        # events run side by side up to the function's concurrency rather than one batch in turn.
        tap = polled_queue(tap_url, batch_size=1)
        events.put_rule(Name=rule_name, EventBusName=bus_name, EventPattern=json.dumps(rule.pattern))
        events.put_targets(Rule=rule_name, EventBusName=bus_name, Targets=[{"Id": "local-tap", "Arn": tap.queue_arn}])
        taps.append(RuleTap(rule, bus_name, rule_name, tap, dlq_url))
    return taps


class RuleTarget:
    """Invokes the rule's function once per event, as EventBridge's asynchronous invocation does."""

    def __init__(self, tap: RuleTap, host: FunctionHost) -> None:
        self.tap = tap
        self._host = host

    def deliver(self, messages: list[Message]) -> set[str]:
        failed = set()
        for message in messages:
            event = lambda_event(json.loads(message["Body"]))
            invocation = self._host.invoke(
                self.tap.rule.function_id,
                event,
                f"event {self.tap.bus_name} {event['detail-type']}",
            )
            if invocation.failed:
                failed.add(message["MessageId"])
                attempt = int(message["Attributes"]["ApproximateReceiveCount"])
                if attempt >= ASYNC_ATTEMPTS:
                    logging.getLogger("local.runtime").error(
                        "%s: event %s failed %d times; parked in %s",
                        self.tap.rule.function_id,
                        event["id"],
                        attempt,
                        self.tap.dead_letter_queue_url,
                    )
        return failed


def tap_poller(tap: RuleTap, host: FunctionHost, visibility_scale: float) -> QueuePoller:
    retry_delay = scaled_seconds(ASYNC_RETRY_DELAY_SECONDS, visibility_scale)
    return QueuePoller(
        tap.queue,
        RuleTarget(tap, host).deliver,
        retry_delay,
        name=f"bus-{tap.rule_name}",
        concurrency=host.concurrency(tap.rule.function_id),
    )


def lambda_event(delivered: dict[str, Any]) -> dict[str, Any]:
    """The event as Lambda receives it from EventBridge, from what moto delivered to the tap."""
    return {
        "version": delivered.get("version", "0"),
        "id": delivered["id"],
        "detail-type": delivered["detail-type"],
        "source": delivered["source"],
        "account": delivered.get("account", ACCOUNT_ID),
        "time": delivered["time"],
        "region": delivered.get("region", REGION),
        "resources": delivered.get("resources", []),
        "detail": delivered.get("detail", {}),
    }
