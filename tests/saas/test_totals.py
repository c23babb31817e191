from decimal import Decimal

import pytest
from pydantic import ValidationError

from fieldbooks.domain.money import document_totals, line_amounts, to_cents
from fieldbooks.domain.record_fields import LineFields
from fieldbooks.domain.records import DocumentLine


def line(**fields: str | bool) -> DocumentLine:
    return DocumentLine.model_validate({"description": "work", **fields})


def test_half_cents_round_up_not_to_even() -> None:
    assert to_cents(Decimal("0.125")) == Decimal("0.13")
    assert to_cents(Decimal("0.135")) == Decimal("0.14")
    assert to_cents(Decimal("-0.125")) == Decimal("-0.13")


def test_line_amount_is_quantity_times_price_rounded_to_the_cent() -> None:
    assert line_amounts(line(quantity="3", unit_price="33.335")).amount == Decimal("100.01")
    assert line_amounts(line(quantity="2.5", unit_price="99.50")).amount == Decimal("248.75")


def test_percent_discount_then_tax_on_the_net_each_rounded_half_up() -> None:
    amounts = line_amounts(
        line(quantity="2", unit_price="18.375", discount_percent="10", taxable=True, tax_rate="8.25")
    )

    assert amounts.amount == Decimal("36.75")
    assert amounts.discount == Decimal("3.68")  # 3.675
    assert amounts.net == Decimal("33.07")
    assert amounts.tax == Decimal("2.73")  # 2.728275


def test_fixed_discount_and_untaxed_line() -> None:
    amounts = line_amounts(line(unit_price="120.00", discount_amount="20", taxable=False, tax_rate="8.25"))

    assert amounts == (Decimal("120.00"), Decimal("20.00"), Decimal("100.00"), Decimal("0.00"))


def test_document_totals_add_rounded_lines_so_they_match_the_printed_lines() -> None:
    lines = [
        line(quantity="1", unit_price="10.005", taxable=True, tax_rate="7.5"),  # 10.01, tax 0.75075 → 0.75
        line(quantity="1", unit_price="10.005", taxable=True, tax_rate="7.5"),
        line(quantity="3", unit_price="4.99", discount_percent="15"),  # 14.97 − 2.2455 → 2.25
    ]

    totals = document_totals(lines)

    assert totals.subtotal == Decimal("34.99")
    assert totals.discount_total == Decimal("2.25")
    assert totals.tax_total == Decimal("1.50")  # per line; 20.02 × 7.5 % would be 1.5015 → 1.50 too
    assert totals.total == Decimal("34.24")
    assert sum((each.amount for each in lines), Decimal(0)) == totals.subtotal


def test_an_empty_document_totals_zero() -> None:
    assert document_totals([]).total == Decimal("0.00")


def test_a_line_takes_one_kind_of_discount() -> None:
    with pytest.raises(ValidationError, match="not both"):
        LineFields(description="x", unit_price=Decimal(1), discount_percent=Decimal(5), discount_amount=Decimal(1))


def test_a_fixed_discount_cannot_exceed_the_line() -> None:
    with pytest.raises(ValidationError, match="exceeds the line amount 10.00"):
        LineFields(description="x", unit_price=Decimal(10), discount_amount=Decimal("10.01"))
