"""The maintenance window and the next scheduled pull, as properties over any window, zone and moment."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from fieldbooks.domain.models import Connection, ConnectionSettings, ConnectionStatus, Provider
from fieldbooks.queues.pull_jobs import is_due, next_pull_at

ZONES = st.sampled_from(["UTC", "America/Chicago", "Europe/Berlin", "Australia/Lord_Howe", "Asia/Kolkata"])
CLOCK = st.tuples(st.integers(0, 23), st.integers(0, 59)).map(lambda hm: f"{hm[0]:02d}:{hm[1]:02d}")
MOMENTS = st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC))


def minutes(clock: str) -> int:
    hours, mins = clock.split(":")
    return int(hours) * 60 + int(mins)


def connection(settings: ConnectionSettings, queued: datetime | None) -> Connection:
    return Connection(
        tenant_id="t-prop",
        provider=Provider.QUICKBOOKS_ONLINE,
        status=ConnectionStatus.CONNECTED,
        remote_company_id="1",
        company_name="Prop Books",
        connected_by="u-1",
        connected_at=datetime(2026, 1, 1, tzinfo=UTC),
        pull_queued_at=queued,
        settings=settings,
    )


@given(start=CLOCK, end=CLOCK, zone=ZONES, at=MOMENTS)
def test_a_moment_is_in_the_window_exactly_when_its_local_minute_is_covered(
    start: str, end: str, zone: str, at: datetime
) -> None:
    if start == end:
        return
    window = {"start": start, "end": end}
    settings = ConnectionSettings.model_validate({"maintenance_window": window, "time_zone": zone})
    local = at.astimezone(ZoneInfo(zone))
    minute = local.hour * 60 + local.minute
    covered = (minute - minutes(start)) % 1440 < (minutes(end) - minutes(start)) % 1440

    assert settings.in_maintenance_window(at) is covered


@settings(max_examples=60)
@given(start=CLOCK, end=CLOCK, zone=ZONES, at=MOMENTS, since=st.integers(0, 2000), interval=st.integers(5, 1440))
def test_the_next_pull_is_never_inside_the_window_nor_before_the_interval_and_is_due_then(
    start: str, end: str, zone: str, at: datetime, since: int, interval: int
) -> None:
    if start == end:
        return
    window = {"start": start, "end": end}
    settings = ConnectionSettings.model_validate(
        {"maintenance_window": window, "time_zone": zone, "pull_interval_minutes": interval}
    )
    queued = at - timedelta(minutes=since)
    subject = connection(settings, queued)

    following = next_pull_at(subject, at)

    assert following is not None and following >= at
    assert following >= queued + timedelta(minutes=interval)
    assert not settings.in_maintenance_window(following)
    assert is_due(subject, following)
