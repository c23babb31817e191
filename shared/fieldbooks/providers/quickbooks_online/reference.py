"""Tax codes, tax rates and income accounts from QuickBooks Online, as neutral reference lists.

One query per list, paged by the client (MAXRESULTS 1000, providers.md 1.6): TaxCode and TaxRate are not
in CDC (1.6), so a refresh always reads them whole. Queries return active names only (1.4), which is what
a pick list may offer: a reference to an inactive account or code is refused with 610/2500.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from fieldbooks.domain.errors import ValidationFailed
from fieldbooks.domain.reference_lists import MAX_ENTRIES, ReferenceEntry, ReferenceLists
from fieldbooks.providers.quickbooks_online.client import QboClient

TAX_CODES = "SELECT * FROM TaxCode"
TAX_RATES = "SELECT * FROM TaxRate"
# Items take an IncomeAccountRef (1.3); only accounts of type Income fit there.
INCOME_ACCOUNTS = "SELECT * FROM Account WHERE AccountType = 'Income'"
MAX_TEXT = 200


def reference_lists(client: QboClient) -> ReferenceLists:
    return ReferenceLists(
        tax_codes=_bounded("tax codes", [tax_code(body) for body in client.query(TAX_CODES)]),
        tax_rates=_bounded("tax rates", [tax_rate(body) for body in client.query(TAX_RATES)]),
        income_accounts=_bounded("income accounts", [income_account(b) for b in client.query(INCOME_ACCOUNTS)]),
    )


def tax_code(body: dict[str, Any]) -> ReferenceEntry:
    """US companies hold `TAX` and `NON` (what a line carries under Automated Sales Tax) besides their
    sales-tax codes; elsewhere each code names the rates it charges on sales."""
    details = (body.get("SalesTaxRateList") or {}).get("TaxRateDetail") or []
    return ReferenceEntry(
        id=str(body["Id"]),
        name=_text(body.get("Name")) or str(body["Id"]),
        description=_text(body.get("Description")),
        taxable=bool(body["Taxable"]) if body.get("Taxable") is not None else None,
        tax_rate_ids=tuple(str(d["TaxRateRef"]["value"]) for d in details if (d.get("TaxRateRef") or {}).get("value")),
    )


def tax_rate(body: dict[str, Any]) -> ReferenceEntry:
    return ReferenceEntry(
        id=str(body["Id"]),
        name=_text(body.get("Name")) or str(body["Id"]),
        description=_text(body.get("Description")),
        rate_percent=_percent(body.get("RateValue")),
    )


def income_account(body: dict[str, Any]) -> ReferenceEntry:
    """Sub-accounts are shown as QuickBooks shows them, `Parent:Child` (FullyQualifiedName)."""
    return ReferenceEntry(
        id=str(body["Id"]),
        name=_text(body.get("FullyQualifiedName") or body.get("Name")) or str(body["Id"]),
        description=_text(body.get("Description")),
    )


def _bounded(noun: str, entries: list[ReferenceEntry]) -> list[ReferenceEntry]:
    if len(entries) > MAX_ENTRIES:
        raise ValidationFailed(
            f"QuickBooks holds {len(entries)} active {noun}, more than the {MAX_ENTRIES} a pick list can offer; "
            f"make the ones no longer used inactive in QuickBooks."
        )
    return entries


def _text(value: Any) -> str | None:
    text = " ".join(str(value).split()) if value is not None else ""
    return text[:MAX_TEXT] or None


def _percent(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value)) if value is not None else None
    except InvalidOperation:
        return None
