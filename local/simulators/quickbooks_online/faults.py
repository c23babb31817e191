"""Fault injection: make the next N matching calls fail, stall, lose their reply or be throttled.

Rules come from `SimulatorConfig.faults` or `POST /_sim/faults`. `drop_after_commit` is the case
that matters most to a connector: the write is stored (or the refresh token rotated), but the
client only sees a timeout.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Literal

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

FaultKind = Literal["error", "delay", "drop_after_commit", "throttle"]
OAUTH = "OAuth"  # the `entity` of rules for the token endpoint


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


async def hold_until_client_gives_up(request: Request, timeout: float) -> Response:
    """The work is done; the reply never comes. Hold until the client disconnects (or Intuit's
    request timeout passes) so the client sees a timeout, not an error it could trust."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not await request.is_disconnected():
        await asyncio.sleep(0.01)
    return Response(status_code=504)


async def token_endpoint_with_faults(
    injector: FaultInjector,
    request: Request,
    endpoint: Callable[[Request], Awaitable[Response]],
    timeout: float,
) -> Response:
    """Rules with `entity="OAuth"` act on the token endpoint as on the API: a 5xx before anything
    happens, a delay, or a refresh that rotates the tokens and then loses its reply, so clients
    can prove they survive refresh races and lost refresh replies (providers.md 4.1). Intuit does
    not document its token endpoint's 5xx body; this one is OAuth's `server_error`."""
    injected = {rule.kind: rule for rule in injector.take(None, OAUTH)}
    if "error" in injected:
        return JSONResponse({"error": "server_error"}, status_code=injected["error"].status)
    if "throttle" in injected:
        return JSONResponse({"error": "rate_limit_exceeded"}, status_code=429)
    if "delay" in injected:
        await asyncio.sleep(injected["delay"].seconds)
    response = await endpoint(request)
    if "drop_after_commit" in injected:
        return await hold_until_client_gives_up(request, timeout)
    return response
