"""What QuickBooks Online's reader makes of a company's tax codes, tax rates and income accounts, read from
the simulator over HTTP: one query per list, active entries only, rates exact."""

from __future__ import annotations

from decimal import Decimal

import httpx

from fieldbooks.providers.contract import CallContext
from fieldbooks.providers.quickbooks_online.package import QuickBooksOnlinePackage
from fieldbooks.providers.quickbooks_online.reads import QboReader
from local.simulators.quickbooks_online import SimulatorHandle
from tests.conftest import QBO_REDIRECT_URI
from tests.support.qbo_tokens import SimulatorTokens

GB_REALM = "9130350000000077"


def reader_for(qbo: SimulatorHandle, realm_id: str, queries: list[str]) -> QboReader:
    def record(request: httpx.Request) -> None:
        if request.url.path.endswith("/query"):
            queries.append(request.content.decode())

    http = httpx.Client(timeout=httpx.Timeout(5.0), event_hooks={"request": [record]})
    context = CallContext(company_id=realm_id, tokens=SimulatorTokens(qbo, realm_id, QBO_REDIRECT_URI))
    return QuickBooksOnlinePackage(http=http).reader(context)


def test_a_uk_company_has_its_vat_codes_with_their_rates_and_only_its_active_income_accounts(
    qbo: SimulatorHandle,
) -> None:
    qbo.admin.add_company(GB_REALM, "Acme Plumbing Ltd", country="GB")
    call_outs = qbo.admin.create_as_user(GB_REALM, "Account", Name="Call-out fees", AccountType="Income")
    retired = qbo.admin.create_as_user(GB_REALM, "Account", Name="Old sales", AccountType="Income")
    qbo.admin.edit_as_user(GB_REALM, "Account", retired["Id"], Active=False)
    queries: list[str] = []

    lists = reader_for(qbo, GB_REALM, queries).reference_lists()

    assert [(c.id, c.name, c.tax_rate_ids) for c in lists.tax_codes] == [
        ("3", "20.0% S", ("1",)),
        ("4", "0.0% Z", ("2",)),
    ]
    assert [(r.id, r.rate_percent) for r in lists.tax_rates] == [("1", Decimal("20")), ("2", Decimal("0"))]
    assert [a.name for a in lists.income_accounts] == ["Services", "Sales of Product Income", "Call-out fees"]
    assert call_outs["Id"] in {a.id for a in lists.income_accounts}
    assert retired["Id"] not in {a.id for a in lists.income_accounts}  # a reference to it would be refused
    assert queries == [
        "SELECT * FROM TaxCode STARTPOSITION 1 MAXRESULTS 1000",
        "SELECT * FROM TaxRate STARTPOSITION 1 MAXRESULTS 1000",
        "SELECT * FROM Account WHERE AccountType = 'Income' STARTPOSITION 1 MAXRESULTS 1000",
    ]
