"""`POST /qbwc` as SOAP 1.1: a zeep client built from Intuit's WSDL calls every operation; hostile bodies
(XXE, billion laughs, 10 MB, not SOAP) get a SOAP fault, never a crash, a file read or a stray byte."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from lxml import etree
from zeep import Client, Settings

from local.simulators.quickbooks_desktop.web_connector import BINDING, WSDL
from tests.integration.quickbooks_desktop.conftest import PASSWORD, Office

SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
TNS = "http://developer.intuit.com/"


def zeep_service(office: Office) -> Any:
    return Client(str(WSDL), settings=Settings(strict=True)).create_service(BINDING, f"{office.api}/qbwc")


def post(office: Office, body: bytes | str, action: str = "authenticate") -> httpx.Response:
    headers = {"content-type": "text/xml; charset=utf-8", "soapaction": f'"{TNS}{action}"'}
    return httpx.post(f"{office.api}/qbwc", content=body, headers=headers, timeout=30)


def fault_string(reply: httpx.Response) -> str:
    assert reply.status_code == 500
    assert reply.headers["content-type"].startswith("text/xml")
    root = etree.fromstring(reply.content)
    assert root.tag == f"{{{SOAP}}}Envelope"
    fault = root.find(f"{{{SOAP}}}Body/{{{SOAP}}}Fault")
    assert fault is not None
    return fault.findtext("faultstring") or ""


def test_a_zeep_client_built_from_the_wsdl_drives_every_operation(office: Office) -> None:
    service = zeep_service(office)
    office.push("contact", office.app.create_contact(office.tenant_id, first_name="Ann", last_name="Lee"))

    assert service.serverVersion() == "Fieldbooks 1.0"
    assert service.clientVersion(strVersion="2.3.0.215") in (None, "")
    result = service.authenticate(strUserName=f"fieldbooks.{office.tenant_id}", strPassword=PASSWORD)
    ticket, verdict = ([*getattr(result, "string", result)] + [None])[:2]
    assert len(ticket) > 40 and verdict in (None, "")
    request = service.sendRequestXML(
        ticket=ticket,
        strHCPResponse="",
        strCompanyFileName=r"C:\Company Files\Acme.qbw",
        qbXMLCountry="US",
        qbXMLMajorVers=13,
        qbXMLMinorVers=0,
    )
    assert request.startswith('<?xml version="1.0" encoding="utf-8"?>\n<?qbxml version="13.0"?>')
    assert "<CustomerAddRq" in request
    assert service.receiveResponseXML(ticket=ticket, response="", hresult="0x80040400", message="bad") == -1
    assert "could not run the request (0x80040400)" in service.getLastError(ticket=ticket)
    assert service.connectionError(ticket=ticket, hresult="0x80040408", message="no file") == "done"
    assert "Open QuickBooks with the company file" in service.getLastError(ticket=ticket)
    assert service.closeConnection(ticket=ticket).startswith("Done")
    assert service.getLastError(ticket=ticket).startswith("This session has ended")


def test_get_server_version_and_an_empty_body_are_answered(office: Office) -> None:
    empty = post(office, f'<?xml version="1.0"?><soap:Envelope xmlns:soap="{SOAP}"><soap:Body/></soap:Envelope>')
    old_name = post(
        office,
        f'<soap:Envelope xmlns:soap="{SOAP}"><soap:Body><getServerVersion xmlns="{TNS}"/></soap:Body></soap:Envelope>',
    )
    for reply, element in ((empty, "serverVersionResult"), (old_name, "serverVersionResult")):
        assert reply.status_code == 200
        assert etree.fromstring(reply.content).findtext(f".//{{{TNS}}}{element}") == "Fieldbooks 1.0"


def test_the_interactive_operations_are_answered_with_the_envelope(office: Office) -> None:
    call = (
        f'<soap:Envelope xmlns:soap="{SOAP}"><soap:Body><interactiveDone xmlns="{TNS}"><wcTicket>x</wcTicket>'
        "</interactiveDone></soap:Body></soap:Envelope>"
    )
    reply = post(office, call, "interactiveDone")
    assert reply.status_code == 200
    assert etree.fromstring(reply.content).findtext(f".//{{{TNS}}}interactiveDoneResult") == "Done"


XXE = f"""<?xml version="1.0"?>
<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<soap:Envelope xmlns:soap="{SOAP}"><soap:Body><authenticate xmlns="{TNS}">
<strUserName>&xxe;</strUserName><strPassword>x</strPassword></authenticate></soap:Body></soap:Envelope>"""
LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i > 1 else "&lol;" * 10}">' for i in range(1, 10))
    + f']><soap:Envelope xmlns:soap="{SOAP}"><soap:Body><authenticate xmlns="{TNS}">'
    + "<strUserName>&lol9;</strUserName></authenticate></soap:Body></soap:Envelope>"
)


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(XXE, id="xxe"),
        pytest.param(LAUGHS, id="billion-laughs"),
        pytest.param(b"<a>" + b"x" * 10_000_000 + b"</a>", id="ten-megabytes"),
        pytest.param("not xml at all", id="not-xml"),
        pytest.param("<Envelope/>", id="not-soap"),
        pytest.param(
            f'<soap:Envelope xmlns:soap="{SOAP}"><soap:Body><dropTables xmlns="{TNS}"/></soap:Body></soap:Envelope>',
            id="unknown-operation",
        ),
    ],
)
def test_a_hostile_or_broken_body_gets_a_soap_fault(office: Office, body: str | bytes) -> None:
    reply = post(office, body)

    text = fault_string(reply)
    assert "root:" not in reply.text and "passwd" not in text
    assert text


def test_the_xxe_never_reads_the_file(office: Office) -> None:
    assert Path("/etc/passwd").exists()
    reply = post(office, XXE)
    assert "root:x" not in reply.text
