"""Every customer's open balance from QuickBooks Online, a thousand customers per query.

`SELECT Id, Balance, BalanceWithJobs FROM Customer` paged by the client (MAXRESULTS 1000 is Intuit's
ceiling, providers.md 1.6): 2,500 customers are three calls, never one per customer. BalanceWithJobs
(the customer's open invoices and its jobs') is the figure to compare with a SaaS contact, whose
invoices include those of its job sites, which go to sub-customers; Balance only stands in where a
company's reply leaves it out.
"""

from __future__ import annotations

from decimal import Decimal

from fieldbooks.providers.quickbooks_online import mapping
from fieldbooks.providers.quickbooks_online.client import QboClient

CUSTOMER_BALANCES = "SELECT Id, Balance, BalanceWithJobs FROM Customer"


def open_balances(client: QboClient) -> dict[str, Decimal]:
    return {
        str(row["Id"]): mapping.money(row.get("BalanceWithJobs", row.get("Balance", 0)))
        for row in client.query(CUSTOMER_BALANCES)
    }
