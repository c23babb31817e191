"""Fires the template's `Schedule` events at their rate, scaled for local runs, or on demand.

The event is EventBridge's scheduled event as Lambda receives it:
https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-run-lambda-schedule.html
"""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime
from typing import Any

from local.runtime.invocation import FunctionHost, Invocation
from local.runtime.resources import ACCOUNT_ID, REGION
from local.runtime.template import Schedule


class ScheduledRule:
    """One schedule's timer thread; `scale` multiplies the interval, None means on demand only."""

    def __init__(self, schedule: Schedule, index: int, host: FunctionHost, scale: float | None) -> None:
        self.schedule = schedule
        self.rule_name = f"local-{schedule.function_id}-schedule-{index}"
        self.rule_arn = f"arn:aws:events:{REGION}:{ACCOUNT_ID}:rule/{self.rule_name}"
        self.interval_seconds = None if scale is None else schedule.interval_seconds * scale
        self._host = host
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"schedule-{self.rule_name}", daemon=True)

    def start(self) -> None:
        if self.interval_seconds is not None:
            self._thread.start()

    def stop(self) -> None:
        self._stopping.set()

    def join(self, timeout: float | None = None) -> None:
        if self._thread.is_alive():
            self._thread.join(timeout)

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def fire(self) -> Invocation:
        return self._host.invoke(self.schedule.function_id, self.event(), f"schedule {self.schedule.expression}")

    def event(self) -> dict[str, Any]:
        return {
            "version": "0",
            "id": str(uuid.uuid4()),
            "detail-type": "Scheduled Event",
            "source": "aws.events",
            "account": ACCOUNT_ID,
            "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "region": REGION,
            "resources": [self.rule_arn],
            "detail": {},
        }

    def _run(self) -> None:
        # Like EventBridge, the first event comes one interval after the rule exists, not at once.
        assert self.interval_seconds is not None
        while not self._stopping.wait(self.interval_seconds):
            self.fire()
