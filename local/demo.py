"""The main job, locally: the stack from template.yaml, the reference SaaS app, and a short scenario.

    python -m local.demo            # run the scenario, then keep serving until Ctrl-C
    python -m local.demo --once     # run the scenario and stop (what the e2e test does)

The scenario seeds a field-service company, lets its change events flow over the embedded
EventBridge bus into the real handlers, and reads the console API back with a token the SaaS signed.
Connecting an accounting company arrives with the QuickBooks Online work; until then the push
worker sees an unconnected tenant and correctly does nothing with its changes.
"""

from __future__ import annotations

import argparse
import logging
import signal
import socket
import threading
import warnings
from contextlib import ExitStack, suppress
from typing import Any

import boto3
import httpx

from local.runtime.stack import RunningStack, running_stack
from local.saas.client import SaasAppClient
from local.saas.config import SaasAppConfig
from local.saas.publisher import EventBridgeSink
from local.saas.server import SaasAppHandle, running_saas_app

TENANT = "t-acme"
ADDRESS = {"line1": "12 Elm St", "city": "Springfield", "region": "IL", "postal_code": "62701", "country": "US"}


def main(argv: list[str] | None = None) -> None:
    args = _arguments(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)-14s %(message)s", datefmt="%H:%M:%S")
    for noisy in ("httpx", "botocore"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # The handlers publish no custom metric yet; Powertools warns about that on every invocation.
    warnings.filterwarnings("ignore", message="No application metrics to publish")
    moto_port = args.moto_port or _free_port()
    with ExitStack() as stack:
        # The SaaS app publishes to the embedded bus; its outbox retries until the bus exists.
        events = boto3.client(
            "events",
            region_name="us-east-1",
            endpoint_url=f"http://127.0.0.1:{moto_port}",
            aws_access_key_id="local",
            aws_secret_access_key="local",
        )
        saas = stack.enter_context(
            running_saas_app(SaasAppConfig(db_path=":memory:"), sink=EventBridgeSink("fsm-saas", client=events))
        )
        local = stack.enter_context(running_stack(api_port=args.api_port, moto_port=moto_port, saas_url=saas.base_url))
        logging.getLogger("fieldbooks").setLevel(logging.WARNING)  # handlers' JSON logs: only problems
        print(summary(local, saas))
        run_scenario(local, saas)
        if not args.once:
            _serve_until_interrupted()


def summary(local: RunningStack, saas: SaasAppHandle) -> str:
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
    lines.append("")
    return "\n".join(lines)


def run_scenario(local: RunningStack, saas: SaasAppHandle) -> None:
    app: SaasAppClient = saas.app_client
    print("Seeding Acme Plumbing & Heating in the reference SaaS app ...")
    app.create_tenant(TENANT, "Acme Plumbing & Heating")
    ann = app.create_contact(TENANT, first_name="Ann", last_name="Lee", email="ann.lee@example.com")
    app.create_contact(TENANT, kind="company", company_name="Springfield Dental LLC", email="office@sdental.example")
    app.create_property(TENANT, contact_id=ann.id, name="Home", address=ADDRESS)
    labour = app.create_item(TENANT, name="Labour (hour)", kind="service", unit_price="95.00")
    valve = app.create_item(TENANT, name="Ball valve 3/4in", kind="material", unit_price="18.3750", taxable=True)
    lines: list[dict[str, Any]] = [
        {"item_id": labour.id, "description": "Labour", "quantity": "2.5", "unit_price": "95.00"},
        {"item_id": valve.id, "description": "Ball valve", "quantity": "2", "unit_price": "18.3750", "taxable": True}
        | {"tax_rate": "8.25", "discount_percent": "10"},
    ]
    app.create_quote(TENANT, contact_id=ann.id, issue_date="2026-11-20", lines=lines)
    invoice = app.create_invoice(TENANT, contact_id=ann.id, issue_date="2026-11-20", due_date="2026-12-20", lines=lines)
    invoice = app.finalize_invoice(TENANT, invoice.id)
    print(f"  invoice {invoice.number}: total {invoice.total} (tax {invoice.tax_total})")

    saas.wait_until_published(timeout=30)
    local.wait_until_idle(timeout=30)
    _, invocations = local.host.activity()
    print(f"Changes went over the bus into the real handlers: {invocations} invocations so far.")

    token = app.console_token(TENANT, "u-owner", role="owner")
    with httpx.Client(base_url=local.api_url, headers={"authorization": f"Bearer {token}"}, timeout=10) as api:
        connections = api.get("/connections").json()["items"]
        print(f"GET /connections -> {len(connections)} connected accounting companies")
        log = api.get("/sync-log").json()["items"]
        print(f"GET /sync-log    -> {len(log)} rows (nothing is connected, so nothing was pushed)")
        refused = httpx.get(f"{local.api_url}/sync-log", timeout=10)
        print(f"GET /sync-log without a token -> {refused.status_code} {refused.json()['message']}")


def _serve_until_interrupted() -> None:
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    print("Serving; press Ctrl-C to stop.")
    with suppress(KeyboardInterrupt):
        stop.wait()
    print("Stopping ...")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m local.demo", description=__doc__.splitlines()[0])
    parser.add_argument("--once", action="store_true", help="run the scenario and exit")
    parser.add_argument("--api-port", type=int, default=3000, help="console API port (0: any free port)")
    parser.add_argument("--moto-port", type=int, default=0, help="embedded AWS port (0: any free port)")
    return parser.parse_args(argv)


if __name__ == "__main__":
    main()
