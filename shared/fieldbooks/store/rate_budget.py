"""The rate governor: one request budget per connection per minute, shared by every worker, in DynamoDB.

QuickBooks allows 500 requests and 40 batch requests per minute per company (providers.md 1.2), and
answers a 429 with "wait 60 s". Lambda runs many workers for one company at once, so the count has to
live outside them: one row per connection, taken from with a conditional update, so two workers can
never both spend the last request. The budget sits below Intuit's numbers because these windows are
fixed calendar minutes and Intuit's counting window is not documented: a burst at the end of one
minute and the start of the next can look like more than a minute's worth to Intuit. When that still
ends in a 429, `pause` stops the whole connection, not just the call that saw it.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action
from pynamodb.models import Model

from fieldbooks.domain.errors import RateLimited
from fieldbooks.domain.models import Provider
from fieldbooks.store.base import TableSettings

MINUTE = 60
# A row outlives its minute long enough for a pause (Intuit's 60 s, or a longer Retry-After) to be read.
ROW_TTL_SECONDS = 3600
RATE_LIMITED_MESSAGE = "Rate limit reached — retrying."


@dataclass(frozen=True)
class MinuteBudget:
    requests: int
    batches: int


# Under QuickBooks' 500 requests and 40 batch requests per minute per realm (see the module docstring).
BUDGETS: dict[Provider, MinuteBudget] = {Provider.QUICKBOOKS_ONLINE: MinuteBudget(requests=450, batches=35)}


class RateBudgetRow(Model):
    """One row per connection: the current minute's counts and, after a 429, when work may resume."""

    class Meta(TableSettings):
        table_name = os.environ.get("RATE_BUDGETS_TABLE", "fieldbooks-dev-rate-budgets")

    tenant_id = UnicodeAttribute(hash_key=True)
    provider = UnicodeAttribute(range_key=True)
    minute = NumberAttribute(null=True)  # epoch seconds // 60 of the window being counted
    requests = NumberAttribute(null=True)
    batches = NumberAttribute(null=True)
    paused_until = NumberAttribute(null=True)  # epoch seconds
    expires_at = NumberAttribute(null=True)  # DynamoDB TTL


class RateGovernor:
    """The `RateBudget` the QuickBooks client takes from before every HTTP request."""

    def __init__(self, tenant_id: str, provider: Provider, clock: Callable[[], float] = time.time) -> None:
        self.tenant_id = tenant_id
        self.provider = provider
        self.budget = BUDGETS[provider]
        self._clock = clock

    def acquire(self, cost: int = 1, *, batch: bool = False) -> None:
        """Takes `cost` requests (and one batch request when `batch`) from this minute, or raises
        RateLimited with the seconds until the pause ends or the next minute starts."""
        now = self._clock()
        minute = int(now // MINUTE)
        # The common case first: the row already counts this minute. If not, start the minute afresh.
        if self._take_from_current_minute(now, minute, cost, batch) or self._start_minute(now, minute, cost, batch):
            return
        row = self._row()
        if row is not None and row.paused_until is not None and row.paused_until > now:
            raise RateLimited(RATE_LIMITED_MESSAGE, retry_after=math.ceil(row.paused_until - now))
        if row is not None and row.minute == minute:
            raise RateLimited(RATE_LIMITED_MESSAGE, retry_after=math.ceil((minute + 1) * MINUTE - now))
        # Another worker started the minute between our two attempts: its row now counts this minute.
        if not self._take_from_current_minute(now, minute, cost, batch):
            raise RateLimited(RATE_LIMITED_MESSAGE, retry_after=math.ceil((minute + 1) * MINUTE - now))

    def pause(self, seconds: float) -> None:
        """Every worker of this connection waits `seconds` (QuickBooks said 429); a longer pause stays."""
        until = self._clock() + seconds
        try:
            self._key().update(
                actions=[RateBudgetRow.paused_until.set(until), RateBudgetRow.expires_at.set(self._expiry(until))],
                condition=RateBudgetRow.paused_until.does_not_exist() | (RateBudgetRow.paused_until < until),
            )
        except UpdateError as error:
            if not _condition_failed(error):
                raise

    def paused_for(self) -> float:
        """Seconds left of the current pause (0 when not paused)."""
        row = self._row()
        if row is None or row.paused_until is None:
            return 0.0
        return max(0.0, row.paused_until - self._clock())

    # ---------------------------------------------------------------- internals
    def _take_from_current_minute(self, now: float, minute: int, cost: int, batch: bool) -> bool:
        room = RateBudgetRow.requests <= self.budget.requests - cost
        condition = (RateBudgetRow.minute == minute) & room & _not_paused(now)
        actions = [RateBudgetRow.requests.add(cost)]
        if batch:
            condition &= RateBudgetRow.batches <= self.budget.batches - 1
            actions.append(RateBudgetRow.batches.add(1))
        return self._conditional_update(actions, condition)

    def _start_minute(self, now: float, minute: int, cost: int, batch: bool) -> bool:
        condition = (RateBudgetRow.minute.does_not_exist() | (RateBudgetRow.minute < minute)) & _not_paused(now)
        actions = [
            RateBudgetRow.minute.set(minute),
            RateBudgetRow.requests.set(cost),
            RateBudgetRow.batches.set(1 if batch else 0),
            RateBudgetRow.expires_at.set(self._expiry(now)),
        ]
        return self._conditional_update(actions, condition)

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
