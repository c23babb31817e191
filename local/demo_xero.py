"""The Xero scenario of the main job (`python -m local.demo --provider xero`).

It seeds a small UK field-service company in the reference SaaS app, connects it to the Xero
simulator's GB organisation through the real OAuth flow (PKCE; the organisation is picked at consent,
and the callback learns it from Xero's `GET /connections`), runs the initial sync, makes live edits
that reach Xero over the embedded bus, runs "Sync now" with plan approval, and prints what Xero holds and the sync log.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx

from local.demo import (
    STAGE,
    TENANT,
    _ok,
    console_sign_in_link,
    print_plan,
    print_run,
    print_sync_log,
    running_saas_on_bus,
    wait_for_run,
)
from local.runtime.resources import DEV_XERO_CLIENT_ID
from local.runtime.stack import RunningStack, free_port, local_api_url, running_stack
from local.runtime.template import Template
from local.saas.client import SaasAppClient
from local.saas.server import SaasAppHandle
from local.simulators.xero import RegisteredApp, SimulatorConfig, SimulatorHandle, running_simulator

CONNECTION = "/connections/xero"
# The simulator's GB organisation (local/simulators/xero/config.py): UK VAT at 20 %.
ORGANISATION = "3f1c9d2e-0b5a-4c1e-9e77-1a2b3c4d5e01"
DEPOSIT_ACCOUNT = "090"  # Business Bank Account in the simulator's chart: payments are received into it
VAT = {"taxable": True, "tax_rate": "20"}


def run_xero_demo(api_port: int, moto_port: int, once: bool, serve: Any) -> None:
    with running_xero_world(api_port=api_port, moto_port=moto_port) as (local, saas, xero):
        logging.getLogger("fieldbooks").setLevel(logging.WARNING)  # handlers' JSON logs: only problems
        print(f"\nFieldbooks local stack is running (everything on 127.0.0.1), tenant console API {local.api_url}")
        print(f"  Reference SaaS app {saas.base_url}; Xero simulator {xero.base_url} (inspect: {xero.base_url}/_sim)")
        run_xero_scenario(local, saas, xero)
        print(console_sign_in_link(local, saas))
        if not once:
            serve()


@contextmanager
def running_xero_world(
    api_port: int = 0, moto_port: int = 0
) -> Iterator[tuple[RunningStack, SaasAppHandle, SimulatorHandle]]:
    """The local stack, the reference SaaS app publishing to its bus, and the Xero simulator."""
    moto_port, api_port = moto_port or free_port(), api_port or free_port()
    with ExitStack() as stack:
        saas = stack.enter_context(running_saas_on_bus(moto_port))
        # Xero accepts only registered redirect URIs; the simulator's PKCE app (no secret) registers ours.
        redirect_uri = f"{local_api_url(Template(), STAGE, api_port)}/oauth/xero/callback"
        app = RegisteredApp(client_id=DEV_XERO_CLIENT_ID, client_secret=None, redirect_uris=[redirect_uri])
        xero = stack.enter_context(running_simulator(SimulatorConfig(apps=[app])))
        local = stack.enter_context(
            running_stack(
                stage=STAGE, api_port=api_port, moto_port=moto_port, saas_url=saas.base_url, xero_url=xero.base_url
            )
        )
        yield local, saas, xero


def run_xero_scenario(local: RunningStack, saas: SaasAppHandle, xero: SimulatorHandle) -> None:
    app: SaasAppClient = saas.app_client
    print("Seeding Acme Plumbing & Heating (UK) in the reference SaaS app ...")
    app.create_tenant(TENANT, "Acme Plumbing & Heating")
    invoices = seed_company(app)
    saas.wait_until_published(timeout=30)
    local.wait_until_idle(timeout=30)

    token = app.console_token(TENANT, "u-owner", role="owner")
    with httpx.Client(base_url=local.api_url, headers={"authorization": f"Bearer {token}"}, timeout=30) as api:
        connect(api)
        print_run(api, wait_for_run(api, local, lambda run: run["kind"] == "initial"))

        print("\nPayments go into Business Bank Account (090) ...")
        accounts = {a["Code"]: a["AccountID"] for a in xero.admin.data(ORGANISATION, "Accounts")["Accounts"]}
        settings = _ok(api.get(f"{CONNECTION}/settings"))
        _ok(api.put(f"{CONNECTION}/settings", json=settings | {"deposit_account_id": accounts[DEPOSIT_ACCOUNT]}))

        print("\nLive edits in the field-service app ...")
        invoices |= live_edits(app, invoices)
        saas.wait_until_published(timeout=30)
        local.wait_until_idle(timeout=60)

        print("\nSync now, with 'approve plan' switched on ...")
        settings = _ok(api.get(f"{CONNECTION}/settings"))
        _ok(api.put(f"{CONNECTION}/settings", json=settings | {"approve_plan": True}))
        run = _ok(api.post(f"{CONNECTION}/sync"))
        waiting = wait_for_run(api, local, lambda r: r["run_id"] == run["run_id"], until=("awaiting_approval",))
        print_plan(api, waiting)
        _ok(api.post(f"/runs/{run['run_id']}/approve"))
        print_run(api, wait_for_run(api, local, lambda r: r["run_id"] == run["run_id"]))

        print_xero_books(xero, invoices)
        print_sync_log(api)


def seed_company(app: SaasAppClient) -> dict[str, Any]:
    """Two customers, a service and a taxable material, and two finalized invoices with UK VAT."""
    ann = app.create_contact(TENANT, first_name="Ann", last_name="Lee", email="ann@lee.example")
    dental = app.create_contact(TENANT, kind="company", company_name="Bristol Dental Ltd", email="office@bd.example")
    labour = app.create_item(TENANT, name="Labour (hour)", kind="service", unit_price="65.00", taxable=True)
    valve = app.create_item(TENANT, name="Ball valve 22mm", kind="material", unit_price="12.50", taxable=True)
    lines = {
        "ann": [
            {"item_id": labour.id, "description": "Boiler service", "quantity": "1.5", "unit_price": "65.00"} | VAT,
            {"item_id": valve.id, "description": "Valve", "quantity": "3", "unit_price": "12.50"} | VAT,
        ],
        "dental": [
            {"item_id": labour.id, "description": "Leak repair", "quantity": "2", "unit_price": "65.00"}
            | VAT
            | {"discount_percent": "10"}
        ],
    }
    invoices: dict[str, Any] = {}
    for key, contact in (("ann", ann), ("dental", dental)):
        draft = app.create_invoice(
            TENANT, contact_id=contact.id, issue_date="2026-11-20", due_date="2026-12-20", lines=lines[key]
        )
        invoices[key] = app.finalize_invoice(TENANT, draft.id)
        print(f"  invoice {invoices[key].number}: total {invoices[key].total} (VAT {invoices[key].tax_total})")
    invoices["_contacts"] = {"ann": ann, "dental": dental}
    return invoices


def connect(api: httpx.Client) -> None:
    """The real OAuth flow: our API (PKCE challenge) → Xero consent, picking the GB organisation →
    our callback, which trades the code with its verifier and asks Xero which organisation it got."""
    authorize_url = _ok(api.post(f"{CONNECTION}/authorize"))["authorize_url"]
    challenge = dict(parse_qsl(urlsplit(authorize_url).query)).get("code_challenge_method")
    print(
        f"\nPOST {CONNECTION}/authorize -> {authorize_url.split('?')[0]}?... (PKCE code_challenge_method={challenge})"
    )
    consent = httpx.get(f"{authorize_url}&sim_tenant_id={ORGANISATION}", follow_redirects=False, timeout=10)
    callback_url = consent.headers["location"]
    print(f"Xero consent (organisation {ORGANISATION} picked) -> {consent.status_code} to {callback_url.split('?')[0]}")
    landed = httpx.get(callback_url, cookies=api.cookies, follow_redirects=False, timeout=30)
    print(f"OAuth callback -> {landed.status_code} to {landed.headers.get('location')}")
    for connection in api.get("/connections").json()["items"]:
        name, status = connection["company_name"], connection["status"]
        print(f"GET /connections -> {connection['provider_name']}: {name} ({status})")


def live_edits(app: SaasAppClient, invoices: dict[str, Any]) -> dict[str, Any]:
    contacts = invoices["_contacts"]
    ann = app.update_contact(TENANT, contacts["ann"].id, phone="0117 496 0123")
    print(f"  Ann Lee's phone -> {ann.phone}")
    draft = app.create_invoice(
        TENANT,
        contact_id=contacts["dental"].id,
        issue_date="2026-11-21",
        due_date="2026-12-21",
        lines=[{"description": "Emergency call-out", "quantity": "1", "unit_price": "120.00"} | VAT],
    )
    live = app.finalize_invoice(TENANT, draft.id)
    print(f"  finalized invoice {live.number}: total {live.total}")
    app.record_payment(
        TENANT,
        contact_id=contacts["dental"].id,
        date="2026-11-21",
        amount=str(live.total),
        method="card",
        applied_to=[{"invoice_id": live.id, "amount": str(live.total)}],
    )
    print(f"  payment of {live.total} recorded against it")
    return {"live": live}


def print_xero_books(xero: SimulatorHandle, invoices: dict[str, Any]) -> None:
    print("\nXero now holds:")
    for entity in ("Contacts", "Items", "Invoices", "Payments"):
        print(f"  {entity:10} {xero.admin.count(ORGANISATION, entity)}")
    saas_totals = {i.number: i.total for key, i in invoices.items() if not key.startswith("_")}
    for contact in sorted(xero.admin.data(ORGANISATION, "Contacts")["Contacts"], key=lambda c: c["Name"]):
        phones = [p.get("PhoneNumber") for p in contact.get("Phones") or [] if p.get("PhoneNumber")]
        print(f"  contact {contact['Name']} {' '.join(phones)}".rstrip())
    for invoice in sorted(xero.admin.data(ORGANISATION, "Invoices")["Invoices"], key=lambda i: i["InvoiceNumber"]):
        number, total = invoice["InvoiceNumber"], Decimal(str(invoice["Total"]))
        same = "equal to the penny" if saas_totals.get(number) == total else f"app says {saas_totals.get(number)}"
        print(f"  invoice {number} {invoice['Status']}: Total {total} ({same}), AmountDue {invoice['AmountDue']}")
