"""The rate governor: one request budget per connection, shared by every worker, in DynamoDB.

Providers publish per-minute, per-batch and per-second limits per company and answer a 429 with
"wait N s" (each provider's descriptor gives its budget, already below the published numbers).
Lambda runs many workers for one company at once, so the count has to live outside them: one row per
connection, taken from with a conditional update, so two workers can never both spend the last
request. When a 429 still comes, `pause` stops the whole connection, not just the call that saw it.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action
from pynamodb.models import Model

from fieldbooks.domain.errors import RateLimited
from fieldbooks.domain.limits import RateBudget
from fieldbooks.domain.models import Provider
from fieldbooks.store.base import TableSettings

MINUTE = 60
# A row outlives its minute long enough for a pause (a provider's Retry-After) to be read.
ROW_TTL_SECONDS = 3600
RATE_LIMITED_MESSAGE = "Rate limit reached — retrying."
UNLIMITED = 10**9  # a window the provider does not limit
DAY = 86400
DAILY_LIMIT_MESSAGE = "Today's limit of calls to the accounting system is used up; syncing resumes after midnight UTC."


# A full second is waited out in the worker (a second is cheaper than a trip through SQS, which would
# also spend one of the message's receives); a few times at most, then the message goes back to SQS.
SECOND_WAITS = 3
UPDATE_ATTEMPTS = 3  # re-reads after losing a race with another worker, before giving up for a second


class RateBudgetRow(Model):
    """One row per connection: the current minute's and second's counts and, after a 429, when work may
    resume. One row, so a request is counted against every window in one conditional update."""

    class Meta(TableSettings):
        table_name = os.environ.get("RATE_BUDGETS_TABLE", "fieldbooks-dev-rate-budgets")

    tenant_id = UnicodeAttribute(hash_key=True)
    provider = UnicodeAttribute(range_key=True)
    minute = NumberAttribute(null=True)  # epoch seconds // 60 of the minute being counted (the day, on a day row)
    requests = NumberAttribute(null=True)
    batches = NumberAttribute(null=True)
    second = NumberAttribute(null=True)  # epoch second being counted
    second_requests = NumberAttribute(null=True)
    paused_until = NumberAttribute(null=True)  # epoch seconds
    expires_at = NumberAttribute(null=True)  # DynamoDB TTL


class RateGovernor:
    """The `Governor` a provider client takes from before every HTTP request."""

    def __init__(
        self,
        tenant_id: str,
        provider: Provider,
        budget: RateBudget,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.tenant_id = tenant_id
        self.provider = provider
        self.requests_per_minute = budget.per_minute or UNLIMITED
        self.batches_per_minute = budget.batches_per_minute or UNLIMITED
        self.requests_per_second = budget.per_second or UNLIMITED
        self.requests_per_day = budget.per_day
        self._clock = clock
        self._sleep = sleep
        self._last_second: int | None = None  # which update to try first: most calls follow one closely

    def acquire(self, cost: int = 1, *, batch: bool = False) -> None:
        """Takes `cost` requests (and one batch request when `batch`) from this second and minute.

        Raises RateLimited with the seconds until a pause ends or the next minute starts; a full second
        is waited out here. A cost above the per-second budget takes a whole second's budget.
        """
        if self.requests_per_day is not None:
            self._take_from_day(cost)
        for _ in range(SECOND_WAITS):
            wait = self._take(cost, batch)
            if wait is None:
                return
            self._sleep(wait)
        if self._take(cost, batch) is not None:
            raise RateLimited(RATE_LIMITED_MESSAGE, retry_after=1)

    def pause(self, seconds: float) -> None:
        """Every worker of this connection waits `seconds` (the provider said 429); a longer pause stays."""
        until = self._clock() + seconds
        try:
            self._key().update(
                actions=[RateBudgetRow.paused_until.set(until), RateBudgetRow.expires_at.set(self._expiry(until))],
                condition=RateBudgetRow.paused_until.does_not_exist() | (RateBudgetRow.paused_until < until),
            )
        except UpdateError as error:
            if not _condition_failed(error):
                raise

    def _take_from_day(self, cost: int) -> None:
        """A daily budget (5,000 calls a day per company at one provider, providers.md 2.2) on a row of
        its own, so providers without one pay nothing for it. Spent: the connection waits for the next
        UTC day, and says so."""
        assert self.requests_per_day is not None
        now = self._clock()
        day = int(now // DAY)
        row = RateBudgetRow(self.tenant_id, f"{self.provider.value}#day")
        same_day = (RateBudgetRow.minute == day) & (RateBudgetRow.requests <= self.requests_per_day - cost)
        new_day = RateBudgetRow.minute.does_not_exist() | (RateBudgetRow.minute < day)
        expires = (day + 2) * DAY
        for actions, condition in (
            ([RateBudgetRow.requests.add(cost)], same_day),
            (
                [
                    RateBudgetRow.minute.set(day),
                    RateBudgetRow.requests.set(cost),
                    RateBudgetRow.expires_at.set(expires),
                ],
                new_day,
            ),
        ):
            try:
                row.update(actions=actions, condition=condition)
                return
            except UpdateError as error:
                if not _condition_failed(error):
                    raise
        raise RateLimited(DAILY_LIMIT_MESSAGE, retry_after=math.ceil((day + 1) * DAY - now))

    def paused_for(self) -> float:
        """Seconds left of the current pause (0 when not paused)."""
        row = self._row()
        if row is None or row.paused_until is None:
            return 0.0
        return max(0.0, row.paused_until - self._clock())

    # ---------------------------------------------------------------- internals
    def _take(self, cost: int, batch: bool) -> float | None:
        """None when taken; the seconds to the next second when only this second is full."""
        now = self._clock()
        minute, second = int(now // MINUTE), int(now)
        guess = self._same_second if self._last_second == second else self._next_second
        if guess(now, cost, batch):
            self._last_second = second
            return None
        for _ in range(UPDATE_ATTEMPTS):
            row = self._row()
            if row is not None and row.paused_until is not None and row.paused_until > now:
                raise RateLimited(RATE_LIMITED_MESSAGE, retry_after=math.ceil(row.paused_until - now))
            if row is None or row.minute is None or row.minute < minute:
                update = self._new_minute
            elif row.requests + cost > self.requests_per_minute or (
                batch and (row.batches or 0) + 1 > self.batches_per_minute
            ):
                raise RateLimited(RATE_LIMITED_MESSAGE, retry_after=math.ceil((minute + 1) * MINUTE - now))
            elif row.second == second and row.second_requests + self._second_cost(cost) > (self.requests_per_second):
                return second + 1 - now
            else:
                update = self._same_second if row.second == second else self._next_second
            if update(now, cost, batch):
                self._last_second = second
                return None
        return second + 1 - now  # outrun by other workers three times: this second is as good as full

    def _same_second(self, now: float, cost: int, batch: bool) -> bool:
        per_second = self.requests_per_second - self._second_cost(cost)
        condition = (RateBudgetRow.second == int(now)) & (RateBudgetRow.second_requests <= per_second)
        actions = [RateBudgetRow.second_requests.add(self._second_cost(cost))]
        return self._in_this_minute(now, cost, batch, condition, actions)

    def _next_second(self, now: float, cost: int, batch: bool) -> bool:
        condition = RateBudgetRow.second.does_not_exist() | (RateBudgetRow.second < int(now))
        actions = [RateBudgetRow.second.set(int(now)), RateBudgetRow.second_requests.set(self._second_cost(cost))]
        return self._in_this_minute(now, cost, batch, condition, actions)

    def _in_this_minute(self, now: float, cost: int, batch: bool, condition: Condition, actions: list[Action]) -> bool:
        room = RateBudgetRow.requests <= self.requests_per_minute - cost
        condition &= (RateBudgetRow.minute == int(now // MINUTE)) & room & _not_paused(now)
        actions = [*actions, RateBudgetRow.requests.add(cost)]
        if batch:
            condition &= RateBudgetRow.batches <= self.batches_per_minute - 1
            actions.append(RateBudgetRow.batches.add(1))
        return self._conditional_update(actions, condition)

    def _new_minute(self, now: float, cost: int, batch: bool) -> bool:
        minute = int(now // MINUTE)
        condition = (RateBudgetRow.minute.does_not_exist() | (RateBudgetRow.minute < minute)) & _not_paused(now)
        actions = [
            RateBudgetRow.minute.set(minute),
            RateBudgetRow.requests.set(cost),
            RateBudgetRow.batches.set(1 if batch else 0),
            RateBudgetRow.second.set(int(now)),
            RateBudgetRow.second_requests.set(self._second_cost(cost)),
            RateBudgetRow.expires_at.set(self._expiry(now)),
        ]
        return self._conditional_update(actions, condition)

    def _second_cost(self, cost: int) -> int:
        return min(cost, self.requests_per_second)

    def _conditional_update(self, actions: list[Action], condition: Condition) -> bool:
        try:
            self._key().update(actions=actions, condition=condition)
        except UpdateError as error:
            if _condition_failed(error):
                return False
            raise
        return True

    def _key(self) -> RateBudgetRow:
        return RateBudgetRow(self.tenant_id, self.provider.value)

    def _row(self) -> RateBudgetRow | None:
        try:
            return RateBudgetRow.get(self.tenant_id, self.provider.value, consistent_read=True)
        except RateBudgetRow.DoesNotExist:
            return None

    @staticmethod
    def _expiry(after: float) -> int:
        return int(after) + ROW_TTL_SECONDS


def _not_paused(now: float) -> Condition:
    return RateBudgetRow.paused_until.does_not_exist() | (RateBudgetRow.paused_until <= now)


def _condition_failed(error: UpdateError) -> bool:
    return error.cause_response_code == "ConditionalCheckFailedException"
