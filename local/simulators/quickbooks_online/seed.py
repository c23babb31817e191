"""What a new QuickBooks company already holds: its CompanyInfo, a chart of accounts and sales tax.

US companies get the `TAX`/`NON` line codes plus one sales-tax code, the shape Automated Sales Tax
presents (providers.md 1.3); other countries get a standard and a zero rate, as TaxService sets up.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from local.simulators.quickbooks_online.store import Company, Record

CURRENCIES = {
    "US": ("USD", "United States Dollar"),
    "GB": ("GBP", "British Pound Sterling"),
    "CA": ("CAD", "Canadian Dollar"),
    "AU": ("AUD", "Australian Dollar"),
}
STANDARD_RATES = {"GB": Decimal("20"), "CA": Decimal("5"), "AU": Decimal("10")}
ACCOUNTS: list[tuple[str, str, str, str]] = [
    ("Services", "Income", "ServiceFeeIncome", "Revenue"),
    ("Sales of Product Income", "Income", "SalesOfProductIncome", "Revenue"),
    ("Accounts Receivable (A/R)", "Accounts Receivable", "AccountsReceivable", "Asset"),
    ("Undeposited Funds", "Other Current Asset", "UndepositedFunds", "Asset"),
]
US_DEFAULT_SALES_TAX_CODE = "2"


def currency_ref(country: str) -> dict[str, str]:
    code, name = CURRENCIES.get(country, ("USD", "United States Dollar"))
    return {"value": code, "name": name}


def seed_company(company: Company, now: datetime) -> None:
    def add(entity: str, record_id: str, body: dict[str, Any]) -> None:
        company.add(Record(entity=entity, id=record_id, body=body, created_at=now, updated_at=now))

    add(
        "CompanyInfo",
        "1",
        {
            "CompanyName": company.name,
            "LegalName": company.name,
            "Country": company.country,
            "CompanyAddr": {"Id": "1", "Country": company.country},
            "SupportedLanguages": "en",
            "FiscalYearStartMonth": "January",
        },
    )
    for name, account_type, sub_type, classification in ACCOUNTS:
        add(
            "Account",
            company.allocate_id("Account"),
            {
                "Name": name,
                "FullyQualifiedName": name,
                "Active": True,
                "SubAccount": False,
                "AccountType": account_type,
                "AccountSubType": sub_type,
                "Classification": classification,
                "CurrentBalance": Decimal("0"),
                "CurrencyRef": currency_ref(company.country),
            },
        )
    if company.country == "US":
        _seed_us_sales_tax(add)
    else:
        _seed_tax_service_codes(add, STANDARD_RATES.get(company.country, Decimal("10")))


def _seed_us_sales_tax(add: Any) -> None:
    add("TaxRate", "1", _tax_rate("California", Decimal("7.25")))
    add("TaxCode", US_DEFAULT_SALES_TAX_CODE, _tax_code("California", "1"))
    add("TaxCode", "TAX", {"Name": "TAX", "Description": "TAX", "Active": True, "Taxable": True})
    add("TaxCode", "NON", {"Name": "NON", "Description": "NON", "Active": True, "Taxable": False})


def _seed_tax_service_codes(add: Any, standard_rate: Decimal) -> None:
    add("TaxRate", "1", _tax_rate(f"{standard_rate:.1f}% S", standard_rate))
    add("TaxRate", "2", _tax_rate("0.0% Z", Decimal("0")))
    add("TaxCode", "3", _tax_code(f"{standard_rate:.1f}% S", "1"))
    add("TaxCode", "4", _tax_code("0.0% Z", "2"))


def _tax_rate(name: str, rate: Decimal) -> dict[str, Any]:
    return {"Name": name, "Description": name, "Active": True, "RateValue": rate, "SpecialTaxType": "NONE"}


def _tax_code(name: str, rate_id: str) -> dict[str, Any]:
    return {
        "Name": name,
        "Description": name,
        "Active": True,
        "Taxable": True,
        "TaxGroup": False,
        "SalesTaxRateList": {
            "TaxRateDetail": [{"TaxRateRef": {"value": rate_id, "name": name}, "TaxTypeApplicable": "TaxOnAmount"}]
        },
        "PurchaseTaxRateList": {"TaxRateDetail": []},
    }
