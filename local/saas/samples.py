"""`python -m local.saas.samples`: rewrites `events/saas/` from events the app really publishes.

A scenario touches every (entity, action) pair in the contract; the first event of each pair is
saved as EventBridge delivers it to a Lambda target. Re-run after changing the contract, review
the diff, commit.
"""

import argparse
import datetime as dt
import json
import uuid
from pathlib import Path
from typing import Any

from fieldbooks.domain.record_fields import AccountingLinkFields
from fieldbooks.saas.client import SaasPlatformClient
from fieldbooks.saas.events import EVENT_TYPES, SOURCE, SaasChangeEvent
from local.saas.client import SaasAppClient
from local.saas.publisher import RecordingSink
from local.saas.server import running_saas_app

SAMPLES_DIR = Path(__file__).resolve().parents[2] / "events" / "saas"
SAMPLE_ACCOUNT = "123456789012"
SAMPLE_REGION = "us-east-1"
TENANT = "t-acme"


def as_delivered(event: SaasChangeEvent, account: str = SAMPLE_ACCOUNT, region: str = SAMPLE_REGION) -> dict[str, Any]:
    """The event wrapped the way EventBridge hands it to a target."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": event.detail_type,
        "source": SOURCE,
        "account": account,
        "time": event.occurred_at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": region,
        "resources": [],
        "detail": event.model_dump(mode="json"),
    }


def exercise_every_event_type(app: SaasAppClient, platform: SaasPlatformClient) -> None:
    app.create_tenant(TENANT, "Acme Plumbing & Heating")
    tech = app.create_team_member(TENANT, name="Dana Ortiz", email="dana@acme.example", role="technician")
    app.update_team_member(TENANT, tech.id, role="dispatcher")

    address = {
        "line1": "12 Elm St",
        "city": "Springfield",
        "region": "IL",
        "postal_code": "62701",
        "country": "US",
    }
    ann = app.create_contact(
        TENANT, first_name="Ann", last_name="Lee", email="ann.lee@example.com", billing_address=address
    )
    ann = app.update_contact(TENANT, ann.id, phone="+1 217 555 0101")
    stray = app.create_contact(TENANT, kind="company", company_name="Duplicate Co")
    app.delete_contact(TENANT, stray.id)

    home = app.create_property(TENANT, contact_id=ann.id, name="Home", address=address)
    app.update_property(TENANT, home.id, notes="Dog in the yard")
    shed = app.create_property(TENANT, contact_id=ann.id, name="Shed", address=address)
    app.delete_property(TENANT, shed.id)

    labour = app.create_item(TENANT, name="Labour (hour)", kind="service", unit_price="95.00", taxable=False)
    app.update_item(TENANT, labour.id, unit_price="99.50")
    valve = app.create_item(TENANT, name="Ball valve 3/4in", kind="material", unit_price="18.3750", taxable=True)
    old = app.create_item(TENANT, name="Discontinued part", kind="material", unit_price="1.00")
    app.delete_item(TENANT, old.id)

    lines = [
        {"item_id": labour.id, "description": "Labour", "quantity": "2.5", "unit_price": "99.50"},
        {
            "item_id": valve.id,
            "description": "Ball valve 3/4in",
            "quantity": "2",
            "unit_price": "18.3750",
            "discount_percent": "10",
            "taxable": True,
            "tax_rate": "8.25",
        },
    ]
    quote = app.create_quote(TENANT, contact_id=ann.id, property_id=home.id, issue_date="2026-11-02", lines=lines)
    app.update_quote(TENANT, quote.id, status="accepted")
    job = app.create_job(TENANT, contact_id=ann.id, property_id=home.id, title="Replace valves", assigned_to=[tech.id])
    app.update_job(TENANT, job.id, status="completed")

    dates = {"issue_date": "2026-11-20", "due_date": "2026-12-20"}
    invoice = app.create_invoice(TENANT, contact_id=ann.id, property_id=home.id, lines=lines[:1], **dates)
    invoice = app.update_invoice(TENANT, invoice.id, lines=lines)
    invoice = app.finalize_invoice(TENANT, invoice.id)
    scrap = app.create_invoice(TENANT, contact_id=ann.id, lines=lines[:1], **dates)
    app.delete_invoice(TENANT, scrap.id)
    mistake = app.create_invoice(TENANT, contact_id=ann.id, lines=lines[:1], **dates)
    app.finalize_invoice(TENANT, mistake.id)
    app.void_invoice(TENANT, mistake.id)

    credit = app.create_credit_note(
        TENANT,
        contact_id=ann.id,
        invoice_id=invoice.id,
        issue_date="2026-11-21",
        lines=[{"description": "Goodwill", "unit_price": "20.00"}],
        reason="Late arrival",
    )
    platform.set_accounting_link(TENANT, "credit_note", credit.id, AccountingLinkFields(provider="qbo", remote_id="88"))
    payment = app.record_payment(
        TENANT,
        contact_id=ann.id,
        date="2026-11-22",
        amount="100.00",
        method="card",
        applied_to=[{"invoice_id": invoice.id, "amount": "100.00"}],
    )
    platform.set_accounting_link(TENANT, "payment", payment.id, AccountingLinkFields(provider="qbo", remote_id="91"))
    platform.reverse_payment(TENANT, payment.id)


def write_samples(target: Path) -> list[Path]:
    sink = RecordingSink()
    with (
        running_saas_app(sink=sink) as app,
        SaasPlatformClient(app.base_url, app.platform_api_key) as platform,
    ):
        exercise_every_event_type(app.app_client, platform)
        app.wait_until_published()
    first_of_each: dict[str, SaasChangeEvent] = {}
    for event in sink.events:
        first_of_each.setdefault(event.detail_type, event)
    missing = {f"{entity}.{action}" for entity, action in EVENT_TYPES} - set(first_of_each)
    if missing:
        raise RuntimeError(f"The scenario emitted no {sorted(missing)}")
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for detail_type, event in sorted(first_of_each.items()):
        path = target / f"{detail_type}.v1.json"
        path.write_text(json.dumps(as_delivered(event), indent=2) + "\n")
        written.append(path)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m local.saas.samples", description=__doc__)
    parser.add_argument("--out", type=Path, default=SAMPLES_DIR)
    for path in write_samples(parser.parse_args().out):
        print(path)


if __name__ == "__main__":
    main()
