"""Counts the intake's invocations for a user's edit and for Fieldbooks' own write, on the real template.

The reference SaaS app publishes to the embedded bus; the local runtime serves `template.yaml` with
the real handlers. A user creates a contact (origin "user"), then Fieldbooks sets the contact's
"Linked to accounting" marker through the platform API (origin "fieldbooks"). A second rule on the
same bus, matching every SaaS event, shows that both events were on the bus, so only the template
rule's pattern can have kept the echo from starting `SaasEventsFunction`. Prints one JSON report.

A process of its own because handlers read their settings once, at import (see
tests/security/push_fault_matrix.py). Run: `PYTHONPATH=shared:. python -m tests.integration.runtime.echo_probe`.
"""

from __future__ import annotations

import json
import logging
import warnings
from contextlib import ExitStack
from typing import Any

import boto3

from fieldbooks.domain.record_fields import AccountingLinkFields
from fieldbooks.saas.client import SaasPlatformClient
from local.runtime.resources import ACCOUNT_ID, REGION
from local.runtime.stack import RunningStack, free_port, running_stack
from local.saas.config import SaasAppConfig
from local.saas.publisher import EventBridgeSink
from local.saas.server import SaasAppHandle, running_saas_app

TENANT = "t-echo"
BUS = "fsm-saas"
INTAKE = "SaasEventsFunction"


def main() -> None:
    logging.basicConfig(level=logging.WARNING)
    warnings.filterwarnings("ignore", message="No application metrics to publish")
    moto_port = free_port()
    with ExitStack() as stack:
        events = boto3.client(
            "events",
            region_name=REGION,
            endpoint_url=f"http://127.0.0.1:{moto_port}",
            aws_access_key_id="local",
            aws_secret_access_key="local",
        )
        saas = stack.enter_context(
            running_saas_app(SaasAppConfig(db_path=":memory:"), sink=EventBridgeSink(BUS, client=events))
        )
        local = stack.enter_context(
            running_stack(moto_port=moto_port, saas_url=saas.base_url, visibility_scale=0.01, schedule_scale=None)
        )
        print(json.dumps(probe(local, saas)))


def probe(local: RunningStack, saas: SaasAppHandle) -> dict[str, Any]:
    every_event = audit_queue(local)
    saas.app_client.create_tenant(TENANT, "Echo Plumbing")
    settle(local, saas)
    before = local.host.invocations(INTAKE)

    contact = saas.app_client.create_contact(TENANT, first_name="Ann", last_name="Lee", email="ann@echo.example")
    settle(local, saas)
    after_user_edit = local.host.invocations(INTAKE)

    with SaasPlatformClient(saas.base_url, saas.platform_api_key) as platform:
        link = AccountingLinkFields(provider="qbo", remote_id="58")
        platform.set_accounting_link(TENANT, "contact", contact.id, link, idempotency_key=f"echo-{contact.id}")
    settle(local, saas)
    after_marker = local.host.invocations(INTAKE)

    return {
        "user_edit_invocations": after_user_edit - before,
        "marker_invocations": after_marker - after_user_edit,
        "on_the_bus": [(event["detail-type"], event["detail"]["origin"]) for event in drain(every_event)],
        "rule_pattern": next(r.pattern for r in local.template.bus_rules() if r.function_id == INTAKE),
    }


def audit_queue(local: RunningStack) -> str:
    """A queue behind a rule that takes every SaaS event, whatever its origin."""
    sqs, events = boto3.client("sqs", region_name=REGION), boto3.client("events", region_name=REGION)
    url = sqs.create_queue(QueueName="echo-probe-every-event")["QueueUrl"]
    events.put_rule(Name="echo-probe-every-event", EventBusName=BUS, EventPattern=json.dumps({"source": ["fsm.saas"]}))
    arn = f"arn:aws:sqs:{REGION}:{ACCOUNT_ID}:echo-probe-every-event"
    events.put_targets(Rule="echo-probe-every-event", EventBusName=BUS, Targets=[{"Id": "audit", "Arn": arn}])
    return str(url)


def drain(queue_url: str) -> list[dict[str, Any]]:
    sqs = boto3.client("sqs", region_name=REGION)
    bodies = []
    while messages := sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", []):
        bodies += [json.loads(message["Body"]) for message in messages]
        sqs.delete_message_batch(
            QueueUrl=queue_url,
            Entries=[{"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(messages)],
        )
    return bodies


def settle(local: RunningStack, saas: SaasAppHandle) -> None:
    """Every committed event on the bus (moto hands it to each matching rule's target as it accepts
    it), then every tap polled and every invocation done."""
    saas.wait_until_published(timeout=30)
    local.wait_until_idle(timeout=30)


if __name__ == "__main__":
    main()
