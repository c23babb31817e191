"""The console's conflicts, approvals and links end to end: tenant API handler → moto → the QuickBooks adapter
→ the QuickBooks Online simulator, with a tenant connected through the real OAuth flow and SaaS records made
in the reference app, whose change events go through the real intake and push worker.
"""

from __future__ import annotations

import uuid
from typing import Any

import boto3
import pytest

from fieldbooks.domain.models import LinkState, Provider, SyncStatus
from fieldbooks.saas.client import SaasPlatformClient
from fieldbooks.store.links import LinkStore
from fieldbooks.store.sync_log import SyncLogFilter, SyncLogStore
from local.runtime.handlers import LambdaContext, load_handler
from local.simulators.quickbooks_online import SimulatorHandle
from tests.conftest import QBO_REALM, SAAS_URL, TEMPLATE, SaasApp
from tests.support.oauth_flow import connect_quickbooks, tenant_api
from tests.support.saas_changes import bus_event
from tests.support.sqs import receive_event

QBO = Provider.QUICKBOOKS_ONLINE


class Tenant:
    """One tenant connected to the simulator's company, with its SaaS app and its push pipeline."""

    def __init__(self, aws: Any, qbo: SimulatorHandle, saas_app: SaasApp) -> None:
        self.id = f"t-{uuid.uuid4().hex[:10]}"
        self.app = saas_app.handle.app_client
        self.app.create_tenant(self.id, "Acme Plumbing")
        self.platform = SaasPlatformClient(SAAS_URL, saas_app.handle.platform_api_key)
        self.qbo = qbo
        self._aws = aws
        self._saas_app = saas_app
        self._seen: set[str] = set()
        connect_quickbooks(self.id)

    def push_changes(self) -> None:
        """What EventBridge, SQS and Lambda do with the app's new change events: intake, queue, push worker."""
        context = LambdaContext("fieldbooks-test")
        for event in self._saas_app.events_of(self.id):
            if event.event_id not in self._seen:
                self._seen.add(event.event_id)
                load_handler(TEMPLATE.function("SaasEventsFunction"))(bus_event(event), context)
        sqs = boto3.client("sqs")
        while (batch := receive_event(sqs, self._aws.queue_url("PushQueue")))["Records"]:
            reply = load_handler(TEMPLATE.function("PushWorkerFunction"))(batch, context)
            assert reply["batchItemFailures"] == []
            for record in batch["Records"]:
                sqs.delete_message(QueueUrl=self._aws.queue_url("PushQueue"), ReceiptHandle=record["receiptHandle"])

    def api(self, method: str, path: str, body: Any = None, role: str = "admin") -> Any:
        return tenant_api(method, path, self.id, role=role, body=body)

    def customers(self, name: str) -> list[dict[str, Any]]:
        everything = self.qbo.admin.data(QBO_REALM, "Customer")["Customer"]
        return [c for c in everything if c["DisplayName"] == name and c.get("status") != "Deleted"]


@pytest.fixture
def tenant(aws, qbo: SimulatorHandle, saas_app: SaasApp) -> Tenant:  # noqa: ANN001 - fixture
    return Tenant(aws, qbo, saas_app)


def test_resolving_a_duplicate_name_links_the_existing_quickbooks_customer_and_updates_it(tenant: Tenant) -> None:
    existing = tenant.qbo.admin.create_as_user(QBO_REALM, "Customer", DisplayName="Jane Doe")
    jane = tenant.app.create_contact(tenant.id, first_name="Jane", last_name="Doe", email="jane@example.com")
    tenant.push_changes()

    listed = tenant.api("GET", "/conflicts", role="member")
    (conflict,) = listed.body["items"]
    assert (conflict["saas_id"], conflict["resolvable"], conflict["remote_id"]) == (jane.id, True, existing["Id"])

    reply = tenant.api("POST", f"/conflicts/{conflict['conflict_id']}/resolve")

    assert reply.status == 200, reply.body
    assert reply.body["push"]["outcome"] == "linked"
    (customer,) = tenant.customers("Jane Doe")  # still one: linked, never created twice
    assert customer["Id"] == existing["Id"]
    assert customer["PrimaryEmailAddr"]["Address"] == "jane@example.com"  # the app's details went over
    assert tenant.platform.get_contact(tenant.id, jane.id).accounting_link.remote_id == existing["Id"]
    assert tenant.api("GET", "/conflicts").body["items"] == []


def test_preview_holds_customer_actions_until_approved_one_or_all(tenant: Tenant) -> None:
    settings = tenant.api("PUT", "/connections/quickbooks_online/settings", {"preview_customer_actions": True})
    assert settings.status == 200, settings.body
    jane = tenant.app.create_contact(tenant.id, first_name="Jane", last_name="Doe")
    bob = tenant.app.create_contact(tenant.id, first_name="Bob", last_name="Stone")
    home = tenant.app.create_property(tenant.id, contact_id=bob.id, name="Bob's house", address={"line1": "1 Oak"})
    tenant.push_changes()

    pending = tenant.api("GET", "/pending-actions", role="member").body["items"]
    assert sorted(a["saas_id"] for a in pending) == sorted([jane.id, bob.id, home.id])
    assert "Create customer Jane Doe in QuickBooks" in [a["summary"] for a in pending]
    assert tenant.customers("Jane Doe") == []

    one = tenant.api("POST", f"/pending-actions/{_action_of(pending, jane.id)}/approve")
    assert one.status == 200, one.body
    assert one.body["outcome"] == "created"
    assert [c["Id"] for c in tenant.customers("Jane Doe")] == [one.body["remote_id"]]

    everything = tenant.api("POST", "/pending-actions/approve-all")

    assert everything.status == 200, everything.body
    assert (everything.body["approved"], everything.body["failed"], everything.body["remaining"]) == (2, 0, 0)
    (bob_customer,) = tenant.customers("Bob Stone")
    (house,) = [c for c in tenant.qbo.admin.data(QBO_REALM, "Customer")["Customer"] if c.get("Job")]
    assert house["ParentRef"]["value"] == bob_customer["Id"]
    assert tenant.api("GET", "/pending-actions").body["items"] == []


def test_relink_checks_quickbooks_and_unlink_stops_the_records_pushes(tenant: Tenant) -> None:
    chosen = tenant.qbo.admin.create_as_user(QBO_REALM, "Customer", DisplayName="Janet M. Smith")
    janet = tenant.app.create_contact(tenant.id, first_name="Janet", last_name="Smith")
    other = tenant.app.create_contact(tenant.id, first_name="Other", last_name="Person")
    tenant.push_changes()
    (created,) = tenant.customers("Janet Smith")

    missing = tenant.api("PUT", f"/links/contact/{janet.id}", {"remote_id": "999999"})
    assert (missing.status, missing.body["message"]) == (400, "QuickBooks Online has no customer with id 999999.")

    relinked = tenant.api("PUT", f"/links/contact/{janet.id}", {"remote_id": chosen["Id"]})

    assert relinked.status == 200, relinked.body
    link = LinkStore().get(tenant.id, QBO, "contact", janet.id)
    assert (link.state, link.remote_id, link.remote_version) == (LinkState.LINKED, chosen["Id"], chosen["SyncToken"])
    assert tenant.platform.get_contact(tenant.id, janet.id).accounting_link.remote_id == chosen["Id"]
    taken = tenant.api("PUT", f"/links/contact/{other.id}", {"remote_id": chosen["Id"]})
    assert taken.status == 409
    assert taken.body["message"] == (
        f"QuickBooks Online record {chosen['Id']} is already linked to customer {janet.id}. Unlink that one first."
    )

    unlinked = tenant.api("DELETE", f"/links/contact/{janet.id}")
    assert (unlinked.status, unlinked.body["state"]) == (200, "unlinked")
    tenant.app.update_contact(tenant.id, janet.id, email="janet@example.com")
    tenant.push_changes()

    (untouched,) = [c for c in tenant.qbo.admin.data(QBO_REALM, "Customer")["Customer"] if c["Id"] == chosen["Id"]]
    assert untouched["SyncToken"] == chosen["SyncToken"]
    assert "PrimaryEmailAddr" not in untouched
    assert tenant.customers("Janet Smith") == [created]  # the first twin stays as it was
    assert tenant.platform.get_contact(tenant.id, janet.id).accounting_link is None
    skipped = SyncLogStore().page(tenant.id, SyncLogFilter(record_id=janet.id, status=SyncStatus.SKIPPED)).items
    assert skipped[0].detail == "Not linked to accounting."


def _action_of(pending: list[dict[str, Any]], saas_id: str) -> str:
    return next(a["action_id"] for a in pending if a["saas_id"] == saas_id)


@pytest.mark.parametrize("typed", ["{id}?x=1", "../item/{id}", "../../9130350000000002/customer/{id}", "{id}\x00"])
def test_an_id_that_would_steer_the_quickbooks_url_is_refused_and_links_nothing(tenant: Tenant, typed: str) -> None:
    """Issue 10, A.3: `"2?x=1"` passed the "already linked" check and was stored as "2"; `../` and a NUL
    reached QuickBooks' URL path or crashed. Now the id is checked against QuickBooks' grammar first."""
    bob_customer = tenant.qbo.admin.create_as_user(QBO_REALM, "Customer", DisplayName="Bob Stone")
    bob = tenant.app.create_contact(tenant.id, first_name="Bob", last_name="Stone")
    jane = tenant.app.create_contact(tenant.id, first_name="Jane", last_name="Doe")
    assert tenant.api("PUT", f"/links/contact/{bob.id}", {"remote_id": bob_customer["Id"]}).status == 200

    reply = tenant.api("PUT", f"/links/contact/{jane.id}", {"remote_id": typed.format(id=bob_customer["Id"])})

    assert reply.status == 400, reply.body
    assert reply.body["message"].endswith("is not a QuickBooks Online record id.")
    assert LinkStore().get(tenant.id, QBO, "contact", jane.id) is None
    assert LinkStore().by_remote(tenant.id, QBO, "contact", bob_customer["Id"]).saas_id == bob.id
    assert tenant.platform.get_contact(tenant.id, jane.id).accounting_link is None
