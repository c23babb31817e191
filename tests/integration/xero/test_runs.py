"""Initial sync against Xero through the real handlers: connect (tenant API → consent → callback)
queues the run; the pull worker plans it, waits for approval, matches (contacts by email then name,
items by name, invoices by number), and creates the rest, contacts and items in batches sent with
`summarizeErrors=false`, so one refused element fails alone."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import httpx
import pytest

from fieldbooks import registry
from fieldbooks.domain.models import ConnectionSettings, LinkState, RunStatus
from fieldbooks.providers.xero.package import XeroPackage
from fieldbooks.store.conflicts import ConflictStore
from fieldbooks.store.links import LinkStore
from fieldbooks.store.runs import RunStore
from fieldbooks.store.sync_log import SyncLogFilter, SyncLogStore
from tests.conftest import XERO_ORG, console_token
from tests.integration.test_runs import api, pull_worker  # noqa: F401 - the api fixture
from tests.support.xero_flow import XERO, connect_xero

__all__ = ["api"]


@pytest.fixture
def tenant(saas_app: Any) -> str:
    tenant_id = f"t-{uuid.uuid4().hex[:10]}"
    saas_app.handle.app_client.create_tenant(tenant_id, "Acme Plumbing")
    return tenant_id


@pytest.fixture
def xero_calls(xero: Any) -> list[str]:
    """The endpoints the Xero package called (path and method), through a recording HTTP client."""
    calls: list[str] = []

    def record(request: httpx.Request) -> None:
        if "/api.xro/2.0/" in request.url.path:
            calls.append(f"{request.method} {request.url.path.split('/api.xro/2.0/')[1]}")

    package = XeroPackage(http=httpx.Client(timeout=httpx.Timeout(2.0), event_hooks={"request": [record]}))
    with registry.replaced(XERO, package):
        yield calls


def records(xero: Any, endpoint: str) -> list[dict[str, Any]]:
    return xero.admin.data(XERO_ORG, endpoint)[endpoint]


def approve_plan_setting(api: Any, tenant: str) -> None:  # noqa: F811
    settings = ConnectionSettings(approve_plan=True).model_dump(mode="json")
    assert api("PUT", "/connections/xero/settings", console_token(tenant), body=settings)[0] == 200


def test_initial_sync_waits_for_approval_then_matches_and_creates_the_rest(
    aws,
    handler,
    context,
    api,
    saas_app,
    xero,
    tenant,
    xero_calls,  # noqa: ANN001, F811
) -> None:
    app = saas_app.handle.app_client
    jane = app.create_contact(tenant, first_name="Jane", last_name="Doe", email="Jane.Doe@example.com")
    acme = app.create_contact(tenant, kind="company", company_name="Acme Builders")
    nora = app.create_contact(tenant, first_name="Nora", last_name="New", email="nora@example.com")
    labour = app.create_item(tenant, name="Labour", unit_price="75.00")
    app.create_item(tenant, name="Copper pipe", kind="material", unit_price="3.41")
    line = {"description": "Boiler service", "unit_price": "100.00", "item_id": labour.id}
    dates = {"issue_date": "2026-11-01", "due_date": "2026-12-01"}
    known = app.finalize_invoice(tenant, app.create_invoice(tenant, contact_id=jane.id, lines=[line], **dates).id)
    fresh = app.finalize_invoice(tenant, app.create_invoice(tenant, contact_id=acme.id, lines=[line], **dates).id)
    # What the organisation already holds when it first connects.
    theirs = xero.admin.create_as_user(XERO_ORG, "Contacts", Name="Jane D.", EmailAddress=" jane.doe@EXAMPLE.com")
    xero.admin.create_as_user(XERO_ORG, "Contacts", Name="ACME builders")
    xero.admin.create_as_user(XERO_ORG, "Items", Code="LAB", Name="labour", SalesDetails={"UnitPrice": "75"})
    xero.admin.create_as_user(
        XERO_ORG,
        "Invoices",
        Type="ACCREC",
        Status="AUTHORISED",
        InvoiceNumber=known.number,
        Contact={"ContactID": theirs["ContactID"]},
        LineItems=[{"Description": "Boiler service", "UnitAmount": "100", "AccountCode": "200", "TaxType": "NONE"}],
    )
    connect_xero(tenant, XERO_ORG)
    (run,) = RunStore().recent(tenant).items
    approve_plan_setting(api, tenant)

    assert pull_worker(aws, handler, context) == {"batchItemFailures": []}

    status, waiting = api("GET", f"/runs/{run.run_id}", console_token(tenant, role="member"))
    assert (status, waiting["status"]) == (200, "awaiting_approval")
    counts = waiting["plan"]["counts"]
    assert counts["contacts"] == {"link": 2, "create": 1, "update": 0, "skip": 0, "conflict": 0, "bring_in": 0}
    assert counts["items"] == {"link": 1, "create": 1, "update": 0, "skip": 0, "conflict": 0, "bring_in": 0}
    assert counts["invoices"] == {"link": 1, "create": 1, "update": 0, "skip": 0, "conflict": 0, "bring_in": 0}
    assert len(records(xero, "Contacts")) == 2  # nothing is applied before the approval

    assert api("POST", f"/runs/{run.run_id}/approve", console_token(tenant))[0] == 200
    assert pull_worker(aws, handler, context) == {"batchItemFailures": []}

    assert RunStore().get(tenant, run.run_id).status is RunStatus.SUCCEEDED
    names = sorted(c["Name"] for c in records(xero, "Contacts"))
    assert names == ["ACME builders", "Jane D.", "Nora New"]
    assert sorted(i["Name"] for i in records(xero, "Items")) == ["Copper pipe", "labour"]
    invoices = {i["InvoiceNumber"]: i for i in records(xero, "Invoices")}
    assert sorted(invoices) == sorted([known.number, fresh.number])
    assert Decimal(str(invoices[fresh.number]["Total"])) == fresh.total
    jane_link = LinkStore().get(tenant, XERO, "contact", jane.id)
    assert (jane_link.state, jane_link.remote_id) == (LinkState.LINKED, theirs["ContactID"])
    assert LinkStore().get(tenant, XERO, "contact", nora.id).state is LinkState.LINKED
    rows = SyncLogStore().all(tenant, SyncLogFilter(run_id=run.run_id))
    assert "Matched to Xero contact Jane D. by email." in {row.detail for row in rows}
    assert {row.status for row in rows} <= {"matched", "synced"}


def test_a_batch_with_one_refused_element_creates_the_others_and_opens_the_conflict(
    aws,
    handler,
    context,
    api,
    saas_app,
    xero,
    tenant,
    xero_calls,  # noqa: ANN001, F811
) -> None:
    app = saas_app.handle.app_client
    contacts = [app.create_contact(tenant, first_name=f"Customer{n}", last_name="White") for n in range(3)]
    connect_xero(tenant, XERO_ORG)
    (run,) = RunStore().recent(tenant).items
    approve_plan_setting(api, tenant)
    assert pull_worker(aws, handler, context) == {"batchItemFailures": []}
    # Someone adds the same name in Xero after the plan was made: that element is refused on its own.
    holder = xero.admin.create_as_user(XERO_ORG, "Contacts", Name="Customer1 White")
    assert api("POST", f"/runs/{run.run_id}/approve", console_token(tenant))[0] == 200

    assert pull_worker(aws, handler, context) == {"batchItemFailures": []}

    finished = RunStore().get(tenant, run.run_id)
    assert finished.progress["contacts"].model_dump() == {"done": 2, "total": 3, "failed": 1, "queued": 0}
    assert sorted(c["Name"] for c in records(xero, "Contacts")) == [f"Customer{n} White" for n in range(3)]
    assert xero_calls.count("PUT Contacts") == 1  # one batch, summarizeErrors=false
    (conflict,) = ConflictStore().list(tenant)
    assert (conflict.saas_id, conflict.resolvable, conflict.remote_id) == (contacts[1].id, True, holder["ContactID"])
    rows = {row.saas_id: row for row in SyncLogStore().all(tenant, SyncLogFilter(run_id=run.run_id))}
    assert rows[contacts[1].id].status == "conflict"
    assert 'already has a customer named "Customer1 White"' in rows[contacts[1].id].detail
    assert rows[contacts[0].id].detail == "Created customer Customer0 White in Xero."
