"""Simulated wall clock and Intuit's timestamp formats.

The clock can be moved forward from the admin API, so tests reach an expired access token or the
30-day CDC horizon without sleeping. Rate windows deliberately do not use it: they are real time
(scaled), because they model load, not the calendar.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo


class Clock:
    def __init__(self) -> None:
        self._offset = timedelta()

    def now(self) -> datetime:
        return datetime.now(UTC) + self._offset

    def advance(self, seconds: float) -> None:
        self._offset += timedelta(seconds=seconds)

    def reset(self) -> None:
        self._offset = timedelta()


def metadata_time(moment: datetime, timezone: str) -> str:
    """`MetaData` style: company-local, seconds, offset with a colon (`2015-12-23T12:55:50-08:00`)."""
    return moment.astimezone(ZoneInfo(timezone)).isoformat(timespec="seconds")


def reply_time(moment: datetime, timezone: str) -> str:
    """The top-level `time` of every reply, with milliseconds (`2015-11-05T08:52:58.683-08:00`)."""
    return moment.astimezone(ZoneInfo(timezone)).isoformat(timespec="milliseconds")


def webhook_time(moment: datetime, timezone: str) -> str:
    """Legacy webhook `lastUpdated`: offset without a colon (`2015-10-05T14:42:19-0700`, providers.md 1.7)."""
    return moment.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%dT%H:%M:%S%z")


def parse_intuit_time(text: str, timezone: str) -> datetime:
    """Read a time a client sent; one without an offset is company-local, as QuickBooks reads it."""
    moment = datetime.fromisoformat(text.strip())
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(timezone))
    return moment


def local_date(moment: datetime, timezone: str) -> str:
    return moment.astimezone(ZoneInfo(timezone)).date().isoformat()
