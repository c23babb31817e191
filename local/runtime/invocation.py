"""Runs a function's real handlers the way its warm Lambda containers would, and logs each invocation.

Lambda gives a container one invocation at a time and runs several containers at once, up to the
function's reserved concurrency; so does the host (containers.py), each invocation on its caller's
thread (a poller's batch worker, the gateway's thread pool, a schedule's timer). One exception: the
functions behind the HTTP API take turns on one lock. Powertools' resolver keeps `current_event` on
its `BaseRouter` class, not on the app or the thread, so in one process two resolvers running at once
read each other's request (the OAuth callback saw the page's `Accept: application/json`); only
separate processes could run them side by side, and the tests reach into these handlers in-process.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from functools import partial
from typing import Any

from local.runtime.containers import DEFAULT_CONCURRENCY, ContainerPool
from local.runtime.handlers import LambdaContext, load_handler
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
    """Imports each handler once per container (warm-container semantics) and invokes it with a Lambda
    context, up to the function's concurrency at once."""

    def __init__(self, stack: LocalStack) -> None:
        self.stack = stack
        self._counting = threading.Lock()
        self._in_flight = 0
        self._started = 0
        self._invocations: Counter[str] = Counter()
        http_functions = {route.function_id for route in stack.template.http_routes()}
        resolver_lock = threading.Lock()
        self._pools: dict[str, ContainerPool] = {}
        self._turns: dict[str, threading.Lock] = {}
        for spec in stack.template.functions():
            limit = spec.reserved_concurrency or DEFAULT_CONCURRENCY
            if spec.logical_id in http_functions:
                limit = 1  # they take turns anyway (see above): more containers would only queue
                self._turns[spec.logical_id] = resolver_lock
            self._pools[spec.logical_id] = ContainerPool(limit, partial(load_handler, spec))

    def function_ids(self) -> list[str]:
        return list(self._pools)

    def concurrency(self, function_id: str) -> int:
        """How many invocations of the function may run at once (its reserved concurrency)."""
        return self._pools[function_id].limit

    def invocations(self, function_id: str) -> int:
        """How many times the function was invoked since the stack started."""
        with self._counting:
            return self._invocations[function_id]

    def peak_concurrency(self, function_id: str) -> int:
        return self._pools[function_id].peak

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
        for pool in self._pools.values():
            pool.warm_up()

    def invoke(
        self,
        function_id: str,
        event: dict[str, Any],
        trigger: str,
        describe: Callable[[Any], str] = lambda _result: "ok",
    ) -> Invocation:
        """Calls the handler; a handler exception is returned, not raised, as Lambda reports it."""
        context = LambdaContext(self.function_name(function_id), self.timeout_seconds(function_id))
        context.aws_request_id = str(uuid.uuid4())
        with self._counting:
            self._in_flight += 1
            self._started += 1
            self._invocations[function_id] += 1
        try:
            with self._pools[function_id].container() as handler, self._turns.get(function_id) or nullcontext():
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

    def _properties(self, function_id: str) -> dict[str, Any]:
        return self.stack.template.resources[function_id]["Properties"]
