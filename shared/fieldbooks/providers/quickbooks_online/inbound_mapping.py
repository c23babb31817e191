"""QuickBooks Online bodies -> SaaS fields: the inverse of `mapping`, for what pulls bring in. Pure."""

from __future__ import annotations

from typing import Any

from fieldbooks.domain.models import ConnectionSettings
from fieldbooks.domain.records import Contact
from fieldbooks.providers.quickbooks_online.mapping import clean_name, customer_display_name

# The keys `customer` and `job` write: what a pull's merge compares.
CARRIED_FIELDS = {
    "contact": (
        "DisplayName",
        "GivenName",
        "FamilyName",
        "CompanyName",
        "PrimaryEmailAddr",
        "PrimaryPhone",
        "BillAddr",
        "Notes",
    ),
    "property": ("DisplayName", "Job", "ParentRef", "BillWithParent", "ShipAddr", "Notes"),
}
# The PhysicalAddress parts `address` writes.
ADDRESS_PARTS = frozenset({"Line1", "Line2", "City", "CountrySubDivisionCode", "PostalCode", "Country"})


def contact_fields(body: dict[str, Any], current: Contact | None, settings: ConnectionSettings) -> dict[str, Any]:
    """A Customer body as SaaS contact fields: the inverse of `customer`, for what a pull brings in.

    Only the fields `customer` sends come back, so a field QuickBooks does not carry for this contact
    (a company's first name) is never cleared. A DisplayName made by the naming rule is not the
    contact's own display name and stays out.
    """
    given, family = body.get("GivenName"), body.get("FamilyName")
    kind = current.kind if current else ("individual" if given or family or not body.get("CompanyName") else "company")
    fields: dict[str, Any] = {"kind": kind} if current is None else {}
    if kind == "individual" and (given or family):
        fields["first_name"] = given or None
        fields["last_name"] = family or None
    elif kind == "individual" and current is None:
        # Many books name a customer by DisplayName alone; the SaaS needs a person's name parts.
        first, _, rest = clean_name(str(body.get("DisplayName") or "")).partition(" ")
        fields["first_name"], fields["last_name"] = first or None, rest or None
    fields["company_name"] = body.get("CompanyName") or None
    name = body.get("DisplayName") or None
    if current is None or name != customer_display_name(current, settings):
        fields["display_name"] = name
    fields["email"] = (body.get("PrimaryEmailAddr") or {}).get("Address") or None
    fields["phone"] = (body.get("PrimaryPhone") or {}).get("FreeFormNumber") or None
    fields["billing_address"] = address_fields(body.get("BillAddr"))
    fields["notes"] = body.get("Notes") or None
    return fields


def property_fields(body: dict[str, Any], parent_display_name: str) -> dict[str, Any]:
    """A sub-customer as job-site fields: the inverse of `job` (its name without the parent's in front)."""
    name = str(body.get("DisplayName") or body.get("FullyQualifiedName") or "").strip()
    prefix = f"{clean_name(parent_display_name)} - "
    site = name.removeprefix(prefix) if name.startswith(prefix) and len(name) > len(prefix) else name
    return {
        "name": site[:200] or "Job site",
        "address": address_fields(body.get("ShipAddr") or body.get("BillAddr")) or {},
        "notes": body.get("Notes") or None,
    }


def address_fields(body: dict[str, Any] | None) -> dict[str, Any] | None:
    """A PhysicalAddress as SaaS address fields (None when QuickBooks holds none)."""
    if not body:
        return None
    parts = {
        "line1": body.get("Line1"),
        "line2": body.get("Line2"),
        "city": body.get("City"),
        "region": body.get("CountrySubDivisionCode"),
        "postal_code": body.get("PostalCode"),
        "country": body.get("Country"),
    }
    kept = {key: value for key, value in parts.items() if value}
    return kept or None
