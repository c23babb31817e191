"""A provider's request budget per connection, as data (each provider's descriptor gives its own)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RateBudget:
    """What one connection may spend, below the provider's published limits. None: no such limit.

    The governor (store/rate_budget.py) holds the minute, batch, second and day windows; `concurrent`
    is declared for the providers that publish it (5 at once, providers.md 2.2) and not yet enforced.
    """

    per_minute: int | None = None
    batches_per_minute: int | None = None
    per_second: int | None = None
    per_day: int | None = None
    concurrent: int | None = None
