"""Scheduled pulls: an EventBridge tick → the scheduler handler → one pull job per due connection (moto).

Due means connected (not disconnected, not waiting for a reconnect), autosync on, outside the
tenant's maintenance window on the tenant's own clock, and the interval of its settings gone by.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from fieldbooks.domain.models import Connection, ConnectionSettings, ConnectionStatus, Provider, RunKind, RunStatus
from fieldbooks.queues.pull_jobs import PullJob, next_pull_at
from fieldbooks.store.connections import ConnectionStore
from fieldbooks.store.runs import RunStore
from tests.support.fake_provider import connect
from tests.support.oauth_flow import tenant_api

NIGHT_IN_CHICAGO = {"maintenance_window": {"start": "01:00", "end": "05:00"}, "time_zone": "America/Chicago"}


def tick(handler, context, load_event, at: str) -> dict:  # noqa: ANN001
    """The schedule firing at `at` (UTC, as EventBridge stamps its events)."""
    return handler("SchedulerFunction")(load_event("scheduler/tick.json", time=at), context)


def queued_jobs(aws: Any) -> list[PullJob]:
    reply = boto3.client("sqs").receive_message(QueueUrl=aws.queue_url("PullQueue"), MaxNumberOfMessages=10)
    return [PullJob.model_validate_json(m["Body"]) for m in reply.get("Messages", [])]


def with_settings(**values: Any) -> ConnectionSettings:
    return ConnectionSettings.model_validate(values)


def test_a_tick_inside_the_maintenance_window_queues_no_pull_and_one_after_it_does(
    aws, handler, context, load_event
) -> None:  # noqa: ANN001
    connect("t-night", settings=with_settings(**NIGHT_IN_CHICAGO))

    # 09:00 UTC is 03:00 in Chicago in November (CST, UTC-6): inside 01:00-05:00.
    assert tick(handler, context, load_event, "2026-11-21T09:00:00Z") == {"queued": 0}
    assert queued_jobs(aws) == []
    assert RunStore().recent("t-night").items == []
    # 04:59 in Chicago is still inside; 05:00 is the window's end, which it excludes.
    assert tick(handler, context, load_event, "2026-11-21T10:59:00Z") == {"queued": 0}
    assert tick(handler, context, load_event, "2026-11-21T11:00:00Z") == {"queued": 1}

    (job,) = queued_jobs(aws)
    (run,) = RunStore().recent("t-night").items
    assert (job.tenant_id, job.run_id, job.targets) == ("t-night", run.run_id, [])
    assert (run.kind, run.status) == (RunKind.SCHEDULED, RunStatus.QUEUED)


def test_a_window_across_midnight_holds_on_both_sides_of_it(aws, handler, context, load_event) -> None:  # noqa: ANN001
    settings = with_settings(maintenance_window={"start": "22:00", "end": "02:00"}, time_zone="Europe/Berlin")
    connect("t-berlin", settings=settings)

    # Berlin is UTC+1 in November: 22:30 and 01:30 local are inside, 02:00 local is not.
    assert tick(handler, context, load_event, "2026-11-21T21:30:00Z") == {"queued": 0}
    assert tick(handler, context, load_event, "2026-11-22T00:30:00Z") == {"queued": 0}
    assert tick(handler, context, load_event, "2026-11-22T01:00:00Z") == {"queued": 1}


def test_autosync_off_queues_nothing_and_leaves_the_connection_connected(aws, handler, context, load_event) -> None:  # noqa: ANN001
    connect("t-manual", settings=with_settings(autosync=False))

    assert tick(handler, context, load_event, "2026-11-21T12:00:00Z") == {"queued": 0}

    assert queued_jobs(aws) == []
    connection = ConnectionStore().get("t-manual", Provider.QUICKBOOKS_ONLINE)
    assert (connection.status, connection.pull_queued_at) == (ConnectionStatus.CONNECTED, None)
    assert next_pull_at(connection, datetime(2026, 11, 21, 12, tzinfo=UTC)) is None


def test_a_connection_waiting_for_a_reconnect_or_disconnected_is_not_pulled(aws, handler, context, load_event) -> None:  # noqa: ANN001
    connect("t-reauth", status=ConnectionStatus.NEEDS_REAUTH)
    connect("t-gone", status=ConnectionStatus.DISCONNECTED)

    assert tick(handler, context, load_event, "2026-11-21T12:00:00Z") == {"queued": 0}

    assert queued_jobs(aws) == []
    assert RunStore().recent("t-reauth").items == RunStore().recent("t-gone").items == []


def test_the_interval_the_scheduler_uses_is_the_one_in_the_settings(aws, handler, context, load_event) -> None:  # noqa: ANN001
    last = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
    connect("t-hourly", settings=with_settings(pull_interval_minutes=60), pull_queued_at=last)

    assert tick(handler, context, load_event, "2026-11-21T12:45:00Z") == {"queued": 0}  # 15 minutes would be due
    assert tick(handler, context, load_event, "2026-11-21T13:00:00Z") == {"queued": 1}
    assert tick(handler, context, load_event, "2026-11-21T13:05:00Z") == {"queued": 0}  # claimed by the last tick


def test_settings_changed_through_the_console_steer_the_next_tick(aws, handler, context, load_event) -> None:  # noqa: ANN001
    connect("t-console")
    path = "/connections/quickbooks_online/settings"
    body = tenant_api("GET", path, "t-console").body | {"pull_interval_minutes": 30, **NIGHT_IN_CHICAGO}

    assert tenant_api("PUT", path, "t-console", body=body).status == 200
    stored = ConnectionStore().get("t-console", Provider.QUICKBOOKS_ONLINE)
    assert stored.pull_interval_minutes == 30

    assert tick(handler, context, load_event, "2026-11-21T08:00:00Z") == {"queued": 0}  # 02:00 in Chicago
    assert tick(handler, context, load_event, "2026-11-21T11:00:00Z") == {"queued": 1}


@pytest.mark.parametrize(
    ("change", "word"),
    [
        ({"time_zone": "Mars/Olympus_Mons"}, "time zone"),
        ({"time_zone": "../../etc/passwd"}, "time zone"),
        ({"maintenance_window": {"start": "25:00", "end": "05:00"}}, "maintenance_window.start"),
        ({"maintenance_window": {"start": "01:00", "end": "01:00"}}, "end at another time"),
        ({"maintenance_window": {"start": "01:00"}}, "maintenance_window.end"),
        ({"autosync": "sometimes"}, "autosync"),
    ],
)
def test_a_bad_schedule_setting_is_a_400_that_names_it(aws, change: dict, word: str) -> None:  # noqa: ANN001
    connect("t-typo")
    path = "/connections/quickbooks_online/settings"
    body = tenant_api("GET", path, "t-typo").body | change

    refused = tenant_api("PUT", path, "t-typo", body=body)

    assert refused.status == 400 and word in refused.body["message"], refused.body
    assert ConnectionStore().get("t-typo", Provider.QUICKBOOKS_ONLINE).settings == ConnectionSettings()


def test_the_next_pull_steps_over_the_window_on_the_tenants_clock() -> None:
    settings = with_settings(pull_interval_minutes=15, **NIGHT_IN_CHICAGO)
    values = {
        "tenant_id": "t-next",
        "provider": Provider.QUICKBOOKS_ONLINE,
        "status": ConnectionStatus.CONNECTED,
        "remote_company_id": "1",
        "company_name": "Next Books",
        "connected_by": "u-1",
        "connected_at": datetime(2026, 11, 1, tzinfo=UTC),
        "settings": settings,
    }
    queued = datetime(2026, 11, 21, 6, 50, tzinfo=UTC)  # 00:50 in Chicago
    pulled = Connection.model_validate(values | {"pull_queued_at": queued})

    # Due at 07:05 UTC = 01:05 Chicago, inside the window: the next pull waits for 05:00 Chicago.
    assert next_pull_at(pulled, queued + timedelta(minutes=1)) == datetime(2026, 11, 21, 11, 0, tzinfo=UTC)
    # Outside the window the interval alone decides.
    daytime = Connection.model_validate(values | {"pull_queued_at": datetime(2026, 11, 21, 15, 0, tzinfo=UTC)})
    later = datetime(2026, 11, 21, 15, 1, tzinfo=UTC)
    assert next_pull_at(daytime, later) == datetime(2026, 11, 21, 15, 15, tzinfo=UTC)
