"""An invoice with a line of many digits reaches QuickBooks and totals to the cent (issue 10, A.9)."""

from __future__ import annotations

from decimal import Decimal

from tests.integration.quickbooks_online.test_push_adapter import (  # noqa: F401 - fixtures
    Books,
    books,
    books_for,
    finalized_invoice,
    jane,
)


def test_a_billion_line_of_seven_with_a_cent_off_syncs_and_quickbooks_totals_it_the_same(books: Books) -> None:  # noqa: F811
    turbine = books.app.create_item(books.tenant_id, name="Turbine", unit_price="142857142.8571")
    contact = jane(books)
    lines = [
        {
            "item_id": turbine.id,
            "description": "Turbine",
            "quantity": "7",
            "unit_price": "142857142.8571",
            "discount_amount": "0.01",
        }
    ]
    invoice = finalized_invoice(books, contact.id, lines)

    assert books.sync()["batchItemFailures"] == []

    assert books.log(status="error") == []
    (pushed,) = books.records("Invoice")
    assert Decimal(str(pushed["TotalAmt"])) == invoice.total == Decimal("999999999.99")
