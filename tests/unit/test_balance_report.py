"""What a contact owes on the SaaS side of the balance report, and the report's CSV, as pure functions."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from fieldbooks.console.balances import BalanceReport, BalanceRow, BalanceTotals, open_balances, to_csv
from fieldbooks.domain.models import Provider
from fieldbooks.domain.records import CreditNote, Invoice

STAMP = "2026-11-21T10:00:00Z"


def invoice(number: str, contact_id: str, price: str, **fields: Any) -> Invoice:
    values = {
        "id": f"inv_{number}",
        "version": 1,
        "created_at": STAMP,
        "updated_at": STAMP,
        "number": number,
        "contact_id": contact_id,
        "issue_date": "2026-11-01",
        "due_date": "2026-12-01",
        "status": "finalized",
        "lines": [{"description": "Work", "unit_price": price}],
    }
    return Invoice.model_validate(values | fields)


def credit_note(invoice_id: str | None, price: str, **fields: Any) -> CreditNote:
    values = {
        "id": f"cn_{price}",
        "version": 1,
        "created_at": STAMP,
        "updated_at": STAMP,
        "number": "CN-1",
        "contact_id": "con_jane",
        "invoice_id": invoice_id,
        "issue_date": "2026-11-02",
        "lines": [{"description": "Refund", "unit_price": price}],
    }
    return CreditNote.model_validate(values | fields)


def test_a_contact_owes_its_issued_live_invoices_less_payments_and_its_credit_notes() -> None:
    invoices = [
        invoice("1", "con_jane", "120.00", amount_paid="20.01"),
        invoice("2", "con_jane", "10.00"),
        invoice("3", "con_jane", "500.00", status="draft"),
        invoice("4", "con_jane", "70.00", status="void", voided_at=STAMP),
        invoice("5", "con_jane", "80.00", deleted_at=STAMP),
        invoice("6", "con_bob", "0.10"),
    ]
    credits = [
        credit_note("inv_1", "30.00"),
        credit_note(None, "5.00"),  # for no invoice yet: the customer's credit all the same
        credit_note("inv_6", "0.05", deleted_at=STAMP),
        credit_note(None, "1.00", contact_id="con_carol"),  # a customer in credit
    ]

    owed = open_balances(invoices, credits)

    assert owed == {"con_jane": Decimal("74.99"), "con_bob": Decimal("0.10"), "con_carol": Decimal("-1.00")}
    assert str(owed["con_jane"]) == "74.99"


def test_the_csv_keeps_names_from_running_as_formulas_and_amounts_as_plain_numbers() -> None:
    row = BalanceRow(
        saas_id="con_1",
        name="=HYPERLINK(1)",
        remote_id="58",
        saas_balance=Decimal("0.00"),
        accounting_balance=Decimal("12.50"),
        difference=Decimal("-12.50"),
    )
    totals = BalanceTotals(
        customers=1,
        with_differences=1,
        saas_balance=Decimal("0.00"),
        accounting_balance=Decimal("12.50"),
        difference=Decimal("-12.50"),
    )
    report = BalanceReport(
        provider=Provider.QUICKBOOKS_ONLINE,
        provider_name="QuickBooks Online",
        generated_at=datetime(2026, 12, 1, tzinfo=UTC),
        totals=totals,
        rows=[row],
    )

    table = list(csv.reader(io.StringIO(to_csv(report))))

    assert table[1] == ["'=HYPERLINK(1)", "con_1", "58", "0.00", "12.50", "-12.50", ""]
    assert table[2] == ["Total", "", "", "0.00", "12.50", "-12.50", ""]
