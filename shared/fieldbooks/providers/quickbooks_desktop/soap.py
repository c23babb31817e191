"""The Web Connector's SOAP 1.1 (document/literal, namespace `http://developer.intuit.com/`).

Why lxml and not a SOAP framework: the WSDL has eight operations whose messages are flat strings and
one ArrayOfString, QBWC needs exactly the envelope back (providers.md 3.1: any stray output breaks it)
and the parse must be hardened; spyne is barely maintained and zeep is a client. A table of the
WSDL's types (the parameter names and the result element of each operation) and ~100 lines of lxml
give all that with the parser we already harden. Every reply is an envelope; every failure a
SOAP fault (HTTP 500), never a crash.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from lxml import etree

from fieldbooks.domain.errors import FieldbooksError, ValidationFailed
from fieldbooks.observability import logger
from fieldbooks.providers.agents import AgentSession, CompanyFile
from fieldbooks.providers.quickbooks_desktop.codec import parse
from fieldbooks.providers.quickbooks_desktop.errors import failure_sentence
from fieldbooks.providers.quickbooks_desktop.hello import company_file

SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
TNS = "http://developer.intuit.com/"
MAX_BODY = 4_000_000  # a response message of twenty records is tens of kB; 10 MB is refused
SERVER_VERSION = "Fieldbooks 1.0"

# operation -> (its parameters in the WSDL's order, ints among them)
PARAMETERS: dict[str, tuple[str, ...]] = {
    "serverVersion": ("strVersion",),
    "getServerVersion": (),
    "clientVersion": ("strVersion",),
    "authenticate": ("strUserName", "strPassword"),
    "sendRequestXML": (
        "ticket",
        "strHCPResponse",
        "strCompanyFileName",
        "qbXMLCountry",
        "qbXMLMajorVers",
        "qbXMLMinorVers",
    ),
    "receiveResponseXML": ("ticket", "response", "hresult", "message"),
    "connectionError": ("ticket", "hresult", "message"),
    "getLastError": ("ticket",),
    "closeConnection": ("ticket",),
    "getInteractiveURL": ("wcTicket", "sessionID"),
    "interactiveDone": ("wcTicket",),
    "interactiveRejected": ("wcTicket", "reason"),
}
INTERACTIVE_UNSUPPORTED = "Fieldbooks has no interactive mode; nothing to do."


def _dispatch(session: AgentSession, operation: str, p: Mapping[str, str]) -> str | int | list[str]:
    calls: dict[str, Callable[[], Any]] = {
        "serverVersion": session.server_version,
        "getServerVersion": session.server_version,
        "clientVersion": lambda: session.client_version(p["strVersion"]),
        "authenticate": lambda: session.authenticate(p["strUserName"], p["strPassword"]),
        "sendRequestXML": lambda: session.next_request(p["ticket"], p["strHCPResponse"], p["strCompanyFileName"]),
        "receiveResponseXML": lambda: session.take_response(p["ticket"], p["response"], p["hresult"], p["message"]),
        "connectionError": lambda: session.connection_error(p["ticket"], p["hresult"], p["message"]),
        "getLastError": lambda: session.last_error(p["ticket"]),
        "closeConnection": lambda: session.close(p["ticket"]),
        "getInteractiveURL": lambda: "",
        "interactiveDone": lambda: "Done",
        "interactiveRejected": lambda: INTERACTIVE_UNSUPPORTED,
    }
    return calls[operation]()


class WebConnectorSoap:
    content_type = "text/xml; charset=utf-8"

    def handle(self, body: bytes, headers: Mapping[str, str], session: AgentSession) -> tuple[int, bytes]:
        try:
            operation, params = read_call(body)
            return 200, envelope(operation, _dispatch(session, operation, params))
        except FieldbooksError as error:
            return 500, fault("soap:Client", error.message)
        except Exception:  # the wire's promise: a fault, never a stack trace or a half reply
            logger.exception("Web Connector call failed")
            return 500, fault("soap:Server", "The server could not answer this call; the Web Connector may retry.")

    def company_file(self, hello: str, path: str, owner_id: str) -> CompanyFile:
        return company_file(hello, path, owner_id)

    def failure_sentence(self, hresult: str, message: str) -> str:
        return failure_sentence(hresult, message)


def read_call(body: bytes) -> tuple[str, dict[str, str]]:
    if len(body) > MAX_BODY:
        raise ValidationFailed("The call is too large.")
    root = parse(body, limit=MAX_BODY)
    if root.tag != f"{{{SOAP}}}Envelope":
        raise ValidationFailed("Not a SOAP 1.1 envelope.")
    soap_body = root.find(f"{{{SOAP}}}Body")
    calls = [child for child in soap_body if isinstance(child.tag, str)] if soap_body is not None else []
    if not calls:  # serverVersion may come with an empty body (providers.md 3.1)
        return "serverVersion", {"strVersion": ""}
    call = etree.QName(calls[0])
    if call.namespace != TNS or call.localname not in PARAMETERS:
        raise ValidationFailed(f"Unknown operation {call.localname[:60]}.")
    given = {etree.QName(child).localname: child.text or "" for child in calls[0] if isinstance(child.tag, str)}
    return call.localname, {name: given.get(name, "") for name in PARAMETERS[call.localname]}


def envelope(operation: str, result: str | int | list[str]) -> bytes:
    root = etree.Element(f"{{{SOAP}}}Envelope", nsmap={"soap": SOAP})
    body = etree.SubElement(root, f"{{{SOAP}}}Body")
    name = "serverVersion" if operation == "getServerVersion" else operation
    reply = etree.SubElement(body, f"{{{TNS}}}{name}Response", nsmap={None: TNS})
    result_element = etree.SubElement(reply, f"{{{TNS}}}{name}Result")
    if isinstance(result, list):
        for value in result:
            etree.SubElement(result_element, f"{{{TNS}}}string").text = value
    else:
        result_element.text = str(result)
    return etree.tostring(root, xml_declaration=True, encoding="utf-8")


def fault(code: str, text: str) -> bytes:
    root = etree.Element(f"{{{SOAP}}}Envelope", nsmap={"soap": SOAP})
    body = etree.SubElement(root, f"{{{SOAP}}}Body")
    element = etree.SubElement(body, f"{{{SOAP}}}Fault")
    etree.SubElement(element, "faultcode").text = code
    etree.SubElement(element, "faultstring").text = text
    return etree.tostring(root, xml_declaration=True, encoding="utf-8")
