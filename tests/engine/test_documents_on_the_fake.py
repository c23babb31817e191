"""The engine's neutral notions for documents, on the fake provider: the document's job site (its twin
first, or only its address when job sites do not go to the provider) and a credit note applied to its
invoice once both are in the books. No provider package is imported."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from fieldbooks.domain.models import ConnectionSettings, LinkState, SyncStatus
from fieldbooks.domain.outcomes import PushAction
from fieldbooks.domain.records import SaasRecord
from fieldbooks.providers.contract import Transport
from fieldbooks.store.connections import ConnectionStore
from fieldbooks.sync.push import Push
from tests.engine import test_both_transports
from tests.engine.test_both_transports import SLOT, World, jane

world = test_both_transports.world  # both transports, one tenant on the fake books
HOME = {"line1": "1 Oak St", "city": "Reno"}


def invoice_for(world: World, contact_id: str, **fields: Any) -> SaasRecord:
    lines = [{"description": "Boiler service", "unit_price": "120.00"}]
    draft = world.app.create_invoice(
        world.tenant_id, contact_id=contact_id, issue_date="2026-11-20", due_date="2026-12-20", lines=lines, **fields
    )
    return world.app.finalize_invoice(world.tenant_id, draft.id)


def test_an_invoice_for_a_job_site_belongs_to_the_sites_twin_brought_over_first(world: World) -> None:
    contact = jane(world)
    home = world.app.create_property(world.tenant_id, contact_id=contact.id, name="Home", address=HOME)
    invoice = invoice_for(world, contact.id, property_id=home.id)

    world.push("invoice", invoice)
    world.settle_all()

    site = world.services.links.get(world.tenant_id, SLOT, "property", home.id)
    assert site is not None and site.state is LinkState.LINKED
    (document,) = world.books.of("Invoice")
    assert (document.fields["Customer"], document.fields["Site"]) == (site.remote_id, HOME)


def test_with_job_sites_off_an_invoice_belongs_to_the_customer_and_carries_the_sites_address(world: World) -> None:
    settings = ConnectionSettings(directions={"property": "off"})
    world.connection = ConnectionStore().save(world.connection.model_copy(update={"settings": settings}))
    contact = jane(world)
    home = world.app.create_property(world.tenant_id, contact_id=contact.id, name="Home", address=HOME)
    invoice = invoice_for(world, contact.id, property_id=home.id)

    world.push("invoice", invoice)
    world.settle_all()

    customer = world.services.links.get(world.tenant_id, SLOT, "contact", contact.id)
    assert world.services.links.get(world.tenant_id, SLOT, "property", home.id) is None
    (document,) = world.books.of("Invoice")
    assert (document.fields["Customer"], document.fields["Site"]) == (customer.remote_id, HOME)
    assert [c.fields["Kind"] for c in world.books.of("Customer")] == ["contact"]


# A queued provider's side would apply credits in its own request; the QUEUE transport does not carry them yet.
@pytest.mark.parametrize("world", [Transport.CALL], ids=["call"], indirect=True)
def test_a_credit_note_is_applied_to_its_invoice_once(world: World) -> None:
    contact = jane(world)
    invoice = invoice_for(world, contact.id)
    credit = world.app.create_credit_note(
        world.tenant_id,
        contact_id=contact.id,
        invoice_id=invoice.id,
        issue_date="2026-11-21",
        lines=[{"description": "Goodwill", "unit_price": "20.00"}],
    )

    first = world.push("credit_note", credit)
    again = Push(world.connection, world.services).record("credit_note", credit)  # a duplicate delivery

    assert (first.action, again.action) == (PushAction.CREATED, PushAction.SKIPPED)
    assert [call for call in world.books.calls if call[0] == "apply"] == [
        ("apply", world.books.of("Application")[0].remote_id)
    ]
    (document,) = world.books.of("Invoice")
    assert Decimal(document.fields["Open"]) == Decimal("100.00")
    details = [row.detail for row in world.log(entity="credit_note", status=SyncStatus.SYNCED)]
    assert f"Applied credit note {credit.number} (20.00) to invoice {invoice.number} in Fake Books." in details


@pytest.mark.parametrize("world", [Transport.CALL], ids=["call"], indirect=True)
def test_a_credit_the_books_refuse_to_apply_stays_created_and_the_log_says_why(world: World) -> None:
    contact = jane(world)
    invoice = invoice_for(world, contact.id)
    credit = world.app.create_credit_note(
        world.tenant_id,
        contact_id=contact.id,
        invoice_id=invoice.id,
        issue_date="2026-11-21",
        lines=[{"description": "Everything back and more", "unit_price": "150.00"}],
    )

    outcome = world.push("credit_note", credit)

    assert outcome.action is PushAction.ERROR
    assert world.services.links.get(world.tenant_id, SLOT, "credit_note", credit.id).state is LinkState.LINKED
    assert len(world.books.of("CreditNote")) == 1
    assert outcome.detail == (
        f"Credit note {credit.number} is in Fake Books but was not applied to invoice {invoice.number}: "
        "Fake Books refused it: 150.00 is more than the 120.00 left open. Apply it there by hand."
    )
