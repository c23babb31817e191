"""Scheduled and webhook pulls: QuickBooks Online's changes reach the SaaS, through the real pull worker
on moto, the QuickBooks Online simulator over HTTP (its admin API edits records as a bookkeeper
would) and the reference SaaS app."""

# ruff: noqa: F811 - the `api` and `tenant` fixtures come from test_runs, and tests name them as parameters

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from typing import Any

import boto3
import pytest

from fieldbooks.domain.models import ConflictPolicy, ConnectionSettings, Direction, Provider, RunKind, RunStatus
from fieldbooks.domain.records import Contact, Property
from fieldbooks.queues.pull_jobs import PullJob, PullTarget
from fieldbooks.saas.client import SaasPlatformClient
from fieldbooks.store.links import LinkStore
from fieldbooks.store.pull_cursors import PullCursorStore
from fieldbooks.store.runs import RunStore
from fieldbooks.store.sync_log import SyncLogFilter, SyncLogStore
from local.runtime.handlers import load_module
from tests.conftest import QBO_REALM, TEMPLATE, console_token
from tests.integration.test_runs import (  # noqa: F401 - api and tenant are fixtures
    api,
    books,
    connect_through_oauth,
    pull_worker,
    tenant,
)

PROVIDER = Provider.QUICKBOOKS_ONLINE
BEGINNING = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


def platform() -> SaasPlatformClient:
    """The SaaS as the pull worker sees it (its own platform client)."""
    return load_module(TEMPLATE.function("PullWorkerFunction")).services.saas


def contacts(tenant_id: str) -> dict[str, Contact]:
    found = platform().list_changed(tenant_id, "contact", since=BEGINNING)
    return {c.display_name or "": c for c in found if isinstance(c, Contact)}


def properties(tenant_id: str) -> list[Property]:
    return [p for p in platform().list_changed(tenant_id, "property", since=BEGINNING) if isinstance(p, Property)]


def customer(qbo, name: str) -> dict[str, Any]:  # noqa: ANN001
    (found,) = [c for c in books(qbo, "Customer") if c["DisplayName"] == name]
    return found


def queue_pull(aws, tenant_id: str, kind: RunKind = RunKind.SCHEDULED, targets: list[PullTarget] | None = None) -> str:  # noqa: ANN001
    """A pull job on the pull queue, as the scheduler (or the webhook receiver, with targets) queues it."""
    run = RunStore().create(tenant_id, PROVIDER, kind)
    job = PullJob(tenant_id=tenant_id, provider=PROVIDER, run_id=run.run_id, targets=targets or [])
    boto3.client("sqs").send_message(QueueUrl=aws.queue_url("PullQueue"), MessageBody=job.model_dump_json())
    return run.run_id


@pytest.fixture
def pull(aws, handler, context) -> Callable[..., str]:  # noqa: ANN001
    def run(
        tenant_id: str,
        kind: RunKind = RunKind.SCHEDULED,
        targets: list[PullTarget] | None = None,
        ends: RunStatus = RunStatus.SUCCEEDED,
    ) -> str:
        run_id = queue_pull(aws, tenant_id, kind, targets)
        assert pull_worker(aws, handler, context) == {"batchItemFailures": []}
        assert RunStore().get(tenant_id, run_id).status is ends
        return run_id

    return run


@pytest.fixture
def connected(aws, handler, context, api, saas_app, qbo, tenant) -> str:  # noqa: ANN001
    """Jane exists in the SaaS; connecting runs the initial sync, which creates her in QuickBooks."""
    saas_app.handle.app_client.create_contact(tenant, first_name="Jane", last_name="Doe", email="jane@example.com")
    connect_through_oauth(api, handler, context, tenant)
    assert pull_worker(aws, handler, context) == {"batchItemFailures": []}
    assert [c["DisplayName"] for c in books(qbo, "Customer")] == ["Jane Doe"]
    return tenant


def pulled_rows(tenant_id: str, run_id: str) -> list[Any]:
    rows = SyncLogStore().all(tenant_id, SyncLogFilter(run_id=run_id))
    assert all(row.direction is Direction.FROM_ACCOUNTING for row in rows)
    return rows


def test_a_customer_edited_in_quickbooks_reaches_the_saas_and_our_own_writes_do_not_come_back(
    connected, qbo, pull
) -> None:  # noqa: ANN001
    jane = contacts(connected)["Jane Doe"]
    echo = pull(connected)  # CDC since the connect holds the customer the initial sync created
    assert contacts(connected)["Jane Doe"].version == jane.version  # our own create did not come back
    assert pulled_rows(connected, echo) == []

    remote = customer(qbo, "Jane Doe")
    qbo.admin.edit_as_user(QBO_REALM, "Customer", remote["Id"], PrimaryPhone={"FreeFormNumber": "555-0100"})
    run_id = pull(connected)

    edited = contacts(connected)["Jane Doe"]
    assert (edited.phone, edited.email) == ("555-0100", "jane@example.com")
    (row,) = pulled_rows(connected, run_id)
    assert (row.status, row.action, row.detail) == ("synced", "update", "Updated customer Jane Doe from QuickBooks.")
    assert customer(qbo, "Jane Doe")["SyncToken"] == str(int(remote["SyncToken"]) + 1)  # nothing written back
    link = LinkStore().get(connected, PROVIDER, "contact", jane.id)
    assert (link.remote_version, link.synced_version) == (str(int(remote["SyncToken"]) + 1), edited.version)
    assert link.snapshot["PrimaryPhone"] == {"FreeFormNumber": "555-0100"}  # the next merge's base

    replayed = pull(connected)  # the same change read again (`>=`) is dropped by its version
    assert contacts(connected)["Jane Doe"].version == edited.version
    assert pulled_rows(connected, replayed) == []

    qbo.admin.edit_as_user(QBO_REALM, "Customer", remote["Id"], Active=False)
    retired = pull(connected)
    assert contacts(connected)["Jane Doe"].deleted_at is None  # never deleted in the SaaS
    assert LinkStore().get(connected, PROVIDER, "contact", jane.id).remote_inactive
    (row,) = pulled_rows(connected, retired)
    assert (row.status, row.action) == ("skipped", "inactive")
    assert "made inactive" in row.detail


def test_a_new_customer_and_its_sub_customer_arrive_as_contact_and_job_site_once(
    aws, handler, context, connected, qbo, pull
) -> None:  # noqa: ANN001
    bob = qbo.admin.create_as_user(
        QBO_REALM,
        "Customer",
        DisplayName="Bob Builder",
        GivenName="Bob",
        FamilyName="Builder",
        PrimaryEmailAddr={"Address": "bob@example.com"},
        BillAddr={"Line1": "2 High St", "City": "Springfield"},
    )
    qbo.admin.create_as_user(
        QBO_REALM,
        "Customer",
        DisplayName="Bob Builder - Lake House",
        Job=True,
        ParentRef={"value": bob["Id"]},
        BillWithParent=True,
        ShipAddr={"Line1": "9 Shore Rd"},
    )
    run_id = queue_pull(aws, connected)
    body = boto3.client("sqs")
    assert pull_worker(aws, handler, context) == {"batchItemFailures": []}

    new = contacts(connected)["Bob Builder"]
    assert (new.first_name, new.last_name, new.email, new.billing_address.city) == (
        "Bob",
        "Builder",
        "bob@example.com",
        "Springfield",
    )
    assert (new.accounting_link.provider, new.accounting_link.remote_id) == ("qbo", bob["Id"])
    (site,) = properties(connected)
    assert (site.contact_id, site.name, site.address.line1) == (new.id, "Lake House", "9 Shore Rd")
    assert site.accounting_link.provider == "qbo"
    link = LinkStore().get(connected, PROVIDER, "contact", new.id)
    assert (link.remote_id, link.snapshot["DisplayName"]) == (bob["Id"], "Bob Builder")
    assert LinkStore().get(connected, PROVIDER, "property", site.id).snapshot["ParentRef"] == {"value": bob["Id"]}
    progress = RunStore().get(connected, run_id).progress
    assert (progress["contacts"].done, progress["properties"].done) == (2, 1)  # Jane's echo counts, unchanged
    details = {row.detail for row in pulled_rows(connected, run_id)}
    assert "Created customer Bob Builder from QuickBooks customer Bob Builder." in details

    # The same message delivered again, and a fresh pull reading the same changes: nothing twice.
    job = PullJob(tenant_id=connected, provider=PROVIDER, run_id=run_id)
    body.send_message(QueueUrl=aws.queue_url("PullQueue"), MessageBody=job.model_dump_json())
    assert pull_worker(aws, handler, context) == {"batchItemFailures": []}
    pull(connected)
    assert sorted(contacts(connected)) == ["Bob Builder", "Jane Doe"]
    assert len(properties(connected)) == 1
    assert contacts(connected)["Bob Builder"].version == new.version
    assert len(books(qbo, "Customer")) == 3  # nothing was pushed back as new

    # The bookkeeper moves the job site: its address follows into the SaaS.
    (job,) = [c for c in books(qbo, "Customer") if c.get("Job")]
    qbo.admin.edit_as_user(QBO_REALM, "Customer", job["Id"], ShipAddr={"Line1": "11 Shore Rd", "City": "Lakeside"})
    moved = pull(connected)
    (site,) = properties(connected)
    assert (site.name, site.address.line1, site.address.city) == ("Lake House", "11 Shore Rd", "Lakeside")
    assert [row.detail for row in pulled_rows(connected, moved)] == ["Updated job site Lake House from QuickBooks."]


def test_two_customers_updated_in_the_same_second_both_arrive(connected, qbo, pull) -> None:  # noqa: ANN001
    first = qbo.admin.create_as_user(QBO_REALM, "Customer", DisplayName="Ann Early")
    second = qbo.admin.create_as_user(QBO_REALM, "Customer", DisplayName="Ben Late")
    pull(connected)
    for _ in range(20):  # two edits a few milliseconds apart nearly always share a second; make sure
        a = qbo.admin.edit_as_user(QBO_REALM, "Customer", first["Id"], Notes="first")
        b = qbo.admin.edit_as_user(QBO_REALM, "Customer", second["Id"], Notes="second")
        if a["MetaData"]["LastUpdatedTime"] == b["MetaData"]["LastUpdatedTime"]:
            break
    else:
        pytest.fail("could not make two edits within one second")
    # The webhook for Ann came first: it is applied, and a pull that saw her ends its cursor on her second.
    pull(connected, RunKind.WEBHOOK, [PullTarget(remote_entity="Customer", remote_id=first["Id"])])
    assert contacts(connected)["Ann Early"].notes == "first"
    ann_version = contacts(connected)["Ann Early"].version
    shared_second = dt.datetime.fromisoformat(a["MetaData"]["LastUpdatedTime"])
    PullCursorStore().save(connected, PROVIDER, "Customer", shared_second)

    run_id = pull(connected)

    assert contacts(connected)["Ben Late"].notes == "second"  # the second sharer is not lost
    assert contacts(connected)["Ann Early"].version == ann_version  # the first one is not applied twice
    assert [row.remote_id for row in pulled_rows(connected, run_id)] == [second["Id"]]


def test_a_cursor_older_than_30_days_falls_back_to_a_full_comparison(connected, qbo, pull) -> None:  # noqa: ANN001
    remote = customer(qbo, "Jane Doe")
    qbo.admin.edit_as_user(QBO_REALM, "Customer", remote["Id"], Notes="Gate code 1234")
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=31)
    PullCursorStore().save(connected, PROVIDER, "Customer", long_ago)  # CDC would refuse this changedSince

    run_id = pull(connected)

    assert contacts(connected)["Jane Doe"].notes == "Gate code 1234"
    assert PullCursorStore().get(connected, PROVIDER, "Customer") > dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    assert [row.action for row in pulled_rows(connected, run_id)] == ["update"]


@pytest.mark.parametrize(
    ("policy", "kept"),
    [
        (ConflictPolicy.SAAS_WINS, "saas"),
        (ConflictPolicy.ACCOUNTING_WINS, "accounting"),
        (ConflictPolicy.MOST_RECENT, "accounting"),  # the bookkeeper's edit came last
    ],
)
def test_an_edit_on_both_sides_follows_the_policy_and_both_sides_end_equal(
    connected,
    qbo,
    pull,
    api,
    saas_app,
    policy,
    kept,
) -> None:  # noqa: ANN001
    settings = ConnectionSettings(conflict_policy=policy).model_dump(mode="json")
    assert api("PUT", f"/connections/{PROVIDER.value}/settings", console_token(connected), body=settings)[0] == 200
    jane = contacts(connected)["Jane Doe"]
    remote = customer(qbo, "Jane Doe")
    # The app changes the phone and the notes; the bookkeeper the company and the notes.
    saas_app.handle.app_client.update_contact(connected, jane.id, phone="555-0199", notes="Dog in yard")
    time.sleep(1.1)  # QuickBooks stamps changes to the second: its edit is unmistakably the later one
    qbo.admin.edit_as_user(QBO_REALM, "Customer", remote["Id"], CompanyName="Doe Holdings", Notes="Call first")

    run_id = pull(connected)

    merged, books_now = contacts(connected)["Jane Doe"], customer(qbo, "Jane Doe")
    notes = "Dog in yard" if kept == "saas" else "Call first"
    assert (merged.phone, merged.company_name, merged.notes) == ("555-0199", "Doe Holdings", notes)
    assert (books_now["PrimaryPhone"]["FreeFormNumber"], books_now["CompanyName"], books_now["Notes"]) == (
        "555-0199",
        "Doe Holdings",
        notes,
    )
    (row,) = pulled_rows(connected, run_id)
    assert row.values == {"Notes": {"saas": "Dog in yard", "accounting": "Call first", "kept": kept}}
    assert "Notes was changed on both sides" in row.detail
    link = LinkStore().get(connected, PROVIDER, "contact", jane.id)
    assert (link.remote_version, link.synced_version) == (books_now["SyncToken"], merged.version)

    again = pull(connected)  # our own write back to QuickBooks is an echo now
    assert pulled_rows(connected, again) == []
    assert contacts(connected)["Jane Doe"].version == merged.version


def test_the_initial_sync_brings_in_customers_only_quickbooks_has_and_gives_matched_links_a_base(
    aws,
    handler,
    context,
    api,
    saas_app,
    qbo,
    tenant,
) -> None:  # noqa: ANN001
    app = saas_app.handle.app_client
    jane = app.create_contact(tenant, first_name="Jane", last_name="Doe", email="jane@example.com", phone="555-0001")
    qbo.admin.create_as_user(
        QBO_REALM,
        "Customer",
        DisplayName="Jane D.",
        PrimaryEmailAddr={"Address": "jane@example.com"},
        PrimaryPhone={"FreeFormNumber": "555-0001"},
    )
    carl = qbo.admin.create_as_user(QBO_REALM, "Customer", DisplayName="Carl Only", GivenName="Carl", FamilyName="Only")
    qbo.admin.create_as_user(
        QBO_REALM, "Customer", DisplayName="Carl Only - Barn", Job=True, ParentRef={"value": carl["Id"]}
    )

    run_id = connect_through_oauth(api, handler, context, tenant)
    assert pull_worker(aws, handler, context) == {"batchItemFailures": []}

    _, run = api("GET", f"/runs/{run_id}", console_token(tenant))
    assert run["status"] == "succeeded"
    assert (run["plan"]["counts"]["contacts"]["link"], run["plan"]["counts"]["contacts"]["bring_in"]) == (1, 1)
    assert run["plan"]["counts"]["properties"]["bring_in"] == 1
    brought = contacts(tenant)["Carl Only"]
    assert (brought.first_name, brought.last_name, brought.accounting_link.remote_id) == ("Carl", "Only", carl["Id"])
    (barn,) = properties(tenant)
    assert (barn.contact_id, barn.name) == (brought.id, "Barn")
    assert len(books(qbo, "Customer")) == 3  # nothing was pushed back for them
    # The matched link's base holds what both sides agreed on (the phone), not the name they differ in.
    snapshot = LinkStore().get(tenant, PROVIDER, "contact", jane.id).snapshot
    assert snapshot["PrimaryPhone"] == {"FreeFormNumber": "555-0001"}
    assert "DisplayName" not in snapshot

    status, again = api("POST", f"/connections/{PROVIDER.value}/sync", console_token(tenant))
    assert status == 202
    assert pull_worker(aws, handler, context) == {"batchItemFailures": []}
    _, rerun = api("GET", f"/runs/{again['run_id']}", console_token(tenant))
    assert (rerun["status"], rerun["plan"]["to_apply"]) == ("succeeded", 0)  # nothing is brought in twice
    assert sorted(contacts(tenant)) == ["Carl Only", "Jane Doe"]


def test_a_customer_the_saas_cannot_take_gets_an_error_row_and_is_read_again_until_it_can(connected, qbo, pull) -> None:  # noqa: ANN001
    long_name = "Northern " + "Plumbing " * 25  # QuickBooks takes 500 characters; the app 200
    odd = qbo.admin.create_as_user(QBO_REALM, "Customer", DisplayName=long_name.strip())

    failed = pull(connected, ends=RunStatus.PARTIAL)

    (row,) = pulled_rows(connected, failed)
    assert (row.status, row.remote_id) == ("error", odd["Id"])
    assert "cannot be brought in" in row.detail and "display_name" in row.detail
    assert RunStore().get(connected, failed).progress["contacts"].failed == 1
    stamp = dt.datetime.fromisoformat(odd["MetaData"]["LastUpdatedTime"])
    cursor = PullCursorStore().get(connected, PROVIDER, "Customer")
    assert cursor is None or cursor <= stamp  # not moved past it (None: still at the connect time)

    again = pull(connected, ends=RunStatus.PARTIAL)  # no change in QuickBooks, yet it is tried again
    assert [r.remote_id for r in pulled_rows(connected, again)] == [odd["Id"]]

    qbo.admin.edit_as_user(QBO_REALM, "Customer", odd["Id"], DisplayName="Northern Plumbing")
    pull(connected)
    assert "Northern Plumbing" in contacts(connected)


def test_a_webhook_pull_reads_the_records_it_names_and_takes_a_missing_one_as_deleted(connected, qbo, pull) -> None:  # noqa: ANN001
    jane = contacts(connected)["Jane Doe"]
    remote = customer(qbo, "Jane Doe")
    qbo.admin.edit_as_user(QBO_REALM, "Customer", remote["Id"], Notes="Side gate")
    cursor_before = PullCursorStore().get(connected, PROVIDER, "Customer")

    run_id = pull(
        connected,
        RunKind.WEBHOOK,
        [
            PullTarget(remote_entity="Customer", remote_id=remote["Id"]),
            PullTarget(remote_entity="Account", remote_id="7"),  # not a record pulls bring: ignored
        ],
    )
    assert contacts(connected)["Jane Doe"].notes == "Side gate"
    assert PullCursorStore().get(connected, PROVIDER, "Customer") == cursor_before  # targets move no cursor
    assert [row.action for row in pulled_rows(connected, run_id)] == ["update"]

    merged_away = pull(connected, RunKind.WEBHOOK, [PullTarget(remote_entity="Customer", remote_id="9999")])
    assert pulled_rows(connected, merged_away) == []  # never ours: nothing to mark
    gone = pull(
        connected, RunKind.WEBHOOK, [PullTarget(remote_entity="Customer", remote_id=remote["Id"], deleted=True)]
    )
    assert LinkStore().get(connected, PROVIDER, "contact", jane.id).remote_inactive
    assert "was deleted there" in pulled_rows(connected, gone)[0].detail
    assert contacts(connected)["Jane Doe"].deleted_at is None


def test_a_long_pull_hands_the_rest_to_a_fresh_job_and_nothing_is_lost_or_doubled(
    aws, handler, context, connected, qbo, monkeypatch
) -> None:  # noqa: ANN001
    from fieldbooks.sync import pull_changes

    for name in ("Ann One", "Ben Two", "Cy Three"):
        qbo.admin.create_as_user(QBO_REALM, "Customer", DisplayName=name)
    monkeypatch.setattr(pull_changes, "PULL_SLICE_RECORDS", 1)  # one new customer per slice

    run_id = queue_pull(aws, connected)
    assert pull_worker(aws, handler, context) == {"batchItemFailures": []}
    assert RunStore().get(connected, run_id).status is RunStatus.QUEUED  # handed on, not finished
    for _ in range(5):  # one more slice per customer at most; bounded, so a stuck pull fails the test
        if RunStore().get(connected, run_id).status is not RunStatus.QUEUED:
            break
        assert pull_worker(aws, handler, context) == {"batchItemFailures": []}

    assert RunStore().get(connected, run_id).status is RunStatus.SUCCEEDED
    assert sorted(contacts(connected)) == ["Ann One", "Ben Two", "Cy Three", "Jane Doe"]
    created = [row.detail for row in pulled_rows(connected, run_id) if row.action == "create"]
    assert len(created) == 3  # each once, across the slices
