"""Fault injection: what goes wrong on a real PC, for the next N matching events.

- `lost_response`: QuickBooks commits the request, then the Web Connector never delivers
  `receiveResponseXML` (the PC sleeps, the network drops). The next session starts with
  `authenticate` where the server expected a response (providers.md 3.1, "Session").
- `record_in_use`: the list record is being edited by someone in QuickBooks: 3180 (providers.md 3.4).
- `quickbooks_closed`: QuickBooks cannot start or the file is not found: `0x80040408`.
- `access_denied`: the user answered No to the permission prompt: `0x80040420`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

FaultKind = Literal["lost_response", "record_in_use", "quickbooks_closed", "access_denied"]


class FaultRule(BaseModel):
    kind: FaultKind
    times: int = 1
    # A request type such as "CustomerAdd" (record_in_use, lost_response); None matches any.
    request: str | None = None

    def matches(self, kind: FaultKind, request: str | None) -> bool:
        return self.kind == kind and (self.request is None or request is None or self.request == request)


class FaultInjector:
    def __init__(self, rules: list[FaultRule]) -> None:
        self.rules = [rule.model_copy() for rule in rules]

    def add(self, rule: FaultRule) -> None:
        self.rules.append(rule)

    def clear(self) -> None:
        self.rules.clear()

    def take(self, kind: FaultKind, request: str | None = None) -> bool:
        """Whether a rule fires now; each firing counts against its `times`."""
        for rule in self.rules:
            if rule.matches(kind, request):
                rule.times -= 1
                if rule.times <= 0:
                    self.rules.remove(rule)
                return True
        return False
