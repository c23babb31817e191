"""Injected faults and requestid replay (providers.md 1.8); throttles are in test_throttles.py."""

from __future__ import annotations

import httpx
import pytest

from local.simulators.quickbooks_online import SimulatorHandle
from tests.simulators.quickbooks_online.conftest import (
    OTHER_REALM,
    REALM,
    Qbo,
    connect,
    new_customer,
)

THROTTLE_FAULT = (
    '<Fault type="SERVICE"><Error code="3001"><Message>message=ThrottleExceeded; errorCode=003001; '
    "statusCode=429</Message><Detail>The request limit was reached.  Try again later</Detail></Error></Fault>"
)


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
    sim.admin.add_fault("delay", entity="CompanyInfo", seconds=0.3)  # not the token endpoint: only this read

    with pytest.raises(httpx.ReadTimeout):
        qbo.http.get(f"/v3/company/{REALM}/companyinfo/1", timeout=0.1)
    assert new_customer(qbo)["Id"] == "1"
