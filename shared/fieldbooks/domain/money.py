"""The one place where the SaaS computes line and document amounts.

Rule (the product's own, published in the contract so consumers can check it):

- line amount   = quantity × unit price, rounded to the cent
- line discount = amount × discount percent / 100 rounded to the cent, or the fixed discount amount
- line net      = line amount − line discount
- line tax      = net × tax rate / 100 rounded to the cent, per line, when the line is taxable
- subtotal = Σ amount, discount total = Σ discount, tax total = Σ tax,
  total = subtotal − discount total + tax total

Every rounding is ROUND_HALF_UP to the cent. Tax is rounded per line (not on the document sum),
which is what the product shows on the printed invoice; a provider that rounds per document may
differ by a cent and Fieldbooks compares totals to catch exactly that.
"""

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple, Protocol

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
HUNDRED = Decimal(100)


def to_cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


class PricedLine(Protocol):
    """What a quote, invoice or credit-note line offers to the calculation."""

    @property
    def quantity(self) -> Decimal: ...
    @property
    def unit_price(self) -> Decimal: ...
    @property
    def discount_percent(self) -> Decimal | None: ...
    @property
    def discount_amount(self) -> Decimal | None: ...
    @property
    def taxable(self) -> bool: ...
    @property
    def tax_rate(self) -> Decimal: ...


class LineAmounts(NamedTuple):
    amount: Decimal
    discount: Decimal
    net: Decimal
    tax: Decimal


class DocumentTotals(NamedTuple):
    subtotal: Decimal
    discount_total: Decimal
    tax_total: Decimal
    total: Decimal


def line_amounts(line: PricedLine) -> LineAmounts:
    amount = to_cents(line.quantity * line.unit_price)
    if line.discount_percent is not None:
        discount = to_cents(amount * line.discount_percent / HUNDRED)
    elif line.discount_amount is not None:
        discount = to_cents(line.discount_amount)
    else:
        discount = ZERO
    net = amount - discount
    tax = to_cents(net * line.tax_rate / HUNDRED) if line.taxable else ZERO
    return LineAmounts(amount=amount, discount=discount, net=net, tax=tax)


def document_totals(lines: Sequence[PricedLine]) -> DocumentTotals:
    per_line = [line_amounts(line) for line in lines]
    subtotal = sum((each.amount for each in per_line), ZERO)
    discount_total = sum((each.discount for each in per_line), ZERO)
    tax_total = sum((each.tax for each in per_line), ZERO)
    return DocumentTotals(
        subtotal=subtotal,
        discount_total=discount_total,
        tax_total=tax_total,
        total=subtotal - discount_total + tax_total,
    )
