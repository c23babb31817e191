"""Published throttles (providers.md 1.2), each refused with Intuit's XML 429 body.

Each test sets aside the limits it is not about, so a refusal proves the limit it names.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from local.simulators.quickbooks_online import LimitsConfig, SimulatorHandle, running_simulator
from tests.simulators.quickbooks_online.conftest import OTHER_APP, Qbo, connect, sim_config

THROTTLE_FAULT = (
    '<Fault type="SERVICE"><Error code="3001"><Message>message=ThrottleExceeded; errorCode=003001; '
    "statusCode=429</Message><Detail>The request limit was reached.  Try again later</Detail></Error></Fault>"
)
UNBOUNDED = 100_000
BATCH = {"BatchItemRequest": [{"bId": "1", "Query": "select count(*) from Customer"}]}


def assert_throttled(reply: httpx.Response) -> None:
    assert reply.status_code == 429
    assert reply.headers["content-type"].startswith("application/xml")
    assert THROTTLE_FAULT in reply.text


@pytest.fixture
def minute_sim() -> Iterator[SimulatorHandle]:
    """The per-minute limits at their published values over a real minute."""
    with running_simulator(sim_config(time_scale=1.0, limits=LimitsConfig(requests_per_second=UNBOUNDED))) as sim:
        yield sim


def test_the_501st_request_in_a_minute_is_throttled_with_xml(minute_sim: SimulatorHandle) -> None:
    qbo = connect(minute_sim)
    statuses = [qbo.get("companyinfo/1").status_code for _ in range(500)]

    refused = qbo.get("companyinfo/1")

    assert set(statuses) == {200}
    assert_throttled(refused)


def test_the_minute_window_slides_with_time_scale() -> None:
    limits = LimitsConfig(requests_per_minute=500, requests_per_second=UNBOUNDED)
    with running_simulator(sim_config(time_scale=0.005, limits=limits)) as sim:
        qbo = connect(sim)
        codes = [qbo.get("companyinfo/1").status_code for _ in range(520)]
        assert set(codes) == {200}  # a 0.3 s "minute" never fills at this pace on a real socket


def test_the_11th_request_in_a_second_from_one_app_is_throttled_but_not_another_apps() -> None:
    with running_simulator(sim_config(time_scale=0.5)) as sim:  # a 0.5 s "second"
        first, second = connect(sim), connect(sim, app=OTHER_APP)
        statuses = [first.get("companyinfo/1").status_code for _ in range(10)]

        refused = first.get("companyinfo/1")
        other_app = second.get("companyinfo/1")
        time.sleep(0.55)
        later = first.get("companyinfo/1")

    assert statuses == [200] * 10
    assert_throttled(refused)
    assert (other_app.status_code, later.status_code) == (200, 200)


def test_the_41st_batch_in_a_minute_from_one_app_is_throttled_but_not_another_apps() -> None:
    with running_simulator(sim_config(time_scale=0.1, limits=LimitsConfig(requests_per_second=UNBOUNDED))) as sim:
        first, second = connect(sim), connect(sim, app=OTHER_APP)
        statuses = [first.post("batch", BATCH).status_code for _ in range(40)]

        refused = first.post("batch", BATCH)
        other_app = second.post("batch", BATCH)
        plain_request = first.get("companyinfo/1")

    assert statuses == [200] * 40
    assert_throttled(refused)
    assert (other_app.status_code, plain_request.status_code) == (200, 200)


def test_batches_are_limited_to_120_a_minute_per_realm_across_apps() -> None:
    limits = LimitsConfig(requests_per_second=UNBOUNDED, batch_requests_per_minute=UNBOUNDED)
    with running_simulator(sim_config(time_scale=1.0, limits=limits)) as sim:
        first, second = connect(sim), connect(sim, app=OTHER_APP)
        statuses = [client.post("batch", BATCH).status_code for client in [first, second] * 60]

        refused = second.post("batch", BATCH)

    assert statuses == [200] * 120
    assert_throttled(refused)


def test_the_11th_concurrent_request_is_throttled(minute_sim: SimulatorHandle) -> None:
    qbo = connect(minute_sim)
    minute_sim.admin.add_fault("delay", seconds=0.5, times=10)
    statuses: list[int] = []

    def call() -> None:
        statuses.append(qbo.get("companyinfo/1").status_code)

    threads = [threading.Thread(target=call) for _ in range(10)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 5
    while minute_sim.admin.faults() and time.monotonic() < deadline:  # all ten inside, sleeping
        time.sleep(0.005)
    eleventh = qbo.get("companyinfo/1")
    for thread in threads:
        thread.join()

    assert_throttled(eleventh)
    assert statuses == [200] * 10


def test_limits_can_be_switched_off() -> None:
    with running_simulator(sim_config(time_scale=1.0, limits_enabled=False)) as sim:
        qbo: Qbo = connect(sim)
        assert {qbo.get("companyinfo/1").status_code for _ in range(505)} == {200}
