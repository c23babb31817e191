"""Throttles as published (providers.md 1.2), each answered with the documented XML 429:

- 500 requests per minute per realm, and 10 requests per second per realm and app;
- 10 concurrent requests per realm;
- 40 batch requests per minute per realm and app, and 120 batch requests per minute per realm.

Windows are real seconds times `time_scale`; the simulated clock is not used because these limits
model load, not dates.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass

from local.simulators.quickbooks_online.config import SimulatorConfig

MINUTE = 60.0
SECOND = 1.0


@dataclass(frozen=True)
class Window:
    """A sliding window keyed by realm, or by realm and app."""

    name: str
    seconds: float
    per_app: bool
    batch_only: bool


WINDOWS = (
    Window("requests_per_minute", MINUTE, per_app=False, batch_only=False),
    Window("requests_per_second", SECOND, per_app=True, batch_only=False),
    Window("batch_requests_per_minute", MINUTE, per_app=True, batch_only=True),
    Window("batch_requests_per_minute_per_realm", MINUTE, per_app=False, batch_only=True),
)


class RealmLimits:
    def __init__(self, config: SimulatorConfig) -> None:
        self.config = config
        self.stamps: dict[tuple[str, str, str], deque[float]] = {}
        self.in_flight: dict[str, int] = {}

    def admit(self, realm_id: str, client_id: str, is_batch: bool) -> bool:
        """Count the request in if every limit has room; a refused request does not count."""
        if not self.config.limits_enabled:
            return True
        limits = self.config.limits
        if self.in_flight.get(realm_id, 0) >= limits.concurrent_requests:
            return False
        now = time.monotonic()
        counted = []
        for window in WINDOWS:
            if window.batch_only and not is_batch:
                continue
            key = (window.name, realm_id, client_id if window.per_app else "")
            stamps = _trimmed(self.stamps.setdefault(key, deque()), now - self.config.scaled(window.seconds))
            if len(stamps) >= getattr(limits, window.name):
                return False
            counted.append(stamps)
        for stamps in counted:
            stamps.append(now)
        self.in_flight[realm_id] = self.in_flight.get(realm_id, 0) + 1
        return True

    def release(self, realm_id: str) -> None:
        if self.config.limits_enabled:
            self.in_flight[realm_id] = max(0, self.in_flight.get(realm_id, 0) - 1)

    def reset(self) -> None:
        self.stamps.clear()
        self.in_flight.clear()


def _trimmed(stamps: deque[float], oldest: float) -> deque[float]:
    while stamps and stamps[0] <= oldest:
        stamps.popleft()
    return stamps
