"""Independent proof: Xero's own `xero-python` SDK against the simulator, unedited.

`AccountingApi` and `IdentityApi` take `base_url`; the token endpoints are `TokenApi` class
attributes (providers.md 2.8), patched per test. The SDK has no code exchange, so the test makes
the first token itself and hands it over through the SDK's getter/saver callbacks.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
import urllib3
from xero_python.accounting import AccountingApi
from xero_python.accounting.models import (
    Account,
    Allocation,
    Allocations,
    Contact,
    Contacts,
    CreditNote,
    CreditNotes,
    Invoice,
    Invoices,
    Item,
    Items,
    LineItem,
    Payment,
    Purchase,
)
from xero_python.api_client import ApiClient
from xero_python.api_client.configuration import Configuration
from xero_python.api_client.oauth2 import OAuth2Token, TokenApi
from xero_python.exceptions import AccountingBadRequestException, HTTPStatusException, RateLimitException
from xero_python.identity import IdentityApi

from local.simulators.xero import SimulatorHandle
from tests.simulators.xero.conftest import CLIENT_ID, CLIENT_SECRET, GB, authorize, exchange


@pytest.fixture
def sdk(sim: SimulatorHandle, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[ApiClient, dict[str, Any]]]:
    monkeypatch.setattr(TokenApi, "refresh_token_url", sim.token_url)
    monkeypatch.setattr(TokenApi, "revoke_token_url", sim.revoke_url)
    first = exchange(sim, authorize(sim, sim_tenant_id=GB)["code"]).json()
    stored: dict[str, Any] = {"token": {**first, "scope": first["scope"].split(), "expires_at": time.time() + 1800}}
    client = ApiClient(
        Configuration(oauth2_token=OAuth2Token(client_id=CLIENT_ID, client_secret=CLIENT_SECRET)),
        oauth2_token_getter=lambda: stored["token"],
        oauth2_token_saver=lambda token: stored.update(token=token),
    )
    # providers.md 2.8: urllib3's default Retry(3) would sleep through Retry-After; a Lambda sets it.
    client.rest_client.pool_manager = urllib3.PoolManager(retries=False)
    yield client, stored


@pytest.fixture
def accounting(sim: SimulatorHandle, sdk: tuple[ApiClient, dict[str, Any]]) -> AccountingApi:
    return AccountingApi(sdk[0], base_url=sim.accounting_url)


def test_identity_api_lists_and_deletes_connections(sim: SimulatorHandle, sdk: tuple[ApiClient, Any]) -> None:
    identity = IdentityApi(sdk[0], base_url=sim.identity_url)

    connections = identity.get_connections()
    identity.delete_connection(connections[0].id)

    assert [(c.tenant_id, c.tenant_type, c.tenant_name) for c in connections] == [
        (GB, "ORGANISATION", "Sim Field Services Ltd")
    ]
    assert identity.get_connections() == []


def test_contacts_round_trip_with_paging_where_and_if_modified_since(accounting: AccountingApi) -> None:
    since = datetime.now(UTC).replace(microsecond=0)
    created = accounting.create_contacts(
        GB, Contacts(contacts=[Contact(name="SDK Plumbing", email_address="sdk@example.com")]), idempotency_key="c-1"
    )
    contact_id = created.contacts[0].contact_id

    updated = accounting.update_contact(GB, contact_id, Contacts(contacts=[Contact(first_name="Ada")]))
    page = accounting.get_contacts(GB, if_modified_since=since, where='Name=="SDK Plumbing"', page=1)

    assert updated.contacts[0].first_name == "Ada" and updated.contacts[0].email_address == "sdk@example.com"
    assert [c.contact_id for c in page.contacts] == [contact_id]
    assert page.pagination.item_count == 1
    assert isinstance(page.contacts[0].updated_date_utc, datetime)


def test_a_summarize_errors_false_batch_reports_each_element(accounting: AccountingApi) -> None:
    accounting.create_contacts(GB, Contacts(contacts=[Contact(name="Taken")]))

    result = accounting.create_contacts(
        GB, Contacts(contacts=[Contact(name="Fresh"), Contact(name="Taken")]), summarize_errors=False
    )

    assert [c.status_attribute_string for c in result.contacts] == ["OK", "ERROR"]
    assert "already assigned" in result.contacts[1].validation_errors[0].message


def test_the_sdk_surfaces_xeros_validation_message(accounting: AccountingApi) -> None:
    accounting.create_contacts(GB, Contacts(contacts=[Contact(name="Twice")]))

    with pytest.raises(AccountingBadRequestException) as refused:
        accounting.create_contacts(GB, Contacts(contacts=[Contact(name="Twice")]))

    assert refused.value.status == 400
    assert refused.value.reason == (
        "The contact name Twice is already assigned to another contact. "
        "The contact name must be unique across all active contacts."
    )


def test_invoice_payment_credit_note_and_allocation(accounting: AccountingApi) -> None:
    contact = accounting.create_contacts(GB, Contacts(contacts=[Contact(name="SDK Customer")])).contacts[0]
    sales = Purchase(unit_price=120, account_code="200", tax_type="OUTPUT2")
    accounting.create_items(GB, Items(items=[Item(code="SVC", name="Service call", sales_details=sales)]))
    line = LineItem(item_code="SVC", quantity=2)
    invoice = Invoice(
        type="ACCREC",
        contact=Contact(contact_id=contact.contact_id),
        line_items=[line],
        date=date(2026, 11, 30),
        due_date=date(2026, 12, 30),
        status="AUTHORISED",
    )

    saved = accounting.update_or_create_invoices(GB, Invoices(invoices=[invoice]), summarize_errors=False).invoices[0]
    payment = Payment(
        invoice=Invoice(invoice_id=saved.invoice_id), account=Account(code="090"), amount=100, date=date(2026, 12, 1)
    )
    accounting.create_payment(GB, payment)
    credit = CreditNote(
        type="ACCRECCREDIT",
        contact=Contact(contact_id=contact.contact_id),
        line_items=[
            LineItem(description="Goodwill", quantity=1, unit_amount=50, account_code="200", tax_type="OUTPUT2")
        ],
        status="AUTHORISED",
    )
    note = accounting.create_credit_notes(GB, CreditNotes(credit_notes=[credit])).credit_notes[0]
    allocation = Allocation(invoice=Invoice(invoice_id=saved.invoice_id), amount=60, date=date(2026, 12, 2))
    accounting.create_credit_note_allocation(GB, note.credit_note_id, Allocations(allocations=[allocation]))
    after = accounting.get_invoice(GB, saved.invoice_id).invoices[0]

    assert (saved.sub_total, saved.total_tax, saved.total) == (Decimal("240"), Decimal("48"), Decimal("288"))
    assert saved.date == date(2026, 11, 30)
    assert (after.amount_paid, after.amount_credited, after.amount_due) == (100, 60, 128)
    assert after.status == "AUTHORISED"
    assert [p.amount for p in after.payments] == [100]
    assert after.credit_notes[0].credit_note_id == note.credit_note_id


def test_tax_rates_accounts_and_organisation(accounting: AccountingApi) -> None:
    rates = accounting.get_tax_rates(GB).tax_rates
    accounts = accounting.get_accounts(GB, where='Type=="BANK"').accounts
    organisation = accounting.get_organisations(GB).organisations[0]

    assert "OUTPUT2" in {r.tax_type for r in rates}
    assert [a.code for a in accounts] == ["090"]
    assert (organisation.name, organisation.base_currency.value) == ("Sim Field Services Ltd", "GBP")


def test_the_sdk_refreshes_an_expiring_token_against_the_simulator(
    accounting: AccountingApi, sdk: tuple[ApiClient, dict[str, Any]]
) -> None:
    _, stored = sdk
    old_refresh = stored["token"]["refresh_token"]
    stored["token"]["expires_at"] = time.time() + 30  # inside the SDK's 60 s buffer

    accounting.get_organisations(GB)

    assert stored["token"]["refresh_token"] != old_refresh
    assert stored["token"]["expires_in"] == 1800


def test_the_sdk_revokes_and_the_api_then_refuses(
    sim: SimulatorHandle, accounting: AccountingApi, sdk: tuple[ApiClient, dict[str, Any]]
) -> None:
    client, stored = sdk
    token_before = dict(stored["token"])

    client.revoke_oauth2_token()

    stored["token"] = token_before
    with pytest.raises(HTTPStatusException) as refused:
        accounting.get_organisations(GB)
    assert refused.value.status == 401
    assert stored["token"]["access_token"] == token_before["access_token"]


def test_a_429_becomes_the_sdks_rate_limit_exception(sim: SimulatorHandle, accounting: AccountingApi) -> None:
    sim.admin.add_fault("throttle", problem="minute")

    with pytest.raises(RateLimitException) as limited:
        accounting.get_contacts(GB)

    assert limited.value.rate_limit == "minute"
    assert limited.value.error_message == "You've exceeded the per minute rate limit"
