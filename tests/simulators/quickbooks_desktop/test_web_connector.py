"""The simulated Web Connector against a scripted SOAP server built here from the QBWC WSDL's shapes.

Each test writes a `.qwc` from Intuit's sample (`../shared/specs/qbwc/example.qwc`) with our AppURL,
runs one session and checks the calls QBWC makes, in order. The scripted server checks every qbXML
request it hands out and every response it gets back against the qbXML 13.0 schema.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from lxml import etree

from local.simulators.quickbooks_desktop import (
    MAIN_FILE,
    OTHER_FILE,
    FaultRule,
    QuickBooksDesktop,
    QwcRefused,
    SimulatorConfig,
    WebConnector,
    parse_qwc,
)
from local.simulators.quickbooks_desktop.web_connector import WSDL
from local.simulators.quickbooks_desktop.xsd import safe_parser
from tests.simulators.quickbooks_desktop.conftest import qbxml
from tests.simulators.quickbooks_desktop.soap_server import Script, ScriptedQbwcServer, running_qbwc_server

EXAMPLE_QWC = WSDL.parent / "example.qwc"
OWNER_ID = "{57F3B9B1-86F1-4fcc-B1EE-566DE1813D20}"
FILE_ID = "{6A1C0F3E-2B4D-4E5F-8A9B-0C1D2E3F4A5B}"
ADD = "<CustomerAddRq requestID='{0}'><CustomerAdd><Name>{1}</Name></CustomerAdd></CustomerAddRq>"


def qwc_for(app_url: str, user: str = "fieldbooks-t-acme") -> str:
    root = etree.parse(str(EXAMPLE_QWC), safe_parser()).getroot()
    root.find("AppURL").text = app_url
    root.find("AppSupport").text = app_url.rsplit("/", 1)[0] + "/support"
    root.find("UserName").text = user
    root.find("FileID").text = FILE_ID
    scheduler = etree.SubElement(root, "Scheduler")
    etree.SubElement(scheduler, "RunEveryNMinutes").text = "120"
    return etree.tostring(root, encoding="unicode")


@pytest.fixture
def script() -> Script:
    return Script(batches=[qbxml(ADD.format(1, "Session One"), "continueOnError"), qbxml(ADD.format(2, "Session Two"))])


@pytest.fixture
def qbwc(script: Script) -> Iterator[tuple[str, ScriptedQbwcServer]]:
    with running_qbwc_server(script) as served:
        yield served


def connector(desktop: QuickBooksDesktop, app_url: str, password: str = "correct horse") -> WebConnector:
    return WebConnector(desktop, parse_qwc(qwc_for(app_url)), password)


def test_a_full_session_runs_every_batch_and_closes(desktop: QuickBooksDesktop, qbwc: tuple) -> None:
    app_url, server = qbwc

    report = connector(desktop, app_url).run_session()

    assert report.outcome == "done"
    assert server.recorded.operations() == [
        "serverVersion",
        "clientVersion",
        "authenticate",
        "sendRequestXML",
        "receiveResponseXML",
        "sendRequestXML",
        "receiveResponseXML",
        "closeConnection",
    ]
    assert server.recorded.calls[0] == ("serverVersion", {})  # an empty body, as QBWC sends it
    sends = [params for name, params in server.recorded.calls if name == "sendRequestXML"]
    assert sends[0]["strHCPResponse"] and not sends[1]["strHCPResponse"]  # only the first carries it
    assert sends[0]["strCompanyFileName"] == MAIN_FILE
    assert (sends[0]["qbXMLMajorVers"], sends[0]["qbXMLMinorVers"], sends[0]["qbXMLCountry"]) == ("13", "0", "US")
    assert [e.percent for e in report.exchanges] == [50, 100]
    assert server.recorded.schema_errors == []
    assert server.recorded.protocol_errors == []
    assert desktop.open_company.find_list(("Customer",), full_name="Session Two") is not None
    assert report.close_message == "OK"


def test_the_first_session_stamps_the_qwc_file_id_into_the_company_file(
    desktop: QuickBooksDesktop, qbwc: tuple
) -> None:
    app_url, server = qbwc

    connector(desktop, app_url).run_session()

    hcp = next(params["strHCPResponse"] for name, params in server.recorded.calls if name == "sendRequestXML")
    values = etree.fromstring(hcp.encode(), safe_parser()).xpath("//CompanyRet/DataExtRet[DataExtName='FileID']")
    assert [(v.findtext("OwnerID"), v.findtext("DataExtValue")) for v in values] == [(OWNER_ID, FILE_ID)]


def test_a_wrong_password_gets_nvu_and_no_work(desktop: QuickBooksDesktop, qbwc: tuple) -> None:
    app_url, server = qbwc

    report = connector(desktop, app_url, password="wrong").run_session()

    assert report.outcome == "invalid user"
    assert server.recorded.operations() == ["serverVersion", "clientVersion", "authenticate"]


@pytest.mark.parametrize(("verdict", "outcome"), [("none", "no work"), ("busy", "busy")])
def test_none_and_busy_end_the_session_before_any_request(
    desktop: QuickBooksDesktop, qbwc: tuple, script: Script, verdict: str, outcome: str
) -> None:
    app_url, server = qbwc
    script.auth_verdict, script.auth_extra = verdict, ["30", "600"]

    report = connector(desktop, app_url).run_session()

    assert (report.outcome, report.postpone_seconds, report.min_run_seconds) == (outcome, 30, 600)
    assert "sendRequestXML" not in server.recorded.operations()


def test_client_version_can_warn_or_stop_the_session(desktop: QuickBooksDesktop, qbwc: tuple, script: Script) -> None:
    app_url, server = qbwc
    script.client_version_answer = "W:A newer Web Connector is recommended."
    warned = connector(desktop, app_url).run_session()
    script.client_version_answer = "E:This Web Connector is not supported."
    stopped = connector(desktop, app_url).run_session()

    assert warned.outcome == "done" and warned.messages == ["A newer Web Connector is recommended."]
    assert (stopped.outcome, stopped.messages) == ("client refused", ["This Web Connector is not supported."])
    assert server.recorded.operations()[-2:] == ["serverVersion", "clientVersion"]


def test_no_op_makes_the_web_connector_pause_and_ask_again(
    desktop: QuickBooksDesktop, qbwc: tuple, script: Script
) -> None:
    app_url, server = qbwc
    script.noops_before_work = 2

    report = connector(desktop, app_url).run_session()

    assert report.outcome == "done" and report.noop_pauses == 2
    assert server.recorded.operations()[3:8] == [
        "sendRequestXML",
        "getLastError",
        "sendRequestXML",
        "getLastError",
        "sendRequestXML",
    ]


def test_the_wrong_company_file_open_goes_to_connection_error(
    desktop: QuickBooksDesktop, qbwc: tuple, script: Script
) -> None:
    app_url, server = qbwc
    desktop.open_file(OTHER_FILE)
    script.auth_verdict = MAIN_FILE

    report = connector(desktop, app_url).run_session()

    assert report.outcome == "connection error"
    errors = [params for name, params in server.recorded.calls if name == "connectionError"]
    assert [e["hresult"] for e in errors] == ["0x80040408"]
    assert "different from the one requested" in errors[0]["message"]
    assert server.recorded.operations()[-2:] == ["connectionError", "closeConnection"]


def test_with_an_empty_path_the_session_works_on_whatever_file_is_open(desktop: QuickBooksDesktop, qbwc: tuple) -> None:
    app_url, server = qbwc
    desktop.open_file(OTHER_FILE)

    report = connector(desktop, app_url).run_session()

    first_send = next(params for name, params in server.recorded.calls if name == "sendRequestXML")
    assert first_send["strCompanyFileName"] == OTHER_FILE
    assert "Sim Property Holdings Inc" in first_send["strHCPResponse"]
    assert "{0F0E0D0C-0B0A-4909-8807-060504030201}" in first_send["strHCPResponse"]  # stamped by another .qwc
    assert report.company_file == OTHER_FILE


def test_connection_error_may_name_another_file_to_try(desktop: QuickBooksDesktop, qbwc: tuple, script: Script) -> None:
    app_url, server = qbwc
    desktop.faults.add(FaultRule(kind="quickbooks_closed"))
    script.connection_error_answers = [""]  # "" = try the file that is open

    report = connector(desktop, app_url).run_session()

    assert report.outcome == "done"
    assert server.recorded.operations().count("connectionError") == 1


def test_a_denied_permission_prompt_reports_0x80040420(desktop: QuickBooksDesktop, qbwc: tuple) -> None:
    app_url, server = qbwc
    desktop.grant_access = False

    report = connector(desktop, app_url).run_session()

    errors = [params for name, params in server.recorded.calls if name == "connectionError"]
    assert report.outcome == "connection error"
    assert [(e["hresult"], e["message"]) for e in errors] == [("0x80040420", "The QuickBooks user has denied access.")]


def test_a_lost_response_leaves_the_record_in_quickbooks_and_the_next_session_starts_with_authenticate(
    desktop: QuickBooksDesktop, qbwc: tuple
) -> None:
    app_url, server = qbwc
    desktop.faults.add(FaultRule(kind="lost_response", request="CustomerAdd"))

    lost = connector(desktop, app_url).run_session()
    calls_after_lost = len(server.recorded.calls)

    assert lost.outcome == "response lost"
    assert server.recorded.operations()[-1] == "sendRequestXML"  # no receiveResponseXML, no closeConnection
    assert desktop.open_company.find_list(("Customer",), full_name="Session One") is not None
    following = connector(desktop, app_url).run_session()
    assert server.recorded.operations()[calls_after_lost : calls_after_lost + 3] == [
        "serverVersion",
        "clientVersion",
        "authenticate",
    ]
    first_again = following.exchanges[0].response
    assert 'statusCode="3100"' in first_again  # the scripted server re-sent the add blindly: QuickBooks refuses


def test_a_request_quickbooks_cannot_parse_comes_back_as_an_hresult(
    desktop: QuickBooksDesktop, qbwc: tuple, script: Script
) -> None:
    app_url, server = qbwc
    script.batches = [qbxml("<CustomerAddRq><CustomerAdd><Name>Ok</Name></CustomerAdd></CustomerAddRq>")]
    script.batches[0] = script.batches[0].replace("<Name>Ok</Name>", "<Phone>1</Phone><Name>Ok</Name>")

    report = connector(desktop, app_url).run_session()

    receive = next(params for name, params in server.recorded.calls if name == "receiveResponseXML")
    assert (receive["hresult"], receive["response"]) == ("0x80040400", "")
    assert report.outcome == "error" and report.messages[-1].startswith("QuickBooks could not run the request")
    assert server.recorded.operations()[-2:] == ["getLastError", "closeConnection"]


def test_a_soap_fault_ends_the_session(desktop: QuickBooksDesktop, qbwc: tuple, script: Script) -> None:
    app_url, _ = qbwc
    script.fault_on = "authenticate"

    report = connector(desktop, app_url).run_session()

    assert (report.outcome, report.messages) == ("server fault", ["scripted fault in authenticate"])


def test_the_qwc_must_use_https_except_on_localhost() -> None:
    sample = parse_qwc(EXAMPLE_QWC.read_bytes())
    assert (sample.qb_type, sample.owner_id, sample.run_every_minutes) == ("QBFS", OWNER_ID, None)
    assert parse_qwc(qwc_for("http://localhost:8080/qbwc")).run_every_minutes == 120

    with pytest.raises(QwcRefused, match="HTTPS"):
        parse_qwc(qwc_for("http://fieldbooks.example.com/qbwc"))


def test_a_server_nobody_answers_is_reported_as_unreachable() -> None:
    desktop = QuickBooksDesktop(SimulatorConfig(time_scale=0.001, call_timeout=2.0))

    report = connector(desktop, "http://127.0.0.1:9/qbwc").run_session()

    assert report.outcome == "server unreachable"


def test_a_path_from_authenticate_opens_that_file_when_quickbooks_is_closed(
    desktop: QuickBooksDesktop, qbwc: tuple, script: Script
) -> None:
    app_url, _ = qbwc
    desktop.open_file(None)
    script.auth_verdict = OTHER_FILE

    report = connector(desktop, app_url).run_session()

    assert (report.outcome, report.company_file) == ("done", OTHER_FILE)
    assert desktop.open_company is desktop.company(OTHER_FILE)
