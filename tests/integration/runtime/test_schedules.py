"""Schedules fire their function with EventBridge's scheduled event."""

from __future__ import annotations

from local.runtime.stack import RunningStack
from tests.integration.runtime.conftest import recorded


def test_a_schedule_fired_now_delivers_a_scheduled_event(stack: RunningStack) -> None:
    invocation = stack.fire_schedule("TickFunction")

    assert not invocation.failed
    event = recorded(stack, "TickFunction")[-1]
    assert event["detail-type"] == "Scheduled Event"
    assert event["source"] == "aws.events"
    assert event["version"] == "0"
    assert event["account"] == "123456789012"
    assert event["region"] == "us-east-1"
    assert event["resources"] == ["arn:aws:events:us-east-1:123456789012:rule/local-TickFunction-schedule-0"]
    assert event["detail"] == {}
    assert event["time"].endswith("Z")
