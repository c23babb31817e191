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

A provider that multiplies quantity by unit price itself needs a unit price that gives back the
line's net amount (after a discount the SaaS price no longer does); `unit_price_for` finds it, to
the provider's precision, here and nowhere else.
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


def significant_digits(value: Decimal) -> int:
    """Digits of `value` as written without trailing zeros: 1200.50 has 5, 0.0012 has 2."""
    return len(value.normalize().as_tuple().digits)


def unit_price_for(net: Decimal, quantity: Decimal, max_places: int, max_digits: int) -> Decimal | None:
    """The unit price with the fewest decimals (at most `max_places`, and at most `max_digits`
    significant digits in all) whose product with `quantity`, rounded to the cent, is exactly `net`.

    None when there is none: the caller then bills one unit at the net. Rounding the plain quotient
    to many places instead (999999999.9985714286 for a 6,999,999,999.99 line of 7) makes a price no
    provider's number type holds, while 999999999.998 × 7 rounds back to the same cents.
    """
    exact = net / quantity
    for places in range(2, max_places + 1):
        price = exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
        if significant_digits(price) > max_digits:
            return None  # more places only add digits
        if to_cents(quantity * price) == net:
            return price
    return None
