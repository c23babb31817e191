"""Simulated wall clock and Xero's wire formats for dates.

Xero's JSON writes dates as .NET epoch milliseconds, `/Date(1552327126117+0000)/` (providers.md
2.4); clients write `YYYY-MM-DD` (or, as xero-python does for date fields, the same `/Date()/`
form). The clock can be moved forward from the admin API so tests reach expired tokens and
idempotency windows without sleeping.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from email.utils import parsedate_to_datetime
from zoneinfo import ZoneInfo

MS_DATE = re.compile(r"^/Date\((-?\d+)([+-]\d{4})?\)/$")


class Clock:
    def __init__(self) -> None:
        self._offset = timedelta()

    def now(self) -> datetime:
        return datetime.now(UTC) + self._offset

    def advance(self, seconds: float) -> None:
        self._offset += timedelta(seconds=seconds)

    def reset(self) -> None:
        self._offset = timedelta()


def ms_datetime(moment: datetime) -> str:
    """`UpdatedDateUTC` and the envelope's `DateTimeUTC`: UTC milliseconds with `+0000`."""
    return f"/Date({int(moment.timestamp() * 1000)}+0000)/"


def ms_date(day: date) -> str:
    """A date field (`Date`, `DueDate`): midnight UTC of that day, in the same form."""
    return ms_datetime(datetime.combine(day, time(), tzinfo=UTC))


def date_string(day: date) -> str:
    """The `DateString` twin Xero adds beside each date field."""
    return f"{day.isoformat()}T00:00:00"


def iso_utc_string(moment: datetime) -> str:
    """`UpdatedDateUTCString` (spec v16.1.0): ISO 8601 in UTC, seconds."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")


def local_today(moment: datetime, timezone: str) -> date:
    return moment.astimezone(ZoneInfo(timezone)).date()


def parse_client_date(value: object) -> date:
    """`YYYY-MM-DD`, an ISO date-time, or `/Date(ms+zzzz)/`; ValueError otherwise."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not a date")
    text = value.strip()
    match = MS_DATE.match(text)
    if match:
        return datetime.fromtimestamp(int(match.group(1)) / 1000, UTC).date()
    return datetime.fromisoformat(text).date() if "T" in text else date.fromisoformat(text)


def parse_if_modified_since(value: str) -> datetime:
    """The header in ISO 8601 (what Xero documents and xero-python sends) or an HTTP-date.

    A value without a zone is UTC, as Xero reads it.
    """
    text = value.strip()
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        moment = parsedate_to_datetime(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
