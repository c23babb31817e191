"""When scheduled pulls may run: a connection's maintenance window, read on the tenant's own clock."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, model_validator


def known_time_zone(name: str) -> str:
    """An IANA time zone name zoneinfo knows (its own checks refuse paths such as "../x")."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError(f"{name[:64]!r} is not a time zone; use an IANA name such as America/Chicago") from error
    return name


class MaintenanceWindow(BaseModel):
    """Hours of the tenant's day with no scheduled pull ("no sync 01:00-05:00"); a window whose end is
    earlier than its start runs across midnight (22:00-02:00)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    start: str = Field(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$", description='"HH:MM", tenant time.')
    end: str = Field(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$", description='"HH:MM", tenant time; excluded.')

    @model_validator(mode="after")
    def _not_empty(self) -> MaintenanceWindow:
        if self.start == self.end:
            raise ValueError("a maintenance window must end at another time than it starts")
        return self

    def holds(self, at: datetime, time_zone: str) -> bool:
        """Whether `at` (an aware moment) falls inside [start, end) of the day in `time_zone`."""
        moment = at.astimezone(ZoneInfo(time_zone)).time()
        start, end = time.fromisoformat(self.start), time.fromisoformat(self.end)
        if start < end:
            return start <= moment < end
        return moment >= start or moment < end  # across midnight
