"""`ProcessRequest`: one qbXML request message in, one response message out, as QuickBooks does it.

1. Parse hardened (no entities, DTD or network); anything unparseable, without the `<?qbxml?>`
   version or out of schema order throws `0x80040400` for the whole message (providers.md 3.3).
   Only a string over its `maxLength` is left to the request itself, which answers 3070 as
   QuickBooks does when it saves the record.
2. Requests run in order; each `*Rs` carries `requestID`, `statusCode`, `statusSeverity` and
   `statusMessage`. Under `stopOnError` nothing after the first Error runs and no `*Rs` is written
   for it; `continueOnError` runs them all. `rollbackOnError` is not honoured by QuickBooks
   (providers.md 3.3), so it behaves as `stopOnError`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

from lxml import etree

from local.simulators.quickbooks_desktop import statuses, xsd
from local.simulators.quickbooks_desktop.company import Company
from local.simulators.quickbooks_desktop.faults import FaultInjector
from local.simulators.quickbooks_desktop.statuses import MessageRefused, QbStatus
from local.simulators.quickbooks_desktop.wire import Fields, fields_of, message

MAX_MESSAGE_BYTES = 10 * 1024 * 1024


@dataclass
class Request:
    """One `*Rq` as a handler sees it: its name without `Rq`, its body fields and its attributes."""

    company: Company
    name: str
    element: etree._Element
    faults: FaultInjector

    @property
    def attrs(self) -> dict[str, str]:
        return dict(self.element.attrib)

    @cached_property
    def body(self) -> Fields:
        """An Add/Mod's single aggregate (`<CustomerAdd>`), else the `*Rq`'s own children (a query)."""
        inner = self.element.find(self.name)
        return fields_of(inner if inner is not None else self.element)


@dataclass
class Reply:
    rets: list[etree._Element] = field(default_factory=list)
    status: QbStatus | None = None
    attrs: dict[str, str] = field(default_factory=dict)


Handler = Callable[[Request], Reply]


def process(company: Company, request_xml: str | bytes, handlers: dict[str, Handler], faults: FaultInjector) -> bytes:
    """The response message; raises MessageRefused when QuickBooks would throw instead."""
    document, too_long = parse_request(request_xml)
    msgs = document.find("QBXMLMsgsRq")
    on_error = msgs.get("onError")
    responses: list[etree._Element] = []
    for rq in msgs:
        if not isinstance(rq.tag, str):
            continue
        name = rq.tag.removesuffix("Rq")
        status, reply = QbStatus(0, statuses.OK_MESSAGE), Reply()
        try:
            if rq in too_long:
                raise statuses.too_long(*too_long[rq])
            handler = handlers.get(name)
            if handler is None:
                # Valid qbXML the simulator does not model: said plainly rather than faked.
                raise QbStatus(3250, f"The QuickBooks Desktop simulator does not implement {name}.")
            reply = handler(Request(company=company, name=name, element=rq, faults=faults))
            status = reply.status or status
        except QbStatus as failure:
            status, reply = failure, Reply()
        responses.append(response_element(rq, status, reply))
        if status.severity == "Error" and on_error != "continueOnError":
            break
    return message(responses)


def parse_request(request_xml: str | bytes) -> tuple[etree._Element, dict[etree._Element, tuple[str, str]]]:
    raw = request_xml.encode() if isinstance(request_xml, str) else request_xml
    if len(raw) > MAX_MESSAGE_BYTES:
        raise MessageRefused(statuses.PARSE_ERROR_HRESULT, statuses.PARSE_ERROR_MESSAGE, ["message too large"])
    try:
        document = etree.fromstring(raw, xsd.safe_parser())
    except etree.XMLSyntaxError as error:
        raise MessageRefused(statuses.PARSE_ERROR_HRESULT, statuses.PARSE_ERROR_MESSAGE, [str(error)]) from error
    if document.getroottree().docinfo.internalDTD is not None:
        # qbXML never needs a DTD; refusing one keeps entity tricks (XXE, billion laughs) inert.
        raise MessageRefused(statuses.PARSE_ERROR_HRESULT, statuses.PARSE_ERROR_MESSAGE, ["a DOCTYPE is not accepted"])
    if not _declares_qbxml_version(document):
        raise MessageRefused(statuses.PARSE_ERROR_HRESULT, statuses.PARSE_ERROR_MESSAGE, ["no <?qbxml version?>"])
    checker = xsd.schema()
    too_long: dict[etree._Element, tuple[str, str]] = {}
    if not checker.validate(document):
        fatal = []
        for error in checker.error_log:
            if error.type_name != "SCHEMAV_CVC_MAXLENGTH_VALID":
                fatal.append(f"line {error.line}: {error.message}")
                continue
            leaf = document.getroottree().xpath(error.path)[0]
            too_long.setdefault(_request_of(leaf), (leaf.text or "", leaf.tag))
        if fatal:
            raise MessageRefused(statuses.PARSE_ERROR_HRESULT, statuses.PARSE_ERROR_MESSAGE, fatal)
    return document, too_long


def _request_of(element: etree._Element) -> etree._Element:
    """The `*Rq` an element sits in: the ancestor whose parent is `QBXMLMsgsRq`."""
    while element.getparent() is not None and element.getparent().tag != "QBXMLMsgsRq":
        element = element.getparent()
    return element


def _declares_qbxml_version(document: etree._Element) -> bool:
    """`<?qbxml version="13.0"?>` (or lower) before the root: QuickBooks needs it (qbwc/qbwc#69)."""
    node = document.getprevious()
    while node is not None:
        if isinstance(node, etree._ProcessingInstruction) and node.target == "qbxml":
            version = (node.get("version") or "").strip()
            try:
                return 1.0 <= float(version) <= 13.0
            except ValueError:
                return False
        node = node.getprevious()
    return False


def response_element(rq: etree._Element, status: QbStatus, reply: Reply) -> etree._Element:
    rs = etree.Element(rq.tag.removesuffix("Rq") + "Rs")
    if rq.get("requestID") is not None:
        rs.set("requestID", rq.get("requestID"))
    rs.set("statusCode", str(status.code))
    rs.set("statusSeverity", status.severity)
    rs.set("statusMessage", status.message)
    for key, value in reply.attrs.items():
        rs.set(key, value)
    rs.extend(reply.rets)
    return rs
