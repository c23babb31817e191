"""Fault injection: make the next N matching calls fail, stall, lose their reply or be throttled.

Rules come from `SimulatorConfig.faults` or `POST /_sim/faults`. `drop_after_commit` matters most to
a connector: the write (or the token refresh) is stored, but the client only sees a timeout.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

FaultKind = Literal["error", "delay", "drop_after_commit", "throttle"]
RateProblem = Literal["minute", "day", "concurrent", "appminute"]


class FaultRule(BaseModel):
    kind: FaultKind
    times: int = 1
    status: Literal[500, 503] = 500
    # delay: how long to stall; throttle: the Retry-After to send (0: what the named limit would say).
    seconds: float = 0.0
    # Which limit a forced 429 names in X-Rate-Limit-Problem.
    problem: RateProblem = "minute"
    tenant_id: str | None = None
    # An endpoint name ("Contacts", "Invoices", ...), "Connections", or "Token" for the token endpoint.
    entity: str | None = None

    def matches(self, tenant_id: str | None, entity: str) -> bool:
        return self.tenant_id in (None, tenant_id) and (self.entity is None or self.entity.lower() == entity.lower())


class FaultInjector:
    def __init__(self, rules: list[FaultRule]) -> None:
        self.rules = [rule.model_copy() for rule in rules]

    def add(self, rule: FaultRule) -> None:
        self.rules.append(rule)

    def clear(self) -> None:
        self.rules.clear()

    def take(self, tenant_id: str | None, entity: str) -> dict[FaultKind, FaultRule]:
        """The first matching rule of each kind, each use counted against its `times`."""
        taken: dict[FaultKind, FaultRule] = {}
        for rule in list(self.rules):
            if rule.kind in taken or not rule.matches(tenant_id, entity):
                continue
            taken[rule.kind] = rule
            rule.times -= 1
            if rule.times <= 0:
                self.rules.remove(rule)
        return taken
