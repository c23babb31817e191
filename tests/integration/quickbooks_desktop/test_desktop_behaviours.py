"""What a PC with QuickBooks does to a session: another company file open, QuickBooks closed or the
permission refused, a response lost after QuickBooks committed, an edit made in QuickBooks meanwhile
(3200), a name already taken (3100), and a ticket carried over to another tenant."""

from __future__ import annotations

from collections.abc import Callable

from zeep import Client, Settings

from fieldbooks.domain.models import ConflictKind, LinkState, SyncStatus
from local.simulators.quickbooks_desktop import MAIN_FILE, OTHER_FILE, FaultRule
from local.simulators.quickbooks_desktop.web_connector import BINDING, WSDL
from tests.integration.quickbooks_desktop.conftest import PASSWORD, QBD, Office, jane

HEAD = '<?xml version="1.0" encoding="utf-8"?>\n<?qbxml version="13.0"?>\n'


def in_quickbooks(office: Office, body: str) -> None:
    """An edit a bookkeeper makes in QuickBooks itself."""
    desktop = office.pc.desktop
    message = f'{HEAD}<QBXML><QBXMLMsgsRq onError="stopOnError">{body}</QBXMLMsgsRq></QBXML>'
    response = desktop.process(desktop.open_company, message)
    assert 'statusCode="0"' in response, response


def test_a_session_with_another_company_file_open_sends_nothing_and_says_why(office: Office) -> None:
    assert office.session().outcome == "done"  # the first session pins the file that is open
    office.pc.desktop.open_file(OTHER_FILE)
    contact = jane(office)
    office.push("contact", contact)

    report = office.session()

    assert report.outcome == "stopped by the server"
    (sentence,) = report.messages
    assert sentence.startswith(
        "QuickBooks is open with a different company file than the one linked to Fieldbooks: "
        f'"{OTHER_FILE}" is open, Fieldbooks is linked to "{MAIN_FILE}".'
    )
    assert office.pc.requests == []
    assert sentence in [row.detail for row in office.log(status=SyncStatus.ERROR)]
    assert len(office.services.work_items.waiting(office.tenant_id, QBD, 10)) == 1  # still waiting

    office.pc.desktop.open_file(MAIN_FILE)
    assert office.session().outcome == "done"
    assert [c["Name"] for c in office.customers() if c["Name"] == "Jane Doe"] == ["Jane Doe"]


def test_quickbooks_closed_and_a_refused_permission_become_sentences_with_what_to_do(office: Office) -> None:
    office.pc.desktop.faults.add(FaultRule(kind="quickbooks_closed"))
    assert office.session().outcome == "connection error"
    office.pc.desktop.faults.add(FaultRule(kind="access_denied"))
    assert office.session().outcome == "connection error"

    details = [row.detail for row in office.log(status=SyncStatus.ERROR)]
    assert any("QuickBooks is not running or the file is not where it was" in d for d in details)
    assert any("answer the certificate prompt" in d for d in details)


def test_a_response_lost_after_quickbooks_made_the_customer_never_makes_a_second_one(office: Office) -> None:
    contact = jane(office)
    office.push("contact", contact)
    office.pc.desktop.faults.add(FaultRule(kind="lost_response", request="CustomerAdd"))

    assert office.session().outcome == "response lost"
    link = office.services.links.get(office.tenant_id, QBD, "contact", contact.id)
    assert link.state is LinkState.PENDING
    report = office.session()

    assert report.outcome == "done", report
    (customer,) = [c for c in office.customers() if c["Name"] == "Jane Doe"]
    link = office.services.links.get(office.tenant_id, QBD, "contact", contact.id)
    assert (link.state, link.remote_id) == (LinkState.LINKED, customer["ListID"])
    assert "<CustomerQueryRq" in office.pc.requests[1] and "<CustomerAddRq" not in office.pc.requests[1]
    assert office.pc.schema_errors == []


def test_an_edit_made_in_quickbooks_meanwhile_is_reread_and_the_change_sent_with_the_fresh_edit_sequence(
    office: Office,
) -> None:
    contact = jane(office)
    office.push("contact", contact)
    office.session()
    (customer,) = [c for c in office.customers() if c["Name"] == "Jane Doe"]
    in_quickbooks(
        office,
        f"<CustomerModRq><CustomerMod><ListID>{customer['ListID']}</ListID>"
        f"<EditSequence>{customer['EditSequence']}</EditSequence><Phone>555-0100</Phone></CustomerMod></CustomerModRq>",
    )
    office.app.update_contact(office.tenant_id, contact.id, last_name="Smith")
    office.push("contact", office.services.saas.get_contact(office.tenant_id, contact.id))

    report = office.session()

    assert report.outcome == "done", report
    sent = office.pc.requests[-3:]
    assert ["<CustomerModRq" in sent[0], "<CustomerQueryRq" in sent[1], "<CustomerModRq" in sent[2]] == [True] * 3
    (renamed,) = [c for c in office.customers() if c["ListID"] == customer["ListID"]]
    assert renamed["Name"] == "Jane Smith"
    link = office.services.links.get(office.tenant_id, QBD, "contact", contact.id)
    assert link.remote_version == renamed["EditSequence"]
    assert "Updated customer Jane Smith in QuickBooks Desktop." in [r.detail for r in office.log()]
    assert office.pc.schema_errors == []


def test_a_name_quickbooks_already_holds_becomes_a_duplicate_name_conflict(office: Office) -> None:
    in_quickbooks(office, "<VendorAddRq><VendorAdd><Name>Jane Doe</Name></VendorAdd></VendorAddRq>")
    contact = jane(office)
    office.push("contact", contact)

    assert office.session().outcome == "done"

    (conflict,) = office.services.conflicts.list(office.tenant_id)
    assert (conflict.kind, conflict.saas_id) == (ConflictKind.DUPLICATE_NAME, contact.id)
    assert 'QuickBooks Desktop already uses the name "Jane Doe"' in conflict.message
    assert office.services.work_items.waiting(office.tenant_id, QBD, 10) == []


def test_a_job_site_goes_under_its_customer_with_the_customer_s_list_id(office: Office) -> None:
    contact = jane(office)
    site = office.app.create_property(
        office.tenant_id, contact_id=contact.id, name="Lake House", address={"line1": "1 Shore Rd", "city": "Tahoe"}
    )
    office.push("property", site)

    assert office.session().outcome == "done"

    (parent,) = [c for c in office.customers() if c["Name"] == "Jane Doe"]
    (job,) = [c for c in office.customers() if c["Name"] == "Lake House"]
    assert (job["ParentRef"]["ListID"], job["FullName"]) == (parent["ListID"], "Jane Doe:Lake House")
    assert office.pc.schema_errors == []


def test_a_ticket_never_opens_another_tenant_s_session(office_for: Callable[[], Office]) -> None:
    ours, theirs = office_for(), office_for()
    office_push = theirs.push("contact", jane(theirs))
    assert office_push.action.value == "queued"
    service = Client(str(WSDL), settings=Settings(strict=True)).create_service(BINDING, f"{ours.api}/qbwc")
    result = service.authenticate(strUserName=f"fieldbooks.{ours.tenant_id}", strPassword=PASSWORD)
    ticket = [*getattr(result, "string", result)][0]
    secret = ticket.rpartition(".")[2]

    for forged in (f"{theirs.tenant_id}.{secret}", ticket):
        request = service.sendRequestXML(
            ticket=forged,
            strHCPResponse="",
            strCompanyFileName=MAIN_FILE,
            qbXMLCountry="US",
            qbXMLMajorVers=13,
            qbXMLMinorVers=0,
        )
        assert request in (None, "")  # theirs: no session; ours: nothing of ours waits

    assert service.getLastError(ticket=f"{theirs.tenant_id}.{secret}").startswith("This session has ended")
    assert len(theirs.services.work_items.waiting(theirs.tenant_id, QBD, 10)) == 1
    cross = service.authenticate(strUserName=f"fieldbooks.{theirs.tenant_id}", strPassword="guess " * 3)
    assert [*getattr(cross, "string", cross)][1] == "nvu"
