"""Xero's limits (providers.md 2.2): per tenant 5 concurrent, 60 a minute, 5,000 a day; per app
10,000 a minute. Windows are fixed per tenant, starting at its first call, and last the published
length times `time_scale` in real time: they model load, not the calendar.

Every reply carries the three `X-*-Remaining` headers; a refusal says which limit ran out and
when the window that refused it ends.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from local.simulators.xero.config import DAY, SimulatorConfig

MINUTE = 60.0
# Xero does not publish a wait for the concurrent limit (unconfirmed): one second, scaled.
CONCURRENT_RETRY_AFTER = 1.0


@dataclass
class Window:
    started: float
    used: int = 0


@dataclass
class Refusal:
    problem: str
    retry_after: int


class TenantLimits:
    def __init__(self, config: SimulatorConfig) -> None:
        self.config = config
        self.minute: dict[str, Window] = {}
        self.day: dict[str, Window] = {}
        self.app_minute: dict[str, Window] = {}
        self.in_flight: dict[str, int] = {}

    def admit(self, client_id: str, tenant_id: str) -> Refusal | None:
        """Count the call in if every limit has room; a refused call does not count."""
        if not self.config.limits_enabled:
            return None
        limits, now = self.config.limits, time.monotonic()
        minute = self._window(self.minute, tenant_id, MINUTE, now)
        day = self._window(self.day, tenant_id, DAY, now)
        app = self._window(self.app_minute, client_id, MINUTE, now)
        if day.used >= limits.per_day:
            return Refusal("day", self._seconds_left(day, DAY, now))
        if app.used >= limits.app_per_minute:
            return Refusal("appminute", self._seconds_left(app, MINUTE, now))
        if minute.used >= limits.per_minute:
            return Refusal("minute", self._seconds_left(minute, MINUTE, now))
        if self.in_flight.get(tenant_id, 0) >= limits.concurrent:
            return Refusal("concurrent", max(1, math.ceil(self.config.scaled(CONCURRENT_RETRY_AFTER))))
        for window in (minute, day, app):
            window.used += 1
        self.in_flight[tenant_id] = self.in_flight.get(tenant_id, 0) + 1
        return None

    def forced_retry_after(self, problem: str, client_id: str, tenant_id: str) -> int:
        """For an injected 429: what the named limit's own refusal would say right now."""
        now = time.monotonic()
        if problem == "day":
            return self._seconds_left(self._window(self.day, tenant_id, DAY, now), DAY, now)
        if problem == "appminute":
            return self._seconds_left(self._window(self.app_minute, client_id, MINUTE, now), MINUTE, now)
        if problem == "minute":
            return self._seconds_left(self._window(self.minute, tenant_id, MINUTE, now), MINUTE, now)
        return max(1, math.ceil(self.config.scaled(CONCURRENT_RETRY_AFTER)))

    def release(self, tenant_id: str) -> None:
        if self.config.limits_enabled:
            self.in_flight[tenant_id] = max(0, self.in_flight.get(tenant_id, 0) - 1)

    def remaining_headers(self, client_id: str, tenant_id: str) -> dict[str, str]:
        limits, now = self.config.limits, time.monotonic()
        minute = self._window(self.minute, tenant_id, MINUTE, now)
        day = self._window(self.day, tenant_id, DAY, now)
        app = self._window(self.app_minute, client_id, MINUTE, now)
        return {
            "X-DayLimit-Remaining": str(max(0, limits.per_day - day.used)),
            "X-MinLimit-Remaining": str(max(0, limits.per_minute - minute.used)),
            "X-AppMinLimit-Remaining": str(max(0, limits.app_per_minute - app.used)),
        }

    def reset(self) -> None:
        for table in (self.minute, self.day, self.app_minute, self.in_flight):
            table.clear()

    def _window(self, table: dict[str, Window], key: str, length: float, now: float) -> Window:
        window = table.get(key)
        if window is None or now - window.started >= self.config.scaled(length):
            window = table[key] = Window(started=now)
        return window

    def _seconds_left(self, window: Window, length: float, now: float) -> int:
        """Whole seconds, as the header carries them; at least 1 so a client never spins."""
        return max(1, math.ceil(window.started + self.config.scaled(length) - now))
