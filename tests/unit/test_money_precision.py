"""Lines with many digits still reach QuickBooks exactly (issue 10, A.9): a 1e9 line of quantity 7 with a
0.01 discount made a 10-decimal unit price (142857142.8557142857) our own encoder refused, forever."""

from __future__ import annotations

from decimal import Decimal

import pytest

from fieldbooks.domain.money import significant_digits, to_cents, unit_price_for
from fieldbooks.providers.quickbooks_online import mapping
from fieldbooks.providers.quickbooks_online.client import _encode
from fieldbooks.providers.quickbooks_online.errors import parse_json
from tests.unit.test_qbo_mapping import US, invoice

HUGE = [
    # the line: 142857142.8571 × 7 = 999,999,999.9997 → 1,000,000,000.00, less 0.01
    {"description": "Turbine", "quantity": "7", "unit_price": "142857142.8571", "discount_amount": "0.01"},
    {"description": "Generator", "quantity": "7", "unit_price": "1000000000", "discount_amount": "0.01"},
    {"description": "Cable", "quantity": "3", "unit_price": "333333333333.3333", "discount_percent": "33.3333"},
    {"description": "Bolts", "quantity": "1234567890.1234", "unit_price": "0.0001"},
    {"description": "Steel", "quantity": "3", "unit_price": "999999999999.9999"},  # 16 digits: no double holds it
]


@pytest.mark.parametrize("line", HUGE, ids=[line["description"] for line in HUGE])
def test_a_line_with_many_digits_encodes_exactly_and_multiplies_back_to_its_net(line: dict) -> None:
    record = invoice([{"item_id": "itm_1", **line}])

    body = mapping.invoice(record, "58", {"itm_1": "7"}, US)
    sent = parse_json(_encode(body))  # what QuickBooks reads: the encoder refuses nothing

    (out,) = sent["Line"]
    detail = out["SalesItemLineDetail"]
    net = record.lines[0].amount - record.lines[0].discount
    assert out["Amount"] == net
    assert to_cents(detail["Qty"] * detail["UnitPrice"]) == net  # QuickBooks' own check (6070)
    assert sum(each["Amount"] for each in sent["Line"]) + sent["TxnTaxDetail"]["TotalTax"] == record.total


def test_the_unit_price_is_the_shortest_that_gives_back_the_cents() -> None:
    assert unit_price_for(Decimal("999999999.99"), Decimal(7), 10, 15) == Decimal("142857142.856")
    assert unit_price_for(Decimal("10.00"), Decimal(4), 10, 15) == Decimal("2.50")
    assert unit_price_for(Decimal("0.01"), Decimal(3), 10, 15) == Decimal("0.003")


def test_no_price_within_the_digits_means_none_and_the_line_goes_as_one_unit() -> None:
    assert unit_price_for(Decimal("1000000000000.01"), Decimal("0.0003"), 10, 15) is None
    assert significant_digits(Decimal("1200.50")) == 5
    assert significant_digits(Decimal("0.0012")) == 2
