"""Limits (providers.md 2.2), injected faults, and Idempotency-Key (2.5)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from local.simulators.xero import LimitsConfig, SimulatorHandle, running_simulator
from tests.simulators.xero.conftest import AU, GB, Xero, connect, sim_config, validation_messages
from tests.simulators.xero.spec import SpecValidator

REMAINING = ("X-DayLimit-Remaining", "X-MinLimit-Remaining", "X-AppMinLimit-Remaining")


@pytest.fixture
def real_time_sim() -> Iterator[SimulatorHandle]:
    """Limits at their published values over a real minute."""
    with running_simulator(sim_config(time_scale=1.0)) as handle:
        yield handle


def test_every_reply_carries_the_remaining_headers(xero: Xero) -> None:
    reply = xero.get("Contacts")

    assert all(name in reply.headers for name in REMAINING)
    assert int(reply.headers["X-DayLimit-Remaining"]) < 5000


def test_the_61st_call_in_a_minute_is_a_429_naming_the_minute_limit(
    real_time_sim: SimulatorHandle, spec: SpecValidator
) -> None:
    xero = connect(real_time_sim, spec)
    replies = [xero.get("Organisation") for _ in range(60)]

    refused = xero.get("Organisation")

    assert {r.status_code for r in replies} == {200}
    assert [r.headers["X-MinLimit-Remaining"] for r in replies[-2:]] == ["1", "0"]
    assert refused.status_code == 429
    assert refused.headers["X-Rate-Limit-Problem"] == "minute"
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert refused.headers["X-DayLimit-Remaining"] == str(5000 - 60)


def test_the_6th_concurrent_call_is_refused(real_time_sim: SimulatorHandle, spec: SpecValidator) -> None:
    xero = connect(real_time_sim, spec)
    real_time_sim.admin.add_fault("delay", seconds=1.5, times=5)  # long enough to outlast a loaded machine
    statuses: list[int] = []
    threads = [threading.Thread(target=lambda: statuses.append(xero.get("Organisation").status_code)) for _ in range(5)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 5
    while real_time_sim.admin.faults() and time.monotonic() < deadline:  # all five inside, sleeping
        time.sleep(0.005)

    sixth = xero.get("Organisation")
    for thread in threads:
        thread.join()

    assert sixth.status_code == 429 and sixth.headers["X-Rate-Limit-Problem"] == "concurrent"
    assert statuses == [200] * 5


def test_the_daily_limit_refuses_until_the_next_day_with_retry_after(spec: SpecValidator) -> None:
    with running_simulator(sim_config(time_scale=1.0, limits=LimitsConfig(per_day=3))) as sim:
        xero = connect(sim, spec)
        assert [xero.get("Organisation").status_code for _ in range(3)] == [200, 200, 200]

        refused = xero.get("Organisation")

        assert refused.status_code == 429
        assert refused.headers["X-Rate-Limit-Problem"] == "day"
        assert 86000 < int(refused.headers["Retry-After"]) <= 86400
        assert refused.headers["X-DayLimit-Remaining"] == "0"


def test_time_scale_shrinks_the_windows(spec: SpecValidator) -> None:
    # A "minute" of 1.2 s: six calls fit in it even on a loaded machine, and waiting it out is short.
    with running_simulator(sim_config(time_scale=0.02, limits=LimitsConfig(per_minute=5))) as sim:
        xero = connect(sim, spec)
        assert [xero.get("Organisation").status_code for _ in range(6)][-1] == 429
        time.sleep(1.25)

        assert xero.get("Organisation").status_code == 200


def test_limits_are_per_organisation(real_time_sim: SimulatorHandle, spec: SpecValidator) -> None:
    xero = connect(real_time_sim, spec, also=(AU,))
    for _ in range(60):
        xero.get("Organisation")

    other = xero.get("Organisation", headers={"xero-tenant-id": AU})

    assert other.status_code == 200 and other.headers["X-MinLimit-Remaining"] == "59"
    assert other.headers["X-AppMinLimit-Remaining"] == str(10000 - 61)


def test_the_app_wide_minute_limit_spans_organisations(spec: SpecValidator) -> None:
    with running_simulator(sim_config(time_scale=1.0, limits=LimitsConfig(app_per_minute=3))) as sim:
        xero = connect(sim, spec, also=(AU,))
        for tenant_id in (GB, GB, AU):
            assert xero.get("Organisation", headers={"xero-tenant-id": tenant_id}).status_code == 200

        refused = xero.get("Organisation", headers={"xero-tenant-id": AU})

        assert refused.status_code == 429 and refused.headers["X-Rate-Limit-Problem"] == "appminute"
        assert refused.headers["X-AppMinLimit-Remaining"] == "0"


def test_injected_503_forced_429_and_delay(sim: SimulatorHandle, xero: Xero) -> None:
    sim.admin.add_fault("error", status=503, entity="Contacts", times=2)
    sim.admin.add_fault("throttle", problem="day", entity="Invoices")

    failures = [xero.put("Contacts", {"Name": "A"}).status_code for _ in range(3)]
    throttled = xero.get("Invoices")

    assert failures == [503, 503, 200]
    assert throttled.status_code == 429 and throttled.headers["X-Rate-Limit-Problem"] == "day"
    assert int(throttled.headers["Retry-After"]) >= 1  # the rest of a (scaled) day
    sim.admin.add_fault("throttle", problem="day", seconds=3600)
    assert xero.get("Invoices").headers["Retry-After"] == "3600"
    sim.admin.add_fault("delay", seconds=0.3)
    with pytest.raises(httpx.ReadTimeout):
        xero.http.get("/api.xro/2.0/Contacts", headers={"xero-tenant-id": GB}, timeout=0.1)


def test_a_reply_lost_after_commit_is_answered_from_the_idempotency_key(sim: SimulatorHandle, xero: Xero) -> None:
    sim.admin.add_fault("drop_after_commit", entity="Contacts")
    headers = {"xero-tenant-id": GB, "Idempotency-Key": "contact-42-v1"}

    with pytest.raises(httpx.ReadTimeout):
        xero.http.put("/api.xro/2.0/Contacts", json={"Name": "Lost reply"}, headers=headers, timeout=0.5)
    retried = xero.put("Contacts", {"Name": "Lost reply"}, headers={"Idempotency-Key": "contact-42-v1"})

    assert retried.status_code == 200
    assert retried.json()["Contacts"][0]["Name"] == "Lost reply"
    assert sim.admin.count(GB, "Contacts") == 1


def test_a_repeated_key_returns_the_first_reply_errors_included(sim: SimulatorHandle, xero: Xero) -> None:
    key = {"Idempotency-Key": "k-1"}
    first = xero.put("Contacts", {"Name": "Once"}, headers=key)
    again = xero.put("Contacts", {"Name": "Once"}, headers=key)
    failed = xero.put("Contacts", {"Name": "Once"}, headers={"Idempotency-Key": "k-2"})
    xero.post(f"Contacts/{first.json()['Contacts'][0]['ContactID']}", {"ContactStatus": "ARCHIVED"})
    failed_again = xero.put("Contacts", {"Name": "Once"}, headers={"Idempotency-Key": "k-2"})

    assert again.json() == first.json()
    assert failed.status_code == failed_again.status_code == 400
    assert failed_again.json() == failed.json()
    assert sim.admin.count(GB, "Contacts") == 1


def test_the_same_key_on_a_different_request_is_a_400_and_keys_are_checked(xero: Xero) -> None:
    xero.put("Contacts", {"Name": "First"}, headers={"Idempotency-Key": "k"})

    different = xero.put("Contacts", {"Name": "Second"}, headers={"Idempotency-Key": "k"})
    too_long = xero.put("Contacts", {"Name": "Third"}, headers={"Idempotency-Key": "k" * 129})
    empty = xero.put("Contacts", {"Name": "Fourth"}, headers={"Idempotency-Key": ""})
    longest = xero.put("Contacts", {"Name": "Fifth"}, headers={"Idempotency-Key": "k" * 128})

    assert [r.status_code for r in (different, too_long, empty, longest)] == [400, 400, 400, 200]


def test_a_key_expires_after_the_window(sim: SimulatorHandle, xero: Xero) -> None:
    xero.put("Contacts", {"Name": "Windowed"}, headers={"Idempotency-Key": "w"})
    sim.admin.advance_clock(361)

    again = xero.put("Contacts", {"Name": "Windowed"}, headers={"Idempotency-Key": "w"})

    assert again.status_code == 400
    assert "already assigned" in validation_messages(again)[0]  # it ran again: a second create


def test_a_concurrent_repeat_waits_for_the_first_reply(sim: SimulatorHandle, xero: Xero) -> None:
    sim.admin.add_fault("delay", seconds=0.4, entity="Contacts")
    replies: list[httpx.Response] = []
    first = threading.Thread(
        target=lambda: replies.append(xero.put("Contacts", {"Name": "Slow"}, headers={"Idempotency-Key": "c"}))
    )
    first.start()
    deadline = time.monotonic() + 5
    while sim.admin.faults() and time.monotonic() < deadline:
        time.sleep(0.005)

    second = xero.put("Contacts", {"Name": "Slow"}, headers={"Idempotency-Key": "c"})
    first.join()

    assert second.status_code == 200 and second.json() == replies[0].json()
    assert sim.admin.count(GB, "Contacts") == 1


def test_gets_ignore_the_key(xero: Xero) -> None:
    first = xero.get("Contacts", headers={"Idempotency-Key": "g"})
    xero.put("Contacts", {"Name": "Between"})
    second = xero.get("Contacts", headers={"Idempotency-Key": "g"})

    assert len(second.json()["Contacts"]) == len(first.json()["Contacts"]) + 1
