"""Name lists: customers (and their jobs), vendors, employees, items and accounts (providers.md 1.3, 1.4).

Customers, vendors and employees share one namespace: a DisplayName used by any of them is refused
with 6240 (intuit/QuickBooks-V3-PHP-SDK#241). Names are never deleted; made inactive, a customer,
vendor or item is renamed "<name> (deleted)", which frees its name for a new record, as QuickBooks
Online shows inactive names.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from local.simulators.quickbooks_online import errors
from local.simulators.quickbooks_online.money import ZERO, money
from local.simulators.quickbooks_online.seed import currency_ref
from local.simulators.quickbooks_online.store import Record

if TYPE_CHECKING:
    from local.simulators.quickbooks_online.entities import Ledger

PEOPLE = ("Customer", "Vendor", "Employee")
RENAMED_WHEN_INACTIVE = ("Customer", "Vendor", "Item")
DELETED_SUFFIX = " (deleted)"
NAME_PARTS = ("Title", "GivenName", "MiddleName", "FamilyName", "Suffix")
ACCOUNT_CLASSIFICATION = {
    "Bank": "Asset",
    "Accounts Receivable": "Asset",
    "Other Current Asset": "Asset",
    "Fixed Asset": "Asset",
    "Other Asset": "Asset",
    "Accounts Payable": "Liability",
    "Credit Card": "Liability",
    "Other Current Liability": "Liability",
    "Long Term Liability": "Liability",
    "Equity": "Equity",
    "Income": "Revenue",
    "Other Income": "Revenue",
    "Cost of Goods Sold": "Expense",
    "Expense": "Expense",
    "Other Expense": "Expense",
}
MAX_JOB_LEVEL = 5


def prepare_person(
    ledger: Ledger, entity: str, body: dict[str, Any], existing: Record | None, record_id: str
) -> dict[str, Any]:
    """DisplayName (or one name part) is required (6080), has no ':' and is unique across people."""
    display_name = (body.get("DisplayName") or _derived_display_name(entity, body)).strip()
    if not display_name:
        raise no_name_provided()
    if ":" in display_name:
        raise errors.business_validation("Invalid character : in DisplayName.")
    email = (body.get("PrimaryEmailAddr") or {}).get("Address")
    if email and ("@" not in email or "." not in email):
        raise errors.business_validation(f"Email Address does not conform to the syntax rules: {email}")
    body.setdefault("Active", True)
    display_name = _name_for_activity(ledger, entity, display_name, body, existing)
    _require_unique_name(ledger, entity, "DisplayName", display_name, record_id)
    body["DisplayName"] = display_name
    if entity == "Customer":
        _place_in_customer_tree(ledger, body, display_name, record_id)
        body.setdefault("Balance", ZERO)
        body.setdefault("BalanceWithJobs", body["Balance"])
        body.setdefault("PreferredDeliveryMethod", "Print")
    if entity == "Vendor":
        body.setdefault("Balance", ZERO)
    if entity != "Employee":
        body.setdefault("CurrencyRef", currency_ref(ledger.company.country))
    return body


def prepare_item(ledger: Ledger, body: dict[str, Any], existing: Record | None, record_id: str) -> dict[str, Any]:
    """Unique name, Service or NonInventory, IncomeAccountRef required (providers.md 1.3)."""
    name = (body.get("Name") or "").strip()
    if not name:
        raise errors.required_field("Name")
    if body.get("Type") not in ("Service", "NonInventory"):
        raise errors.request_invalid(f"Item Type {body.get('Type')!r} is not supported; use Service or NonInventory")
    if not body.get("IncomeAccountRef"):
        raise errors.required_field("IncomeAccountRef")
    account = ledger.reference("Account", body["IncomeAccountRef"], "IncomeAccountRef")
    body.setdefault("Active", True)
    name = _name_for_activity(ledger, "Item", name, body, existing)
    _require_unique_name(ledger, "Item", "Name", name, record_id)
    body["Name"] = name
    body["FullyQualifiedName"] = name
    body["IncomeAccountRef"] = {"value": account.id, "name": account.body["Name"]}
    body.setdefault("Taxable", False)
    body["UnitPrice"] = money(body.get("UnitPrice", 0), "UnitPrice", exact=False)
    if body.get("SalesTaxCodeRef"):
        ledger.reference("TaxCode", body["SalesTaxCodeRef"], "SalesTaxCodeRef")
    return body


def prepare_account(ledger: Ledger, body: dict[str, Any], record_id: str) -> dict[str, Any]:
    name = (body.get("Name") or "").strip()
    if not name:
        raise errors.required_field("Name")
    account_type = body.get("AccountType")
    if not account_type:
        raise errors.required_field("AccountType")
    if account_type not in ACCOUNT_CLASSIFICATION:
        raise errors.request_invalid(f"Invalid AccountType {account_type!r}")
    _require_unique_name(ledger, "Account", "Name", name, record_id)
    body["Name"] = name
    body["FullyQualifiedName"] = name
    body["Classification"] = ACCOUNT_CLASSIFICATION[account_type]
    body.setdefault("Active", True)
    body.setdefault("SubAccount", False)
    body.setdefault("CurrentBalance", ZERO)
    body.setdefault("CurrencyRef", currency_ref(ledger.company.country))
    return body


def no_name_provided() -> errors.IntuitFault:
    """6080 "No Name Provided" (IQ error codes): one of the name parts or DisplayName must be set."""
    return errors.IntuitFault(
        code="6080",
        message="No Name Provided",
        detail="Title, GivenName, MiddleName, FamilyName, DisplayName, Suffix - one of these must be non-empty",
    )


def _name_for_activity(ledger: Ledger, entity: str, name: str, body: dict[str, Any], existing: Record | None) -> str:
    """Going inactive renames the record "<name> (deleted)"; a customer with an open balance cannot
    go inactive (ruckus/quickbooks-ruby#390)."""
    going_inactive = body.get("Active") is False and (existing is None or existing.active)
    if not going_inactive or entity not in RENAMED_WHEN_INACTIVE:
        return name
    if entity == "Customer" and existing is not None and _open_balance(existing) != 0:
        raise errors.list_has_balance()
    field_name = "Name" if entity == "Item" else "DisplayName"
    candidate, number = f"{name}{DELETED_SUFFIX}", 1
    while _name_taken(ledger, entity, field_name, candidate, existing.id if existing else ""):
        number += 1  # which suffix QuickBooks picks when "(deleted)" is taken is not documented
        candidate = f"{name} (deleted {number})"
    return candidate


def _open_balance(customer: Record) -> Decimal:
    return Decimal(str(customer.body.get("BalanceWithJobs", customer.body.get("Balance", 0))))


def _place_in_customer_tree(ledger: Ledger, body: dict[str, Any], display_name: str, record_id: str) -> None:
    """Jobs: `ParentRef` makes a sub-customer, up to 5 levels, named `Parent:Child` (1.3)."""
    parent_ref = body.get("ParentRef")
    if not parent_ref:
        body["Job"] = False
        body.pop("Level", None)
        body["FullyQualifiedName"] = display_name
        return
    parent = ledger.reference("Customer", parent_ref, "ParentRef")
    if parent.id == record_id:
        raise errors.business_validation("A customer cannot be its own parent.")
    level = int(parent.body.get("Level", 0)) + 1
    if level > MAX_JOB_LEVEL:
        raise errors.business_validation("Sub-customers can be nested at most 5 levels deep.")
    body["Job"] = True
    body["Level"] = level
    body.setdefault("BillWithParent", False)
    body["FullyQualifiedName"] = f"{parent.body['FullyQualifiedName']}:{display_name}"


def _require_unique_name(ledger: Ledger, entity: str, field_name: str, name: str, record_id: str) -> None:
    if _name_taken(ledger, entity, field_name, name, record_id):
        raise errors.duplicate_name(entity)


def _name_taken(ledger: Ledger, entity: str, field_name: str, name: str, record_id: str) -> bool:
    """Names clash case-insensitively, inactive ones included (QuickBooks keeps them on file);
    a person's name clashes with any customer, vendor or employee."""
    wanted = name.casefold()
    namespace = PEOPLE if entity in PEOPLE else (entity,)
    return any(
        not (other.entity == entity and other.id == record_id)
        and str(other.body.get(field_name, "")).casefold() == wanted
        for kind in namespace
        for other in ledger.company.live(kind)
    )


def _derived_display_name(entity: str, body: dict[str, Any]) -> str:
    parts = " ".join(str(body[key]) for key in NAME_PARTS if body.get(key))
    if parts or entity == "Employee":
        return parts
    return body.get("CompanyName") or ""
