"""A function's warm containers: how many invocations it may run at once, and each one's handler.

Lambda runs up to the function's reserved concurrency (`ReservedConcurrentExecutions`) at once, one
invocation per container at a time, and starts a container (a cold start) only when every warm one
is busy (https://docs.aws.amazon.com/lambda/latest/dg/lambda-concurrency.html). Here a container is
a copy of the handler module (`handlers.load_module(spec, instance)`) run on the caller's thread: a
caller that finds all of them busy at the limit waits for one, as a throttled asynchronous event
or SQS batch waits for Lambda; the HTTP API's callers wait the same way rather than get a 429.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from local.runtime.handlers import Handler

# What Lambda gives a function without reserved concurrency is the account's unreserved pool; a
# laptop has no such pool, so a small number still shows parallel work without swamping two cores.
DEFAULT_CONCURRENCY = 4


class ContainerPool:
    """Up to `limit` containers of one function, started on demand and reused while warm."""

    def __init__(self, limit: int, start_container: Callable[[int], Handler]) -> None:
        if limit < 1:
            raise ValueError("a function needs at least one container")
        self.limit = limit
        self._start_container = start_container
        self._idle: list[Handler] = []
        self._started = 0
        self._running = 0
        self._peak = 0
        self._changed = threading.Condition()

    @property
    def peak(self) -> int:
        """The most invocations that ran at the same time."""
        with self._changed:
            return self._peak

    @property
    def running(self) -> int:
        with self._changed:
            return self._running

    def warm_up(self) -> None:
        """Starts the first container now, so a broken import fails the start-up, not a request."""
        with self.container():
            pass

    @contextmanager
    def container(self) -> Iterator[Handler]:
        """A free container for one invocation; waits while `limit` invocations run."""
        handler, instance = None, None
        with self._changed:
            self._changed.wait_for(lambda: self._idle or self._started < self.limit)
            if self._idle:
                handler = self._idle.pop()
            else:
                instance = self._started
                self._started += 1
            self._running += 1
            self._peak = max(self._peak, self._running)
        try:
            if handler is None:
                assert instance is not None
                handler = self._start_container(instance)  # outside the lock: a cold start blocks no one else
            yield handler
        except BaseException:
            if handler is None:  # the container never started: its slot is free again
                with self._changed:
                    self._started -= 1
            raise
        finally:
            with self._changed:
                self._running -= 1
                if handler is not None:
                    self._idle.append(handler)
                self._changed.notify()
