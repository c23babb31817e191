"""A realistic small field-service company for the demo: both sides of the books before connecting.

The SaaS side has contacts (one pair sharing a name), job sites, a pricebook, finalized invoices with
tax and discounts, payments, a draft and a quote. The QuickBooks side already has a few customers and
an item, the way a company that kept books before the field-service app does: some match by email,
some by name. After the initial sync a bookkeeper adds a walk-in customer in QuickBooks while no
webhook is set up yet (`add_walk_in_customer`): an unlinked namesake a later SaaS contact collides
with, the resolvable duplicate-name conflict. Seeded before connecting, the initial sync would bring
it into the SaaS (customers go both ways) and the later contact would be a second SaaS namesake.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from local.saas.client import SaasAppClient
from local.simulators.quickbooks_online import AdminClient

ISSUED = "2026-11-02"
DUE = "2026-12-02"


def address(line1: str, city: str = "Springfield", postal_code: str = "62701") -> dict[str, str]:
    return {"line1": line1, "city": city, "region": "IL", "postal_code": postal_code, "country": "US"}


@dataclass
class SeededCompany:
    contacts: dict[str, Any] = field(default_factory=dict)
    items: dict[str, Any] = field(default_factory=dict)
    invoices: dict[str, Any] = field(default_factory=dict)


def seed_quickbooks(admin: AdminClient, realm_id: str) -> None:
    """What the bookkeeper already has in QuickBooks before connecting."""
    admin.create_as_user(
        realm_id,
        "Customer",
        DisplayName="Ann Lee",
        GivenName="Ann",
        FamilyName="Lee",
        PrimaryEmailAddr={"Address": "ann.lee@example.com"},
    )
    admin.create_as_user(realm_id, "Customer", DisplayName="Springfield Dental LLC", CompanyName="Springfield Dental")
    admin.create_as_user(realm_id, "Item", Name="Labour (hour)", Type="Service", IncomeAccountRef={"value": "1"})


WALK_IN = "Walk-in Customer"


def add_walk_in_customer(admin: AdminClient, realm_id: str) -> dict[str, Any]:
    """A customer a bookkeeper adds in QuickBooks after the initial sync, before any webhook reaches us."""
    return admin.create_as_user(realm_id, "Customer", DisplayName=WALK_IN)


def seed_saas(app: SaasAppClient, tenant_id: str) -> SeededCompany:
    seeded = SeededCompany()
    contacts = seeded.contacts
    contacts["ann"] = app.create_contact(
        tenant_id, first_name="Ann", last_name="Lee", email="Ann.Lee@Example.COM"
    )  # matches by email, whatever its case
    contacts["dental"] = app.create_contact(
        tenant_id, kind="company", company_name="Springfield Dental, LLC", email="office@sdental.example"
    )  # matches by normalised name
    contacts["carlos"] = app.create_contact(
        tenant_id, first_name="Carlos", last_name="Diaz", email="carlos@diaz.example", phone="217-555-0101"
    )
    contacts["dana"] = app.create_contact(
        tenant_id, kind="company", company_name="Dana's Diner", email="dana@diner.example"
    )
    contacts["chris_home"] = app.create_contact(
        tenant_id, first_name="Chris", last_name="Park", company_name="Home", email="chris@park.example"
    )
    contacts["chris_rentals"] = app.create_contact(
        tenant_id, first_name="Chris", last_name="Park", company_name="Park Rentals", email="rentals@park.example"
    )  # the same name as the other Chris Park: unresolvable until the naming rule is on
    app.create_property(tenant_id, contact_id=contacts["ann"].id, name="Home", address=address("12 Elm St"))
    app.create_property(tenant_id, contact_id=contacts["carlos"].id, name="Rental", address=address("7 Oak Ave"))
    app.create_property(tenant_id, contact_id=contacts["dana"].id, name="Diner", address=address("300 Main St"))

    items = seeded.items
    items["labour"] = app.create_item(tenant_id, name="Labour (hour)", kind="service", unit_price="95.00")
    items["valve"] = app.create_item(
        tenant_id, name="Ball valve 3/4in", kind="material", unit_price="18.3750", taxable=True
    )
    items["heater"] = app.create_item(
        tenant_id, name="Water heater install", kind="service", unit_price="1250.00", taxable=True
    )

    def lines(*rows: dict[str, Any]) -> list[dict[str, Any]]:
        return list(rows)

    labour = {"item_id": items["labour"].id, "description": "Labour", "unit_price": "95.00"}
    valve = {"item_id": items["valve"].id, "description": "Ball valve 3/4in", "unit_price": "18.3750"}
    heater = {"item_id": items["heater"].id, "description": "50 gal water heater, installed"}
    taxed = {"taxable": True, "tax_rate": "7.25"}

    def invoice(key: str, contact: str, rows: list[dict[str, Any]], finalize: bool = True) -> None:
        created = app.create_invoice(
            tenant_id, contact_id=contacts[contact].id, issue_date=ISSUED, due_date=DUE, lines=rows
        )
        seeded.invoices[key] = app.finalize_invoice(tenant_id, created.id) if finalize else created

    invoice(
        "ann",
        "ann",
        lines(labour | {"quantity": "2.5"}, valve | {"quantity": "2", "discount_percent": "10"} | taxed),
    )
    invoice("carlos", "carlos", lines(heater | {"quantity": "1", "unit_price": "1250.00"} | taxed))
    invoice(
        "dental",
        "dental",
        lines(labour | {"quantity": "4", "discount_amount": "20.00"}, valve | {"quantity": "6"} | taxed),
    )
    invoice("dana_draft", "dana", lines(labour | {"quantity": "1"}), finalize=False)  # drafts never sync
    app.create_quote(tenant_id, contact_id=contacts["dana"].id, issue_date=ISSUED, lines=[labour | {"quantity": "3"}])
    paid = seeded.invoices["ann"]
    app.record_payment(
        tenant_id,
        contact_id=contacts["ann"].id,
        date="2026-11-10",
        amount=str(paid.total),
        method="card",
        applied_to=[{"invoice_id": paid.id, "amount": str(paid.total)}],
    )
    app.record_payment(
        tenant_id,
        contact_id=contacts["carlos"].id,
        date="2026-11-12",
        amount="500.00",
        method="check",
        reference="1042",
        applied_to=[{"invoice_id": seeded.invoices["carlos"].id, "amount": "500.00"}],
    )
    return seeded
