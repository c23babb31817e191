"""What a new company file holds before any connector touches it.

Accounts and sales tax codes are written directly (the simulator does not model AccountAdd);
everything else goes through the same qbXML handlers a connector uses, so seeded names obey the
same rules. The vendor, employee and other name exist so a customer of the same name clashes (3100).
"""

from __future__ import annotations

from lxml import etree

from local.simulators.quickbooks_desktop.company import Company
from local.simulators.quickbooks_desktop.config import CompanyFileSeed
from local.simulators.quickbooks_desktop.faults import FaultInjector
from local.simulators.quickbooks_desktop.lists import add_name, item_add
from local.simulators.quickbooks_desktop.processor import Request
from local.simulators.quickbooks_desktop.wire import Fields, render

ACCOUNTS = (
    ("Accounts Receivable", "AccountsReceivable", "AccountsReceivable"),
    ("Undeposited Funds", "OtherCurrentAsset", "UndepositedFunds"),
    ("Services", "Income", None),
    ("Sales", "Income", None),
)
SALES_TAX_CODES = (("Tax", True, "Taxable Sales"), ("Non", False, "Non-Taxable Sales"))
NAMES = (
    ("Vendor", "Northwind Supplies"),
    ("Employee", "Jamie Rivera"),
    ("OtherName", "City Water Department"),
    ("Customer", "Acme Property Management"),
    ("Customer", "Blue Sky Rentals"),
)
ITEMS = (
    ("ItemService", "Labor", "85.00", "Services", "Hourly labor"),
    ("ItemNonInventory", "Air Filter", "12.50", "Sales", "Furnace air filter"),
)


def seed_company(company: Company, seed: CompanyFileSeed) -> None:
    for name, account_type, special in ACCOUNTS:
        record: Fields = {
            "Name": name,
            "FullName": name,
            "IsActive": True,
            "Sublevel": "0",
            "AccountType": account_type,
        }
        if special:
            record["SpecialAccountType"] = special
        record["Balance"] = "0.00"
        company.stamp_new(record, "ListID")
        company.list_of("Account")[record["ListID"]] = record
    for name, taxable, description in SALES_TAX_CODES:
        record = {"Name": name, "IsActive": True, "IsTaxable": taxable, "Desc": description}
        company.stamp_new(record, "ListID")
        company.list_of("SalesTaxCode")[record["ListID"]] = record
    for kind, name in NAMES:
        add_name(company, kind, {"Name": name})
    for name in seed.extra_customers:
        add_name(company, "Customer", {"Name": name})
    for kind, name, price, account, description in ITEMS:
        body = render(
            f"{kind}Add",
            {
                "Name": name,
                "SalesOrPurchase": {"Desc": description, "Price": price, "AccountRef": {"FullName": account}},
            },
        )
        rq = etree.Element(f"{kind}AddRq")
        rq.append(body)
        item_add(kind)(Request(company=company, name=f"{kind}Add", element=rq, faults=FaultInjector([])))
