"""Fault injection: make the next N matching calls fail, stall, lose their reply or be throttled.

Rules come from `SimulatorConfig.faults` or `POST /_sim/faults`. `drop_after_commit` is the case
that matters most to a connector: the write is stored, but the client only sees a timeout.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

FaultKind = Literal["error", "delay", "drop_after_commit", "throttle"]


class FaultRule(BaseModel):
    kind: FaultKind
    times: int = 1
    status: Literal[500, 503] = 500
    seconds: float = 0.0
    realm_id: str | None = None
    # An entity name ("Customer"), or "Query", "Batch", "CDC", or "OAuth" for the token endpoint.
    entity: str | None = None

    def matches(self, realm_id: str | None, entity: str) -> bool:
        return (self.realm_id in (None, realm_id)) and (self.entity is None or self.entity.lower() == entity.lower())


class FaultInjector:
    def __init__(self, rules: list[FaultRule]) -> None:
        self.rules = [rule.model_copy() for rule in rules]

    def add(self, rule: FaultRule) -> None:
        self.rules.append(rule)

    def clear(self) -> None:
        self.rules.clear()

    def take(self, realm_id: str | None, entity: str) -> list[FaultRule]:
        """The first matching rule of each kind, each use counted against its `times`."""
        taken: list[FaultRule] = []
        for rule in list(self.rules):
            if rule.kind in {t.kind for t in taken} or not rule.matches(realm_id, entity):
                continue
            taken.append(rule)
            rule.times -= 1
            if rule.times <= 0:
                self.rules.remove(rule)
        return taken
