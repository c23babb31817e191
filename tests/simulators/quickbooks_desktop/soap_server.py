"""A tiny, test-only QBWC SOAP server: it hands out a scripted list of qbXML requests.

It exists to prove the simulated Web Connector's loop and the WSDL's shapes before the real
endpoint (issue 14) does: SOAP 1.1 document/literal in the namespace `http://developer.intuit.com/`,
parsed with lxml without entities, DTD or network. Every call is recorded, and every qbXML request
it hands out and every response it receives is checked against the qbXML 13.0 schema.
"""

from __future__ import annotations

import secrets
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import uvicorn
from lxml import etree
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from local.simulators.quickbooks_desktop.xsd import safe_parser, validation_errors

SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
TNS = "http://developer.intuit.com/"
RESULT_ELEMENTS = {
    "serverVersion": "serverVersionResult",
    "clientVersion": "clientVersionResult",
    "sendRequestXML": "sendRequestXMLResult",
    "receiveResponseXML": "receiveResponseXMLResult",
    "connectionError": "connectionErrorResult",
    "getLastError": "getLastErrorResult",
    "closeConnection": "closeConnectionResult",
}


@dataclass
class Script:
    """How the scripted server behaves; tests change it before a session."""

    user: str = "fieldbooks-t-acme"
    password: str = "correct horse"
    batches: list[str] = field(default_factory=list)
    client_version_answer: str = ""
    auth_verdict: str = ""  # "" (the open file), a .QBW path, "none" or "busy"
    auth_extra: list[str] = field(default_factory=list)  # postpone seconds, min-run seconds
    connection_error_answers: list[str] = field(default_factory=lambda: ["done"])
    noops_before_work: int = 0
    fail_on_response_with: str | None = None  # a getLastError text after answering -1
    fault_on: str | None = None  # an operation that answers a SOAP fault


@dataclass
class Recorded:
    calls: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    responses: list[str] = field(default_factory=list)
    schema_errors: list[str] = field(default_factory=list)
    protocol_errors: list[str] = field(default_factory=list)

    def operations(self) -> list[str]:
        return [name for name, _ in self.calls]


class ScriptedQbwcServer:
    def __init__(self, script: Script) -> None:
        self.script = script
        self.recorded = Recorded()
        self.tickets: dict[str, dict[str, object]] = {}

    async def endpoint(self, request: Request) -> Response:
        envelope = etree.fromstring(await request.body(), safe_parser())
        operation = envelope.find(f"{{{SOAP}}}Body")[0]
        name = etree.QName(operation).localname
        params = {etree.QName(child).localname: child.text or "" for child in operation}
        self.recorded.calls.append((name, params))
        self._check_soap_1_1(request, name)
        if self.script.fault_on == name:
            return _fault(f"scripted fault in {name}")
        result = getattr(self, name)(params)
        return _envelope(name, result)

    def serverVersion(self, _: dict[str, str]) -> str:  # noqa: N802 - the WSDL's operation names
        return "Fieldbooks test server 1.0"

    def clientVersion(self, _: dict[str, str]) -> str:  # noqa: N802
        return self.script.client_version_answer

    def authenticate(self, params: dict[str, str]) -> list[str]:
        ticket = secrets.token_urlsafe(24)
        if params.get("strUserName") != self.script.user or params.get("strPassword") != self.script.password:
            return [ticket, "nvu"]
        self.tickets[ticket] = {"next": 0, "noops": 0, "error": "", "connection_answers": 0}
        return [ticket, self.script.auth_verdict, *self.script.auth_extra]

    def sendRequestXML(self, params: dict[str, str]) -> str:  # noqa: N802
        state = self.tickets[params["ticket"]]
        if params.get("strHCPResponse"):
            self._check(params["strHCPResponse"], "strHCPResponse")
        if state["noops"] < self.script.noops_before_work:
            state["noops"] += 1
            state["error"] = "NoOp"
            return ""
        if state["next"] >= len(self.script.batches):
            state["error"] = "Nothing left to do."
            return ""
        request_xml = self.script.batches[state["next"]]
        self._check(request_xml, "request")
        return request_xml

    def receiveResponseXML(self, params: dict[str, str]) -> int:  # noqa: N802
        state = self.tickets[params["ticket"]]
        if params.get("hresult"):
            state["error"] = f"QuickBooks could not run the request: {params['hresult']} {params.get('message', '')}"
            return -1
        self.recorded.responses.append(params["response"])
        self._check(params["response"], "response")
        if self.script.fail_on_response_with:
            state["error"] = self.script.fail_on_response_with
            return -1
        state["next"] += 1
        return int(100 * state["next"] / max(len(self.script.batches), 1))

    def connectionError(self, params: dict[str, str]) -> str:  # noqa: N802
        state = self.tickets[params["ticket"]]
        answers = self.script.connection_error_answers
        answer = answers[min(state["connection_answers"], len(answers) - 1)]
        state["connection_answers"] += 1
        return answer

    def getLastError(self, params: dict[str, str]) -> str:  # noqa: N802
        return str(self.tickets.get(params["ticket"], {}).get("error", "Unknown ticket"))

    def closeConnection(self, params: dict[str, str]) -> str:  # noqa: N802
        self.tickets.pop(params["ticket"], None)
        return "OK"

    def _check_soap_1_1(self, request: Request, operation: str) -> None:
        """SOAP 1.1 as the WSDL binds it: text/xml, and SOAPAction `http://developer.intuit.com/<op>`."""
        action = request.headers.get("soapaction", "").strip('"')
        if action != f"{TNS}{operation}":
            self.recorded.protocol_errors.append(f"{operation}: SOAPAction {action!r}")
        if not request.headers.get("content-type", "").startswith("text/xml"):
            self.recorded.protocol_errors.append(f"{operation}: Content-Type {request.headers.get('content-type')!r}")

    def _check(self, message: str, what: str) -> None:
        document = etree.fromstring(message.encode(), safe_parser())
        self.recorded.schema_errors.extend(f"{what}: {error}" for error in validation_errors(document))


def _envelope(operation: str, result: str | int | list[str]) -> Response:
    root = etree.Element(f"{{{SOAP}}}Envelope", nsmap={"soap": SOAP})
    body = etree.SubElement(root, f"{{{SOAP}}}Body")
    reply = etree.SubElement(body, f"{{{TNS}}}{operation}Response", nsmap={None: TNS})
    if operation == "authenticate":
        array = etree.SubElement(reply, f"{{{TNS}}}authenticateResult")
        for value in result:
            etree.SubElement(array, f"{{{TNS}}}string").text = value
    else:
        etree.SubElement(reply, f"{{{TNS}}}{RESULT_ELEMENTS[operation]}").text = str(result)
    return Response(etree.tostring(root, xml_declaration=True, encoding="utf-8"), media_type="text/xml")


def _fault(text: str) -> Response:
    root = etree.Element(f"{{{SOAP}}}Envelope", nsmap={"soap": SOAP})
    fault = etree.SubElement(etree.SubElement(root, f"{{{SOAP}}}Body"), f"{{{SOAP}}}Fault")
    etree.SubElement(fault, "faultcode").text = "soap:Server"
    etree.SubElement(fault, "faultstring").text = text
    return Response(
        etree.tostring(root, xml_declaration=True, encoding="utf-8"), status_code=500, media_type="text/xml"
    )


@contextmanager
def running_qbwc_server(script: Script) -> Iterator[tuple[str, ScriptedQbwcServer]]:
    """(AppURL, server) on 127.0.0.1 at a free port."""
    server_logic = ScriptedQbwcServer(script)
    app = Starlette(routes=[Route("/qbwc", server_logic.endpoint, methods=["POST"])])
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, name="scripted-qbwc-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("scripted QBWC server did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}/qbwc", server_logic
    finally:
        server.should_exit = True
        thread.join(timeout=5)
