"""The push path under each fault, end to end, in a process of its own: the SaaS app publishes to the
embedded bus, the local runtime polls the real template's queues into the real handlers, and the
QuickBooks Online simulator injects the fault. Prints one JSON report: for each fault, the records
QuickBooks holds counted by name (none missing, none twice) and what the dead-letter queues hold.

A process of its own because handlers read their settings and build their SDK clients once, at
import (warm containers): a test process that imported them against mock_aws must not reuse them.
Only the rate governor's clock runs at the runtime's time scale (so a 60-second pause takes two
seconds, like every SQS delay here); tokens come from the simulator's real OAuth endpoints.

Run: `PYTHONPATH=shared:. python -m tests.security.push_fault_matrix` (tests/security/test_push_faults.py does).
"""

from __future__ import annotations

import json
import logging
import secrets
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import replace
from typing import Any

import boto3
import httpx

from fieldbooks import registry
from fieldbooks.domain.models import Provider
from fieldbooks.providers.contract import CallContext
from fieldbooks.providers.quickbooks_online.client import QboClient
from fieldbooks.providers.quickbooks_online.descriptor import DESCRIPTOR
from fieldbooks.providers.quickbooks_online.package import QuickBooksOnlinePackage
from fieldbooks.store.rate_budget import RateGovernor
from fieldbooks.store.sync_log import SyncLogFilter, SyncLogStore
from local.runtime.resources import DEV_QUICKBOOKS_CLIENT_ID, DEV_QUICKBOOKS_CLIENT_SECRET, REGION
from local.runtime.stack import RunningStack, free_port, running_stack
from local.saas.config import SaasAppConfig
from local.saas.publisher import EventBridgeSink
from local.saas.server import SaasAppHandle, running_saas_app
from local.simulators.quickbooks_online import (
    CompanySeed,
    RegisteredApp,
    SimulatorConfig,
    SimulatorHandle,
    running_simulator,
)
from tests.support.fake_provider import connect
from tests.support.qbo_tokens import SimulatorTokens
from tests.support.saas_changes import change

QBO = Provider.QUICKBOOKS_ONLINE
REALM = "9130350000000001"
# The stores name their tables when imported, before the stack exists: "dev" is the stage of those
# defaults (store/*.py), so the process must start without the *_TABLE variables of a test run.
STAGE = "dev"
SCALE = 1 / 30  # SQS delays and the governor's clock: the push queue's 180 s retry is 6 s, a 60 s pause 2 s
HTTP_TIMEOUT = 1.0  # the client's own timeout here; the "timeout" fault stalls QuickBooks for longer
SETTLE_SECONDS = 120  # a bound per fault: a record not in QuickBooks by then counts as missing
REDIRECT_URI = "http://127.0.0.1:9/oauth/quickbooks_online/callback"  # never served: tokens come from code


class ScaledClock:
    """Time as the governor sees it: 1/SCALE times faster than the wall clock, from the start."""

    def __init__(self) -> None:
        self._start = time.time()

    def __call__(self) -> float:
        return self._start + (time.time() - self._start) / SCALE

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds * SCALE)


class FaultsQuickBooks(QuickBooksOnlinePackage):
    """The production package on the simulator's tokens, its governor on the scaled clock."""

    def __init__(self, tokens: SimulatorTokens, clock: ScaledClock) -> None:
        super().__init__(http=httpx.Client(timeout=HTTP_TIMEOUT))
        self.tokens, self.clock = tokens, clock

    def client(self, context: CallContext) -> QboClient:
        assert isinstance(context.governor, RateGovernor)
        governor = RateGovernor(
            context.governor.tenant_id, QBO, DESCRIPTOR.budget, clock=self.clock, sleep=self.clock.sleep
        )
        return super().client(replace(context, tokens=self.tokens, governor=governor))


# name → (records pushed, how the fault is set up on the simulator)
FAULTS: dict[str, tuple[int, Callable[[SimulatorHandle], None]]] = {
    "5xx": (5, lambda qbo: qbo.admin.add_fault("error", entity="Customer", status=503, times=4)),
    "timeout": (5, lambda qbo: qbo.admin.add_fault("delay", entity="Customer", seconds=HTTP_TIMEOUT * 2, times=4)),
    "reply dropped after commit": (5, lambda qbo: qbo.admin.add_fault("drop_after_commit", entity="Customer", times=4)),
    "429 burst": (50, lambda qbo: qbo.admin.add_fault("throttle", entity="Customer", times=3)),
    "expired token": (5, lambda qbo: qbo.admin.advance_clock(3601)),  # access tokens live an hour (providers.md 1.1)
}


UNREADABLE = "unreadable event"


@contextmanager
def everything() -> Iterator[tuple[RunningStack, SaasAppHandle, SimulatorHandle]]:
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
            running_saas_app(SaasAppConfig(db_path=":memory:"), sink=EventBridgeSink("fsm-saas", client=events))
        )
        app = RegisteredApp(
            client_id=DEV_QUICKBOOKS_CLIENT_ID, client_secret=DEV_QUICKBOOKS_CLIENT_SECRET, redirect_uris=[REDIRECT_URI]
        )
        config = SimulatorConfig(
            apps=[app], companies=[CompanySeed(realm_id=REALM, name="Faults Plumbing LLC")], limits_enabled=False
        )
        qbo = stack.enter_context(running_simulator(config))
        local = stack.enter_context(
            running_stack(
                stage=STAGE,
                moto_port=moto_port,
                saas_url=saas.base_url,
                quickbooks_url=qbo.base_url,
                visibility_scale=SCALE,
                schedule_scale=None,
            )
        )
        tokens = SimulatorTokens(qbo, REALM, REDIRECT_URI)
        stack.enter_context(registry.replaced(QBO, FaultsQuickBooks(tokens, ScaledClock())))
        yield local, saas, qbo


def run_fault(name: str, local: RunningStack, saas: SaasAppHandle, qbo: SimulatorHandle) -> dict[str, Any]:
    count, arrange = FAULTS[name]
    tenant_id = f"t-{secrets.token_hex(4)}"
    prefix = f"{name.title()} {tenant_id}"
    saas.app_client.create_tenant(tenant_id, "Faults Plumbing")
    connect(tenant_id, remote_company_id=REALM)
    arrange(qbo)
    started = time.monotonic()
    expected = [f"{prefix} {n:02d}" for n in range(count)]
    for n in range(count):
        saas.app_client.create_contact(tenant_id, first_name=prefix, last_name=f"{n:02d}")
    while time.monotonic() - started < SETTLE_SECONDS and len(names(qbo, prefix)) < count:
        time.sleep(0.2)
    local.wait_until_idle(timeout=SETTLE_SECONDS)  # and let anything still in flight land (a duplicate)
    held = Counter(names(qbo, prefix))
    errors = SyncLogStore().page(tenant_id, SyncLogFilter(status="error"), limit=100).items
    qbo.admin.clear_faults()
    return {
        "records": count,
        "in_quickbooks": sum(held.values()),
        "missing": sorted(set(expected) - set(held)),
        "duplicated": {name: times for name, times in held.items() if times > 1},
        "parked_pushes": parked(local.dead_letter_queue_url("PushQueue"), tenant_id),
        "parked_events": parked_events(local, tenant_id),
        "error_rows": Counter(row.detail for row in errors),
        "seconds": round(time.monotonic() - started, 1),
    }


def run_unreadable_event(local: RunningStack) -> dict[str, Any]:
    """An event the intake cannot read, published on the bus the SaaS app uses: EventBridge invokes the
    function asynchronously, with retries; the tenant's log shows it once and the DLQ keeps it."""
    tenant_id = f"t-{secrets.token_hex(4)}"
    detail = change(tenant_id=tenant_id).model_dump(mode="json") | {"record_version": "three"}
    started = time.monotonic()
    boto3.client("events").put_events(
        Entries=[
            {
                "EventBusName": "fsm-saas",
                "Source": "fsm.saas",
                "DetailType": "contact.updated",
                "Detail": json.dumps(detail),
            }
        ]
    )
    while time.monotonic() - started < SETTLE_SECONDS and not parked(
        local.queue_url("SaasEventsDeadLetterQueue"), tenant_id
    ):
        time.sleep(0.2)
    local.wait_until_idle(timeout=SETTLE_SECONDS)
    rows = SyncLogStore().page(tenant_id, SyncLogFilter(), limit=100).items
    return {
        "log_rows": len(rows),
        "parked_events": parked_events(local, tenant_id),
        "seconds": round(time.monotonic() - started, 1),
    }


def names(qbo: SimulatorHandle, prefix: str) -> list[str]:
    return [
        c["DisplayName"] for c in qbo.admin.data(REALM, "Customer")["Customer"] if c["DisplayName"].startswith(prefix)
    ]


def parked_events(local: RunningStack, tenant_id: str) -> int:
    """In the SaaS events DLQ (the intake's OnFailure destination) or where the local bus parks an event
    whose asynchronous retries ran out."""
    queues = [local.queue_url("SaasEventsDeadLetterQueue"), *(tap.dead_letter_queue_url for tap in local.taps)]
    return sum(parked(url, tenant_id) for url in queues)


def parked(queue_url: str | None, tenant_id: str) -> int:
    """Messages of this tenant in a dead-letter queue, read without taking them (visibility 0)."""
    if queue_url is None:
        return 0
    sqs, seen = boto3.client("sqs"), {}
    for _ in range(20):
        reply = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, VisibilityTimeout=0)
        messages = reply.get("Messages", [])
        if not messages or all(m["MessageId"] in seen for m in messages):
            break
        seen |= {m["MessageId"]: m["Body"] for m in messages}
    return sum(tenant_id in body for body in seen.values())


def main(selected: list[str]) -> None:
    logging.disable(logging.WARNING)  # the handlers' JSON logs: the report is the output
    report: dict[str, Any] = {}
    with everything() as (local, saas, qbo):
        for name in selected or [*FAULTS, UNREADABLE]:
            report[name] = run_unreadable_event(local) if name == UNREADABLE else run_fault(name, local, saas, qbo)
    print(json.dumps(report))


if __name__ == "__main__":
    main(sys.argv[1:])
