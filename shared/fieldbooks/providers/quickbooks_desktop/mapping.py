"""SaaS records as qbXML 13.0 bodies: ordered dicts whose keys are the request's elements in schema order.

QuickBooks refuses children out of schema order (`0x80040400`, providers.md 3.3), so each body is built
in the order of `CustomerAdd` in qbxmlops130.xsd, and `CustomerMod` takes the same fields after
`ListID` and `EditSequence`. Names are unique and at most 41 characters, so a longer one is refused
with a sentence; other parts are cut to their limits, as QuickBooks would refuse them otherwise.
"""

from __future__ import annotations

import re
from typing import Any

from fieldbooks.domain.errors import ValidationFailed
from fieldbooks.domain.models import ConnectionSettings
from fieldbooks.domain.record_fields import Address
from fieldbooks.domain.records import Contact, Property

REMOTE_ENTITY = {"contact": "Customer", "property": "Customer"}
NAME_MAX = 41
LIMITS = {"CompanyName": 41, "FirstName": 25, "LastName": 25, "Phone": 21, "Email": 1023, "Notes": 4095}
ADDRESS_LIMITS = {"Addr1": 41, "Addr2": 41, "City": 31, "State": 21, "PostalCode": 13, "Country": 31}
# A colon separates a job from its customer in a FullName; control characters are never allowed.
UNSAFE = re.compile(r"[:\x00-\x1f\x7f]")


def clean_name(name: str) -> str:
    return " ".join(UNSAFE.sub(" ", name).split())


def customer_display_name(contact: Contact, settings: ConnectionSettings) -> str:
    name = contact.display_name or contact.derived_display_name()
    if settings.name_individuals_with_company and contact.kind == "individual" and contact.company_name:
        person = " ".join(part for part in (contact.first_name, contact.last_name) if part) or name
        name = f"{person} ({contact.company_name})"
    return clean_name(name)


def _checked_name(name: str, what: str) -> str:
    if not name:
        raise ValidationFailed(f"The {what} has no name QuickBooks Desktop can use.")
    if len(name) > NAME_MAX:
        raise ValidationFailed(
            f'QuickBooks Desktop names are at most {NAME_MAX} characters; "{name}" has {len(name)}. '
            f"Shorten the {what}'s name, then sync it again."
        )
    return name


def _cut(values: dict[str, str | None], limits: dict[str, int]) -> dict[str, str]:
    return {key: value.strip()[: limits[key]] for key, value in values.items() if value and value.strip()}


def _address(address: Address | None) -> dict[str, str]:
    if address is None:
        return {}
    parts = {
        "Addr1": address.line1,
        "Addr2": address.line2,
        "City": address.city,
        "State": address.region,
        "PostalCode": address.postal_code,
        "Country": address.country,
    }
    return _cut(parts, ADDRESS_LIMITS)


def customer(contact: Contact, settings: ConnectionSettings) -> dict[str, Any]:
    body: dict[str, Any] = {"Name": _checked_name(customer_display_name(contact, settings), "contact")}
    body |= _cut({"CompanyName": contact.company_name}, LIMITS)
    if contact.kind == "individual":
        body |= _cut({"FirstName": contact.first_name, "LastName": contact.last_name}, LIMITS)
    if billing := _address(contact.billing_address):
        body["BillAddress"] = billing
    body |= _cut({"Phone": contact.phone, "Email": contact.email}, LIMITS)
    if contact.notes:
        body["Notes"] = str(contact.notes)[: LIMITS["Notes"]]
    return body


def job(prop: Property, parent_list_id: str) -> dict[str, Any]:
    """A job site is a job under its customer: its own Name, the customer as ParentRef."""
    body: dict[str, Any] = {
        "Name": _checked_name(clean_name(prop.name), "job site"),
        "ParentRef": {"ListID": parent_list_id},
    }
    if shipping := _address(prop.address):
        body["ShipAddress"] = shipping
    return body
