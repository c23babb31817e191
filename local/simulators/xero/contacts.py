"""Contacts (providers.md 2.3): `Name` ≤255 and unique among ACTIVE contacts; ARCHIVED ones are
hidden from lists unless `includeArchived=true`; `ContactNumber` is a key only the API sets.
"""

from __future__ import annotations

from typing import Any

from local.simulators.xero import errors
from local.simulators.xero.clock import iso_utc_string, ms_datetime
from local.simulators.xero.errors import ValidationFailed
from local.simulators.xero.ledger import Ledger, text_field
from local.simulators.xero.store import Organisation, Record

STATUSES = {"ACTIVE", "ARCHIVED", "GDPRREQUEST"}
SERVER_FIELDS = {"ContactID", "UpdatedDateUTC", "HasValidationErrors", "ValidationErrors", "StatusAttributeString"}


def save_contact(ledger: Ledger, incoming: dict[str, Any], existing: Record | None) -> Record:
    """Create, or merge `incoming` into `existing` (Xero updates only the fields sent)."""
    body = {**(existing.body if existing else {}), **_client_fields(incoming)}
    messages: list[str] = []
    name = text_field(body, "Name", 255, messages, required=True)
    status = body.get("ContactStatus") or "ACTIVE"
    if status not in STATUSES:
        messages.append(f"ContactStatus '{status}' is not valid.")
    email = text_field(body, "EmailAddress", 255, messages)
    if email and ("@" not in email or "." not in email.rpartition("@")[2]):
        messages.append("Email address must be valid.")
    text_field(body, "ContactNumber", 50, messages)
    text_field(body, "AccountNumber", 50, messages)
    if name and status == "ACTIVE" and _name_taken(ledger.organisation, name, existing):
        messages.append(errors.duplicate_contact_name(name))
    if messages:
        raise ValidationFailed(messages)
    body.update({"Name": name, "ContactStatus": status})
    body.setdefault("IsSupplier", False)
    body.setdefault("IsCustomer", False)
    return ledger.replace(existing, body) if existing else ledger.insert("Contacts", body)


def find_for_upsert(organisation: Organisation, incoming: dict[str, Any]) -> Record | None:
    """POST matches on ContactID, then on ContactNumber."""
    if incoming.get("ContactID"):
        return organisation.get("Contacts", str(incoming["ContactID"]))
    number = incoming.get("ContactNumber")
    matches = organisation.find("Contacts", "ContactNumber", number) if number else []
    return matches[0] if matches else None


def find_by_path(organisation: Organisation, key: str) -> Record | None:
    """`/Contacts/{ContactID}` or `/Contacts/{ContactNumber}`."""
    return organisation.get("Contacts", key) or next(iter(organisation.find("Contacts", "ContactNumber", key)), None)


def render_contact(record: Record) -> dict[str, Any]:
    return {
        "ContactID": record.id,
        **record.body,
        "Addresses": record.body.get("Addresses", []),
        "Phones": record.body.get("Phones", []),
        "ContactGroups": [],
        "ContactPersons": record.body.get("ContactPersons", []),
        "HasAttachments": False,
        "HasValidationErrors": False,
        "UpdatedDateUTC": ms_datetime(record.updated_at),
        "UpdatedDateUTCString": iso_utc_string(record.updated_at),
    }


def contact_summary(record: Record) -> dict[str, Any]:
    """How invoices and payments show their contact."""
    keys = ("ContactNumber", "Name", "EmailAddress", "ContactStatus")
    return {"ContactID": record.id, **{key: record.body[key] for key in keys if key in record.body}}


def _name_taken(organisation: Organisation, name: str, existing: Record | None) -> bool:
    folded = name.casefold()
    return any(
        other.body.get("ContactStatus") == "ACTIVE" and str(other.body.get("Name", "")).casefold() == folded
        for other in organisation.all("Contacts")
        if existing is None or other.id != existing.id
    )


def _client_fields(incoming: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in incoming.items() if key not in SERVER_FIELDS}
