"""A daily budget (Xero's 5,000 calls a day) in the governor: spent, the connection waits for the next day."""

from __future__ import annotations

import pytest

from fieldbooks.domain.errors import RateLimited
from fieldbooks.domain.limits import RateBudget
from fieldbooks.domain.models import Provider
from fieldbooks.store.rate_budget import DAY, RateBudgetRow, RateGovernor

NOON = 20_000 * DAY + DAY / 2  # midday UTC of some day


class Clock:
    def __init__(self) -> None:
        self.now = NOON

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_a_daily_budget_refuses_the_call_after_the_last_and_says_when_it_comes_back(aws) -> None:  # noqa: ANN001
    clock = Clock()
    governor = RateGovernor(
        "t-day", Provider.XERO, RateBudget(per_minute=60, per_day=3), clock=clock, sleep=clock.sleep
    )
    for _ in range(3):
        governor.acquire()
        clock.now += 61  # a fresh minute each time: only the day can refuse

    with pytest.raises(RateLimited) as refused:
        governor.acquire()

    assert refused.value.retry_after == pytest.approx(DAY / 2 - 3 * 61, abs=1)
    assert "resumes after midnight UTC" in refused.value.message
    clock.now = NOON + DAY / 2 + 1  # just after midnight
    governor.acquire()
    assert RateBudgetRow.get("t-day", "xero#day").requests == 1


def test_a_provider_without_a_daily_budget_has_no_day_row(aws) -> None:  # noqa: ANN001
    clock = Clock()
    RateGovernor("t-none", Provider.QUICKBOOKS_ONLINE, RateBudget(per_minute=450), clock=clock).acquire()
    with pytest.raises(RateBudgetRow.DoesNotExist):
        RateBudgetRow.get("t-none", "quickbooks_online#day")
