"""Money as QuickBooks reads it: Decimal, amounts to the cent, half-up (providers.md 1.3)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from local.simulators.quickbooks_online import errors

CENT = Decimal("0.01")
ZERO = Decimal("0")


def money(value: Any, field_name: str, exact: bool = True) -> Decimal:
    """A client's number as Decimal; amounts to the cent, quantities and prices as sent."""
    try:
        amount = Decimal(str(value))
    except InvalidOperation as error:
        raise errors.request_invalid(f"{field_name} is not a number: {value!r}") from error
    return to_cents(amount) if exact else amount


def to_cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, ROUND_HALF_UP)
