"""Per-realm throttles as published (providers.md 1.2): requests per minute, concurrent requests,
batch requests per minute. Windows are real seconds times `time_scale`; the simulated clock is not
used because these limits model load, not dates.
"""

from __future__ import annotations

import time
from collections import deque

from local.simulators.quickbooks_online.config import SimulatorConfig

MINUTE = 60.0


class RealmLimits:
    def __init__(self, config: SimulatorConfig) -> None:
        self.config = config
        self.requests: dict[str, deque[float]] = {}
        self.batches: dict[str, deque[float]] = {}
        self.in_flight: dict[str, int] = {}

    def admit(self, realm_id: str, is_batch: bool) -> bool:
        """Count the request in if every limit has room; a refused request does not count."""
        if not self.config.limits_enabled:
            return True
        limits = self.config.limits
        if self.in_flight.get(realm_id, 0) >= limits.concurrent_requests:
            return False
        now = time.monotonic()
        window = self.config.scaled(MINUTE)
        requests = _trimmed(self.requests.setdefault(realm_id, deque()), now - window)
        if len(requests) >= limits.requests_per_minute:
            return False
        if is_batch:
            batches = _trimmed(self.batches.setdefault(realm_id, deque()), now - window)
            if len(batches) >= limits.batch_requests_per_minute:
                return False
            batches.append(now)
        requests.append(now)
        self.in_flight[realm_id] = self.in_flight.get(realm_id, 0) + 1
        return True

    def release(self, realm_id: str) -> None:
        if self.config.limits_enabled:
            self.in_flight[realm_id] = max(0, self.in_flight.get(realm_id, 0) - 1)

    def reset(self) -> None:
        self.requests.clear()
        self.batches.clear()
        self.in_flight.clear()


def _trimmed(stamps: deque[float], oldest: float) -> deque[float]:
    while stamps and stamps[0] <= oldest:
        stamps.popleft()
    return stamps
