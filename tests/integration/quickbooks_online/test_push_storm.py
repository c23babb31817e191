"""A 429 storm through the production push path: SaaS app → intake → FIFO queue (moto) → push worker →
the engine → QuickBooks client and rate governor → simulator. Only the governor's clock is the test's, so
a 60-second pause passes in an instant."""

from __future__ import annotations

from dataclasses import replace

import httpx

from fieldbooks import registry
from fieldbooks.domain.models import LinkState
from fieldbooks.providers.contract import CallContext
from fieldbooks.providers.quickbooks_online.client import QboClient
from fieldbooks.providers.quickbooks_online.descriptor import DESCRIPTOR
from fieldbooks.providers.quickbooks_online.package import QuickBooksOnlinePackage
from fieldbooks.store.rate_budget import RateGovernor
from tests.integration.quickbooks_online.test_push_adapter import (  # noqa: F401 - fixtures
    QBO,
    TEST_HTTP,
    Books,
    books,
    books_for,
    jane,
)


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_a_429_storm_pauses_the_connection_and_each_customer_is_created_exactly_once(books: Books) -> None:  # noqa: F811
    clock = Clock()

    class Clocked(QuickBooksOnlinePackage):
        """The production package with the test's clock in the governor (and a short HTTP timeout)."""

        def client(self, context: CallContext) -> QboClient:
            assert isinstance(context.governor, RateGovernor)
            governor = RateGovernor(context.governor.tenant_id, QBO, DESCRIPTOR.budget, clock=clock, sleep=clock.sleep)
            return super().client(replace(context, governor=governor))

    books.stack.enter_context(registry.replaced(QBO, Clocked(http=httpx.Client(timeout=TEST_HTTP))))
    contacts = [jane(books, first_name=name, email=f"{name.lower()}@example.com") for name in ("Ann", "Bob", "Cy")]
    books.qbo.admin.add_fault("throttle", entity="Customer", times=2)
    books.queue_new_events()

    # One 429, and the governor holds back the other two: each is replaced by a copy that waits out the
    # pause, so the originals succeed (and are deleted) without using up a receive.
    assert books.work(books.sqs_event())["batchItemFailures"] == []
    assert len(books.work(books.sqs_event())["batchItemFailures"]) == 3  # the copies hide for the pause
    assert [rule["times"] for rule in books.qbo.admin.faults()] == [1]  # ... so nothing reached QuickBooks
    clock.now += 61
    assert books.work(books.sqs_event())["batchItemFailures"] == []  # the storm goes on: a second pause
    assert len(books.work(books.sqs_event())["batchItemFailures"]) == 3
    clock.now += 61
    reply = books.work(books.sqs_event())

    assert reply["batchItemFailures"] == []
    assert sorted(c["DisplayName"] for c in books.records("Customer")) == ["Ann Doe", "Bob Doe", "Cy Doe"]
    assert all(books.link("contact", contact.id).state is LinkState.LINKED for contact in contacts)
    waits = [row for row in books.log(status="error") if row.detail.startswith("Rate limit reached")]
    assert sorted(row.saas_id for row in waits) == sorted(contact.id for contact in contacts)  # once each
    assert len(books.log(status="synced")) == 3
