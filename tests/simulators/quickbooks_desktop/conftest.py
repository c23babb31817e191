"""One simulated PC per test module, reset before each test, and qbXML helpers that check the schema.

`exchange()` wraps request bodies in a QBXML message written here by hand (not by the simulator's
own writer), checks it against `qbxmlops130.xsd`, runs it, and checks the response against the same
schema, so every message of these tests is proven valid qbXML 13.0.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from lxml import etree

from local.simulators.quickbooks_desktop import QuickBooksDesktop, SimulatorConfig
from local.simulators.quickbooks_desktop.xsd import safe_parser, validation_errors

HEAD = '<?xml version="1.0" encoding="utf-8"?>\n<?qbxml version="13.0"?>\n'


def qbxml(body: str, on_error: str = "stopOnError") -> str:
    return f'{HEAD}<QBXML><QBXMLMsgsRq onError="{on_error}">{body}</QBXMLMsgsRq></QBXML>'


def assert_valid(message: str) -> etree._Element:
    document = etree.fromstring(message.encode(), safe_parser())
    assert validation_errors(document) == []
    return document


def exchange(desktop: QuickBooksDesktop, body: str, on_error: str = "stopOnError") -> etree._Element:
    """The `QBXMLMsgsRs` of a schema-valid request; the response is schema-valid too."""
    request = qbxml(body, on_error)
    assert_valid(request)
    response = desktop.process(desktop.open_company, request)
    return assert_valid(response).find("QBXMLMsgsRs")


def only(msgs: etree._Element) -> etree._Element:
    assert len(msgs) == 1
    return msgs[0]


def status(rs: etree._Element) -> tuple[int, str]:
    return int(rs.get("statusCode")), rs.get("statusSeverity")


@pytest.fixture(scope="module")
def module_desktop() -> Iterator[QuickBooksDesktop]:
    yield QuickBooksDesktop(SimulatorConfig(time_scale=0.001))


@pytest.fixture
def desktop(module_desktop: QuickBooksDesktop) -> QuickBooksDesktop:
    module_desktop.reset()
    return module_desktop


def add_customer(desktop: QuickBooksDesktop, name: str, extra: str = "") -> etree._Element:
    rs = only(
        exchange(desktop, f"<CustomerAddRq><CustomerAdd><Name>{name}</Name>{extra}</CustomerAdd></CustomerAddRq>")
    )
    assert status(rs) == (0, "Info"), rs.get("statusMessage")
    return rs.find("CustomerRet")


@pytest.fixture(autouse=True)
def every_message_quickbooks_writes_is_schema_valid(monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever path a test takes (in-process, Web Connector, admin API), each response message and
    each strHCPResponse the simulated QuickBooks writes is checked against qbxmlops130.xsd."""
    process, preferences = QuickBooksDesktop.process, QuickBooksDesktop.host_company_preferences

    def checked_process(self: QuickBooksDesktop, company: object, request_xml: str | bytes) -> str:
        response = process(self, company, request_xml)
        assert_valid(response)
        return response

    def checked_preferences(self: QuickBooksDesktop, company: object) -> str:
        answer = preferences(self, company)
        assert_valid(answer)
        return answer

    monkeypatch.setattr(QuickBooksDesktop, "process", checked_process)
    monkeypatch.setattr(QuickBooksDesktop, "host_company_preferences", checked_preferences)
