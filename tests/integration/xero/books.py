"""One tenant connected to a Xero organisation through the real connect flow, and the real push path:
SaaS app → change event → intake handler → FIFO push queue (moto) → push worker → the Xero package →
the Xero simulator over HTTP."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any

import boto3
import httpx
import pytest

from fieldbooks import registry
from fieldbooks.domain.models import Connection, Provider, SyncLogEntry
from fieldbooks.providers.xero.package import XeroPackage
from fieldbooks.saas.events import SaasChangeEvent
from fieldbooks.store.connections import ConnectionStore
from fieldbooks.store.sync_log import SyncLogFilter, SyncLogStore
from local.runtime.handlers import load_module
from local.simulators.xero import SimulatorHandle
from tests.conftest import TEMPLATE, XERO_ORG, SaasApp
from tests.support.saas_changes import bus_event
from tests.support.sqs import receive_event
from tests.support.xero_flow import connect_xero

XERO = Provider.XERO
# The simulator answers at once; a short timeout makes a dropped reply cost one second, not eight.
TEST_HTTP = httpx.Timeout(1.0, connect=1.0)


class Books:
    def __init__(self, tenant_id: str, saas_app: SaasApp, xero: SimulatorHandle, aws: Any, run: Any) -> None:
        self.tenant_id = tenant_id
        self.organisation = XERO_ORG
        self.app = saas_app.handle.app_client
        self._saas_app = saas_app
        self.xero = xero
        self._aws = aws
        self._run = run
        self._seen: set[str] = set()
        self.worker = load_module(TEMPLATE.function("PushWorkerFunction"))

    # --- SaaS side
    def queue_new_events(self, only: Callable[[SaasChangeEvent], bool] = lambda e: True) -> None:
        events = [e for e in self._saas_app.events_of(self.tenant_id) if e.event_id not in self._seen]
        self._seen |= {e.event_id for e in events}
        for event in events:
            if only(event):
                self._run("SaasEventsFunction", bus_event(event))

    def sqs_event(self) -> dict[str, Any]:
        return receive_event(boto3.client("sqs"), self._aws.queue_url("PushQueue"))

    def work(self, event: dict[str, Any]) -> dict[str, Any]:
        """The push worker on one SQS event; what succeeded is deleted, as the Lambda service does."""
        reply = self._run("PushWorkerFunction", event)
        failed = {f["itemIdentifier"] for f in reply["batchItemFailures"]}
        sqs, url = boto3.client("sqs"), self._aws.queue_url("PushQueue")
        for record in event["Records"]:
            if record["messageId"] in failed:
                sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=record["receiptHandle"], VisibilityTimeout=0)
            else:
                sqs.delete_message(QueueUrl=url, ReceiptHandle=record["receiptHandle"])
        return reply

    def sync(self, only: Callable[[SaasChangeEvent], bool] = lambda e: True) -> list[dict[str, Any]]:
        """Every new SaaS change through intake, the queue and the push worker; the failures seen."""
        self.queue_new_events(only)
        failures: list[dict[str, Any]] = []
        while (event := self.sqs_event())["Records"]:
            reply = self.work(event)
            failures += reply["batchItemFailures"]
            if reply["batchItemFailures"]:
                break
        return failures

    # --- Fieldbooks side
    def link(self, entity: str, saas_id: str) -> Any:
        return self.worker.services.links.get(self.tenant_id, XERO, entity, saas_id)

    def log(self, **filters: Any) -> list[SyncLogEntry]:
        return SyncLogStore().page(self.tenant_id, SyncLogFilter(**filters), limit=200).items

    def connection(self) -> Connection:
        return ConnectionStore().get(self.tenant_id, XERO)

    def set(self, **settings: Any) -> Connection:
        current = self.connection()
        changed = current.settings.model_copy(update=settings)
        return ConnectionStore().save(current.model_copy(update={"settings": changed}))

    # --- Xero side
    def records(self, entity: str) -> list[dict[str, Any]]:
        return self.xero.admin.data(self.organisation, entity)[entity]


@pytest.fixture
def books(aws: Any, xero: SimulatorHandle, saas_app: SaasApp, handler: Any, context: Any) -> Iterator[Books]:
    """A tenant connected through tenant API → consent → callback, with the production Xero package
    (a 1 s HTTP timeout) behind the engine."""
    with ExitStack() as stack:
        stack.enter_context(registry.replaced(XERO, XeroPackage(http=httpx.Client(timeout=TEST_HTTP))))
        tenant_id = f"t-{uuid.uuid4().hex[:10]}"
        saas_app.handle.app_client.create_tenant(tenant_id, "Acme Plumbing")
        connect_xero(tenant_id, XERO_ORG)
        run = lambda name, event: handler(name)(event, context)  # noqa: E731
        yield Books(tenant_id, saas_app, xero, aws, run)


def jane(books: Books, **fields: Any) -> Any:
    values = {"first_name": "Jane", "last_name": "Doe", "email": "jane@example.com"} | fields
    return books.app.create_contact(books.tenant_id, **values)


def finalized_invoice(books: Books, contact_id: str, lines: list[dict[str, Any]], **fields: Any) -> Any:
    draft = books.app.create_invoice(
        books.tenant_id, contact_id=contact_id, issue_date="2026-11-20", due_date="2026-12-20", lines=lines, **fields
    )
    return books.app.finalize_invoice(books.tenant_id, draft.id)
