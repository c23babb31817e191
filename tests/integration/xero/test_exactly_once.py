"""A Xero create whose reply is lost never makes a second record: inside Xero's Idempotency-Key
window the repeat is replayed; after it, the record is found by its name or number and linked. And a
daily-limit 429 pauses the tenant until the next day, saying so in words."""

from __future__ import annotations

from datetime import timedelta

import pytest

from fieldbooks import registry
from fieldbooks.domain.models import LinkState
from fieldbooks.providers.xero.descriptor import KEY_WINDOW_SECONDS
from fieldbooks.store.links import LinkRow, link_key
from fieldbooks.store.rate_budget import RateGovernor
from tests.integration.xero.books import XERO, Books, books, finalized_invoice, jane  # noqa: F401 - fixture

__all__ = ["books"]
# The client tries three times: a fault must outlast them to reach the worker.
CLIENT_TRIES = 3


def push_with_a_lost_reply(books: Books, endpoint: str, entity: str, saas_id: str) -> None:
    books.xero.admin.add_fault("drop_after_commit", entity=endpoint, times=CLIENT_TRIES)
    failures = books.sync()
    assert failures, "the lost reply must fail the push"
    assert books.link(entity, saas_id).state is LinkState.PENDING  # committed at Xero, unknown to us


def age_the_intent(books: Books, entity: str, saas_id: str, seconds: float) -> None:
    """Time passes for both sides: Xero forgets the key; our intent is as old."""
    books.xero.admin.advance_clock(seconds)
    link = books.link(entity, saas_id)
    row = LinkRow.get(books.tenant_id, link_key(XERO, entity, saas_id))
    row.update(actions=[LinkRow.updated_at.set(link.updated_at - timedelta(seconds=seconds))])


def test_a_lost_contact_reply_inside_the_key_window_is_replayed(books: Books) -> None:  # noqa: F811
    contact = jane(books)
    push_with_a_lost_reply(books, "Contacts", "contact", contact.id)

    assert books.sync() == []  # the message comes back; the same key gets Xero's first reply

    (remote,) = books.records("Contacts")
    assert books.link("contact", contact.id).remote_id == remote["ContactID"]


@pytest.mark.parametrize("endpoint", ["Contacts", "Invoices"])
def test_after_the_key_window_the_record_is_looked_up_before_the_create_is_repeated(
    books: Books,  # noqa: F811
    endpoint: str,
) -> None:
    contact = jane(books)
    entity, saas_id = "contact", contact.id
    if endpoint == "Invoices":
        assert books.sync() == []  # the contact first, so only the invoice's reply is lost
        invoice = finalized_invoice(books, contact.id, [{"description": "Labour", "unit_price": "100"}])
        entity, saas_id = "invoice", invoice.id
    push_with_a_lost_reply(books, endpoint, entity, saas_id)
    age_the_intent(books, entity, saas_id, KEY_WINDOW_SECONDS + 60)

    assert books.sync() == [], [(r.status, r.detail) for r in books.log()]

    (remote,) = books.records(endpoint)  # found by Name / InvoiceNumber, not made again
    id_field = "ContactID" if endpoint == "Contacts" else "InvoiceID"
    link = books.link(entity, saas_id)
    assert (link.state, link.remote_id) == (LinkState.LINKED, remote[id_field])
    assert not [row for row in books.log(status="conflict")]


def test_a_daily_limit_429_pauses_the_tenant_until_tomorrow_and_says_so(books: Books) -> None:  # noqa: F811
    contact = jane(books)
    # Five and a half hours before midnight at Xero (the simulator's own day is scaled to minutes).
    books.xero.admin.add_fault("throttle", entity="Contacts", problem="day", seconds=19800, times=1)

    books.sync()  # deferred: a copy waits out the pause (hidden by SQS until then)

    governor = RateGovernor(books.tenant_id, XERO, registry.descriptor(XERO).budget)
    assert governor.paused_for() > 3600
    (row,) = [r for r in books.log() if r.saas_id == contact.id]
    assert row.detail.startswith("Xero's daily limit of API calls for this organisation is used up")
    assert "UTC on" in row.detail and "nothing is lost" in row.detail
    assert books.records("Contacts") == []
