"""Conflicts, preview approvals and links through the real tenant API handler, on moto and the reference SaaS app.

The accounting side is a stand-in here (a recording `push_record` and a table of QuickBooks records), so
these tests pin the console's own rules: who may act, which tenant's ids exist, what is linked, pushed,
logged and kept pending.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import pytest

from fieldbooks import registry
from fieldbooks.console.conflicts import retry_after_naming_rule
from fieldbooks.domain.errors import RateLimited, ValidationFailed
from fieldbooks.domain.models import (
    ConflictKind,
    ConflictRecord,
    ConnectionSettings,
    ConnectionStatus,
    Link,
    LinkState,
    PendingAction,
    Provider,
    SyncStatus,
)
from fieldbooks.domain.record_fields import AccountingLinkFields
from fieldbooks.domain.records import SaasRecord
from fieldbooks.saas.client import SaasPlatformClient
from fieldbooks.services import Services
from fieldbooks.settings import Settings
from fieldbooks.store.conflicts import ConflictStore, PendingActionStore, action_id, conflict_id
from fieldbooks.store.links import LinkStore
from fieldbooks.store.sync_log import SyncLogFilter, SyncLogStore
from tests.conftest import SAAS_URL, console_token
from tests.support.fake_provider import FakeBooks, FakeProvider, connect

QBO = Provider.QUICKBOOKS_ONLINE
PREVIEW = ConnectionSettings(preview_customer_actions=True)


@dataclass
class FakeQuickBooks(FakeProvider):
    """The fake provider in QuickBooks Online's slot, with one set of books for every tenant of a test."""

    shared: FakeBooks = field(default_factory=FakeBooks)

    def books(self, company_id: str) -> FakeBooks:
        self.shared.failures = self.failures
        return self.shared

    def customer(self, remote_id: str, name: str, active: bool = True) -> None:
        """A customer a bookkeeper made in the books, at version 3."""
        self.shared.add("Customer", remote_id, active=active, version=3, Name=name)

    @property
    def writes(self) -> list[tuple[str, str]]:
        """(entity, SaaS id) of every create or update that reached the books."""
        return self.shared.writes

    def remote_id_of(self, name: str) -> str:
        (customer,) = self.shared.named("Customer", name)
        return customer.remote_id


@pytest.fixture
def quickbooks() -> Iterator[FakeQuickBooks]:
    with registry.replaced(QBO, FakeQuickBooks()) as fake:
        yield fake  # type: ignore[misc]  # the registry hands back what it was given


@pytest.fixture
def tenant(saas_app) -> str:  # noqa: ANN001 - fixture
    tenant_id = f"t-{uuid.uuid4().hex[:10]}"
    saas_app.handle.app_client.create_tenant(tenant_id, "Acme Plumbing")
    return tenant_id


@pytest.fixture
def platform(saas_app) -> Iterator[SaasPlatformClient]:  # noqa: ANN001 - fixture
    with SaasPlatformClient(SAAS_URL, saas_app.handle.platform_api_key) as client:
        yield client


Api = Callable[..., tuple[int, Any]]


@pytest.fixture
def api(aws, handler, context, load_event) -> Api:  # noqa: ANN001 - fixtures
    tenant_api = handler("TenantApiFunction")

    def call(
        method: str, path: str, token: str, *, query: dict[str, str] | None = None, body: Any = None
    ) -> tuple[int, Any]:
        route = path
        event = load_event(
            "tenant_api/get_sync_log.json",
            rawPath=path,
            routeKey=f"{method} {route}",
            rawQueryString=urlencode(query or {}),
            queryStringParameters=query or None,
            headers={"host": "api.fieldbooks.example", "authorization": f"Bearer {token}"},
            requestContext__http__path=path,
            requestContext__http__method=method,
        )
        if body is not None:
            event["body"] = json.dumps(body)
            event["headers"]["content-type"] = "application/json"
        reply = tenant_api(event, context)
        return reply["statusCode"], json.loads(reply["body"]) if reply.get("body") else None

    return call


def admin(tenant_id: str) -> str:
    return console_token(tenant_id, role="admin", user_id="u-admin")


def member(tenant_id: str) -> str:
    return console_token(tenant_id, role="member", user_id="u-member")


def contact(saas_app, tenant_id: str, first: str = "Jane", last: str = "Doe", **fields: Any) -> SaasRecord:  # noqa: ANN001
    return saas_app.handle.app_client.create_contact(tenant_id, first_name=first, last_name=last, **fields)


def open_conflict(
    tenant_id: str, saas_id: str, *, resolvable: bool, remote_id: str | None = None, name: str = "Jane Doe"
) -> ConflictRecord:
    message = (
        f'QuickBooks already has a customer named "{name}"; resolve to link them.'
        if resolvable
        else f'Two customers are named "{name}"; rename one or switch on the "First Last (Company)" naming rule.'
    )
    return ConflictStore().open(
        ConflictRecord(
            tenant_id=tenant_id,
            conflict_id=conflict_id(QBO, "contact", saas_id, ConflictKind.DUPLICATE_NAME),
            provider=QBO,
            entity="contact",
            saas_id=saas_id,
            kind=ConflictKind.DUPLICATE_NAME,
            resolvable=resolvable,
            message=message,
            name=name,
            remote_id=remote_id,
            created_at=datetime.now(UTC),
        )
    )


def hold(tenant_id: str, entity: str, saas_id: str, summary: str) -> PendingAction:
    return PendingActionStore().hold(
        PendingAction(
            tenant_id=tenant_id,
            action_id=action_id(QBO, entity, saas_id),
            provider=QBO,
            entity=entity,
            saas_id=saas_id,
            record_version=1,
            action="create",
            summary=summary,
            created_at=datetime.now(UTC),
        )
    )


def linked(tenant_id: str, entity: str, saas_id: str, remote_id: str) -> Link:
    return LinkStore().save(
        Link(
            tenant_id=tenant_id,
            provider=QBO,
            entity=entity,
            saas_id=saas_id,
            state=LinkState.LINKED,
            remote_id=remote_id,
            remote_entity="Customer",
            remote_version="0",
            updated_at=datetime.now(UTC),
        )
    )


def log_rows(tenant_id: str, **filters: Any) -> list[Any]:
    return SyncLogStore().page(tenant_id, SyncLogFilter(**filters)).items


# ---------------------------------------------------------------- conflicts


def test_members_see_their_own_tenants_open_conflicts_only(api: Api, tenant: str, quickbooks: FakeQuickBooks) -> None:
    open_conflict(tenant, "con_a", resolvable=True, remote_id="58")
    open_conflict(tenant, "con_b", resolvable=False)
    open_conflict("t-someone-else", "con_c", resolvable=False)
    ConflictStore().resolve(tenant, conflict_id(QBO, "contact", "con_b", ConflictKind.DUPLICATE_NAME))

    status, body = api("GET", "/conflicts", member(tenant))
    assert status == 200
    assert [(c["saas_id"], c["resolvable"]) for c in body["items"]] == [("con_a", True)]
    _, everything = api("GET", "/conflicts", member(tenant), query={"status": "all"})
    assert sorted(c["saas_id"] for c in everything["items"]) == ["con_a", "con_b"]
    status, body = api("GET", "/conflicts", member(tenant), query={"status": "maybe"})
    assert status == 400 and "status" in body["message"]


def test_resolving_links_the_contact_to_the_quickbooks_customer_and_pushes_it_as_an_update(
    api: Api, tenant: str, saas_app, platform: SaasPlatformClient, quickbooks: FakeQuickBooks
) -> None:  # noqa: ANN001
    connect(tenant)
    jane = contact(saas_app, tenant)
    quickbooks.customer("58", "Jane Doe")
    conflict = open_conflict(tenant, jane.id, resolvable=True, remote_id="58")

    status, body = api("POST", f"/conflicts/{conflict.conflict_id}/resolve", admin(tenant))

    assert status == 200, body
    assert body["conflict"]["status"] == "resolved"
    assert body["link"] | {"updated_at": None} == {
        "provider": "quickbooks_online",
        "entity": "contact",
        "saas_id": jane.id,
        "state": "linked",
        "remote_id": "58",
        "remote_entity": "Customer",
        "updated_at": None,
    }
    assert body["push"]["outcome"] == "linked"  # linked by the resolve, then brought up to date
    assert quickbooks.writes == [("contact", jane.id)]
    link = LinkStore().get(tenant, QBO, "contact", jane.id)
    assert (link.state, link.remote_id, link.remote_version) == (LinkState.LINKED, "58", "4")  # 3, then our update
    badge = platform.get_contact(tenant, jane.id).accounting_link
    assert (badge.provider, badge.remote_id) == ("qbo", "58")
    (row,) = log_rows(tenant, status=SyncStatus.MATCHED)
    assert row.detail == (
        "Linked customer Jane Doe to QuickBooks Online Customer Jane Doe (id 58) "
        "to settle a duplicate name (by u-admin)."
    )

    status, body = api("POST", f"/conflicts/{conflict.conflict_id}/resolve", admin(tenant))
    assert (status, body["message"]) == (409, "This conflict is already resolved.")


def test_an_unresolvable_conflict_answers_409_with_what_to_do(
    api: Api, tenant: str, saas_app, quickbooks: FakeQuickBooks
) -> None:  # noqa: ANN001
    connect(tenant)
    jane = contact(saas_app, tenant)
    conflict = open_conflict(tenant, jane.id, resolvable=False)

    status, body = api("POST", f"/conflicts/{conflict.conflict_id}/resolve", admin(tenant))

    assert status == 409
    assert body["message"] == conflict.message
    assert quickbooks.writes == []


def test_resolving_is_for_admins_and_for_the_conflicts_own_tenant(
    api: Api, tenant: str, saas_app, quickbooks: FakeQuickBooks
) -> None:  # noqa: ANN001
    connect(tenant)
    jane = contact(saas_app, tenant)
    quickbooks.customer("58", "Jane Doe")
    conflict = open_conflict(tenant, jane.id, resolvable=True, remote_id="58")

    status, body = api("POST", f"/conflicts/{conflict.conflict_id}/resolve", member(tenant))
    assert (status, body["message"]) == (403, "Only an admin or the owner of this account can do that.")
    status, body = api("POST", f"/conflicts/{conflict.conflict_id}/resolve", admin("t-intruder"))
    assert (status, body["message"]) == (404, "That conflict does not exist.")
    assert quickbooks.writes == []
    assert LinkStore().get(tenant, QBO, "contact", jane.id) is None


def test_a_quickbooks_customer_already_linked_elsewhere_is_not_linked_twice(
    api: Api, tenant: str, saas_app, quickbooks: FakeQuickBooks
) -> None:  # noqa: ANN001
    connect(tenant)
    jane = contact(saas_app, tenant)
    quickbooks.customer("58", "Jane Doe")
    linked(tenant, "property", "prop_9", "58")  # a job site already holds customer 58
    conflict = open_conflict(tenant, jane.id, resolvable=True, remote_id="58")

    status, body = api("POST", f"/conflicts/{conflict.conflict_id}/resolve", admin(tenant))

    assert status == 409
    assert body["message"] == (
        "QuickBooks Online record 58 is already linked to job site prop_9. Unlink that one first."
    )
    assert ConflictStore().get(tenant, conflict.conflict_id).status == "open"


def test_nothing_is_resolved_while_quickbooks_is_not_connected(
    api: Api, tenant: str, saas_app, quickbooks: FakeQuickBooks
) -> None:  # noqa: ANN001
    connect(tenant, status=ConnectionStatus.NEEDS_REAUTH)
    jane = contact(saas_app, tenant)
    conflict = open_conflict(tenant, jane.id, resolvable=True, remote_id="58")

    status, body = api("POST", f"/conflicts/{conflict.conflict_id}/resolve", admin(tenant))

    assert (status, body["message"]) == (409, "QuickBooks Online is needs reauth. Reconnect it first.")


def test_switching_on_the_naming_rule_pushes_contacts_stuck_on_a_duplicate_name_again(
    api: Api, tenant: str, saas_app, quickbooks: FakeQuickBooks
) -> None:  # noqa: ANN001
    jane_acme = contact(saas_app, tenant, company_name="Acme")
    jane_globex = contact(saas_app, tenant, company_name="Globex")
    open_conflict(tenant, jane_acme.id, resolvable=False)
    open_conflict(tenant, jane_globex.id, resolvable=False)
    quickbooks.shared.add("Customer", "77", Name="Jane Doe (Globex)")  # still clashes under the new name
    connect(tenant)
    path = "/connections/quickbooks_online/settings"

    status, _ = api("PUT", path, admin(tenant), body={"approve_plan": True})
    assert status == 200
    assert quickbooks.writes == []  # another setting changed: nothing to retry

    status, body = api("PUT", path, admin(tenant), body={"name_individuals_with_company": True})

    assert status == 200 and body["name_individuals_with_company"] is True
    assert quickbooks.writes == [("contact", jane_acme.id)]  # Jane of Globex met her name in the books again
    assert [c.saas_id for c in ConflictStore().list(tenant)] == [jane_globex.id]


def test_the_naming_retry_does_nothing_while_the_rule_is_off(
    aws, tenant: str, saas_app, platform: SaasPlatformClient, quickbooks: FakeQuickBooks
) -> None:  # noqa: ANN001
    open_conflict(tenant, contact(saas_app, tenant).id, resolvable=False)
    services = Services(settings=Settings.from_environment())

    summary = retry_after_naming_rule(connect(tenant), services)

    assert (summary.retried, quickbooks.writes) == (0, [])


# ---------------------------------------------------------------- pending actions


def test_approving_a_held_action_pushes_the_record_as_approved_and_clears_it(
    api: Api, tenant: str, saas_app, quickbooks: FakeQuickBooks
) -> None:  # noqa: ANN001
    connect(tenant, settings=PREVIEW)  # an approval must not be held again
    jane = contact(saas_app, tenant)
    held = hold(tenant, "contact", jane.id, "Create customer Jane Doe in QuickBooks")
    hold("t-someone-else", "contact", "con_x", "Create customer X in QuickBooks")

    status, body = api("GET", "/pending-actions", member(tenant))
    assert status == 200
    assert [(a["saas_id"], a["summary"]) for a in body["items"]] == [
        (jane.id, "Create customer Jane Doe in QuickBooks")
    ]

    status, body = api("POST", f"/pending-actions/{held.action_id}/approve", member(tenant))
    assert status == 403
    status, body = api("POST", f"/pending-actions/{held.action_id}/approve", admin(tenant))

    assert status == 200, body
    assert (body["outcome"], body["remote_id"]) == ("created", quickbooks.remote_id_of("Jane Doe"))
    assert quickbooks.writes == [("contact", jane.id)]  # sent, not held again: preview mode is on
    assert PendingActionStore().list(tenant) == []
    status, body = api("POST", f"/pending-actions/{held.action_id}/approve", admin(tenant))
    assert (status, body["message"]) == (404, "That pending action does not exist.")


def test_another_tenants_pending_action_is_not_found(api: Api, tenant: str, quickbooks: FakeQuickBooks) -> None:
    connect(tenant)
    theirs = hold("t-someone-else", "contact", "con_x", "Create customer X in QuickBooks")

    status, body = api("POST", f"/pending-actions/{theirs.action_id}/approve", admin(tenant))

    assert (status, body["message"]) == (404, "That pending action does not exist.")
    assert PendingActionStore().list("t-someone-else") != []


def test_a_refused_approval_says_why_and_stays_pending(
    api: Api, tenant: str, saas_app, quickbooks: FakeQuickBooks
) -> None:  # noqa: ANN001
    connect(tenant, settings=PREVIEW)  # an approval must not be held again
    jane = contact(saas_app, tenant)
    held = hold(tenant, "contact", jane.id, "Create customer Jane Doe in QuickBooks")
    quickbooks.failures[jane.id] = ValidationFailed("QuickBooks says: the email address is not valid.")

    status, body = api("POST", f"/pending-actions/{held.action_id}/approve", admin(tenant))

    assert status == 409
    assert body["message"] == (
        f"Could not send customer {jane.id} to QuickBooks Online: Fake Books refused customer Jane Doe: "
        "QuickBooks says: the email address is not valid. The action is still pending; approve it again later."
    )
    assert [a.action_id for a in PendingActionStore().list(tenant)] == [held.action_id]


def test_approve_all_sends_customers_before_their_job_sites_and_reports_each(
    api: Api, tenant: str, saas_app, quickbooks: FakeQuickBooks
) -> None:  # noqa: ANN001
    connect(tenant, settings=PREVIEW)  # an approval must not be held again
    client = saas_app.handle.app_client
    jane = contact(saas_app, tenant)
    bob = contact(saas_app, tenant, first="Bob", last="Stone")
    home = client.create_property(tenant, contact_id=jane.id, name="Home", address={"line1": "1 Oak"})
    gone = contact(saas_app, tenant, first="Gone", last="Soon")
    hold(tenant, "property", home.id, "Create job site Home under Jane Doe in QuickBooks")
    hold(tenant, "contact", jane.id, "Create customer Jane Doe in QuickBooks")
    hold(tenant, "contact", bob.id, "Create customer Bob Stone in QuickBooks")
    hold(tenant, "contact", gone.id, "Create customer Gone Soon in QuickBooks")
    client.delete_contact(tenant, gone.id)
    quickbooks.failures[bob.id] = ValidationFailed("QuickBooks says: the phone number is too long.")

    status, body = api("POST", "/pending-actions/approve-all", admin(tenant))

    assert status == 200, body
    assert (body["approved"], body["failed"], body["remaining"]) == (3, 1, 1)
    outcomes = {r["saas_id"]: r["outcome"] for r in body["results"]}
    assert outcomes == {jane.id: "created", bob.id: "error", gone.id: "dropped", home.id: "created"}
    assert quickbooks.writes == [("contact", jane.id), ("property", home.id)]
    assert [a.saas_id for a in PendingActionStore().list(tenant)] == [bob.id]
    (dropped,) = log_rows(tenant, status=SyncStatus.SKIPPED)
    assert dropped.detail == (
        "The customer was deleted in the app before it was approved; nothing was sent to QuickBooks Online."
    )


def test_approve_all_stops_at_a_rate_limit_and_keeps_the_rest(
    api: Api, tenant: str, saas_app, quickbooks: FakeQuickBooks
) -> None:  # noqa: ANN001
    connect(tenant, settings=PREVIEW)  # an approval must not be held again
    first = contact(saas_app, tenant, first="Ann", last="One")
    second = contact(saas_app, tenant, first="Ben", last="Two")
    hold(tenant, "contact", first.id, "Create customer Ann One in QuickBooks")
    hold(tenant, "contact", second.id, "Create customer Ben Two in QuickBooks")
    quickbooks.failures[first.id] = RateLimited("Rate limit reached — retrying", retry_after=60)

    status, body = api("POST", "/pending-actions/approve-all", admin(tenant))

    assert status == 200
    assert (body["approved"], body["failed"], body["remaining"]) == (0, 1, 2)
    assert len(PendingActionStore().list(tenant)) == 2


def test_approving_needs_an_admin(api: Api, tenant: str, quickbooks: FakeQuickBooks) -> None:
    status, body = api("POST", "/pending-actions/approve-all", member(tenant))
    assert status == 403


# ---------------------------------------------------------------- links


def test_links_are_listed_per_entity_a_page_at_a_time(api: Api, tenant: str, quickbooks: FakeQuickBooks) -> None:
    # No connection here, and more than one provider is offered: the route is told which one.
    for n in range(3):
        linked(tenant, "contact", f"con_{n}", f"{60 + n}")
    linked(tenant, "item", "itm_1", "7")
    # No connection yet and several providers on offer: the route is told which one.
    linked("t-someone-else", "contact", "con_9", "99")

    status, first = api(
        "GET", "/links", member(tenant), query={"provider": "quickbooks_online", "entity": "contact", "limit": "2"}
    )
    assert status == 200
    assert [(x["saas_id"], x["remote_id"]) for x in first["items"]] == [("con_0", "60"), ("con_1", "61")]
    _, second = api(
        "GET",
        "/links",
        member(tenant),
        query={"provider": "quickbooks_online", "entity": "contact", "limit": "2", "cursor": first["next_cursor"]},
    )
    assert [x["saas_id"] for x in second["items"]] == ["con_2"]
    _, everything = api("GET", "/links", member(tenant), query={"provider": "quickbooks_online"})
    assert len(everything["items"]) == 4
    status, body = api(
        "GET",
        "/links",
        member("t-someone-else"),
        query={"provider": "quickbooks_online", "cursor": first["next_cursor"]},
    )
    assert (status, body["message"]) == (400, "This page link is no longer valid; start again from the first page.")
    status, body = api("GET", "/links", member(tenant), query={"provider": "quickbooks_online", "entity": "job"})
    assert status == 400 and "entity" in body["message"]


def test_unlinking_marks_the_link_and_clears_the_records_badge(
    api: Api, tenant: str, saas_app, platform: SaasPlatformClient, quickbooks: FakeQuickBooks
) -> None:  # noqa: ANN001
    connect(tenant)
    jane = contact(saas_app, tenant)
    linked(tenant, "contact", jane.id, "58")
    platform.set_accounting_link(tenant, "contact", jane.id, AccountingLinkFields(provider="qbo", remote_id="58"))

    status, body = api("DELETE", f"/links/contact/{jane.id}", member(tenant))
    assert status == 403
    status, body = api("DELETE", f"/links/contact/{jane.id}", admin(tenant))

    assert status == 200, body
    assert (body["state"], body["remote_id"]) == ("unlinked", "58")
    assert platform.get_contact(tenant, jane.id).accounting_link is None
    assert api("DELETE", f"/links/contact/{jane.id}", admin(tenant))[0] == 200  # a second click changes nothing

    (row,) = log_rows(tenant, status=SyncStatus.SKIPPED)
    assert row.detail == (
        "Unlinked customer Jane Doe from QuickBooks Online Customer 58 (by u-admin); its changes no longer sync."
    )


def test_unlinking_another_tenants_record_is_not_found(api: Api, tenant: str, quickbooks: FakeQuickBooks) -> None:
    linked("t-someone-else", "contact", "con_9", "99")

    status, body = api("DELETE", "/links/contact/con_9", admin(tenant), query={"provider": "quickbooks_online"})

    assert (status, body["message"]) == (404, "That customer is not linked to QuickBooks Online.")
    assert LinkStore().get("t-someone-else", QBO, "contact", "con_9").state is LinkState.LINKED


def test_relinking_points_the_record_at_the_chosen_quickbooks_customer(
    api: Api, tenant: str, saas_app, platform: SaasPlatformClient, quickbooks: FakeQuickBooks
) -> None:  # noqa: ANN001
    connect(tenant)
    jane = contact(saas_app, tenant)
    old = linked(tenant, "contact", jane.id, "58")
    quickbooks.customer("61", "Jane M. Doe")

    status, body = api("PUT", f"/links/contact/{jane.id}", admin(tenant), body={"remote_id": "61"})

    assert status == 200, body
    assert (body["state"], body["remote_id"]) == ("linked", "61")
    link = LinkStore().get(tenant, QBO, "contact", jane.id)
    assert (link.remote_version, link.generation, link.snapshot) == ("3", old.generation + 1, None)
    assert LinkStore().by_remote(tenant, QBO, "contact", "58") is None
    assert platform.get_contact(tenant, jane.id).accounting_link.remote_id == "61"
    (row,) = log_rows(tenant, status=SyncStatus.MATCHED)
    assert (
        row.detail == "Linked customer Jane Doe to QuickBooks Online Customer Jane M. Doe (id 61) (chosen by u-admin)."
    )


@pytest.mark.parametrize(
    ("remote_id", "expected_status", "message"),
    [
        ("404", 400, "QuickBooks Online has no customer with id 404."),
        ("70", 400, "QuickBooks Online Customer 70 is inactive; make it active in QuickBooks Online first."),
        ("58", 409, "QuickBooks Online record 58 is already linked to customer con_bob. Unlink that one first."),
    ],
)
def test_relinking_refuses_a_missing_inactive_or_taken_quickbooks_record(
    api: Api,
    tenant: str,
    saas_app,
    quickbooks: FakeQuickBooks,
    remote_id: str,
    expected_status: int,
    message: str,  # noqa: ANN001
) -> None:
    connect(tenant)
    jane = contact(saas_app, tenant)
    quickbooks.customer("58", "Bob Stone")
    quickbooks.customer("70", "Old Jane", active=False)
    linked(tenant, "contact", "con_bob", "58")

    status, body = api("PUT", f"/links/contact/{jane.id}", admin(tenant), body={"remote_id": remote_id})

    assert (status, body["message"]) == (expected_status, message)
    assert LinkStore().get(tenant, QBO, "contact", jane.id) is None


def test_relinking_checks_the_request_the_role_and_the_tenant(
    api: Api, tenant: str, saas_app, quickbooks: FakeQuickBooks
) -> None:  # noqa: ANN001
    connect(tenant)
    connect("t-intruder")
    jane = contact(saas_app, tenant)
    quickbooks.customer("61", "Jane Doe")
    path = f"/links/contact/{jane.id}"

    assert api("PUT", path, member(tenant), body={"remote_id": "61"})[0] == 403
    status, body = api("PUT", path, admin(tenant), body={"remote_id": ""})
    assert status == 400 and "remote_id" in body["message"]
    status, body = api("PUT", path, admin(tenant), body={"remote": "61"})
    assert status == 400
    status, body = api("PUT", path, admin("t-intruder"), body={"remote_id": "61"})
    assert (status, body["message"]) == (404, f"There is no customer with id {jane.id} in the app.")
    assert LinkStore().get("t-intruder", QBO, "contact", jane.id) is None


@pytest.mark.parametrize("typed", ["2?x=1", "../item/1", "../../9130350000000002/customer/1", "2\x00", " 2", "2/3"])
def test_a_remote_id_that_is_not_an_accounting_id_is_refused_before_anything_is_read(
    api: Api, tenant: str, saas_app, quickbooks: FakeQuickBooks, typed: str
) -> None:  # noqa: ANN001
    """`2?x=1` once passed the "already linked" check and was stored as "2": two contacts, one customer."""
    connect(tenant)
    jane, bob = contact(saas_app, tenant), contact(saas_app, tenant, first="Bob", last="Stone")
    quickbooks.customer("2", "Bob Stone")
    assert api("PUT", f"/links/contact/{bob.id}", admin(tenant), body={"remote_id": "2"})[0] == 200

    status, body = api("PUT", f"/links/contact/{jane.id}", admin(tenant), body={"remote_id": typed})

    assert status == 400, body
    assert body["message"].endswith("is not a Fake Books record id.")
    assert LinkStore().get(tenant, QBO, "contact", jane.id) is None
    assert LinkStore().by_remote(tenant, QBO, "contact", "2").saas_id == bob.id
