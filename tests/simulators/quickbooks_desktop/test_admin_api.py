"""The simulated PC over HTTP (`running_simulator`): qbXML in, company files, faults, clock, a session."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest

from local.simulators.quickbooks_desktop import OTHER_FILE, SimulatorConfig, SimulatorHandle, running_simulator
from tests.simulators.quickbooks_desktop.conftest import assert_valid, qbxml
from tests.simulators.quickbooks_desktop.soap_server import Script, running_qbwc_server
from tests.simulators.quickbooks_desktop.test_web_connector import ADD, qwc_for


@pytest.fixture(scope="module")
def module_sim() -> Iterator[SimulatorHandle]:
    with running_simulator(SimulatorConfig(time_scale=0.001)) as handle:
        yield handle


@pytest.fixture
def sim(module_sim: SimulatorHandle) -> SimulatorHandle:
    module_sim.admin.reset()
    return module_sim


def test_qbxml_over_http_answers_a_schema_valid_response(sim: SimulatorHandle) -> None:
    reply = sim.admin.qbxml(
        qbxml("<CustomerAddRq requestID='1'><CustomerAdd><Name>Over Http</Name></CustomerAdd></CustomerAddRq>")
    )

    assert reply.status_code == 200
    rs = assert_valid(reply.text).find("QBXMLMsgsRs/CustomerAddRs")
    assert rs.get("statusCode") == "0"
    assert [c["Name"] for c in sim.admin.data("Customer")].count("Over Http") == 1
    assert sim.admin.count("Customer") == 3


def test_a_message_quickbooks_cannot_parse_answers_400_with_the_hresult(sim: SimulatorHandle) -> None:
    reply = sim.admin.qbxml("<QBXML><QBXMLMsgsRq onError='stopOnError'/></QBXML>")

    assert reply.status_code == 400
    assert reply.json()["hresult"] == "0x80040400"


def test_closing_quickbooks_and_opening_another_file(sim: SimulatorHandle) -> None:
    sim.admin.open_file(None)
    closed = sim.admin.qbxml(qbxml("<CustomerQueryRq/>"))
    sim.admin.open_file(OTHER_FILE)

    assert closed.status_code == 409
    assert [c["company_name"] for c in sim.admin.companies() if c["open"]] == ["Sim Property Holdings Inc"]


def test_faults_and_the_clock_are_set_over_http(sim: SimulatorHandle) -> None:
    sim.admin.add_fault("record_in_use", request="CustomerAdd")
    busy = sim.admin.qbxml(qbxml("<CustomerAddRq><CustomerAdd><Name>Busy</Name></CustomerAdd></CustomerAddRq>"))
    before = sim.desktop.open_company.now()
    now = datetime.fromisoformat(sim.admin.advance_clock(86400))

    assert 'statusCode="3180"' in busy.text
    assert timedelta(days=1) <= now - before < timedelta(days=1, minutes=1)


def test_a_web_connector_session_runs_through_the_admin_api(sim: SimulatorHandle) -> None:
    with running_qbwc_server(Script(batches=[qbxml(ADD.format(1, "Via Admin"))])) as (app_url, server):
        report = sim.admin.run_web_connector(qwc_for(app_url), "correct horse")

    assert report["outcome"] == "done"
    assert report["calls"][-1] == "closeConnection"
    assert server.recorded.schema_errors == []
    assert sim.admin.count("Customer") == 3
