"""Published throttles (providers.md 1.2), injected faults, and requestid replay (1.8)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from local.simulators.quickbooks_online import LimitsConfig, SimulatorHandle, running_simulator
from tests.simulators.quickbooks_online.conftest import (
    OTHER_REALM,
    REALM,
    Qbo,
    connect,
    new_customer,
    sim_config,
)

THROTTLE_FAULT = (
    '<Fault type="SERVICE"><Error code="3001"><Message>message=ThrottleExceeded; errorCode=003001; '
    "statusCode=429</Message><Detail>The request limit was reached.  Try again later</Detail></Error></Fault>"
)


@pytest.fixture
def real_time_sim() -> Iterator[SimulatorHandle]:
    """Limits at their published values over a real minute."""
    with running_simulator(sim_config(time_scale=1.0)) as handle:
        yield handle


def test_the_501st_request_in_a_minute_is_throttled_with_xml(real_time_sim: SimulatorHandle) -> None:
    qbo = connect(real_time_sim)
    statuses = [qbo.get("companyinfo/1").status_code for _ in range(500)]

    refused = qbo.get("companyinfo/1")

    assert set(statuses) == {200}
    assert refused.status_code == 429
    assert refused.headers["content-type"].startswith("application/xml")
    assert THROTTLE_FAULT in refused.text


def test_the_window_slides_with_time_scale() -> None:
    config = sim_config(time_scale=0.005, limits=LimitsConfig(requests_per_minute=500))
    with running_simulator(config) as sim:
        qbo = connect(sim)
        codes = [qbo.get("companyinfo/1").status_code for _ in range(520)]
        assert set(codes) == {200}  # a 0.3 s "minute" never fills at this pace on a real socket


def test_batch_requests_are_limited_to_120_per_minute(real_time_sim: SimulatorHandle) -> None:
    qbo = connect(real_time_sim)
    query = {"BatchItemRequest": [{"bId": "1", "Query": "select count(*) from Customer"}]}
    statuses = [qbo.post("batch", query).status_code for _ in range(121)]

    assert statuses[:120] == [200] * 120
    assert statuses[120] == 429


def test_the_11th_concurrent_request_is_throttled(real_time_sim: SimulatorHandle) -> None:
    qbo = connect(real_time_sim)
    real_time_sim.admin.add_fault("delay", seconds=0.5, times=10)
    statuses: list[int] = []

    def call() -> None:
        statuses.append(qbo.get("companyinfo/1").status_code)

    threads = [threading.Thread(target=call) for _ in range(10)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 5
    while real_time_sim.admin.faults() and time.monotonic() < deadline:  # all ten inside, sleeping
        time.sleep(0.005)
    eleventh = qbo.get("companyinfo/1")
    for thread in threads:
        thread.join()

    assert eleventh.status_code == 429
    assert statuses == [200] * 10


def test_limits_can_be_switched_off() -> None:
    with running_simulator(sim_config(time_scale=1.0, limits_enabled=False)) as sim:
        qbo = connect(sim)
        assert {qbo.get("companyinfo/1").status_code for _ in range(505)} == {200}


def test_the_next_n_calls_fail_with_an_injected_503(sim: SimulatorHandle, qbo: Qbo) -> None:
    sim.admin.add_fault("error", status=503, times=2, entity="Customer")

    first, second = qbo.post("customer", {"DisplayName": "A"}), qbo.post("customer", {"DisplayName": "A"})
    third = qbo.post("customer", {"DisplayName": "A"})

    assert (first.status_code, second.status_code, third.status_code) == (503, 503, 200)
    assert first.json()["Fault"]["type"] == "SystemFault"
    assert sim.admin.count(REALM, "Customer") == 1


def test_a_forced_throttle_is_the_xml_429(sim: SimulatorHandle, qbo: Qbo) -> None:
    sim.admin.add_fault("throttle")

    reply = qbo.get("companyinfo/1")

    assert reply.status_code == 429 and THROTTLE_FAULT in reply.text
    assert qbo.get("companyinfo/1").status_code == 200


def test_a_dropped_reply_after_commit_is_a_timeout_but_the_record_exists(sim: SimulatorHandle, qbo: Qbo) -> None:
    sim.admin.add_fault("drop_after_commit", entity="Customer")

    with pytest.raises(httpx.ReadTimeout):
        qbo.http.post(
            f"/v3/company/{REALM}/customer",
            json={"DisplayName": "Lost reply"},
            params={"requestid": "r-1"},
            timeout=0.5,
        )
    retried = qbo.post("customer", {"DisplayName": "Lost reply"}, requestid="r-1")

    assert retried.status_code == 200
    assert retried.json()["Customer"]["DisplayName"] == "Lost reply"
    assert sim.admin.count(REALM, "Customer") == 1


def test_a_repeated_requestid_returns_the_original_reply(sim: SimulatorHandle, qbo: Qbo) -> None:
    first = qbo.post("customer", {"DisplayName": "Once"}, requestid="req-42")
    again = qbo.post("customer", {"DisplayName": "Once"}, requestid="req-42")

    assert again.status_code == 200
    assert again.json() == first.json()
    assert sim.admin.count(REALM, "Customer") == 1


def test_requestids_are_per_company(sim: SimulatorHandle, qbo: Qbo) -> None:
    other = connect(sim, OTHER_REALM)
    qbo.post("customer", {"DisplayName": "Here"}, requestid="same")
    other.post("customer", {"DisplayName": "There"}, requestid="same")

    assert sim.admin.count(OTHER_REALM, "Customer") == 1


def test_an_injected_delay_holds_the_reply(sim: SimulatorHandle, qbo: Qbo) -> None:
    sim.admin.add_fault("delay", seconds=0.3)

    with pytest.raises(httpx.ReadTimeout):
        qbo.http.get(f"/v3/company/{REALM}/companyinfo/1", timeout=0.1)
    assert new_customer(qbo)["Id"] == "1"
