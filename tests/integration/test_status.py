"""`GET /connections/{provider}`: the integrations card, through the tenant API handler on moto."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import boto3
import pytest

from fieldbooks import registry
from fieldbooks.domain.models import ConnectionSettings, ConnectionStatus, Direction, Provider, RunKind, RunStatus
from fieldbooks.domain.models import SyncStatus as Status
from fieldbooks.store.runs import RunStore
from fieldbooks.store.sync_log import SyncLogFilter, SyncLogStore
from tests.support.fake_provider import FakeProvider, connect
from tests.support.oauth_flow import tenant_api
from tests.support.sqs import receive_event

QBO = Provider.QUICKBOOKS_ONLINE
PATH = "/connections/quickbooks_online"


@pytest.fixture
def fake_provider() -> Iterator[FakeProvider]:
    with registry.replaced(QBO, FakeProvider()) as fake:
        yield fake


def card(tenant_id: str) -> dict:
    reply = tenant_api("GET", PATH, tenant_id, role="member")
    assert reply.status == 200, reply.body
    return reply.body


def log(tenant_id: str, direction: Direction, status: Status) -> None:
    SyncLogStore().write(
        tenant_id,
        entity="contact",
        direction=direction,
        status=status,
        action="update",
        detail="A sentence.",
        provider=QBO,
        saas_id="c-1",
    )


def at(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def test_a_provider_never_connected_says_so(aws) -> None:  # noqa: ANN001
    body = card("t-new")

    assert (body["status"], body["headline"], body["company_name"]) == ("disconnected", "Not connected", None)
    assert body["next_scheduled_pull_at"] is None


def test_a_connection_where_nothing_ran_yet_is_ready_and_due_at_once(aws) -> None:  # noqa: ANN001
    connect("t-fresh")

    body = card("t-fresh")

    assert (body["status"], body["headline"], body["company_name"]) == ("connected", "Ready", "t-fresh Plumbing LLC")
    assert body["current_run"] is body["last_run"] is body["last_successful_pull_at"] is None
    assert body["last_successful_push_at"] is None and body["errors_since_last_run"] == 0
    assert abs(at(body["next_scheduled_pull_at"]) - datetime.now(UTC)) < timedelta(minutes=1)


def test_the_card_shows_the_run_under_way_the_last_pull_and_push_and_the_errors_since_the_last_run(aws) -> None:  # noqa: ANN001
    queued = datetime.now(UTC) - timedelta(minutes=4)
    connect("t-busy", pull_queued_at=queued)
    log("t-busy", Direction.TO_ACCOUNTING, Status.ERROR)  # before the last run: not counted
    pulled = RunStore().create("t-busy", QBO, RunKind.SCHEDULED)
    finished = RunStore().set_status("t-busy", pulled.run_id, RunStatus.SUCCEEDED)
    log("t-busy", Direction.TO_ACCOUNTING, Status.SYNCED)
    running = RunStore().create("t-busy", QBO, RunKind.SYNC_NOW)
    RunStore().set_status("t-busy", running.run_id, RunStatus.RUNNING)
    for category, total in (("contacts", 2), ("invoices", 10)):
        RunStore().set_total("t-busy", running.run_id, category, total)
    for category, failed in (("contacts", False), ("contacts", False), ("invoices", False), ("invoices", True)):
        RunStore().count("t-busy", running.run_id, category, failed=failed)
    log("t-busy", Direction.TO_ACCOUNTING, Status.ERROR)
    log("t-busy", Direction.FROM_ACCOUNTING, Status.ERROR)
    log("t-busy", Direction.FROM_ACCOUNTING, Status.SYNCED)  # a pull's row is no push
    log("t-other", Direction.TO_ACCOUNTING, Status.ERROR)  # another tenant's
    RunStore().create("t-other", QBO, RunKind.SYNC_NOW)

    body = card("t-busy")

    assert body["headline"] == "Syncing"
    current = body["current_run"]
    assert (current["run_id"], current["kind"], current["category"]) == (running.run_id, "sync_now", "invoices")
    assert (current["done"], current["failed"], current["total"], current["progress"]) == (1, 1, 10, "invoices 2 / 10")
    assert at(body["last_successful_pull_at"]) == finished.finished_at
    assert body["last_run"]["run_id"] == pulled.run_id
    pushes = SyncLogStore().all("t-busy", SyncLogFilter(direction=Direction.TO_ACCOUNTING, status=Status.SYNCED))
    assert at(body["last_successful_push_at"]) == pushes[0].created_at
    assert body["errors_since_last_run"] == 2
    assert at(body["next_scheduled_pull_at"]) == queued + timedelta(minutes=15)


def test_a_connection_waiting_for_a_reconnect_has_no_next_pull(aws) -> None:  # noqa: ANN001
    connect("t-reauth", status=ConnectionStatus.NEEDS_REAUTH)

    body = card("t-reauth")

    assert (body["status"], body["headline"], body["next_scheduled_pull_at"]) == (
        "needs_reauth",
        "Reconnect needed",
        None,
    )


def test_autosync_off_shows_no_next_pull_and_says_why(aws) -> None:  # noqa: ANN001
    connect("t-manual", settings=ConnectionSettings(autosync=False))
    RunStore().set_status("t-manual", RunStore().create("t-manual", QBO, RunKind.SYNC_NOW).run_id, RunStatus.SUCCEEDED)

    body = card("t-manual")

    assert (body["headline"], body["autosync"], body["next_scheduled_pull_at"]) == ("Autosync off", False, None)


def test_inside_the_maintenance_window_the_next_pull_is_when_it_ends(aws) -> None:  # noqa: ANN001
    now = datetime.now(UTC)
    start, end = now - timedelta(hours=1), now + timedelta(hours=1)
    window = {"start": start.strftime("%H:%M"), "end": end.strftime("%H:%M")}
    connect("t-night", settings=ConnectionSettings.model_validate({"maintenance_window": window, "time_zone": "UTC"}))

    body = card("t-night")

    assert at(body["next_scheduled_pull_at"]) == end.replace(second=0, microsecond=0)


def test_a_scheduled_pull_run_by_the_workers_shows_as_the_last_successful_pull(
    aws, handler, context, load_event, fake_provider
) -> None:  # noqa: ANN001
    connect("t-acme")
    tick = load_event("scheduler/tick.json", time=datetime.now(UTC).isoformat())
    assert handler("SchedulerFunction")(tick, context) == {"queued": 1}
    assert card("t-acme")["headline"] == "Syncing"  # queued: about to start

    event = receive_event(boto3.client("sqs"), aws.queue_url("PullQueue"))
    assert handler("PullWorkerFunction")(event, context) == {"batchItemFailures": []}

    body = card("t-acme")
    (run,) = RunStore().recent("t-acme").items
    assert (body["headline"], body["current_run"], body["last_run"]["status"]) == ("Up to date", None, "succeeded")
    assert at(body["last_successful_pull_at"]) == run.finished_at
    assert at(body["next_scheduled_pull_at"]) > datetime.now(UTC) + timedelta(minutes=14)


def test_a_provider_that_is_no_provider_is_a_400(aws) -> None:  # noqa: ANN001
    reply = tenant_api("GET", "/connections/sage", "t-acme")

    assert reply.status == 400 and reply.body["message"]
