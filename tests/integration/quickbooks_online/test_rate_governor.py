"""The rate governor on moto's DynamoDB, alone and in front of the client against the simulator."""

from __future__ import annotations

import secrets

import httpx
import pytest

from fieldbooks.domain.errors import RateLimited
from fieldbooks.domain.models import Provider
from fieldbooks.providers.quickbooks_online.client import QboClient
from fieldbooks.providers.quickbooks_online.descriptor import DESCRIPTOR
from fieldbooks.store.rate_budget import RateBudgetRow, RateGovernor
from local.simulators.quickbooks_online import SimulatorHandle
from tests.conftest import QBO_REALM, QBO_REDIRECT_URI
from tests.support.qbo_tokens import SimulatorTokens

QBO = Provider.QUICKBOOKS_ONLINE
BUDGET = DESCRIPTOR.budget


class Clock:
    """Time for the governor; its `sleep` moves time on instead of waiting."""

    def __init__(self, now: float = 1_800_000_000.0) -> None:  # the start of a minute
        self.now = now
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def governor(tenant_id: str, clock: Clock) -> RateGovernor:
    return RateGovernor(tenant_id, QBO, BUDGET, clock=clock, sleep=clock.sleep)


def tenant() -> str:
    return f"t-{secrets.token_hex(4)}"


def test_a_minute_budget_is_spent_then_refilled_next_minute(aws) -> None:  # noqa: ANN001
    clock = Clock()
    worker = governor(tenant(), clock)
    worker.acquire(cost=BUDGET.per_minute - 1)
    clock.now += 1
    worker.acquire()

    clock.now += 19
    with pytest.raises(RateLimited) as raised:
        worker.acquire()
    assert raised.value.retry_after == 40  # until the next minute starts

    clock.now += 40
    worker.acquire()


def test_a_full_second_is_waited_out_in_the_worker(aws) -> None:  # noqa: ANN001
    clock = Clock(now=1_800_000_000.5)
    worker = governor(tenant(), clock)
    for _ in range(BUDGET.per_second):
        worker.acquire()
    assert clock.slept == []

    worker.acquire()

    assert clock.slept == [0.5]  # to the start of the next second, not a trip back through SQS


def test_batch_requests_have_their_own_smaller_budget(aws) -> None:  # noqa: ANN001
    clock = Clock()
    worker = governor(tenant(), clock)
    for _ in range(BUDGET.batches_per_minute):
        worker.acquire(batch=True)

    with pytest.raises(RateLimited):
        worker.acquire(batch=True)
    worker.acquire()  # plain requests still have room


def test_a_pause_stops_every_worker_of_the_connection_and_only_it(aws) -> None:  # noqa: ANN001
    clock = Clock()
    tenant_id = tenant()
    RateGovernor(tenant_id, QBO, BUDGET, clock=clock).pause(60)
    RateGovernor(tenant_id, QBO, BUDGET, clock=clock).pause(5)  # a shorter pause never cuts a longer one

    clock.now += 10
    with pytest.raises(RateLimited) as raised:
        RateGovernor(tenant_id, QBO, BUDGET, clock=clock).acquire()
    assert raised.value.retry_after == 50
    RateGovernor(tenant(), QBO, BUDGET, clock=clock).acquire()  # another tenant is not affected

    clock.now += 50
    RateGovernor(tenant_id, QBO, BUDGET, clock=clock).acquire()
    assert RateGovernor(tenant_id, QBO, BUDGET, clock=clock).paused_for() == 0


def test_workers_of_one_connection_share_one_budget(aws) -> None:  # noqa: ANN001
    """Each worker builds its own governor; the row is what they share. (Two workers spending the last
    request at the same instant are kept apart by DynamoDB's conditional update, which moto does not
    serialise across threads, so that race is not reproduced here.)"""
    tenant_id = tenant()
    clock = Clock()
    first, second = governor(tenant_id, clock), governor(tenant_id, clock)
    first.acquire(cost=BUDGET.per_minute - 2)
    clock.now += 1
    second.acquire(cost=2)

    with pytest.raises(RateLimited):
        first.acquire()
    with pytest.raises(RateLimited):
        second.acquire()


def test_the_budget_row_is_keyed_by_tenant_first(aws) -> None:  # noqa: ANN001
    tenant_id = tenant()
    RateGovernor(tenant_id, QBO, BUDGET).acquire(cost=3)

    row = RateBudgetRow.get(tenant_id, QBO.value)
    assert (row.tenant_id, row.provider, row.requests) == (tenant_id, "quickbooks_online", 3)


def test_a_429_pauses_the_connection_so_no_further_call_reaches_quickbooks(aws, qbo: SimulatorHandle) -> None:  # noqa: ANN001
    tenant_id = tenant()
    tokens = SimulatorTokens(qbo, QBO_REALM, QBO_REDIRECT_URI)
    client = QboClient(
        qbo.base_url, QBO_REALM, tokens, RateGovernor(tenant_id, QBO, BUDGET), http=httpx.Client(timeout=2)
    )
    qbo.admin.add_fault("throttle", entity="Customer", times=2)

    with pytest.raises(RateLimited):
        client.create("Customer", {"DisplayName": "Storm One"}, "req-storm-1")
    with pytest.raises(RateLimited) as second:
        client.create("Customer", {"DisplayName": "Storm Two"}, "req-storm-2")

    assert 55 <= second.value.retry_after <= 60  # the governor's pause, not another 429
    assert [rule["times"] for rule in qbo.admin.faults()] == [1]  # the second call never left
    assert qbo.admin.count(QBO_REALM, "Customer") == 0
