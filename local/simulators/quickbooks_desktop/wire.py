"""qbXML on the wire: request elements to plain fields, plain fields to elements in schema order.

A record is held as the fields of its `*Ret` (name → text, nested dict for an aggregate such as
`CustomerRef` or `BillAddress`, list for a repeated child such as `InvoiceLineRet`). The renderer
writes them in the order `qbxml130.xsd` declares (xsd.ElementOrder), so a reply never carries
children out of order, which QuickBooks' own parser would refuse (providers.md 3.3).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from lxml import etree

from local.simulators.quickbooks_desktop.xsd import element_order

Fields = dict[str, Any]
XML_DECLARATION = '<?xml version="1.0" encoding="utf-8"?>\n'
QBXML_VERSION = '<?qbxml version="13.0"?>\n'


def fields_of(element: etree._Element) -> Fields:
    """Children as fields; a tag seen twice becomes a list (callers use `many` where one may repeat)."""
    fields: Fields = {}
    for child in element:
        if not isinstance(child.tag, str):
            continue  # comments and processing instructions carry no data
        value: Any = fields_of(child) if len(child) else (child.text or "")
        if child.tag in fields:
            existing = fields[child.tag]
            fields[child.tag] = [*existing, value] if isinstance(existing, list) else [existing, value]
        else:
            fields[child.tag] = value
    return fields


def many(fields: Fields, name: str) -> list[Any]:
    value = fields.get(name)
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def render(name: str, fields: Fields) -> etree._Element:
    """`<name>` with `fields` as children in schema order; a field the schema does not know raises."""
    element = etree.Element(name)
    order = element_order().positions(name) if fields else {}
    for key in sorted(fields, key=lambda k: order[k]):
        value = fields[key]
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, dict):
                element.append(render(key, item))
            else:
                etree.SubElement(element, key).text = text_of(item)
    return element


def text_of(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return amount(value)
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def amount(value: Decimal) -> str:
    """AMTTYPE: two decimals (qbxmltypes130.xsd)."""
    return str(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def decimal_of(text: str | None, default: str = "0") -> Decimal:
    return Decimal(text if text not in (None, "") else default)


def is_true(text: str | None) -> bool:
    return (text or "").strip().lower() == "true"


def message(root_children: list[etree._Element], *, request: bool = False, on_error: str = "stopOnError") -> bytes:
    """A whole QBXML document; a request also carries the version PI QuickBooks needs (qbwc/qbwc#69)."""
    root = etree.Element("QBXML")
    msgs = etree.SubElement(root, "QBXMLMsgsRq" if request else "QBXMLMsgsRs")
    if request:
        msgs.set("onError", on_error)
    msgs.extend(root_children)
    prolog = XML_DECLARATION + (QBXML_VERSION if request else "")
    return prolog.encode() + etree.tostring(root, encoding="utf-8")
