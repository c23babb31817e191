"""Who acted (issue 11, bullet 12), through the real handlers: the tenant API with the console tokens of
different users, the pull, push and scheduler workers on moto, the QuickBooks Online simulator and the
reference SaaS app, whose record history is where the product's audit trail shows the user."""

from __future__ import annotations

import csv
import io
import json
import uuid
from typing import Any

import boto3
import pytest

from fieldbooks.domain.models import Provider
from fieldbooks.queues.pull_jobs import PullJob, job_actor
from fieldbooks.saas.client import SaasPlatformClient
from fieldbooks.store.company_claims import CompanyClaimStore
from local.runtime.handlers import LambdaContext, load_handler
from local.runtime.resources import DEV_QUICKBOOKS_WEBHOOK_VERIFIER_TOKEN
from local.simulators.quickbooks_online import SimulatorHandle
from local.simulators.quickbooks_online.webhooks import signature
from tests.conftest import QBO_REALM, SAAS_URL, TEMPLATE, SaasApp, console_token
from tests.support.fake_provider import connect
from tests.support.oauth_flow import Reply, connect_quickbooks, handler_services, http_event, invoke
from tests.support.saas_changes import bus_event
from tests.support.sqs import receive_event

QBO = Provider.QUICKBOOKS_ONLINE
SCHEDULED = {"kind": "system", "id": "scheduled", "name": "Fieldbooks (scheduled sync)"}
LIVE = {"kind": "system", "id": "live", "name": "Fieldbooks (live sync)"}


def user(user_id: str) -> dict[str, str]:
    return {"kind": "user", "id": user_id, "name": user_id}


class Books:
    """One tenant of the SaaS app, connected to the simulator's company through the real OAuth flow (by u-1)."""

    def __init__(self, aws: Any, qbo: SimulatorHandle, saas_app: SaasApp) -> None:
        self.id = f"t-{uuid.uuid4().hex[:10]}"
        self.app = saas_app.handle.app_client
        self.app.create_tenant(self.id, "Acme Plumbing")
        self.platform = SaasPlatformClient(SAAS_URL, saas_app.handle.platform_api_key)
        self.qbo = qbo
        self.aws = aws
        self._saas_app = saas_app
        self._seen: set[str] = set()

    def api(self, method: str, path: str, by: str, body: Any = None, query: dict[str, str] | None = None) -> Reply:
        """The tenant API as `by` calls it: their own console token (admin unless named "member-...")."""
        role = "member" if by.startswith("member") else "admin"
        headers = {"authorization": f"Bearer {console_token(self.id, role=role, user_id=by)}"}
        return invoke("TenantApiFunction", http_event(method, path, query=query, headers=headers, body=body))

    def settings(self, by: str, **changes: Any) -> None:
        current = self.api("GET", f"/connections/{QBO.value}/settings", by).body
        reply = self.api("PUT", f"/connections/{QBO.value}/settings", by, body=current | changes)
        assert reply.status == 200, reply.body

    def pull_worker(self) -> None:
        """What waits on the pull queue, delivered to the real pull worker as Lambda's poller would."""
        sqs = boto3.client("sqs")
        event = receive_event(sqs, self.aws.queue_url("PullQueue"))
        assert event["Records"], "no pull job was queued"
        reply = load_handler(TEMPLATE.function("PullWorkerFunction"))(event, LambdaContext("fieldbooks-test"))
        assert reply == {"batchItemFailures": []}
        for record in event["Records"]:
            sqs.delete_message(QueueUrl=self.aws.queue_url("PullQueue"), ReceiptHandle=record["receiptHandle"])

    def push_changes(self) -> None:
        """The app's new change events through the real intake and push worker (live sync)."""
        context = LambdaContext("fieldbooks-test")
        for event in self._saas_app.events_of(self.id):
            if event.event_id not in self._seen:
                self._seen.add(event.event_id)
                load_handler(TEMPLATE.function("SaasEventsFunction"))(bus_event(event), context)
        sqs = boto3.client("sqs")
        while (batch := receive_event(sqs, self.aws.queue_url("PushQueue")))["Records"]:
            assert load_handler(TEMPLATE.function("PushWorkerFunction"))(batch, context)["batchItemFailures"] == []
            for record in batch["Records"]:
                sqs.delete_message(QueueUrl=self.aws.queue_url("PushQueue"), ReceiptHandle=record["receiptHandle"])

    def log(self, by: str = "member-1", **query: str) -> list[dict[str, Any]]:
        reply = self.api("GET", "/sync-log", by, query={"limit": "200", **query})
        assert reply.status == 200, reply.body
        return list(reply.body["items"])

    def history(self, collection: str, record_id: str) -> list[dict[str, Any]]:
        """The record's history in the app: who made each change."""
        return self.app.record_history(self.id, collection, record_id)

    def last_link_change(self, collection: str, record_id: str) -> dict[str, Any]:
        """The history entry of the app's latest change of the record (a link marker set or cleared)."""
        return self.history(collection, record_id)[-1]

    def customer(self, name: str) -> dict[str, Any]:
        (found,) = [
            c
            for c in self.qbo.admin.data(QBO_REALM, "Customer")["Customer"]
            if c["DisplayName"] == name and c.get("status") != "Deleted"
        ]
        return found


@pytest.fixture
def books(aws, qbo: SimulatorHandle, saas_app: SaasApp) -> Books:  # noqa: ANN001 - fixture
    return Books(aws, qbo, saas_app)


def test_sync_now_by_one_user_and_its_approval_by_another_name_each_in_runs_log_and_the_apps_history(
    books: Books,
) -> None:
    connect_quickbooks(books.id)  # by u-1: the initial run is theirs
    books.settings("alice", approve_plan=True)
    books.pull_worker()  # the initial run plans nothing and waits for approval
    (initial,) = books.api("GET", "/runs", "member-1").body["items"]
    stopped = books.api("POST", f"/runs/{initial['run_id']}/stop", "carol")
    assert (stopped.status, stopped.body["status"]) == (200, "stopped")

    jane = books.app.create_contact(books.id, first_name="Jane", last_name="Doe", email="jane.doe@example.com")
    nora = books.app.create_contact(books.id, first_name="Nora", last_name="New")
    books.qbo.admin.create_as_user(
        QBO_REALM, "Customer", DisplayName="Jane D.", PrimaryEmailAddr={"Address": "jane.doe@example.com"}
    )

    started = books.api("POST", f"/connections/{QBO.value}/sync", "alice")
    assert started.status == 202, started.body
    books.pull_worker()  # plans, then waits for approval
    approved = books.api("POST", f"/runs/{started.body['run_id']}/approve", "bob")
    assert approved.status == 200, approved.body
    books.pull_worker()  # applies: Jane matched and marked, Nora created and marked

    books.settings("alice", approve_plan=False)
    olga = books.app.create_contact(books.id, first_name="Olga", last_name="Other")
    again = books.api("POST", f"/connections/{QBO.value}/sync", "alice")
    assert again.status == 202, again.body
    books.pull_worker()  # no approval asked: alice's click applies it

    runs = {r["run_id"]: r for r in books.api("GET", "/runs", "member-1").body["items"]}
    assert [(r["kind"], r["status"]) for r in runs.values()] == [
        ("sync_now", "succeeded"),
        ("sync_now", "succeeded"),
        ("initial", "stopped"),
    ]
    shown = [(r["started_by"], r["approved_by"], r["stopped_by"]) for r in runs.values()]
    assert shown == [
        (user("alice"), None, None),
        (user("alice"), user("bob"), None),
        (user("u-1"), None, user("carol")),
    ]

    approved_rows = books.log(run_id=started.body["run_id"])
    assert {(row["saas_id"], row["status"]) for row in approved_rows} == {(jane.id, "matched"), (nora.id, "synced")}
    assert {row["acted_by"]["id"] for row in approved_rows} == {"bob"}  # applied because bob approved
    (olga_row,) = books.log(run_id=again.body["run_id"])
    assert (olga_row["saas_id"], olga_row["detail"], olga_row["acted_by"]) == (
        olga.id,
        "Created customer Olga Other in QuickBooks.",
        user("alice"),
    )
    settings_rows = [row for row in books.log() if row["action"] == "settings"]
    assert [(row["detail"], row["acted_by"]) for row in settings_rows] == [
        ("Settings for QuickBooks Online changed: approve plan: on → off.", user("alice")),
        ("Settings for QuickBooks Online changed: approve plan: off → on.", user("alice")),
    ]

    # The link markers Fieldbooks wrote into the app during each run carry who the run acted for.
    for contact, by in ((jane, "bob"), (nora, "bob"), (olga, "alice")):
        marked = books.last_link_change("contacts", contact.id)
        assert (marked["origin"], marked["acted_by"]) == ("fieldbooks", {"kind": "user", "name": by})
    assert books.history("contacts", jane.id)[0]["acted_by"] == {"kind": "user", "name": "app user"}
    assert books.platform.get_contact(books.id, olga.id).accounting_link.remote_id == books.customer("Olga Other")["Id"]

    exported = books.api("GET", "/sync-log/export", "member-1", query={"run_id": started.body["run_id"]})
    assert {row["acted_by"] for row in csv.DictReader(io.StringIO(exported.body))} == {"bob"}


def test_resolve_relink_unlink_and_an_approved_pending_action_each_name_their_user(books: Books) -> None:
    connect_quickbooks(books.id)
    books.pull_worker()  # the initial run: nothing on either side yet
    existing = books.qbo.admin.create_as_user(QBO_REALM, "Customer", DisplayName="Jane Doe")
    jane = books.app.create_contact(books.id, first_name="Jane", last_name="Doe")
    books.push_changes()  # live sync meets the name in QuickBooks: a conflict to resolve
    (conflict,) = books.api("GET", "/conflicts", "member-1").body["items"]

    resolved = books.api("POST", f"/conflicts/{conflict['conflict_id']}/resolve", "dana")

    assert resolved.status == 200, resolved.body
    assert resolved.body["conflict"]["resolved_by"] == user("dana")
    (listed,) = books.api("GET", "/conflicts", "member-1", query={"status": "resolved"}).body["items"]
    assert listed["resolved_by"] == user("dana")
    link_rows = [row for row in books.log(record_id=jane.id) if row["action"] == "link"]
    assert link_rows and {row["acted_by"]["id"] for row in link_rows} == {"dana"}
    assert books.last_link_change("contacts", jane.id)["acted_by"] == {"kind": "user", "name": "dana"}

    unlinked = books.api("DELETE", f"/links/contact/{jane.id}", "erin")
    assert unlinked.status == 200, unlinked.body
    assert books.log(record_id=jane.id)[0]["action"] == "unlink"
    assert books.log(record_id=jane.id)[0]["acted_by"] == user("erin")
    cleared = books.last_link_change("contacts", jane.id)
    assert cleared["acted_by"] == {"kind": "user", "name": "erin"}
    assert books.platform.get_contact(books.id, jane.id).accounting_link is None

    relinked = books.api("PUT", f"/links/contact/{jane.id}", "frank", body={"remote_id": existing["Id"]})
    assert relinked.status == 200, relinked.body
    assert (books.log(record_id=jane.id)[0]["action"], books.log(record_id=jane.id)[0]["acted_by"]) == (
        "link",
        user("frank"),
    )
    assert books.last_link_change("contacts", jane.id)["acted_by"] == {"kind": "user", "name": "frank"}

    books.settings("alice", preview_customer_actions=True)
    bob = books.app.create_contact(books.id, first_name="Bob", last_name="Stone")
    books.push_changes()  # held: preview mode
    (pending,) = books.api("GET", "/pending-actions", "member-1").body["items"]
    approved = books.api("POST", f"/pending-actions/{pending['action_id']}/approve", "gina")
    assert (approved.status, approved.body["outcome"]) == (200, "created")
    (created,) = [row for row in books.log(record_id=bob.id) if row["status"] == "synced"]
    assert (created["detail"], created["acted_by"]) == ("Created customer Bob Stone in QuickBooks.", user("gina"))
    assert books.last_link_change("contacts", bob.id)["acted_by"] == {"kind": "user", "name": "gina"}


def test_live_sync_is_by_fieldbooks_and_names_no_person(books: Books) -> None:
    connect_quickbooks(books.id)
    books.pull_worker()
    jane = books.app.create_contact(books.id, first_name="Jane", last_name="Doe")

    books.push_changes()

    (row,) = books.log(record_id=jane.id)
    assert (row["detail"], row["acted_by"]) == ("Created customer Jane Doe in QuickBooks.", LIVE)
    assert books.last_link_change("contacts", jane.id)["acted_by"] == {"kind": "system", "name": LIVE["name"]}


def test_a_scheduled_run_is_by_fieldbooks_scheduled_sync(books: Books, handler, context, load_event) -> None:  # noqa: ANN001
    connect(books.id, remote_company_id=QBO_REALM)  # tokens are not needed to queue a scheduled pull

    assert handler("SchedulerFunction")(load_event("scheduler/tick.json"), context) == {"queued": 1}

    (run,) = books.api("GET", "/runs", "member-1").body["items"]
    assert (run["kind"], run["started_by"], run["approved_by"]) == ("scheduled", SCHEDULED, None)
    jobs = receive_event(boto3.client("sqs"), books.aws.queue_url("PullQueue"))["Records"]
    assert [json.loads(job["body"])["acted_by"] for job in jobs] == [SCHEDULED]


@pytest.mark.parametrize("subject", ["u" * 201, "u-1\nforged line", " "])
def test_a_token_whose_user_no_trace_could_name_is_refused(aws, subject: str) -> None:  # noqa: ANN001
    """Every trace names the token's user, so a user id the log or the SaaS's audit field cannot hold
    is refused at the door (401), never a 500 halfway through a run."""
    headers = {"authorization": f"Bearer {console_token('t-acme', user_id=subject)}"}

    reply = invoke("TenantApiFunction", http_event("GET", "/runs", headers=headers))

    assert (reply.status, reply.body) == (401, {"message": "The sign-in token is not valid."})


def test_a_webhook_run_is_by_fieldbooks_for_the_accounting_systems_webhook(books: Books) -> None:
    CompanyClaimStore().claim(QBO, QBO_REALM, books.id)
    connect(books.id, remote_company_id=QBO_REALM)
    notification = {
        "specversion": "1.0",
        "id": "e-who-acted",
        "source": "intuit.test",
        "type": "qbo.customer.updated.v1",
        "datacontenttype": "application/json",
        "time": "2026-11-21T10:00:00.000Z",
        "intuitentityid": "7",
        "intuitaccountid": QBO_REALM,
        "data": {},
    }
    body = json.dumps([notification]).encode()
    path = f"/webhooks/{QBO.value}"
    event = http_event("POST", path)
    event |= {"routeKey": "POST /webhooks/{provider}", "body": body.decode()}
    event["headers"] |= {
        "content-type": "application/json",
        "intuit-signature": signature(DEV_QUICKBOOKS_WEBHOOK_VERIFIER_TOKEN, body),
    }

    reply = load_handler(TEMPLATE.function("WebhooksFunction"))(event, LambdaContext("fieldbooks-test"))

    assert reply["statusCode"] == 200, reply["body"]
    (run,) = books.api("GET", "/runs", "member-1").body["items"]
    webhook = {"kind": "system", "id": "webhook", "name": "Fieldbooks (QuickBooks Online webhook)"}
    assert (run["kind"], run["started_by"]) == ("webhook", webhook)
    (job,) = receive_event(boto3.client("sqs"), books.aws.queue_url("PullQueue"))["Records"]
    queued = PullJob.model_validate_json(job["body"])
    assert job_actor(queued, handler_services("PullWorkerFunction")).model_dump() == webhook  # what the worker acts as
