"""SaaS bus events reach the template's rule targets, matched by moto with the rule's own pattern."""

from __future__ import annotations

import json

import boto3

from local.runtime.stack import RunningStack
from tests.integration.runtime.conftest import recorded


def put_saas_event(source: str, detail_type: str, detail: dict) -> str:
    reply = boto3.client("events").put_events(
        Entries=[
            {
                "EventBusName": "fixture-saas",
                "Source": source,
                "DetailType": detail_type,
                "Detail": json.dumps(detail),
                "Resources": ["fsm:contact/c-1"],
            }
        ]
    )
    assert reply["FailedEntryCount"] == 0
    return reply["Entries"][0]["EventId"]


def test_a_matching_event_reaches_the_target_with_the_eventbridge_shape(stack: RunningStack, tag: str) -> None:
    event_id = put_saas_event("fsm.saas", "contact.updated", {"tag": tag, "contact_id": "c-1"})

    stack.wait_until_idle()

    (event,) = [e for e in recorded(stack, "BusListenerFunction") if e["detail"].get("tag") == tag]
    assert list(event) == [
        "version",
        "id",
        "detail-type",
        "source",
        "account",
        "time",
        "region",
        "resources",
        "detail",
    ]
    assert event["id"] == event_id
    assert event["version"] == "0"
    assert event["detail-type"] == "contact.updated"
    assert event["source"] == "fsm.saas"
    assert event["account"] == "123456789012"
    assert event["region"] == "us-east-1"
    assert event["resources"] == ["fsm:contact/c-1"]
    assert event["detail"] == {"tag": tag, "contact_id": "c-1"}
    assert event["time"].endswith("Z")


def test_events_the_pattern_does_not_match_reach_no_one(stack: RunningStack, tag: str) -> None:
    put_saas_event("fsm.other", "contact.updated", {"tag": tag})  # wrong source
    put_saas_event("fsm.saas", "invoice.updated", {"tag": tag})  # detail-type lacks the prefix

    stack.wait_until_idle()

    assert [e for e in recorded(stack, "BusListenerFunction") if e["detail"].get("tag") == tag] == []
