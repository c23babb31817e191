"""The qbXML 13.0 schema, loaded once: it validates requests and orders the elements we answer with.

QuickBooks enforces element order: children out of schema order make it throw `0x80040400`
(providers.md 3.3, qbwc/qbwc#74), so the simulator validates every request message against
`qbxmlops130.xsd` before doing anything. The same files tell the renderer in which order to write a
`CustomerRet` or an `InvoiceRet`, so responses are in schema order without a hand-kept list.

The spec files live beside the project (`../shared/specs/qbxml-13.0/`) and are Intuit's; they are
read from there, never copied. Every parse here is hardened: no entities, no DTD, no network.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from lxml import etree

XS = "{http://www.w3.org/2001/XMLSchema}"
REPO_ROOT = Path(__file__).resolve().parents[3]
SPEC_FILES = ("qbxmltypes130.xsd", "qbxml130.xsd", "qbxmlso130.xsd", "qbxmlops130.xsd")


def specs_dir() -> Path:
    """`../shared/specs/qbxml-13.0`, resolved from the repo root (the team kit sits beside the repo)."""
    return REPO_ROOT.parent / "shared" / "specs" / "qbxml-13.0"


def safe_parser(huge: bool = False) -> etree.XMLParser:
    """lxml without entity expansion, DTD loading or network: an XXE or billion-laughs body stays inert."""
    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False, huge_tree=huge
    )


@cache
def schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(specs_dir() / "qbxmlops130.xsd"), safe_parser(huge=True)))


def validation_errors(document: etree._Element) -> list[str]:
    """Every schema complaint about a whole QBXML document, one line each (empty when valid)."""
    checker = schema()
    if checker.validate(document):
        return []
    return [f"line {e.line}: {e.message}" for e in checker.error_log]


class ElementOrder:
    """Child order of each element of the schema, by walking sequences, choices and group refs.

    Keyed by element name: a global element by its name, a local element with complex content by
    its own name too (qbXML reuses names only for simple elements, which have no children).
    """

    def __init__(self) -> None:
        self._cache: dict[str, dict[str, int]] = {}
        self._locals: dict[str, etree._Element] = {}
        self._elements: dict[str, etree._Element] = {}
        self._groups: dict[str, etree._Element] = {}
        self._types: dict[str, etree._Element] = {}
        roots = [etree.parse(str(specs_dir() / name), safe_parser(huge=True)).getroot() for name in SPEC_FILES]
        for root in roots:
            for node in root:
                tag, key = node.tag, node.get("name")
                if tag == XS + "element":
                    self._elements[key] = node
                elif tag == XS + "group":
                    self._groups[key] = node
                elif tag == XS + "complexType":
                    self._types[key] = node
        for root in roots:
            for node in root.iter(XS + "element"):
                complex_content = node.find(XS + "complexType") is not None or node.get("type") in self._types
                if node.getparent() is not root and node.get("name") and complex_content:
                    self._locals.setdefault(node.get("name"), node)

    def positions(self, element: str) -> dict[str, int]:
        """Name → position among the children of `element`; raises KeyError for an unknown element."""
        if element not in self._cache:
            node = self._elements[element] if element in self._elements else self._locals[element]
            names: list[str] = []
            self._walk(self._content_of(node), names)
            self._cache[element] = {name: index for index, name in enumerate(dict.fromkeys(names))}
        return self._cache[element]

    def _content_of(self, element: etree._Element) -> etree._Element | None:
        type_name = element.get("type")
        if type_name is not None:
            return self._types.get(type_name)
        return element.find(XS + "complexType")

    def _walk(self, node: etree._Element | None, names: list[str]) -> None:
        if node is None:
            return
        for child in node:
            tag = child.tag
            if tag == XS + "element":
                name = child.get("ref") or child.get("name")
                names.append(name)
            elif tag == XS + "group":
                self._walk(self._groups[child.get("ref")], names)
            elif tag in (XS + "sequence", XS + "choice", XS + "complexType", XS + "complexContent"):
                self._walk(child, names)
            elif tag == XS + "extension":
                self._walk(self._types.get(child.get("base")), names)
                self._walk(child, names)


@cache
def element_order() -> ElementOrder:
    return ElementOrder()
