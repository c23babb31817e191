"""Faults on the token endpoint (`entity="Token"`): 5xx, delay, forced 429, and the refresh whose
reply is lost after the new pair was issued, which is what Xero's 30-minute grace exists for."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from local.simulators.xero import errors
from local.simulators.xero.state import SimulatorState

Endpoint = Callable[[Request], Awaitable[Response]]


def with_token_faults(state: SimulatorState, endpoint: Endpoint) -> Endpoint:
    async def faulted(request: Request) -> Response:
        injected = state.faults.take(None, "Token")
        if "throttle" in injected:
            return errors.rate_limited(injected["throttle"].problem, 1, {})
        if "error" in injected:
            return JSONResponse({"error": "server_error"}, status_code=injected["error"].status)
        if "delay" in injected:
            await asyncio.sleep(injected["delay"].seconds)
        response = await endpoint(request)
        if "drop_after_commit" in injected:
            deadline = time.monotonic() + state.config.request_timeout
            while time.monotonic() < deadline and not await request.is_disconnected():
                await asyncio.sleep(0.01)
            return Response(status_code=504)
        return response

    return faulted
