"""The QuickBooks Web Connector's side of a session, as a SOAP client built by zeep from the WSDL.

One `run_session()` is one click on "Update Selected" (or one scheduled run), in QBWC's order
(providers.md 3.1):

    serverVersion → clientVersion ("" go, W: warn, E: stop, O: too old)
    → authenticate ([ticket, "nvu" | "none" | "busy" | "" | path, postpone?, min-run?])
    → open the company file; if QuickBooks throws: connectionError(hresult, message) → "done" or a path
    → sendRequestXML (strHCPResponse only the first time) → QuickBooks → receiveResponseXML → % done
      ("" → getLastError; "NoOp" there → pause 5 s and ask again; < 0 → getLastError)
    → closeConnection

A lost response (faults.py `lost_response`) is the session ending after QuickBooks committed the
request but before `receiveResponseXML` went out: no further call, no closeConnection.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from lxml import etree
from zeep import Client, Settings
from zeep.exceptions import Error as ZeepError
from zeep.exceptions import Fault
from zeep.transports import Transport

from local.simulators.quickbooks_desktop import xsd
from local.simulators.quickbooks_desktop.company import Company
from local.simulators.quickbooks_desktop.desktop import ConnectionFailure, QuickBooksDesktop
from local.simulators.quickbooks_desktop.qwc import QwcFile
from local.simulators.quickbooks_desktop.statuses import MessageRefused

WSDL = xsd.REPO_ROOT.parent / "shared" / "specs" / "qbwc" / "QBWebConnectorSvc.wsdl"
BINDING = "{http://developer.intuit.com/}QBWebConnectorSvcSoap"
NOOP_PAUSE = 5.0  # seconds QBWC waits after a NoOp (providers.md 3.1)
MAX_EXCHANGES = 10_000  # a server that never reaches 100 % still ends
MAX_NOOPS = 20
MAX_CONNECTION_RETRIES = 3


@dataclass
class Exchange:
    request: str
    response: str
    hresult: str = ""
    message: str = ""
    percent: int | None = None


@dataclass
class SessionReport:
    """What QBWC's status column and log would show for one session."""

    outcome: str = "not started"
    calls: list[str] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    exchanges: list[Exchange] = field(default_factory=list)
    company_file: str | None = None
    ticket: str | None = None
    server_version: str | None = None
    postpone_seconds: int | None = None
    min_run_seconds: int | None = None
    close_message: str | None = None
    noop_pauses: int = 0


class WebConnector:
    def __init__(
        self,
        desktop: QuickBooksDesktop,
        qwc: QwcFile,
        password: str,
        wsdl: Path = WSDL,
    ) -> None:
        self.desktop, self.qwc, self.password = desktop, qwc, password
        config = desktop.config
        transport = Transport(timeout=config.call_timeout, operation_timeout=config.call_timeout)
        # zeep's defaults forbid DTDs, entities and external references in what the server answers.
        client = Client(str(wsdl), settings=Settings(strict=True), transport=transport)
        self.service = client.create_service(BINDING, qwc.app_url)

    def run_session(self) -> SessionReport:
        report = SessionReport()
        company: Company | None = None
        try:
            report.server_version = self._call(report, "serverVersion")
            if not self._client_version_accepted(report):
                return report
            ticket, verdict = self._authenticate(report)
            if ticket is None:
                return report
            company = self._open_company(report, ticket, verdict)
            if company is not None:
                self._exchange(report, ticket, company)
            if report.outcome != "response lost":
                report.close_message = self._call(report, "closeConnection", ticket=ticket)
        except Fault as fault:
            report.outcome = "server fault"
            report.messages.append(fault.message)
        except (requests.RequestException, ZeepError) as error:
            report.outcome = "server unreachable"
            report.messages.append(str(error))
        finally:
            if company is not None:
                self.desktop.end_session(company)
        return report

    def _call(self, report: SessionReport, operation: str, **parameters: Any) -> Any:
        report.calls.append(operation)
        return getattr(self.service, operation)(**parameters)

    def _client_version_accepted(self, report: SessionReport) -> bool:
        verdict = self._call(report, "clientVersion", strVersion=self.desktop.config.web_connector_version) or ""
        if verdict.startswith("W:"):
            report.messages.append(verdict[2:])  # the user is asked; the simulated user goes on
        elif verdict.startswith("E:"):
            report.outcome, report.messages = "client refused", [verdict[2:]]
            return False
        elif verdict.startswith("O:"):
            report.outcome = "update required"
            report.messages.append(f"This application needs Web Connector {verdict[2:]} or later.")
            return False
        return True

    def _authenticate(self, report: SessionReport) -> tuple[str | None, str]:
        result = self._call(report, "authenticate", strUserName=self.qwc.user_name, strPassword=self.password)
        # ArrayOfString: zeep hands back the `string` items as a list.
        values = [value or "" for value in (getattr(result, "string", result) or [])]
        if not values:
            report.outcome = "server fault"
            report.messages.append("authenticate returned no ticket")
            return None, ""
        ticket, verdict = values[0], values[1] if len(values) > 1 else ""
        report.ticket = ticket
        if len(values) > 2 and values[2]:
            report.postpone_seconds = int(values[2])
        if len(values) > 3 and values[3]:
            report.min_run_seconds = int(values[3])
        outcomes = {"nvu": "invalid user", "none": "no work", "busy": "busy"}
        if verdict in outcomes:
            report.outcome = outcomes[verdict]
            return None, verdict
        return ticket, verdict

    def _open_company(self, report: SessionReport, ticket: str, path: str) -> Company | None:
        for _ in range(MAX_CONNECTION_RETRIES + 1):
            try:
                company = self.desktop.begin_session(path, self.qwc.app_name, self.qwc.owner_id, self.qwc.file_id)
                report.company_file = company.path
                return company
            except ConnectionFailure as failure:
                report.messages.append(f"{failure.hresult}: {failure.message}")
                answer = self._call(
                    report, "connectionError", ticket=ticket, hresult=failure.hresult, message=failure.message
                )
                if answer == "done":
                    break
                path = answer or ""  # "" (zeep: None) = the file that is open
        report.outcome = "connection error"
        return None

    def _exchange(self, report: SessionReport, ticket: str, company: Company) -> None:
        hcp = self.desktop.host_company_preferences(company)
        first, noops = True, 0
        for _ in range(MAX_EXCHANGES):
            request_xml = self._call(
                report,
                "sendRequestXML",
                ticket=ticket,
                strHCPResponse=hcp if first else "",
                strCompanyFileName=company.path,
                qbXMLCountry=self.desktop.config.country,
                qbXMLMajorVers=13,
                qbXMLMinorVers=0,
            )
            first = False
            if not request_xml:
                last_error = self._call(report, "getLastError", ticket=ticket) or ""
                if last_error == "NoOp" and noops < MAX_NOOPS:
                    noops += 1
                    report.noop_pauses = noops
                    time.sleep(self.desktop.config.scaled(NOOP_PAUSE))
                    continue
                report.outcome = "stopped by the server" if last_error else "done"
                if last_error:
                    report.messages.append(last_error)
                return
            exchange = self._run_in_quickbooks(company, request_xml)
            report.exchanges.append(exchange)
            if self.desktop.faults.take("lost_response", _first_request(request_xml)):
                report.outcome = "response lost"
                return
            exchange.percent = int(
                self._call(
                    report,
                    "receiveResponseXML",
                    ticket=ticket,
                    response=exchange.response,
                    hresult=exchange.hresult,
                    message=exchange.message,
                )
            )
            if exchange.percent < 0:
                report.outcome = "error"
                report.messages.append(self._call(report, "getLastError", ticket=ticket) or "")
                return
            if exchange.percent >= 100:
                report.outcome = "done"
                return
        report.outcome = "stopped: too many exchanges"

    def _run_in_quickbooks(self, company: Company, request_xml: str) -> Exchange:
        try:
            return Exchange(request=request_xml, response=self.desktop.process(company, request_xml))
        except MessageRefused as refused:
            return Exchange(request=request_xml, response="", hresult=refused.hresult, message=refused.message)


def _first_request(request_xml: str) -> str | None:
    """The first `*Rq`'s name without `Rq` (CustomerAdd), for faults aimed at one request type."""
    try:
        msgs = etree.fromstring(request_xml.encode(), xsd.safe_parser()).find("QBXMLMsgsRq")
    except etree.XMLSyntaxError:
        return None
    first = next((child for child in msgs if isinstance(child.tag, str)), None) if msgs is not None else None
    return first.tag.removesuffix("Rq") if first is not None else None
