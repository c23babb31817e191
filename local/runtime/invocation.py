"""Runs a function's real handler the way one warm Lambda container would, and logs each invocation.

Lambda gives a container one invocation at a time; handlers rely on it (Powertools' resolver keeps
`current_event` on a module-level app), so each function here has a lock, and the gateway, the
pollers and the schedules take turns on it. The functions behind the HTTP API share one lock: the
resolver keeps `current_event` on its `BaseRouter` class, so in one process two resolvers running
at once read each other's request (the OAuth callback saw the page's `Accept: application/json`).
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from local.runtime.handlers import Handler, LambdaContext, load_handler
from local.runtime.resources import LocalStack

log = logging.getLogger("local.runtime")

DEFAULT_TIMEOUT_SECONDS = 3  # Lambda's own default when neither the function nor Globals set one


@dataclass(frozen=True)
class Invocation:
    result: Any
    error: BaseException | None
    duration_ms: float

    @property
    def failed(self) -> bool:
        return self.error is not None


class FunctionHost:
    """Imports each handler once (warm-container semantics) and invokes it with a Lambda context."""

    def __init__(self, stack: LocalStack) -> None:
        self.stack = stack
        self._handlers: dict[str, Handler] = {}
        self._counting = threading.Lock()
        self._in_flight = 0
        self._started = 0
        http_functions = {route.function_id for route in stack.template.http_routes()}
        resolver_lock = threading.Lock()
        self._locks = {
            spec.logical_id: resolver_lock if spec.logical_id in http_functions else threading.Lock()
            for spec in stack.template.functions()
        }

    def function_ids(self) -> list[str]:
        return list(self._locks)

    def function_name(self, function_id: str) -> str:
        declared = self._properties(function_id).get("FunctionName")
        return str(self.stack.resolver.resolve(declared)) if declared else function_id

    def timeout_seconds(self, function_id: str) -> int:
        globals_ = self.stack.template.raw.get("Globals", {}).get("Function", {})
        return int(self._properties(function_id).get("Timeout", globals_.get("Timeout", DEFAULT_TIMEOUT_SECONDS)))

    def activity(self) -> tuple[int, int]:
        """(invocations running now, invocations ever started): lets `wait_until_idle` notice a
        handler that ran while it was looking at the queues."""
        with self._counting:
            return self._in_flight, self._started

    def warm_up(self) -> None:
        """Imports every handler now, so a broken import fails the start-up, not the first request."""
        for function_id in self._locks:
            self._handler(function_id)

    def invoke(
        self,
        function_id: str,
        event: dict[str, Any],
        trigger: str,
        describe: Callable[[Any], str] = lambda _result: "ok",
    ) -> Invocation:
        """Calls the handler; a handler exception is returned, not raised, as Lambda reports it."""
        handler = self._handler(function_id)
        context = LambdaContext(self.function_name(function_id), self.timeout_seconds(function_id))
        context.aws_request_id = str(uuid.uuid4())
        with self._counting:
            self._in_flight += 1
            self._started += 1
        try:
            with self._locks[function_id]:
                started = time.perf_counter()
                try:
                    result, error = handler(event, context), None
                except Exception as exc:  # the handler's failure is data for the trigger, as in Lambda
                    result, error = None, exc
                duration_ms = (time.perf_counter() - started) * 1000
        finally:
            with self._counting:
                self._in_flight -= 1
        if error is None:
            log.info("%-24s %-44s %-28s %7.1f ms", function_id, trigger, describe(result), duration_ms)
        else:
            log.error(
                "%-24s %-44s %-28s %7.1f ms",
                function_id,
                trigger,
                f"error: {type(error).__name__}: {error}",
                duration_ms,
                exc_info=error,
            )
        return Invocation(result, error, duration_ms)

    def _handler(self, function_id: str) -> Handler:
        if function_id not in self._handlers:
            self._handlers[function_id] = load_handler(self.stack.template.function(function_id))
        return self._handlers[function_id]

    def _properties(self, function_id: str) -> dict[str, Any]:
        return self.stack.template.resources[function_id]["Properties"]
