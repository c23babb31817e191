"""Items (providers.md 2.3): `Code` required, ≤30 and unique; `Name` ≤50; sales details give a
line its default price, account and tax. `GET /Items` is not paged.
"""

from __future__ import annotations

from typing import Any

from local.simulators.xero.clock import ms_datetime
from local.simulators.xero.errors import ValidationFailed
from local.simulators.xero.ledger import Ledger, money, text_field
from local.simulators.xero.store import Organisation, Record

SERVER_FIELDS = {"ItemID", "UpdatedDateUTC", "ValidationErrors", "StatusAttributeString"}


def save_item(ledger: Ledger, incoming: dict[str, Any], existing: Record | None) -> Record:
    body = {**(existing.body if existing else {}), **{k: v for k, v in incoming.items() if k not in SERVER_FIELDS}}
    messages: list[str] = []
    code = text_field(body, "Code", 30, messages, required=True)
    text_field(body, "Name", 50, messages)
    text_field(body, "Description", 4000, messages)
    clash = next(iter(ledger.organisation.find("Items", "Code", code)), None) if code else None
    if clash is not None and (existing is None or clash.id != existing.id):
        messages.append(f"Item code '{code}' already exists.")
    for side in ("SalesDetails", "PurchaseDetails"):
        details = body.get(side)
        if isinstance(details, dict) and details.get("UnitPrice") is not None:
            details["UnitPrice"] = money(details["UnitPrice"], f"{side}.UnitPrice")
        if (
            isinstance(details, dict)
            and details.get("AccountCode")
            and not account_by_code(ledger.organisation, str(details["AccountCode"]))
        ):
            messages.append(f"Account code '{details['AccountCode']}' is not a valid code.")
    if messages:
        raise ValidationFailed(messages)
    body["Code"] = code
    body.setdefault("IsSold", "SalesDetails" in body)
    body.setdefault("IsPurchased", "PurchaseDetails" in body)
    body.setdefault("IsTrackedAsInventory", False)
    return ledger.replace(existing, body) if existing else ledger.insert("Items", body)


def find_item(organisation: Organisation, key: str | None) -> Record | None:
    """`/Items/{ItemID}` accepts the Code too; POST upserts on ItemID, then Code."""
    if not key:
        return None
    return organisation.get("Items", key) or next(iter(organisation.find("Items", "Code", key)), None)


def account_by_code(organisation: Organisation, code: str) -> Record | None:
    return next((a for a in organisation.find("Accounts", "Code", code) if a.body["Status"] == "ACTIVE"), None)


def render_item(record: Record) -> dict[str, Any]:
    return {"ItemID": record.id, **record.body, "UpdatedDateUTC": ms_datetime(record.updated_at)}
