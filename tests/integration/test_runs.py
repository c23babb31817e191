"""Initial sync and Sync now as runs, through the real tenant API and pull worker handlers, on moto,
against the QuickBooks Online simulator and the reference SaaS app."""

from __future__ import annotations

import json
import traceback
import uuid
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import boto3
import httpx
import pytest

from fieldbooks import registry
from fieldbooks.domain.models import (
    ConnectionSettings,
    ConnectionStatus,
    LinkState,
    Provider,
    RunKind,
    RunStatus,
)
from fieldbooks.providers.quickbooks_online.package import QuickBooksOnlinePackage
from fieldbooks.store.conflicts import ConflictStore
from fieldbooks.store.links import LinkStore
from fieldbooks.store.rate_budget import RateBudgetRow, RateGovernor
from fieldbooks.store.runs import RunStore
from fieldbooks.store.sync_log import SyncLogFilter, SyncLogStore
from fieldbooks.sync import runs as driver
from fieldbooks.sync.push import Push
from local.runtime.handlers import load_module
from local.simulators.quickbooks_online import SimulatorHandle
from tests.conftest import QBO_REALM, TEMPLATE, console_token
from tests.support.fake_provider import connect
from tests.support.oauth_flow import authorize
from tests.support.sqs import receive_event

PROVIDER = Provider.QUICKBOOKS_ONLINE


@pytest.fixture
def tenant(saas_app) -> str:  # noqa: ANN001
    tenant_id = f"t-{uuid.uuid4().hex[:10]}"
    saas_app.handle.app_client.create_tenant(tenant_id, "Acme Plumbing")
    return tenant_id


@pytest.fixture
def adapter(qbo) -> QuickBooksOnlinePackage:  # noqa: ANN001
    """The production package the registry serves: nothing about QuickBooks is faked."""
    registered = registry.package(PROVIDER)
    assert isinstance(registered, QuickBooksOnlinePackage)
    return registered


@pytest.fixture
def api(aws, handler, context, load_event) -> Callable[..., tuple[int, Any]]:  # noqa: ANN001
    tenant_api = handler("TenantApiFunction")

    def call(
        method: str, path: str, token: str, query: dict[str, str] | None = None, body: Any = None
    ) -> tuple[int, Any]:
        event = load_event(
            "tenant_api/get_sync_log.json",
            rawPath=path,
            routeKey=f"{method} {path}",
            rawQueryString="&".join(f"{k}={v}" for k, v in (query or {}).items()),
            queryStringParameters=query or None,
            headers={"host": "api.fieldbooks.example", "authorization": f"Bearer {token}"},
            requestContext__http__path=path,
            requestContext__http__method=method,
            body=json.dumps(body) if body is not None else None,
        )
        reply = tenant_api(event, context)
        return reply["statusCode"], json.loads(reply["body"])

    return call


@pytest.fixture
def finished_events(aws) -> Callable[[], list[dict[str, Any]]]:  # noqa: ANN001
    """What Fieldbooks put on the SaaS bus, through a rule and a queue as any subscriber would see it."""
    bus = aws.environment("PullWorkerFunction")["SAAS_EVENT_BUS_NAME"]
    sqs, events = boto3.client("sqs"), boto3.client("events")
    queue_url = sqs.create_queue(QueueName="fieldbooks-notifications-tap")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.put_rule(Name="tap", EventBusName=bus, EventPattern=json.dumps({"source": ["fieldbooks"]}))
    events.put_targets(Rule="tap", EventBusName=bus, Targets=[{"Id": "tap", "Arn": arn}])

    def read() -> list[dict[str, Any]]:
        messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", [])
        return [json.loads(m["Body"]) for m in messages]

    return read


def connect_through_oauth(api, handler, context, tenant: str) -> str:  # noqa: ANN001
    """The real connect: our authorize URL, the simulator's consent redirect, our callback handler.

    The callback queues the initial-sync run; its id is returned.
    """
    started = authorize(tenant)  # keeps the cookie that binds the flow to this browser
    consent = httpx.get(f"{started.body['authorize_url']}&sim_realm_id={QBO_REALM}", follow_redirects=False, timeout=10)
    assert consent.status_code == 302, consent.text
    back = urlsplit(consent.headers["location"])
    query = dict(parse_qsl(back.query))
    event = {
        "version": "2.0",
        "routeKey": f"GET {back.path}",
        "rawPath": back.path,
        "rawQueryString": back.query,
        "queryStringParameters": query,
        "headers": {"host": "api.fieldbooks.example", "accept": "application/json"},
        "cookies": [cookie.split(";", 1)[0] for cookie in started.cookies],  # the browser that asked
        "isBase64Encoded": False,
        "requestContext": {"http": {"method": "GET", "path": back.path}, "requestId": "r", "stage": "$default"},
    }
    connected = handler("OAuthCallbackFunction")(event, context)
    assert connected["statusCode"] == 200, connected["body"]
    (run,) = RunStore().recent(tenant).items
    assert run.kind is RunKind.INITIAL
    return run.run_id


def books(qbo: SimulatorHandle, entity: str) -> list[dict[str, Any]]:
    """What the QuickBooks company holds (live records only)."""
    return [row for row in qbo.admin.data(QBO_REALM, entity)[entity] if row.get("status") != "Deleted"]


def pull_worker(aws, handler, context) -> dict[str, Any]:  # noqa: ANN001
    """Delivers what waits on the pull queue to the real pull worker, as Lambda's poller would."""
    event = receive_event(boto3.client("sqs"), aws.queue_url("PullQueue"))
    assert event["Records"], "no pull job was queued"
    reply = handler("PullWorkerFunction")(event, context)
    for failure in load_module(TEMPLATE.function("PullWorkerFunction")).processor.exceptions:
        traceback.print_exception(*failure)  # shown by pytest when the test then fails
    return reply


def seed_company(saas_app, qbo, tenant: str) -> dict[str, Any]:  # noqa: ANN001
    """Both sides of a small plumbing firm, as they look when it first connects."""
    app = saas_app.handle.app_client
    jane = app.create_contact(tenant, first_name="Jane", last_name="Doe", email="Jane.Doe@example.com")
    acme = app.create_contact(tenant, kind="company", company_name="Acme Builders")
    new = app.create_contact(tenant, first_name="Nora", last_name="New", email="nora@example.com")
    site = app.create_property(tenant, contact_id=jane.id, name="Main Street", address={"line1": "1 Main St"})
    labour = app.create_item(tenant, name="Labour", unit_price="75.00")
    pipe = app.create_item(tenant, name="Copper pipe", kind="material", unit_price="3.4125")
    line = {"description": "Boiler service", "quantity": "1", "unit_price": "100.00", "item_id": labour.id}
    dates = {"issue_date": "2026-11-01", "due_date": "2026-12-01"}
    known = app.finalize_invoice(tenant, app.create_invoice(tenant, contact_id=jane.id, lines=[line], **dates).id)
    fresh = app.finalize_invoice(tenant, app.create_invoice(tenant, contact_id=acme.id, lines=[line], **dates).id)
    app.create_invoice(tenant, contact_id=new.id, lines=[line], **dates)  # a draft: never synced

    customer = qbo.admin.create_as_user(
        QBO_REALM, "Customer", DisplayName="Jane D.", PrimaryEmailAddr={"Address": " jane.doe@EXAMPLE.com"}
    )
    qbo.admin.create_as_user(QBO_REALM, "Customer", DisplayName="ACME builders")
    item = qbo.admin.create_as_user(
        QBO_REALM, "Item", Name="labour", Type="Service", IncomeAccountRef={"value": "1"}, UnitPrice="75"
    )
    qbo_line = {
        "DetailType": "SalesItemLineDetail",
        "Amount": "100.00",
        "SalesItemLineDetail": {"ItemRef": {"value": item["Id"]}, "Qty": "1", "UnitPrice": "100.00"},
    }
    qbo.admin.create_as_user(
        QBO_REALM, "Invoice", DocNumber=known.number, CustomerRef={"value": customer["Id"]}, Line=[qbo_line]
    )
    return {"jane": jane, "acme": acme, "new": new, "site": site, "pipe": pipe, "known": known, "fresh": fresh}


def test_initial_sync_after_connect_plans_waits_for_approval_then_links_matches_and_pushes_the_rest(
    aws, handler, context, api, saas_app, qbo, tenant, adapter, finished_events
) -> None:  # noqa: ANN001
    records = seed_company(saas_app, qbo, tenant)
    run_id = connect_through_oauth(api, handler, context, tenant)
    admin = console_token(tenant)
    settings = ConnectionSettings(approve_plan=True).model_dump(mode="json")
    assert api("PUT", f"/connections/{PROVIDER.value}/settings", admin, body=settings)[0] == 200

    assert pull_worker(aws, handler, context) == {"batchItemFailures": []}

    status, waiting = api("GET", f"/runs/{run_id}", console_token(tenant, role="member"))
    assert (status, waiting["status"]) == (200, "awaiting_approval")
    counts = waiting["plan"]["counts"]
    assert counts["contacts"] == {"link": 2, "create": 1, "update": 0, "skip": 0, "conflict": 0, "bring_in": 0}
    assert counts["properties"] == {"link": 0, "create": 1, "update": 0, "skip": 0, "conflict": 0, "bring_in": 0}
    assert counts["items"] == {"link": 1, "create": 1, "update": 0, "skip": 0, "conflict": 0, "bring_in": 0}
    assert counts["invoices"] == {"link": 1, "create": 1, "update": 0, "skip": 1, "conflict": 0, "bring_in": 0}
    assert waiting["progress"]["contacts"] == {"done": 0, "total": 3, "failed": 0, "queued": 0}
    assert len(books(qbo, "Customer")) == 2  # nothing is applied before the approval

    _, page = api("GET", f"/runs/{run_id}/plan", admin, {"category": "contacts"})
    by_id = {a["saas_id"]: a for a in page["items"]}
    assert (by_id[records["jane"].id]["action"], by_id[records["jane"].id]["matched_by"]) == ("link", "email")
    assert (by_id[records["acme"].id]["action"], by_id[records["acme"].id]["matched_by"]) == ("link", "name")
    assert by_id[records["new"].id]["action"] == "create"

    assert api("POST", f"/runs/{run_id}/approve", console_token(tenant, role="member"))[0] == 403
    status, approved = api("POST", f"/runs/{run_id}/approve", admin)
    assert (status, approved["status"]) == (200, "queued")
    assert api("POST", f"/runs/{run_id}/approve", admin)[0] == 409  # a double click applies once
    assert pull_worker(aws, handler, context) == {"batchItemFailures": []}

    _, done = api("GET", f"/runs/{run_id}", admin)
    assert done["status"] == "succeeded"
    assert {c: (p["done"], p["total"], p["failed"]) for c, p in done["progress"].items()} == {
        "contacts": (3, 3, 0),
        "properties": (1, 1, 0),
        "items": (2, 2, 0),
        "invoices": (2, 2, 0),
    }
    # QuickBooks ends exactly right: matches linked, not duplicated; the rest created once; no draft.
    customers = {c["DisplayName"]: c for c in books(qbo, "Customer")}
    (site,) = [c for c in customers.values() if c.get("Job")]
    assert sorted(customers) == sorted(["ACME builders", "Jane D.", "Nora New", site["DisplayName"]])
    assert site["ParentRef"]["value"] == customers["Jane D."]["Id"]
    assert site["DisplayName"].endswith("Main Street")
    assert sorted(i["Name"] for i in books(qbo, "Item")) == ["Copper pipe", "labour"]
    invoices = {i["DocNumber"]: i for i in books(qbo, "Invoice")}
    assert sorted(invoices) == sorted([records["known"].number, records["fresh"].number])
    fresh = invoices[records["fresh"].number]
    assert (fresh["CustomerRef"]["value"], Decimal(str(fresh["TotalAmt"]))) == (
        customers["ACME builders"]["Id"],
        records["fresh"].total,
    )
    jane_link = LinkStore().get(tenant, PROVIDER, "contact", records["jane"].id)
    assert (jane_link.state, jane_link.remote_id) == (LinkState.LINKED, customers["Jane D."]["Id"])
    marked = saas_app.handle.app_client.get_invoice(tenant, records["known"].id)
    assert (marked.accounting_link.provider, marked.accounting_link.remote_id) == ("qbo", invoices[marked.number]["Id"])
    rows = SyncLogStore().all(tenant, SyncLogFilter(run_id=run_id))
    assert "Matched to QuickBooks Online customer Jane D. by email." in {row.detail for row in rows}
    assert {row.status for row in rows} <= {"matched", "synced"}

    (event,) = finished_events()
    assert (event["source"], event["detail-type"]) == ("fieldbooks", "sync.run_finished")
    assert event["detail"]["run_id"] == run_id
    assert (event["detail"]["status"], event["detail"]["done"], event["detail"]["total"]) == ("succeeded", 8, 8)

    status, again = api("POST", f"/connections/{PROVIDER.value}/sync", admin)  # Sync now finds nothing new
    assert (status, again["kind"]) == (202, "sync_now")
    assert pull_worker(aws, handler, context) == {"batchItemFailures": []}
    _, rerun = api("GET", f"/runs/{again['run_id']}", admin)
    assert rerun["status"] == "awaiting_approval"  # approve-plan shows every plan, even one with nothing to do
    assert rerun["plan"]["to_apply"] == 0  # what was created or linked is in step: nothing is pushed twice
    assert api("POST", f"/runs/{again['run_id']}/approve", admin)[0] == 200
    assert pull_worker(aws, handler, context) == {"batchItemFailures": []}
    assert RunStore().get(tenant, again["run_id"]).status is RunStatus.SUCCEEDED
    assert len(books(qbo, "Customer")) == 4


def test_stop_mid_run_halts_between_records_and_leaves_no_half_record(
    aws, handler, context, api, saas_app, qbo, tenant, adapter, finished_events, monkeypatch
) -> None:  # noqa: ANN001
    app = saas_app.handle.app_client
    for n in range(5):
        app.create_contact(tenant, first_name=f"Customer{n}", last_name="Smith")
    monkeypatch.setattr(driver, "SLICE_MAX_RECORDS", 2)  # a run of five goes in slices of two
    run_id = connect_through_oauth(api, handler, context, tenant)
    admin = console_token(tenant)

    assert pull_worker(aws, handler, context) == {"batchItemFailures": []}
    _, between = api("GET", f"/runs/{run_id}", admin)
    assert (between["status"], between["progress"]["contacts"]) == (
        "queued",
        {"done": 2, "total": 5, "failed": 0, "queued": 0},
    )
    assert len(books(qbo, "Customer")) == 2

    status, stopping = api("POST", f"/runs/{run_id}/stop", admin)
    assert (status, stopping["stop_requested"]) == (200, True)
    assert pull_worker(aws, handler, context) == {"batchItemFailures": []}

    _, stopped = api("GET", f"/runs/{run_id}", admin)
    assert (stopped["status"], stopped["message"]) == ("stopped", "Stopped on request.")
    assert stopped["progress"]["contacts"] == {"done": 2, "total": 5, "failed": 0, "queued": 0}
    created = books(qbo, "Customer")
    assert len(created) == 2  # exactly the records counted done, each complete and linked
    for customer in created:
        assert LinkStore().by_remote(tenant, PROVIDER, "contact", customer["Id"]).state is LinkState.LINKED
    assert receive_event(boto3.client("sqs"), aws.queue_url("PullQueue"))["Records"] == []
    (event,) = finished_events()
    assert (event["detail"]["status"], event["detail"]["done"], event["detail"]["total"]) == ("stopped", 2, 5)


def test_a_long_run_hands_itself_on_in_slices_and_creates_each_record_once(
    aws, handler, context, api, saas_app, qbo, tenant, adapter, monkeypatch
) -> None:  # noqa: ANN001
    app = saas_app.handle.app_client
    for n in range(5):
        app.create_item(tenant, name=f"Part {n}", unit_price="1.00")
    monkeypatch.setattr(driver, "SLICE_MAX_RECORDS", 2)
    run_id = connect_through_oauth(api, handler, context, tenant)

    for _ in range(3):
        assert pull_worker(aws, handler, context) == {"batchItemFailures": []}

    finished = RunStore().get(tenant, run_id)
    assert finished.status is RunStatus.SUCCEEDED
    assert finished.progress["items"].model_dump() == {"done": 5, "total": 5, "failed": 0, "queued": 0}
    assert sorted(i["Name"] for i in books(qbo, "Item")) == [f"Part {n}" for n in range(5)]


def test_a_throttled_record_fails_the_job_and_the_redelivery_resumes_at_that_record(
    aws, handler, context, api, saas_app, qbo, tenant, adapter
) -> None:  # noqa: ANN001
    app = saas_app.handle.app_client
    for n in range(3):
        app.create_contact(tenant, first_name=f"Customer{n}", last_name="Jones")
    run_id = connect_through_oauth(api, handler, context, tenant)
    event = receive_event(boto3.client("sqs"), aws.queue_url("PullQueue"))
    pull_worker_handler = handler("PullWorkerFunction")
    qbo.admin.add_fault("throttle", entity="Batch", count=1)  # the three creates go out as one batch

    first = pull_worker_handler(event, context)
    assert [f["itemIdentifier"] for f in first["batchItemFailures"]] == [event["Records"][0]["messageId"]]
    assert RunStore().get(tenant, run_id).status is RunStatus.RUNNING

    # The job waits out QuickBooks' 429.
    assert RateGovernor(tenant, PROVIDER, adapter.descriptor.budget).paused_for() > 0
    RateBudgetRow(tenant, PROVIDER.value).update(actions=[RateBudgetRow.paused_until.set(0)])  # time passes
    assert pull_worker_handler(event, context) == {"batchItemFailures": []}  # SQS brings the message back

    finished = RunStore().get(tenant, run_id)
    assert finished.status is RunStatus.SUCCEEDED
    assert finished.progress["contacts"].model_dump() == {"done": 3, "total": 3, "failed": 0, "queued": 0}
    assert sorted(c["DisplayName"] for c in books(qbo, "Customer")) == [f"Customer{n} Jones" for n in range(3)]


def test_sync_now_is_for_admins_of_a_working_connection_one_run_at_a_time(api, tenant) -> None:  # noqa: ANN001
    admin = console_token(tenant)
    assert api("POST", f"/connections/{PROVIDER.value}/sync", admin)[0] == 404  # not connected
    connect(tenant, remote_company_id=QBO_REALM)

    assert api("POST", f"/connections/{PROVIDER.value}/sync", console_token(tenant, role="member"))[0] == 403
    assert api("POST", f"/connections/{PROVIDER.value}/sync", admin)[0] == 202
    status, body = api("POST", f"/connections/{PROVIDER.value}/sync", admin)
    assert status == 409
    assert body["message"].startswith("A sync with QuickBooks Online is already under way")


def test_sync_now_refuses_a_connection_that_needs_reauthorisation(api, tenant) -> None:  # noqa: ANN001
    connect(tenant, remote_company_id=QBO_REALM, status=ConnectionStatus.NEEDS_REAUTH)
    status, body = api("POST", f"/connections/{PROVIDER.value}/sync", console_token(tenant))
    assert (status, body["message"]) == (409, "QuickBooks Online is needs reauth; reconnect it first.")


def test_stopping_a_plan_that_waits_for_approval_ends_the_run_at_once(aws, api, tenant, finished_events) -> None:  # noqa: ANN001
    run = RunStore().create(tenant, PROVIDER, RunKind.INITIAL)
    RunStore().set_status(tenant, run.run_id, RunStatus.AWAITING_APPROVAL)

    assert api("GET", f"/runs/{run.run_id}/plan", console_token("t-someone-else"))[0] == 404
    status, stopped = api("POST", f"/runs/{run.run_id}/stop", console_token(tenant))
    assert (status, stopped["status"], stopped["message"]) == (200, "stopped", "Stopped before it was approved.")
    assert api("POST", f"/runs/{run.run_id}/approve", console_token(tenant))[0] == 409
    assert [e["detail"]["status"] for e in finished_events()] == ["stopped"]


# ---------------------------------------------------------------- creates in batches (providers.md 1.2)


@pytest.fixture
def qbo_calls() -> Iterator[list[str]]:
    """The endpoint of every HTTP request the QuickBooks client sends ("batch", "customer", "query", ...).

    The registry serves the production package with an HTTP client that records, with a short timeout
    so a reply the simulator holds back (drop_after_commit) costs a second, not the production eight.
    """
    calls: list[str] = []

    def record(request: httpx.Request) -> None:
        path = request.url.path
        if "/v3/company/" in path:
            calls.append(path.split("/")[4])

    http = httpx.Client(timeout=httpx.Timeout(1.0), event_hooks={"request": [record]})
    with registry.replaced(PROVIDER, QuickBooksOnlinePackage(http=http)):
        yield calls
    http.close()


def test_an_initial_sync_creates_contacts_and_items_in_batches_of_thirty(
    aws, handler, context, api, saas_app, qbo, tenant, adapter, qbo_calls
) -> None:  # noqa: ANN001
    app = saas_app.handle.app_client
    for n in range(40):
        app.create_contact(tenant, first_name=f"Customer{n:02d}", last_name="Brown")
    for n in range(10):
        app.create_item(tenant, name=f"Part {n}", unit_price="2.50")
    run_id = connect_through_oauth(api, handler, context, tenant)

    assert pull_worker(aws, handler, context) == {"batchItemFailures": []}

    finished = RunStore().get(tenant, run_id)
    assert finished.status is RunStatus.SUCCEEDED
    assert {c: p.model_dump() for c, p in finished.progress.items()} == {
        "contacts": {"done": 40, "total": 40, "failed": 0, "queued": 0},
        "items": {"done": 10, "total": 10, "failed": 0, "queued": 0},
    }
    assert sorted(c["DisplayName"] for c in books(qbo, "Customer")) == [f"Customer{n:02d} Brown" for n in range(40)]
    assert sorted(i["Name"] for i in books(qbo, "Item")) == [f"Part {n}" for n in range(10)]
    # Plan pages of 30: 30 contacts, then 10 contacts and 10 items. One create call per record would be 50.
    assert qbo_calls.count("batch") == 2
    assert not {"customer", "item"} & set(qbo_calls)
    # Reading both sides (4 queries) and the income account, looked up once for the whole batch.
    assert len(qbo_calls) == 7, qbo_calls
    rows = SyncLogStore().all(tenant, SyncLogFilter(run_id=run_id))
    assert len(rows) == 50
    assert "Created customer Customer07 Brown in QuickBooks." in {row.detail for row in rows}
    assert "Created item Part 3 in QuickBooks." in {row.detail for row in rows}
    for customer in books(qbo, "Customer"):
        assert LinkStore().by_remote(tenant, PROVIDER, "contact", customer["Id"]).state is LinkState.LINKED


def test_a_batch_whose_reply_is_lost_after_commit_is_replayed_on_the_retry_without_duplicates(
    aws, handler, context, api, saas_app, qbo, tenant, adapter, qbo_calls
) -> None:  # noqa: ANN001
    app = saas_app.handle.app_client
    contacts = [app.create_contact(tenant, first_name=f"Customer{n}", last_name="Green") for n in range(4)]
    run_id = connect_through_oauth(api, handler, context, tenant)
    event = receive_event(boto3.client("sqs"), aws.queue_url("PullQueue"))
    pull_worker_handler = handler("PullWorkerFunction")
    # QuickBooks commits the batch but the reply never comes, three times: the client's own retries
    # (same requestid) give up, the job fails, and the intents stay PENDING like after a crash.
    qbo.admin.add_fault("drop_after_commit", entity="Batch", times=3)

    first = pull_worker_handler(event, context)
    assert [f["itemIdentifier"] for f in first["batchItemFailures"]] == [event["Records"][0]["messageId"]]
    assert len(books(qbo, "Customer")) == 4  # committed at the first try
    pending = [LinkStore().get(tenant, PROVIDER, "contact", c.id) for c in contacts]
    assert {link.state for link in pending} == {LinkState.PENDING}
    assert len({link.intent_batch.split()[0] for link in pending}) == 1  # one batch, its key on every intent

    # Meanwhile a real-time push of one of them settles it under the batch's key, not a key of its own.
    connection = load_module(TEMPLATE.function("PullWorkerFunction")).services.connections.get(tenant, PROVIDER)
    services = load_module(TEMPLATE.function("PullWorkerFunction")).services
    record = services.saas.get_contact(tenant, contacts[0].id)
    assert Push(connection, services).record("contact", record).action.value == "created"

    assert pull_worker_handler(event, context) == {"batchItemFailures": []}  # SQS brings the message back

    finished = RunStore().get(tenant, run_id)
    assert finished.status is RunStatus.SUCCEEDED
    assert finished.progress["contacts"].model_dump() == {"done": 4, "total": 4, "failed": 0, "queued": 0}
    customers = books(qbo, "Customer")
    assert sorted(c["DisplayName"] for c in customers) == [f"Customer{n} Green" for n in range(4)]
    for contact in contacts:
        link = LinkStore().get(tenant, PROVIDER, "contact", contact.id)
        assert (link.state, link.intent_batch) == (LinkState.LINKED, None)
        assert link.remote_id in {c["Id"] for c in customers}
    assert {LinkStore().get(tenant, PROVIDER, "contact", c.id).remote_id for c in contacts} == {
        c["Id"] for c in customers
    }
    assert not {"customer"} & set(qbo_calls)  # never a single create, which could not replay the batch


def test_a_duplicate_name_inside_a_batch_opens_the_conflict_and_the_others_are_created(
    aws, handler, context, api, saas_app, qbo, tenant, adapter, qbo_calls
) -> None:  # noqa: ANN001
    app = saas_app.handle.app_client
    contacts = [app.create_contact(tenant, first_name=f"Customer{n}", last_name="White") for n in range(3)]
    run_id = connect_through_oauth(api, handler, context, tenant)
    admin = console_token(tenant)
    settings = ConnectionSettings(approve_plan=True).model_dump(mode="json")
    assert api("PUT", f"/connections/{PROVIDER.value}/settings", admin, body=settings)[0] == 200
    assert pull_worker(aws, handler, context) == {"batchItemFailures": []}
    # Someone adds the same name in QuickBooks after the plan was made: the batch item gets a 6240.
    holder = qbo.admin.create_as_user(QBO_REALM, "Customer", DisplayName="Customer1 White")
    assert api("POST", f"/runs/{run_id}/approve", admin)[0] == 200

    assert pull_worker(aws, handler, context) == {"batchItemFailures": []}

    finished = RunStore().get(tenant, run_id)
    assert finished.progress["contacts"].model_dump() == {"done": 2, "total": 3, "failed": 1, "queued": 0}
    assert sorted(c["DisplayName"] for c in books(qbo, "Customer")) == [f"Customer{n} White" for n in range(3)]
    assert qbo_calls.count("batch") == 1 and "customer" not in qbo_calls
    (conflict,) = ConflictStore().list(tenant)
    assert (conflict.saas_id, conflict.resolvable, conflict.remote_id) == (contacts[1].id, True, holder["Id"])
    rows = {row.saas_id: row for row in SyncLogStore().all(tenant, SyncLogFilter(run_id=run_id))}
    assert (rows[contacts[1].id].status, rows[contacts[1].id].action, rows[contacts[1].id].detail) == (
        "conflict",
        "create",
        'Duplicate customer name: QuickBooks already has a customer named "Customer1 White" that is not '
        "linked to any record. Resolve to link them.",
    )
    assert rows[contacts[0].id].detail == "Created customer Customer0 White in QuickBooks."
    refused = LinkStore().get(tenant, PROVIDER, "contact", contacts[1].id)
    assert (refused.state, refused.intent_request_id, refused.generation) == (LinkState.PENDING, None, 1)
