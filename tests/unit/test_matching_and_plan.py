"""Matching and planning are pure: both sides' records in, one plan out."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from fieldbooks.domain.models import ConnectionSettings, EntityDirection, Link, LinkState, Provider
from fieldbooks.domain.plans import ApplyStep, PlanActionKind
from fieldbooks.domain.records import RECORD_MODELS, SaasRecord
from fieldbooks.providers.contract import RemoteRecord, RemoteSide
from fieldbooks.sync.matching import (
    Ambiguous,
    Matched,
    match_contacts,
    normalised_email,
    normalised_name,
)
from fieldbooks.sync.plan import SaasSide, build_plan
from tests.support.fake_provider import FAKE_DESCRIPTOR

STAMP = "2026-11-21T10:00:00Z"


def record(entity: str, record_id: str, version: int = 1, **fields: Any) -> SaasRecord:
    base = {"id": record_id, "version": version, "created_at": STAMP, "updated_at": STAMP}
    return RECORD_MODELS[entity].model_validate(base | fields)  # type: ignore[index]


def contact(record_id: str, first: str, last: str, email: str | None = None, **fields: Any) -> SaasRecord:
    return record("contact", record_id, first_name=first, last_name=last, email=email, **fields)


def invoice(record_id: str, number: str, price: str = "100.00", status: str = "finalized") -> SaasRecord:
    line = {"description": "Service call", "quantity": "1", "unit_price": price}
    return record(
        "invoice",
        record_id,
        number=number,
        contact_id="con_1",
        issue_date="2026-11-01",
        due_date="2026-12-01",
        status=status,
        lines=[line],
    )


def customer(remote_id: str, name: str, email: str | None = None, parent_id: str | None = None) -> RemoteRecord:
    return RemoteRecord(remote_id=remote_id, remote_entity="Customer", name=name, email=email, parent_id=parent_id)


def link(
    entity: str, saas_id: str, remote_id: str | None, state: LinkState = LinkState.LINKED, synced: int = 1
) -> Link:
    return Link(
        tenant_id="t-acme",
        provider=Provider.QUICKBOOKS_ONLINE,
        entity=entity,
        saas_id=saas_id,
        state=state,
        remote_id=remote_id,
        synced_version=synced,
        updated_at=datetime(2026, 11, 1, tzinfo=UTC),
    )


def plan_of(saas: SaasSide, remote: RemoteSide, links: list[Link] = (), **settings: Any):  # noqa: ANN201
    by_key = {(each.entity, each.saas_id): each for each in links}
    return build_plan(saas, remote, by_key, ConnectionSettings(**settings), FAKE_DESCRIPTOR)


def actions_by_id(plan) -> dict[str, Any]:  # noqa: ANN001
    return {a.saas_id: a for a in plan.actions}


def test_names_and_emails_are_normalised_for_matching() -> None:
    assert normalised_email("  Jane@Example.COM ") == "jane@example.com"
    assert normalised_email("   ") is None
    assert normalised_name("  ACME  Plumbing, Inc. ") == normalised_name("acme plumbing inc")
    assert normalised_name("Zoë O'Brien") == "zoe o brien"


def test_contacts_match_by_email_before_name_and_each_customer_is_claimed_once() -> None:
    jane = contact("con_1", "Jane", "Doe", email="JANE@example.com")
    john = contact("con_2", "John", "Smith")
    second_john = contact("con_3", "John", "Smith")
    customers = [
        customer("58", "Jane D. (old name)", email=" Jane@Example.com "),
        customer("59", "John  Smith"),
        customer("60", "Jane Doe"),  # name would match Jane, but her email already did
    ]

    outcomes = match_contacts([jane, john, second_john], customers, claimed=set())

    assert outcomes["con_1"] == Matched(customers[0], "email")
    assert outcomes["con_2"] == Matched(customers[1], "name")
    assert "con_3" not in outcomes  # the only John Smith is taken: the plan decides what that means


def test_a_shared_email_is_told_apart_by_name_or_reported_as_ambiguous() -> None:
    anna = contact("con_1", "Anna", "Lee", email="home@lee.family")
    bob = contact("con_2", "Bob", "Ray", email="office@ray.co")
    customers = [
        customer("1", "Anna Lee", email="home@lee.family"),
        customer("2", "Tom Lee", email="home@lee.family"),
        customer("3", "Ray Ltd", email="office@ray.co"),
        customer("4", "Ray Holdings", email="office@ray.co"),
    ]

    outcomes = match_contacts([anna, bob], customers, claimed=set())

    assert outcomes["con_1"] == Matched(customers[0], "email")
    assert isinstance(outcomes["con_2"], Ambiguous)
    assert [c.remote_id for c in outcomes["con_2"].candidates] == ["3", "4"]


def test_the_plan_links_creates_updates_skips_and_reports_conflicts_per_category() -> None:
    saas = SaasSide(
        contacts=[
            contact("con_1", "Jane", "Doe", email="jane@example.com"),  # link by email
            contact("con_2", "Acme", "Builders"),  # link by name
            contact("con_3", "New", "Person"),  # create
            contact("con_4", "Acme", "Builders"),  # the name is taken: conflict, pushed so a conflict opens
            contact("con_5", "Linked", "Already", version=3),  # linked at v2: update
            contact("con_6", "Unlinked", "ByHand"),  # unlinked by the tenant: re-imported as new
        ],
        properties=[
            record("property", "pro_1", contact_id="con_1", name="Main Street", address={"line1": "1 Main St"}),
            record("property", "pro_2", contact_id="con_3", name="Depot", address={"line1": "2 Dock Rd"}),
        ],
        items=[
            record("item", "itm_1", name="Labour (hourly)", unit_price="75"),
            record("item", "itm_2", name="Copper pipe", kind="material", unit_price="3.4125"),
            record("item", "itm_3", name="Old thing", unit_price="1", active=False),
        ],
        invoices=[
            invoice("inv_1", "INV-1001"),  # link by doc number, totals agree
            invoice("inv_2", "INV-1002"),  # same number, different total: conflict for a person
            invoice("inv_3", "INV-1003"),  # create
            invoice("inv_4", "INV-1004", status="draft"),  # never a draft
        ],
    )
    remote = RemoteSide(
        customers=[
            customer("58", "Jane Doe", email="jane@example.com"),
            customer("59", "ACME builders"),
            customer("70", "Main Street", parent_id="58"),
            customer("71", "Main Street", parent_id="59"),  # same job name under another customer: not ours
        ],
        items=[RemoteRecord(remote_id="5", remote_entity="Item", name="labour  (Hourly)")],
        invoices=[
            RemoteRecord(
                remote_id="130", remote_entity="Invoice", name="INV-1001", doc_number="inv-1001", total=Decimal("100")
            ),
            RemoteRecord(
                remote_id="131", remote_entity="Invoice", name="INV-1002", doc_number="INV-1002", total=Decimal("90")
            ),
        ],
    )
    links = [link("contact", "con_5", "80", synced=2), link("contact", "con_6", "81", state=LinkState.UNLINKED)]

    plan = plan_of(saas, remote, links)
    actions = actions_by_id(plan)

    assert (actions["con_1"].action, actions["con_1"].remote_id, actions["con_1"].matched_by) == ("link", "58", "email")
    assert (actions["con_2"].action, actions["con_2"].remote_id, actions["con_2"].matched_by) == ("link", "59", "name")
    assert (actions["con_3"].action, actions["con_3"].step) == (PlanActionKind.CREATE, ApplyStep.PUSH)
    assert (actions["con_4"].action, actions["con_4"].step) == (PlanActionKind.CONFLICT, ApplyStep.PUSH)
    assert "naming rule" in actions["con_4"].reason
    assert (actions["con_5"].action, actions["con_5"].remote_id) == (PlanActionKind.UPDATE, "80")
    assert (actions["con_6"].action, actions["con_6"].step) == (PlanActionKind.CREATE, ApplyStep.PUSH)
    assert (actions["pro_1"].action, actions["pro_1"].remote_id) == (PlanActionKind.LINK, "70")
    assert actions["pro_2"].action is PlanActionKind.CREATE
    assert (actions["itm_1"].action, actions["itm_1"].remote_id) == (PlanActionKind.LINK, "5")
    assert actions["itm_2"].action is PlanActionKind.CREATE
    assert actions["itm_3"].action is PlanActionKind.SKIP
    assert (actions["inv_1"].action, actions["inv_1"].remote_id) == (PlanActionKind.LINK, "130")
    assert (actions["inv_2"].action, actions["inv_2"].step) == (PlanActionKind.CONFLICT, ApplyStep.REPORT)
    assert "90" in actions["inv_2"].reason and "100.00" in actions["inv_2"].reason
    assert actions["inv_3"].action is PlanActionKind.CREATE
    assert actions["inv_4"].reason == "Draft invoices go to accounting once they are finalized."

    counts = plan.summary().counts
    assert counts["contacts"].model_dump() == {
        "link": 2,
        "create": 2,
        "update": 1,
        "skip": 0,
        "conflict": 1,
        "bring_in": 0,
    }
    assert counts["properties"].model_dump() == {
        "link": 1,
        "create": 1,
        "update": 0,
        "skip": 0,
        "conflict": 0,
        "bring_in": 0,
    }
    assert counts["invoices"].model_dump() == {
        "link": 1,
        "create": 1,
        "update": 0,
        "skip": 1,
        "conflict": 1,
        "bring_in": 0,
    }
    assert plan.summary().to_apply == len(plan.actions) - 2  # two skips


def test_apply_order_is_parents_first_whatever_order_the_plan_was_built_in() -> None:
    saas = SaasSide(
        contacts=[contact("con_1", "Jane", "Doe")],
        items=[record("item", "itm_1", name="Labour", unit_price="75")],
        invoices=[invoice("inv_1", "INV-1")],
        payments=[
            record(
                "payment",
                "pay_1",
                contact_id="con_1",
                date="2026-11-02",
                amount="100.00",
                method="card",
                applied_to=[{"invoice_id": "inv_1", "amount": "100.00"}],
            )
        ],
    )

    plan = plan_of(saas, RemoteSide())

    assert [a.category for a in plan.to_apply] == ["contacts", "items", "invoices", "payments"]
    assert plan.to_apply[-1].label == "Payment of 100.00 on 2026-11-02"


def test_switched_off_directions_and_up_to_date_links_are_skipped_with_reasons() -> None:
    saas = SaasSide(
        contacts=[contact("con_1", "Jane", "Doe")],
        items=[record("item", "itm_1", name="Labour", unit_price="75", version=2)],
    )
    links = [link("item", "itm_1", "5", synced=2)]

    plan = plan_of(saas, RemoteSide(), links, directions={"contact": EntityDirection.OFF})
    actions = actions_by_id(plan)

    assert actions["con_1"].reason == "Sending contacts to Fake Books is switched off in settings."
    assert actions["itm_1"].reason == "Already in Fake Books and up to date."
    assert plan.to_apply == []


def test_a_linked_invoice_deleted_or_voided_in_accounting_is_never_up_to_date() -> None:
    """Issue 11: Sync now planned an invoice deleted in QuickBooks as "Already ... up to date"."""
    saas = SaasSide(
        invoices=[
            invoice("inv_1", "INV-1"),  # its twin is gone from the read side: deleted there
            invoice("inv_2", "INV-2"),  # its twin is voided there
            invoice("inv_3", "INV-3"),  # in step
            invoice("inv_4", "INV-4", status="void"),  # deleted there, void here: nothing to do
            invoice("inv_5", "INV-5"),  # flagged deleted by a pull, whatever the read side says
        ]
    )
    remote = RemoteSide(
        invoices=[
            RemoteRecord(remote_id="131", remote_entity="Invoice", doc_number="INV-2", total=Decimal(0), voided=True),
            RemoteRecord(remote_id="132", remote_entity="Invoice", doc_number="INV-3", total=Decimal("100.00")),
            RemoteRecord(remote_id="134", remote_entity="Invoice", doc_number="INV-5", total=Decimal("100.00")),
        ]
    )
    links = [link("invoice", f"inv_{n}", f"13{n - 1}") for n in range(1, 6)]
    links[4] = links[4].model_copy(update={"remote_inactive": True})

    actions = actions_by_id(plan_of(saas, remote, links))

    assert (actions["inv_1"].action, actions["inv_1"].step) == (PlanActionKind.CONFLICT, ApplyStep.HOLD)
    assert actions["inv_1"].reason.startswith("Deleted in Fake Books; approve its re-import")
    assert (actions["inv_2"].action, actions["inv_2"].step) == (PlanActionKind.CONFLICT, ApplyStep.HOLD)
    assert actions["inv_2"].reason == "Voided in Fake Books; approve voiding it here too under pending actions."
    assert actions["inv_3"].reason == "Already in Fake Books and up to date."
    assert (actions["inv_4"].action, actions["inv_4"].step) == (PlanActionKind.SKIP, ApplyStep.NONE)
    assert actions["inv_5"].step is ApplyStep.HOLD
    assert not any("up to date" in actions[f"inv_{n}"].reason for n in (1, 2, 4, 5))


def test_an_unlinked_record_is_planned_afresh_a_match_or_a_create() -> None:
    saas = SaasSide(contacts=[contact("con_1", "Jane", "Doe"), contact("con_2", "Ann", "Lee")])
    remote = RemoteSide(customers=[customer("58", "Jane Doe"), customer("59", "Someone Else")])
    links = [
        link("contact", "con_1", "58", state=LinkState.UNLINKED),
        link("contact", "con_2", "59", state=LinkState.UNLINKED),
    ]

    actions = actions_by_id(plan_of(saas, remote, links))

    assert (actions["con_1"].action, actions["con_1"].remote_id) == (PlanActionKind.LINK, "58")
    assert (actions["con_2"].action, actions["con_2"].step) == (PlanActionKind.CREATE, ApplyStep.PUSH)


def test_a_customer_and_an_item_with_the_same_id_are_different_records() -> None:
    """QuickBooks numbers each entity on its own: customer 1 being linked must not hide item 1."""
    saas = SaasSide(items=[record("item", "itm_1", name="Labour", unit_price="75")])
    remote = RemoteSide(items=[RemoteRecord(remote_id="1", remote_entity="Item", name="labour")])

    plan = plan_of(saas, remote, [link("contact", "con_1", "1")])

    assert (plan.actions[0].action, plan.actions[0].remote_id) == (PlanActionKind.LINK, "1")


def test_a_job_site_matches_a_sub_customer_named_after_it_with_or_without_its_parent_in_front() -> None:
    saas = SaasSide(
        contacts=[contact("con_1", "Jane", "Doe", email="jane@example.com")],
        properties=[
            record("property", "pro_1", contact_id="con_1", name="Main Street", address={"line1": "1 Main St"}),
            record("property", "pro_2", contact_id="con_1", name="Cabin", address={"line1": "2 Lake Rd"}),
        ],
    )
    remote = RemoteSide(
        customers=[
            customer("58", "Jane D.", email="jane@example.com"),
            customer("70", "Jane D. - Main Street", parent_id="58"),
            customer("71", "cabin", parent_id="58"),
        ]
    )

    actions = actions_by_id(plan_of(saas, remote))

    assert (actions["pro_1"].action, actions["pro_1"].remote_id) == (PlanActionKind.LINK, "70")
    assert (actions["pro_2"].action, actions["pro_2"].remote_id) == (PlanActionKind.LINK, "71")


def test_duplicate_names_are_judged_by_the_name_the_customer_will_carry_in_accounting() -> None:
    saas = SaasSide(
        contacts=[
            contact("con_1", "Chris", "Park", company_name="Home"),
            contact("con_2", "Chris", "Park", company_name="Park Rentals"),
        ]
    )

    def with_company(person: Any) -> str:
        return f"{person.first_name} {person.last_name} ({person.company_name})"

    plain = build_plan(saas, RemoteSide(), {}, ConnectionSettings(), FAKE_DESCRIPTOR)
    ruled = build_plan(saas, RemoteSide(), {}, ConnectionSettings(), FAKE_DESCRIPTOR, contact_name=with_company)

    assert [a.action for a in plain.actions] == [PlanActionKind.CREATE, PlanActionKind.CONFLICT]
    assert [a.action for a in ruled.actions] == [PlanActionKind.CREATE, PlanActionKind.CREATE]


def test_the_linked_to_accounting_marker_alone_is_not_a_change_to_push() -> None:
    marker = {"provider": "qbo", "remote_id": "58", "linked_at": STAMP}
    marked_only = contact("con_1", "Jane", "Doe", version=2, accounting_link=marker)
    edited_after = record(
        "contact",
        "con_2",
        version=3,
        first_name="John",
        last_name="Roe",
        accounting_link=marker,
        updated_at="2026-11-21T11:00:00Z",
    )
    links = [link("contact", "con_1", "58", synced=1), link("contact", "con_2", "59", synced=2)]

    actions = actions_by_id(plan_of(SaasSide(contacts=[marked_only, edited_after]), RemoteSide(), links))

    assert actions["con_1"].action is PlanActionKind.SKIP
    assert actions["con_2"].action is PlanActionKind.UPDATE


def test_customers_only_accounting_has_are_brought_in_when_contacts_come_from_accounting() -> None:
    descriptor = replace(FAKE_DESCRIPTOR, pulled=("contact", "property"))
    saas = SaasSide(contacts=[contact("con_1", "Jane", "Doe", "jane@example.com")])
    remote = RemoteSide(
        customers=[
            customer("1", "Jane D.", "jane@example.com"),  # matched by email: linked, not brought in
            customer("2", "Carl Only"),
            customer("3", "Carl Only - Barn", parent_id="2"),
            customer("5", "Jane Doe"),  # the same name as a SaaS contact: a person decides
        ]
    )

    plan = build_plan(saas, remote, {}, ConnectionSettings(), descriptor)
    brought = [(a.category, a.remote_id, a.step) for a in plan.to_apply if a.action is PlanActionKind.BRING_IN]
    assert brought == [("contacts", "2", ApplyStep.BRING_IN), ("properties", "3", ApplyStep.BRING_IN)]
    assert plan.summary().counts["contacts"].bring_in == 1

    one_way = ConnectionSettings(directions={"contact": EntityDirection.TO_ACCOUNTING})
    assert not [a for a in build_plan(saas, remote, {}, one_way, descriptor).actions if a.action == "bring_in"]
