"""Whole Web Connector sessions against `POST /qbwc`: pushes queued, handed out as qbXML, settled."""

from __future__ import annotations

from fieldbooks.domain.models import LinkState, SyncStatus
from fieldbooks.domain.outcomes import PushAction
from tests.integration.quickbooks_desktop.conftest import QBD, Office, jane


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
