"""Work items as one qbXML 13.0 request message, and the response message as results by work item.

Each item is one request whose `requestID` names its purpose and its item ("add-<item>", "mod-<item>",
"look-<item>[-<parent ListID>]", "read-<item>"), so the response says what each answer settles, in any
order. The message runs with `continueOnError`: one refused record does not hold back the rest.

Exactly once without a replay key (providers.md 3.1): an item sent before and never answered is a
create whose answer may have been lost, so it is first looked up by name ("look-"); found, it is
settled as created; not found, it goes again as a create. An update sent again (a stale edit sequence,
a record in use) is first re-read ("read-") and then sent with the fresh EditSequence.

Responses are parsed with lxml, hardened (no entities, no DTD, no network, a size limit), and
leniently: real QuickBooks output drifts from the schema (providers.md 3.4).
"""

from __future__ import annotations

from typing import Any

from lxml import etree

from fieldbooks.domain.errors import RemoteNotFound, ValidationFailed
from fieldbooks.providers.contract import OutgoingWork, SendAgain, WorkResult, Written
from fieldbooks.providers.quickbooks_desktop import errors
from fieldbooks.providers.quickbooks_desktop.mapping import REMOTE_ENTITY

HEAD = b'<?xml version="1.0" encoding="utf-8"?>\n<?qbxml version="13.0"?>\n'
MAX_RESPONSE = 5_000_000  # a batch of twenty records answers in tens of kB
ID_OF = {"Customer": "ListID"}


def safe_parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def parse(text: str | bytes, limit: int = MAX_RESPONSE) -> etree._Element:
    """A hardened parse; ValidationFailed for anything that is not one well-formed document."""
    data = text.encode() if isinstance(text, str) else text
    if len(data) > limit:
        raise ValidationFailed("The message is too large.")
    try:
        root = etree.fromstring(data, safe_parser())
    except etree.XMLSyntaxError as error:
        raise ValidationFailed("The message is not well-formed XML.") from error
    if root.getroottree().docinfo.internalDTD is not None:
        raise ValidationFailed("The message carries a document type declaration.")
    return root


def append(parent: etree._Element, fields: dict[str, Any]) -> None:
    """Children in the dict's order (mapping.py builds bodies in schema order)."""
    for key, value in fields.items():
        if isinstance(value, dict):
            append(etree.SubElement(parent, key), value)
        elif value is not None:
            etree.SubElement(parent, key).text = "true" if value is True else "false" if value is False else str(value)


class QbxmlCodec:
    def encode(self, work: list[OutgoingWork]) -> str:
        root = etree.Element("QBXML")
        messages = etree.SubElement(root, "QBXMLMsgsRq", onError="continueOnError")
        for each in work:
            messages.append(self._request(each))
        return (HEAD + etree.tostring(root, encoding="utf-8")).decode()

    def _request(self, work: OutgoingWork) -> etree._Element:
        kind = REMOTE_ENTITY[work.entity]
        if work.operation == "create" and work.resent:
            return self._look_up(kind, work)
        if work.operation == "create":
            request = etree.Element(f"{kind}AddRq", requestID=f"add-{work.item_id}")
            append(etree.SubElement(request, f"{kind}Add"), work.body)
            return request
        if work.operation != "update":
            raise ValidationFailed(f"QuickBooks Desktop cannot {work.operation} a {kind}.")
        if work.resent or not work.version:
            request = etree.Element(f"{kind}QueryRq", requestID=f"read-{work.item_id}")
            etree.SubElement(request, ID_OF[kind]).text = work.remote_id
            return request
        request = etree.Element(f"{kind}ModRq", requestID=f"mod-{work.item_id}")
        append(
            etree.SubElement(request, f"{kind}Mod"),
            {ID_OF[kind]: work.remote_id, "EditSequence": work.version, **work.body},
        )
        return request

    def _look_up(self, kind: str, work: OutgoingWork) -> etree._Element:
        """By FullName for a customer; a job by its name under its parent (checked when answered)."""
        parent = (work.body.get("ParentRef") or {}).get("ListID")
        request_id = f"look-{work.item_id}" + (f"-{parent}" if parent else "")
        request = etree.Element(f"{kind}QueryRq", requestID=request_id)
        if parent:
            append(request, {"ActiveStatus": "All"})
            append(request, {"NameFilter": {"MatchCriterion": "EndsWith", "Name": f":{work.body['Name']}"}})
        else:
            etree.SubElement(request, "FullName").text = work.body["Name"]
        return request

    def decode(self, response: str) -> dict[str, WorkResult]:
        messages = parse(response).find("QBXMLMsgsRs")
        results: dict[str, WorkResult] = {}
        for answer in messages if messages is not None else ():
            if not isinstance(answer.tag, str) or "-" not in (answer.get("requestID") or ""):
                continue
            purpose, _, rest = answer.get("requestID", "").partition("-")
            item_id, _, parent = rest.partition("-")
            if purpose in ("add", "mod", "look", "read"):
                results[item_id] = _result(purpose, answer, parent or None)
        return results


def _result(purpose: str, answer: etree._Element, parent: str | None) -> WorkResult:
    try:
        code = int(answer.get("statusCode") or "-1")
    except ValueError:
        code = -1
    rets = [child for child in answer if isinstance(child.tag, str) and child.tag.endswith("Ret")]
    if purpose == "look":
        if parent:
            rets = [r for r in rets if r.findtext("ParentRef/ListID") == parent]
        else:
            rets = [r for r in rets if not r.findtext("ParentRef/ListID")]
        if code in (errors.OK, errors.NO_MATCH, errors.WARNING) and not rets:
            return SendAgain()  # nothing was made: the create goes again
    if purpose == "read" and code == errors.NO_MATCH:
        return RemoteNotFound("The record is no longer in QuickBooks Desktop.")
    if code not in (errors.OK, errors.WARNING) or not rets:
        return errors.status_error(code, answer.get("statusMessage") or "")
    ret = rets[0]
    remote_id = ret.findtext("ListID") or ret.findtext("TxnID") or ""
    version = ret.findtext("EditSequence")
    if purpose == "read":
        return SendAgain(version=version)
    return Written(remote_id=remote_id, version=version)
