"""What a new Xero organisation already holds: a chart of accounts and the country's tax rates.

Codes and tax types follow Xero's demo companies for each region: GB's VAT rates (`OUTPUT2` is the
20% standard rate), AU's GST (`OUTPUT` 10%), and a US organisation whose sales tax is one
configured rate (`TAX001`) beside `NONE`.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from local.simulators.xero.store import Organisation, Record, new_id

CURRENCIES = {"GB": "GBP", "AU": "AUD", "US": "USD"}
# Each rate: its TaxType, Name, percentage and ReportTaxType.
TAX_RATES: dict[str, list[tuple[str, str, str, str]]] = {
    "GB": [
        ("OUTPUT2", "20% (VAT on Income)", "20", "OUTPUT"),
        ("RROUTPUT", "5% (VAT on Income)", "5", "OUTPUT"),
        ("ZERORATEDOUTPUT", "Zero Rated Income", "0", "OUTPUT"),
        ("EXEMPTOUTPUT", "Exempt Income", "0", "EXEMPTOUTPUT"),
        ("NONE", "No VAT", "0", "NONE"),
        ("INPUT2", "20% (VAT on Expenses)", "20", "INPUT"),
    ],
    "AU": [
        ("OUTPUT", "GST on Income", "10", "OUTPUT"),
        ("EXEMPTOUTPUT", "GST Free Income", "0", "EXEMPTOUTPUT"),
        ("BASEXCLUDED", "BAS Excluded", "0", "BASEXCLUDED"),
        ("INPUT", "GST on Expenses", "10", "INPUT"),
    ],
    "US": [
        ("TAX001", "California Sales Tax", "7.25", "USSALESTAX"),
        ("NONE", "Tax Exempt", "0", "NONE"),
    ],
}
DEFAULT_SALES_TAX = {"GB": "OUTPUT2", "AU": "OUTPUT", "US": "TAX001"}
# Each account: its Code, Name, Type, Class, SystemAccount and EnablePaymentsToAccount.
ACCOUNTS: list[tuple[str, str, str, str, str | None, bool]] = [
    ("090", "Business Bank Account", "BANK", "ASSET", None, True),
    ("200", "Sales", "REVENUE", "REVENUE", None, False),
    ("260", "Other Revenue", "REVENUE", "REVENUE", None, False),
    ("400", "Advertising", "OVERHEADS", "EXPENSE", None, False),
    ("610", "Accounts Receivable", "CURRENT", "ASSET", "DEBTORS", False),
    ("820", "Sales Tax", "CURRLIAB", "LIABILITY", None, False),
    ("880", "Owner Drawings", "EQUITY", "EQUITY", None, True),
]


def seed_organisation(organisation: Organisation, now: datetime) -> None:
    def add(entity: str, record_id: str, body: dict[str, Any]) -> None:
        organisation.add(Record(entity=entity, id=record_id, body=body, created_at=now, updated_at=now))

    for tax_type, name, rate, report_type in TAX_RATES[organisation.country]:
        add("TaxRates", tax_type, _tax_rate(tax_type, name, Decimal(rate), report_type))
    sales_tax = DEFAULT_SALES_TAX[organisation.country]
    for code, name, account_type, account_class, system_account, payments in ACCOUNTS:
        body: dict[str, Any] = {
            "Code": code,
            "Name": name,
            "Type": account_type,
            "Status": "ACTIVE",
            "Class": account_class,
            "TaxType": sales_tax if account_class == "REVENUE" else "NONE",
            "EnablePaymentsToAccount": payments,
            "ShowInExpenseClaims": False,
            "ReportingCode": account_class[:3],
            "HasAttachments": False,
            "AddToWatchlist": False,
        }
        if account_type == "BANK":
            body.update({"BankAccountNumber": "12-3456-7890123", "BankAccountType": "BANK"})
            body["CurrencyCode"] = organisation.base_currency
        if system_account:
            body["SystemAccount"] = system_account
        account_id = new_id()
        add("Accounts", account_id, {"AccountID": account_id, **body})


def tax_rate_percent(organisation: Organisation, tax_type: str) -> Decimal | None:
    record = organisation.get("TaxRates", tax_type)
    if record is None or record.body["Status"] != "ACTIVE":
        return None
    return record.body["EffectiveRate"]


def _tax_rate(tax_type: str, name: str, rate: Decimal, report_type: str) -> dict[str, Any]:
    revenue = report_type not in {"INPUT"}
    return {
        "Name": name,
        "TaxType": tax_type,
        "ReportTaxType": report_type,
        "Status": "ACTIVE",
        "TaxComponents": [{"Name": name.split(" (")[0], "Rate": rate, "IsCompound": False, "IsNonRecoverable": False}],
        "CanApplyToAssets": True,
        "CanApplyToEquity": True,
        "CanApplyToExpenses": not revenue or tax_type == "NONE",
        "CanApplyToLiabilities": True,
        "CanApplyToRevenue": revenue,
        "DisplayTaxRate": rate,
        "EffectiveRate": rate,
    }
