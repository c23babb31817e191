"""Invoices and credit memos: line arithmetic, tax and the totals QuickBooks computes (providers.md 1.3).

Every SalesItemLineDetail line carries its `Amount`; when it also gives `Qty` and `UnitPrice`, the
amount must be their product rounded half-up to the cent, or the call fails with 6070 (IQ error
codes: "Amount is not equal to Qty * UnitPrice"). US companies run Automated Sales Tax over the
`TAX`/`NON` line codes (6100 for any other code); elsewhere TaxService needs a tax code on every
sales line, else 6000 "Make sure all your transactions have a GST/HST rate before you save".
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from local.simulators.quickbooks_online import errors, payments
from local.simulators.quickbooks_online.clock import local_date
from local.simulators.quickbooks_online.money import ZERO, money, to_cents
from local.simulators.quickbooks_online.seed import US_DEFAULT_SALES_TAX_CODE, currency_ref
from local.simulators.quickbooks_online.store import Company, Record

if TYPE_CHECKING:
    from local.simulators.quickbooks_online.entities import Ledger

US_LINE_TAX_CODES = ("TAX", "NON")
# The word each TaxService country's refusal uses for its sales tax (recorded refusals: CA
# "GST/HST", GB "VAT"; AU companies charge GST).
TAX_NAME_BY_COUNTRY = {"CA": "GST/HST", "GB": "VAT", "AU": "GST"}


def prepare_sales_transaction(
    ledger: Ledger,
    entity: str,
    body: dict[str, Any],
    incoming: dict[str, Any],
    existing: Record | None,
    record_id: str,
) -> dict[str, Any]:
    """Totals and tax are QuickBooks' to compute: TotalAmt, TxnTaxDetail, Balance (1.3)."""
    company = ledger.company
    if not body.get("CustomerRef"):
        raise errors.required_field("CustomerRef")
    customer = ledger.reference("Customer", body["CustomerRef"], "CustomerRef")
    body["CustomerRef"] = {"value": customer.id, "name": customer.body["FullyQualifiedName"]}
    lines, subtotal, taxable = _sales_lines(ledger, body.get("Line"))
    tax_detail = _tax_detail(ledger, body.get("TxnTaxDetail") or {}, incoming.get("TxnTaxDetail") or {}, taxable)
    total = subtotal + tax_detail["TotalTax"]
    body["Line"] = [*lines, {"Amount": subtotal, "DetailType": "SubTotalLineDetail", "SubTotalLineDetail": {}}]
    body["TxnTaxDetail"] = tax_detail
    body["TotalAmt"] = total
    body["HomeTotalAmt"] = total
    if company.country != "US":
        body.setdefault("GlobalTaxCalculation", "TaxExcluded")
    body["TxnDate"] = body.get("TxnDate") or local_date(ledger.clock.now(), company.timezone)
    body.setdefault("CurrencyRef", currency_ref(company.country))
    body.setdefault("PrivateNote", "")
    if not body.get("DocNumber"):
        body["DocNumber"] = existing.body["DocNumber"] if existing else company.allocate_doc_number()
    applied = payments.applied_to(ledger, entity, record_id)
    if applied > total:
        word = "invoice" if entity == "Invoice" else "credit memo"
        raise errors.business_validation(
            f"The {word} total {total} cannot be less than the {applied} already applied through payments."
        )
    body["LinkedTxn"] = [link for link in body.get("LinkedTxn", []) if link.get("TxnType") != "Payment"]
    paid_by = payments.payments_of(ledger, entity, record_id)
    body["LinkedTxn"] += [{"TxnId": pid, "TxnType": "Payment"} for pid in paid_by]
    body["Balance"] = total - applied
    if entity == "CreditMemo":
        body["RemainingCredit"] = total - applied  # what is left to apply; applications take from it
        return body
    body["DueDate"] = body.get("DueDate") or body["TxnDate"]
    body.setdefault("Deposit", ZERO)
    body.setdefault("EmailStatus", "NotSet")
    body.setdefault("PrintStatus", "NotSet")
    return body


def voided(entity: str, stored: dict[str, Any]) -> dict[str, Any]:
    """Voiding zeroes the amounts and notes "Voided" in PrivateNote, keeping the record (1.4)."""
    body = dict(stored)
    for line in body.get("Line", []):
        line["Amount"] = ZERO
        detail = line.get("SalesItemLineDetail")
        if detail is not None:
            detail["Qty"] = ZERO
    body["TotalAmt"] = ZERO
    if entity == "Payment":
        body["Line"] = []
        body["UnappliedAmt"] = ZERO
    else:
        body["Balance"] = ZERO
        body["TxnTaxDetail"] = {**body.get("TxnTaxDetail", {}), "TotalTax": ZERO, "TaxLine": []}
    if entity == "CreditMemo":
        body["RemainingCredit"] = ZERO
    note = body.get("PrivateNote") or ""
    body["PrivateNote"] = f"Voided - {note}" if note else "Voided"
    return body


def _sales_lines(ledger: Ledger, raw_lines: Any) -> tuple[list[dict[str, Any]], Decimal, dict[str, Decimal]]:
    """The lines as stored, their subtotal, and the net amount under each tax code."""
    if not isinstance(raw_lines, list) or not raw_lines:
        raise errors.required_field("Line")
    lines: list[dict[str, Any]] = []
    subtotal = ZERO
    taxable: dict[str, Decimal] = {}
    for raw in raw_lines:
        detail_type = raw.get("DetailType")
        if detail_type == "SubTotalLineDetail":
            continue
        number = len(lines) + 1
        line = {**raw, "Id": str(number), "LineNum": number}
        if detail_type == "DescriptionOnly":
            line["Amount"] = ZERO
            line.setdefault("DescriptionLineDetail", {})
        elif detail_type == "SalesItemLineDetail":
            amount, tax_code = _sales_item_line(ledger, line)
            subtotal += amount
            taxable[tax_code] = taxable.get(tax_code, ZERO) + amount
        else:
            raise errors.request_invalid(f"Line DetailType {detail_type!r} is not supported")
        lines.append(line)
    return lines, subtotal, taxable


def _sales_item_line(ledger: Ledger, line: dict[str, Any]) -> tuple[Decimal, str]:
    detail = dict(line.get("SalesItemLineDetail") or {})
    if not detail.get("ItemRef"):
        raise errors.required_field("Line.SalesItemLineDetail.ItemRef")
    if line.get("Amount") is None:
        raise errors.required_field("Line.Amount")
    item = ledger.reference("Item", detail["ItemRef"], "ItemRef")
    detail["ItemRef"] = {"value": item.id, "name": item.body["Name"]}
    amount = money(line["Amount"], "Line.Amount")
    quantity = money(detail["Qty"], "Qty", exact=False) if detail.get("Qty") is not None else None
    unit_price = money(detail["UnitPrice"], "UnitPrice", exact=False) if detail.get("UnitPrice") is not None else None
    if quantity is not None and unit_price is not None:
        if to_cents(quantity * unit_price) != amount:
            raise errors.amount_mismatch(format(Decimal(str(line["Amount"])), ","))
    elif unit_price is not None:
        if unit_price and not amount:
            raise errors.amount_mismatch(format(Decimal(str(line["Amount"])), ","))
        detail["Qty"] = amount / unit_price if unit_price else Decimal(1)
    elif quantity:
        detail["UnitPrice"] = amount / quantity
    line["Amount"] = amount
    tax_code = _line_tax_code(ledger, detail, item)
    detail["TaxCodeRef"] = {"value": tax_code}
    line["SalesItemLineDetail"] = detail
    return amount, tax_code


def _line_tax_code(ledger: Ledger, detail: dict[str, Any], item: Record) -> str:
    country = ledger.company.country
    ref = detail.get("TaxCodeRef")
    if country == "US":
        if not ref:
            return "TAX" if item.body.get("Taxable") else "NON"
        value = str(ref.get("value") if isinstance(ref, dict) else ref)
        if value not in US_LINE_TAX_CODES:
            raise errors.IntuitFault(
                code="6100",
                message="Invalid Line TaxCode in the request",
                detail=f"Valid Line TaxCodes for US should be TAX or NON. Supplied value:{value}",
            )
        return value
    if not ref:
        raise errors.tax_rate_required(TAX_NAME_BY_COUNTRY.get(country, "sales tax"))
    return ledger.reference("TaxCode", ref, "TaxCodeRef").id


def _tax_detail(
    ledger: Ledger, sent: dict[str, Any], explicit: dict[str, Any], taxable: dict[str, Decimal]
) -> dict[str, Any]:
    """US: lines marked TAX take the transaction's sales-tax code, and an explicit TotalTax wins,
    as Automated Sales Tax honours it. Elsewhere each line's own code carries its rates (1.3)."""
    company = ledger.company
    detail: dict[str, Any] = {}
    if company.country == "US":
        code_ref = sent.get("TxnTaxCodeRef") or {"value": US_DEFAULT_SALES_TAX_CODE}
        code = ledger.reference("TaxCode", code_ref, "TxnTaxCodeRef")
        detail["TxnTaxCodeRef"] = {"value": code.id}
        net_by_code = {code.id: taxable.get("TAX", ZERO)}
    else:
        net_by_code = taxable
    tax_lines = [line for code_id, net in net_by_code.items() for line in _tax_lines(company, code_id, net)]
    total_tax = sum((line["Amount"] for line in tax_lines), ZERO)
    if company.country == "US" and explicit.get("TotalTax") is not None:
        total_tax = money(explicit["TotalTax"], "TxnTaxDetail.TotalTax")
    detail["TotalTax"] = total_tax
    detail["TaxLine"] = tax_lines
    return detail


def _tax_lines(company: Company, code_id: str, net: Decimal) -> list[dict[str, Any]]:
    """One TaxLine per rate of the code, each percent of the net, to the cent."""
    code = company.get("TaxCode", code_id)
    lines = []
    for rate_detail in code.body.get("SalesTaxRateList", {}).get("TaxRateDetail", []) if code else []:
        rate = company.get("TaxRate", rate_detail["TaxRateRef"]["value"])
        if rate is None:
            continue
        percent = rate.body["RateValue"]
        lines.append(
            {
                "Amount": to_cents(net * percent / 100),
                "DetailType": "TaxLineDetail",
                "TaxLineDetail": {
                    "TaxRateRef": {"value": rate.id},
                    "PercentBased": True,
                    "TaxPercent": percent,
                    "NetAmountTaxable": net,
                },
            }
        )
    return lines
