"""Independent proof: Intuit's `intuit-oauth` and the community `python-quickbooks` against the simulator.

Neither library is edited. `AuthClient` takes a discovery-document URL as its `environment`;
python-quickbooks reads `api_url_v3` from the instance, and requests-oauthlib only allows plain
http when `OAUTHLIB_INSECURE_TRANSPORT` is set, its documented switch for local servers.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from intuitlib.client import AuthClient
from intuitlib.enums import Scopes
from intuitlib.exceptions import AuthClientError
from quickbooks import QuickBooks
from quickbooks.batch import batch_create
from quickbooks.cdc import change_data_capture
from quickbooks.exceptions import QuickbooksException
from quickbooks.objects.customer import Customer
from quickbooks.objects.detailline import SalesItemLine, SalesItemLineDetail
from quickbooks.objects.invoice import Invoice

from local.simulators.quickbooks_online import SimulatorHandle
from tests.simulators.quickbooks_online.conftest import REALM, auth_client, consent, make_customer, make_item


def test_intuit_oauth_authorization_url_points_at_the_simulator(sim: SimulatorHandle) -> None:
    url = auth_client(sim).get_authorization_url([Scopes.ACCOUNTING], state_token="xyz")

    redirect = consent(url)

    assert url.startswith(sim.authorize_url)
    assert (redirect["state"], redirect["realmId"]) == ("xyz", REALM)


def test_intuit_oauth_exchanges_refreshes_and_revokes(sim: SimulatorHandle, connected: AuthClient) -> None:
    assert connected.access_token and connected.expires_in == 3600
    first_refresh = connected.refresh_token

    connected.refresh()
    assert connected.refresh_token != first_refresh
    with pytest.raises(AuthClientError) as superseded:
        connected.refresh(refresh_token=first_refresh)
    assert superseded.value.status_code == 400
    assert b"invalid_grant" in superseded.value.content

    assert connected.revoke() is True
    with pytest.raises(AuthClientError):
        connected.refresh()


def test_intuit_oauth_sees_a_reused_code_fail(sim: SimulatorHandle) -> None:
    client = auth_client(sim)
    redirect = consent(client.get_authorization_url([Scopes.ACCOUNTING]))
    client.get_bearer_token(redirect["code"], realm_id=redirect["realmId"])

    with pytest.raises(AuthClientError):
        client.get_bearer_token(redirect["code"])


def test_python_quickbooks_creates_reads_and_updates_a_customer(qb: QuickBooks) -> None:
    created = make_customer(qb, "Library Customer")

    read = Customer.get(created.Id, qb=qb)
    read.CompanyName = "Library Co"
    updated = read.save(qb=qb)

    assert updated.SyncToken == "1"
    assert Customer.get(created.Id, qb=qb).CompanyName == "Library Co"


def test_python_quickbooks_creates_reads_and_updates_an_invoice(qb: QuickBooks) -> None:
    customer, item = make_customer(qb, "Invoice Customer"), make_item(qb)
    line = SalesItemLine()
    line.Amount = 240
    line.SalesItemLineDetail = SalesItemLineDetail()
    line.SalesItemLineDetail.ItemRef = item.to_ref()
    line.SalesItemLineDetail.Qty = 2
    line.SalesItemLineDetail.UnitPrice = 120
    invoice = Invoice()
    invoice.CustomerRef = customer.to_ref()
    invoice.Line = [line]

    saved = invoice.save(qb=qb)
    fetched = Invoice.get(saved.Id, qb=qb)
    fetched.PrivateNote = "Gate code 1234"
    updated = fetched.save(qb=qb)

    assert (saved.TotalAmt, saved.Balance) == (240, 240)
    assert updated.PrivateNote == "Gate code 1234"
    assert updated.SyncToken == "1"


def test_python_quickbooks_query_batch_and_cdc(qb: QuickBooks) -> None:
    make_customer(qb, "Queried One")
    fresh = [Customer(), Customer()]
    fresh[0].DisplayName, fresh[1].DisplayName = "Batch A", "Queried One"

    result = batch_create(fresh, qb=qb)
    found = Customer.filter(DisplayName="Queried One", qb=qb)

    assert [c.DisplayName for c in result.successes] == ["Batch A"]
    assert result.faults[0].Error[0].code == "6240"
    assert [c.DisplayName for c in found] == ["Queried One"]
    assert Customer.count(qb=qb) == 2


def test_python_quickbooks_change_data_capture(qb: QuickBooks) -> None:
    # The library sends a time without offset, which QuickBooks reads in the company's time zone.
    since = datetime.now(ZoneInfo("America/Los_Angeles")).replace(tzinfo=None) - timedelta(hours=1)
    make_customer(qb, "Changed Customer")

    response = change_data_capture([Customer, Invoice], since, qb=qb)

    assert [c.DisplayName for c in response.Customer] == ["Changed Customer"]


def test_python_quickbooks_raises_its_exception_with_code_6240(qb: QuickBooks) -> None:
    make_customer(qb, "Twice")

    with pytest.raises(QuickbooksException) as duplicate:
        make_customer(qb, "Twice")

    assert duplicate.value.error_code == 6240
    assert duplicate.value.message == "Duplicate Name Exists Error"
