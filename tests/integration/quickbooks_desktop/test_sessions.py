"""Whole Web Connector sessions against `POST /qbwc`: pushes queued, handed out as qbXML, settled."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import boto3

from fieldbooks.domain.models import LinkState, RunStatus, SyncStatus
from fieldbooks.domain.outcomes import PushAction
from local.simulators.quickbooks_desktop import FaultRule
from tests.integration.quickbooks_desktop.conftest import QBD, Office, jane
from tests.support.sqs import receive_event


def test_a_queued_contact_reaches_quickbooks_in_one_session_and_ends_linked(office: Office) -> None:
    contact = jane(office, email="jane@example.com")

    outcome = office.push("contact", contact)
    assert outcome.action is PushAction.QUEUED
    assert outcome.detail == "Waiting for the QuickBooks Web Connector to ask for customer Jane Doe."

    report = office.session()

    assert report.outcome == "done", report
    assert report.calls[:3] == ["serverVersion", "clientVersion", "authenticate"]
    assert report.calls[-1] == "closeConnection"
    (customer,) = [c for c in office.customers() if c["Name"] == "Jane Doe"]
    assert customer["Email"] == "jane@example.com"
    link = office.services.links.get(office.tenant_id, QBD, "contact", contact.id)
    assert (link.state, link.remote_id, link.remote_version) == (
        LinkState.LINKED,
        customer["ListID"],
        customer["EditSequence"],
    )
    assert [r.detail for r in office.log(status=SyncStatus.SYNCED)] == [
        "Created customer Jane Doe in QuickBooks Desktop."
    ]
    assert office.pc.schema_errors == []
    assert 'onError="continueOnError"' in office.pc.requests[0]


def test_a_session_with_nothing_to_do_ends_at_once(office: Office) -> None:
    report = office.session()

    assert report.outcome == "done", report
    assert office.pc.requests == []


def test_a_wrong_password_gets_nvu_and_opens_nothing(office: Office) -> None:
    jane(office)

    report = office.session(password="not the password at all")

    assert report.outcome == "invalid user"
    assert report.calls == ["serverVersion", "clientVersion", "authenticate"]
    assert office.pc.requests == []


def test_sync_now_queues_the_records_and_the_run_ends_with_the_web_connector_s_last_answer(
    office: Office, aws: Any, handler: Callable[[str], Any], context: Any
) -> None:
    for first in ("Ann", "Bob"):
        office.app.create_contact(office.tenant_id, first_name=first, last_name="Lee")
    started = office.tenant_api("POST", f"/connections/{QBD.value}/sync")
    assert started.status_code == 202, started.text
    run_id = started.json()["run_id"]
    sqs = boto3.client("sqs")
    handler("PullWorkerFunction")(receive_event(sqs, aws.queue_url("PullQueue")), context)
    waiting = office.services.runs.get(office.tenant_id, run_id)
    assert (waiting.status, waiting.progress["contacts"].queued) == (RunStatus.RUNNING, 2)

    assert office.session().outcome == "done"

    finished = office.services.runs.get(office.tenant_id, run_id)
    assert finished.status is RunStatus.SUCCEEDED
    assert (finished.progress["contacts"].done, finished.progress["contacts"].queued) == (2, 0)
    assert {"Ann Lee", "Bob Lee"} <= {c["Name"] for c in office.customers()}
    assert office.pc.schema_errors == []


def test_a_long_queue_goes_out_twenty_requests_a_message_with_the_percent_done_between(office: Office) -> None:
    for n in range(25):
        office.push("contact", office.app.create_contact(office.tenant_id, first_name=f"P{n:02d}", last_name="Lee"))

    report = office.session()

    assert report.outcome == "done", report
    assert [e.request.count("<CustomerAddRq") for e in report.exchanges] == [20, 5]
    assert [e.percent for e in report.exchanges] == [80, 100]
    assert len({c["Name"] for c in office.customers() if c["Name"].endswith(" Lee")}) == 25
    assert office.pc.schema_errors == []


def test_a_customer_in_use_in_quickbooks_is_sent_again_and_made_once(office: Office) -> None:
    office.pc.desktop.faults.add(FaultRule(kind="record_in_use", request="CustomerAdd"))
    contact = jane(office)
    office.push("contact", contact)

    report = office.session()

    assert report.outcome == "done", report
    assert len([c for c in office.customers() if c["Name"] == "Jane Doe"]) == 1
    link = office.services.links.get(office.tenant_id, QBD, "contact", contact.id)
    assert link.state is LinkState.LINKED
