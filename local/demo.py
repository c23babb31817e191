"""The main job, locally: the stack from template.yaml, the reference SaaS app, and a short scenario.

    python -m local.demo            # run the scenario, then keep serving until Ctrl-C
    python -m local.demo --once     # run the scenario and stop (what the e2e test does)

The scenario seeds a field-service company in the reference SaaS app and a QuickBooks company in the
simulator, connects them through the real OAuth redirect flow, runs the initial sync (plan, matching,
progress), makes live edits that flow over the embedded EventBridge bus into the real handlers and on
to QuickBooks within seconds, resolves a conflict, runs "Sync now" with plan approval, and prints what
QuickBooks holds and the sync log. Then QuickBooks' webhooks are pointed at the local gateway and a
bookkeeper works in QuickBooks (`local/demo_pulls.py`): edits, a both-sides edit, a payment recorded
and voided, an invoice voided and one deleted; it prints what came back, the pending actions and the
balance report.
"""

from __future__ import annotations

import argparse
import logging
import signal
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager, suppress
from decimal import Decimal
from typing import Any

import boto3
import httpx

from local.demo_company import WALK_IN, SeededCompany, add_walk_in_customer, seed_quickbooks, seed_saas
from local.demo_pulls import run_pulls
from local.runtime.resources import DEV_QUICKBOOKS_CLIENT_ID, DEV_QUICKBOOKS_CLIENT_SECRET
from local.runtime.stack import RunningStack, free_port, local_api_url, running_stack
from local.runtime.template import Template
from local.saas.client import SaasAppClient
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

STAGE = "local"

TENANT = "t-acme"
REALM = "9130350000000001"
CONNECTION = "/connections/quickbooks_online"


def main(argv: list[str] | None = None) -> None:
    args = _arguments(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)-14s %(message)s", datefmt="%H:%M:%S")
    for noisy in ("httpx", "botocore"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # The handlers publish no custom metric yet; Powertools warns about that on every invocation.
    warnings.filterwarnings("ignore", message="No application metrics to publish")
    SCENARIOS[args.provider](args.api_port, args.moto_port, args.once)


def run_quickbooks_online_demo(api_port: int, moto_port: int, once: bool) -> None:
    with running_everything(api_port=api_port, moto_port=moto_port) as (local, saas, qbo):
        logging.getLogger("fieldbooks").setLevel(logging.WARNING)  # handlers' JSON logs: only problems
        print(summary(local, saas, qbo))
        run_scenario(local, saas, qbo)
        print(console_sign_in_link(local, saas))
        if not once:
            _serve_until_interrupted()


def run_xero_demo(api_port: int, moto_port: int, once: bool) -> None:
    # Imported here: local.demo_xero reuses this module's helpers (a top-level import would be circular).
    from local.demo_xero import run_xero_demo as run

    run(api_port, moto_port, once, _serve_until_interrupted)


SCENARIOS: dict[str, Callable[[int, int, bool], None]] = {
    "quickbooks_online": run_quickbooks_online_demo,
    "xero": run_xero_demo,
}


def running_saas_on_bus(moto_port: int) -> AbstractContextManager[SaasAppHandle]:
    """The reference SaaS app publishing to the embedded bus; its outbox retries until the bus exists."""
    events = boto3.client(
        "events",
        region_name="us-east-1",
        endpoint_url=f"http://127.0.0.1:{moto_port}",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    return running_saas_app(SaasAppConfig(db_path=":memory:"), sink=EventBridgeSink("fsm-saas", client=events))


@contextmanager
def running_everything(
    api_port: int = 0, moto_port: int = 0
) -> Iterator[tuple[RunningStack, SaasAppHandle, SimulatorHandle]]:
    """The local stack, the reference SaaS app publishing to its bus, and the QuickBooks simulator."""
    moto_port, api_port = moto_port or free_port(), api_port or free_port()
    with ExitStack() as stack:
        saas = stack.enter_context(running_saas_on_bus(moto_port))
        # Intuit accepts only registered redirect URIs; the simulator's app registers ours.
        redirect_uri = f"{local_api_url(Template(), STAGE, api_port)}/oauth/quickbooks_online/callback"
        qbo = stack.enter_context(running_simulator(simulator_config(redirect_uri)))
        local = stack.enter_context(
            running_stack(
                stage=STAGE, api_port=api_port, moto_port=moto_port, saas_url=saas.base_url, quickbooks_url=qbo.base_url
            )
        )
        yield local, saas, qbo


def simulator_config(redirect_uri: str) -> SimulatorConfig:
    app = RegisteredApp(
        client_id=DEV_QUICKBOOKS_CLIENT_ID, client_secret=DEV_QUICKBOOKS_CLIENT_SECRET, redirect_uris=[redirect_uri]
    )
    return SimulatorConfig(apps=[app], companies=[CompanySeed(realm_id=REALM, name="Acme Plumbing & Heating LLC")])


def summary(local: RunningStack, saas: SaasAppHandle, qbo: SimulatorHandle) -> str:
    template = local.template
    lines = ["", "Fieldbooks local stack is running (everything on 127.0.0.1)", ""]
    lines.append(f"  Tenant console API  {local.api_url}")
    lines += [f"      {route.method:6} {route.path}  -> {route.function_id}" for route in template.http_routes()]
    lines.append(f"  Embedded AWS (moto) {local.aws_endpoint}")
    for source in template.queue_sources():
        dlq = (local.dead_letter_queue_url(source.queue_id) or "none").rsplit("/", 1)[-1]
        queue = local.queue_url(source.queue_id).rsplit("/", 1)[-1]
        lines.append(f"      queue {queue} -> {source.function_id} (dead letters: {dlq})")
    lines += [f"      schedule {s.expression} -> {s.function_id}" for s in template.schedules()]
    lines += [f"      SaaS bus rule {r.pattern} -> {r.function_id}" for r in template.bus_rules()]
    lines.append(f"  Reference SaaS app  {saas.base_url}  (platform API key: {saas.platform_api_key})")
    lines.append(f"  QuickBooks Online simulator {qbo.base_url}  (inspect: {qbo.base_url}/_sim/realms)")
    lines.append("")
    return "\n".join(lines)


def console_sign_in_link(local: RunningStack, saas: SaasAppHandle) -> str:
    """The Integrations page, signed in the way the SaaS hands over: its console token in the fragment."""
    token = saas.app_client.console_token(TENANT, "u-owner", role="owner")
    return (
        f"\nIntegrations page, signed in as the owner of {TENANT} (the link works for an hour):\n"
        f"  {local.api_url}/console#token={token}"
    )


def run_scenario(local: RunningStack, saas: SaasAppHandle, qbo: SimulatorHandle) -> None:
    app: SaasAppClient = saas.app_client
    print("Seeding QuickBooks (customers and an item the bookkeeper already has) ...")
    seed_quickbooks(qbo.admin, REALM)
    print("Seeding Acme Plumbing & Heating in the reference SaaS app ...")
    app.create_tenant(TENANT, "Acme Plumbing & Heating")
    company = seed_saas(app, TENANT)
    for invoice in company.invoices.values():
        print(f"  invoice {invoice.number} ({invoice.status}): total {invoice.total} (tax {invoice.tax_total})")
    saas.wait_until_published(timeout=30)
    local.wait_until_idle(timeout=30)

    token = app.console_token(TENANT, "u-owner", role="owner")
    with httpx.Client(base_url=local.api_url, headers={"authorization": f"Bearer {token}"}, timeout=30) as api:
        connect(api)
        initial = wait_for_run(api, local, lambda run: run["kind"] == "initial")
        print_run(api, initial)

        print("\nSwitching on the naming rule 'First Last (Company)' for the two Chris Parks ...")
        settings = api.get(f"{CONNECTION}/settings").json()
        _ok(api.put(f"{CONNECTION}/settings", json=settings | {"name_individuals_with_company": True}))
        local.wait_until_idle(timeout=60)

        print("\nA bookkeeper adds a customer in QuickBooks (no webhook reaches us yet) ...")
        add_walk_in_customer(qbo.admin, REALM)
        print(f"  new QuickBooks customer {WALK_IN}")
        print("\nLive edits in the field-service app ...")
        live_edits(app, company)
        saas.wait_until_published(timeout=30)
        local.wait_until_idle(timeout=60)
        resolve_conflicts(api)
        local.wait_until_idle(timeout=60)

        print("\nSync now, with 'approve plan' switched on ...")
        settings = api.get(f"{CONNECTION}/settings").json()
        _ok(api.put(f"{CONNECTION}/settings", json=settings | {"approve_plan": True}))
        run = _ok(api.post(f"{CONNECTION}/sync"))
        waiting = wait_for_run(api, local, lambda r: r["run_id"] == run["run_id"], until=("awaiting_approval",))
        print_plan(api, waiting)
        _ok(api.post(f"/runs/{run['run_id']}/approve"))
        print_run(api, wait_for_run(api, local, lambda r: r["run_id"] == run["run_id"]))

        print_books(qbo, company)
        print_sync_log(api)
        run_pulls(api, local, app, qbo, company, TENANT, REALM)
        refused = httpx.get(f"{local.api_url}/sync-log", timeout=10)
        print(f"\nGET /sync-log without a token -> {refused.status_code} {refused.json()['message']}")


def connect(api: httpx.Client) -> None:
    """The real OAuth redirect flow: our API → QuickBooks consent (auto-approved) → our callback."""
    authorize_url = _ok(api.post(f"{CONNECTION}/authorize"))["authorize_url"]
    print(f"\nPOST {CONNECTION}/authorize -> {authorize_url.split('?')[0]}?...")
    consent = httpx.get(authorize_url, follow_redirects=False, timeout=10)
    callback_url = consent.headers["location"]
    print(f"QuickBooks consent -> {consent.status_code} to {callback_url.split('?')[0]}")
    # The browser that asked for the link comes back with the cookie that call set (the callback
    # refuses a consent finished in another browser), so the callback gets the API client's cookies.
    landed = httpx.get(callback_url, cookies=api.cookies, follow_redirects=False, timeout=30)
    print(f"OAuth callback -> {landed.status_code} to {landed.headers.get('location')}")
    for connection in api.get("/connections").json()["items"]:
        name, status = connection["company_name"], connection["status"]
        print(f"GET /connections -> {connection['provider_name']}: {name} ({status})")


def live_edits(app: SaasAppClient, company: SeededCompany) -> None:
    renamed = app.update_item(TENANT, company.items["labour"].id, name="Labour (per hour)")
    print(f"  renamed item -> {renamed.name}")
    walk_in = app.create_contact(TENANT, kind="company", company_name=WALK_IN)
    print(f"  new contact {walk_in.display_name or walk_in.company_name} (QuickBooks already has one by that name)")
    heater = company.items["heater"]
    invoice = app.create_invoice(
        TENANT,
        contact_id=company.contacts["dana"].id,
        issue_date="2026-11-21",
        due_date="2026-12-21",
        lines=[
            {"item_id": heater.id, "description": "Heater swap", "quantity": "1", "unit_price": "1250.00"}
            | {"taxable": True, "tax_rate": "7.25", "discount_percent": "5"}
        ],
    )
    invoice = app.finalize_invoice(TENANT, invoice.id)
    print(f"  finalized invoice {invoice.number}: total {invoice.total}")
    app.record_payment(
        TENANT,
        contact_id=company.contacts["dana"].id,
        date="2026-11-21",
        amount=str(invoice.total),
        method="card",
        applied_to=[{"invoice_id": invoice.id, "amount": str(invoice.total)}],
    )
    print(f"  payment of {invoice.total} recorded against it")
    company.invoices["dana_live"] = invoice
    credit = app.create_credit_note(
        TENANT,
        contact_id=company.contacts["carlos"].id,
        invoice_id=company.invoices["carlos"].id,
        issue_date="2026-11-21",
        lines=[{"description": "Goodwill credit: late arrival", "quantity": "1", "unit_price": "50.00"}],
        reason="Technician arrived two hours late",
    )
    print(f"  credit note {credit.number}: total {credit.total}")
    app.create_job(TENANT, contact_id=company.contacts["dana"].id, title="Annual boiler check")


def resolve_conflicts(api: httpx.Client) -> None:
    conflicts = api.get("/conflicts").json()["items"]
    print(f"\nGET /conflicts -> {len(conflicts)} open")
    for conflict in conflicts:
        kind = "resolvable" if conflict["resolvable"] else "needs a person"
        print(f"  [{kind}] {conflict['message']}")
        if conflict["resolvable"]:
            resolved = api.post(f"/conflicts/{conflict['conflict_id']}/resolve")
            print(f"  POST /conflicts/{conflict['conflict_id']}/resolve -> {resolved.status_code}")


def wait_for_run(
    api: httpx.Client,
    local: RunningStack,
    which: Any,
    until: tuple[str, ...] = ("succeeded", "partial", "failed", "stopped"),
    timeout: float = 90.0,
) -> dict[str, Any]:
    """Polls GET /runs the way the progress indicator does, printing each change of the counters."""
    deadline = time.monotonic() + timeout
    shown = ""
    while time.monotonic() < deadline:
        runs = [run for run in api.get("/runs").json()["items"] if which(run)]
        if runs:
            run = runs[0]
            progress = _progress(run)
            if progress and progress != shown:
                print(f"  run {run['kind']} {run['status']}: {progress}")
                shown = progress
            if run["status"] in until:
                return run
        time.sleep(0.2)
    raise TimeoutError("The run did not finish in time")


def print_run(api: httpx.Client, run: dict[str, Any]) -> None:
    print(f"Run {run['kind']} finished: {run['status']} {run.get('message') or ''}".rstrip())
    print_plan(api, run)


def print_plan(api: httpx.Client, run: dict[str, Any]) -> None:
    plan = api.get(f"/runs/{run['run_id']}/plan").json()
    print(f"Plan of run {run['run_id']} ({run['status']}):")
    for category, counts in ((plan.get("summary") or {}).get("counts") or {}).items():
        actions = ", ".join(f"{action} {n}" for action, n in counts.items() if n)
        print(f"  {category:12} {actions or 'nothing to do'}")


def print_books(qbo: SimulatorHandle, company: SeededCompany) -> None:
    print("\nQuickBooks now holds:")
    for entity in ("Customer", "Item", "Invoice", "CreditMemo", "Payment"):
        print(f"  {entity:10} {qbo.admin.count(REALM, entity)}")
    saas_totals = {invoice.number: invoice.total for invoice in company.invoices.values()}
    for invoice in sorted(qbo.admin.data(REALM, "Invoice").get("Invoice", []), key=lambda i: i["DocNumber"]):
        number, total = invoice["DocNumber"], Decimal(str(invoice["TotalAmt"]))
        same = "equal to the cent" if saas_totals.get(number) == total else f"app says {saas_totals.get(number)}"
        print(f"  invoice {number}: TotalAmt {total} ({same}), balance {invoice['Balance']}")


def print_sync_log(api: httpx.Client) -> None:
    rows = api.get("/sync-log", params={"limit": 200}).json()["items"]
    print(f"\nSync log ({len(rows)} rows, newest first):")
    for row in rows[:60]:
        print(f"  {row['status']:9} {row['entity']:12} {row['action']:8} {row['detail']}")


def _progress(run: dict[str, Any]) -> str:
    return ", ".join(f"{name} {p['done']} / {p['total']}" for name, p in (run.get("progress") or {}).items())


def _ok(reply: httpx.Response) -> Any:
    if reply.is_error:
        raise RuntimeError(f"{reply.request.method} {reply.request.url.path} -> {reply.status_code} {reply.text}")
    return reply.json() if reply.content else None


def _serve_until_interrupted() -> None:
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    print("Serving; press Ctrl-C to stop.")
    with suppress(KeyboardInterrupt):
        stop.wait()
    print("Stopping ...")


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m local.demo", description=__doc__.splitlines()[0])
    parser.add_argument("--provider", choices=sorted(SCENARIOS), default="quickbooks_online", help="whose books")
    parser.add_argument("--once", action="store_true", help="run the scenario and exit")
    parser.add_argument("--api-port", type=int, default=3000, help="console API port (0: any free port)")
    parser.add_argument("--moto-port", type=int, default=0, help="embedded AWS port (0: any free port)")
    return parser.parse_args(argv)


if __name__ == "__main__":
    main()
