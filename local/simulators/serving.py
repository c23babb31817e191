"""Serving a simulator's ASGI app on 127.0.0.1 in a background thread, for tests, the demo and benches.

Every simulator starts and stops the same way; only its app, its name and whether it runs a
lifespan differ. `AdminHttp` is the plumbing every simulator's `/_sim/` client shares.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Literal

import httpx
import uvicorn

STARTUP_TIMEOUT = 10.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def serving(app: Any, name: str, port: int | None = None, lifespan: Literal["on", "off"] = "on") -> Iterator[str]:
    """Yields the base URL; at `port` when given (a stack whose settings name the URL up front), else at
    a free one. Stops the server when the block ends."""
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host="127.0.0.1",
            port=port or free_port(),
            log_level="warning",
            access_log=False,
            lifespan=lifespan,
            timeout_graceful_shutdown=1,
        )
    )
    thread = threading.Thread(target=server.run, name=name, daemon=True)
    thread.start()
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"{name} did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{server.config.port}"
    finally:
        server.should_exit = True
        thread.join(timeout=5)


class AdminHttp:
    """The `/_sim/` transport every simulator's admin client shares; subclasses add the endpoints."""

    def __init__(self, base_url: str, timeout: float = 10.0) -> None:
        self._http = httpx.Client(base_url=base_url, timeout=timeout)

    def add_fault(self, kind: str, **rule: Any) -> None:
        self._post("/_sim/faults", {"kind": kind, **rule})

    def clear_faults(self) -> None:
        self._http.delete("/_sim/faults").raise_for_status()

    def close(self) -> None:
        self._http.close()

    def _get(self, path: str, params: dict[str, str] | None = None) -> Any:
        reply = self._http.get(path, params=params)
        reply.raise_for_status()
        return reply.json()

    def _post(self, path: str, body: dict[str, Any]) -> Any:
        reply = self._http.post(path, json=body)
        reply.raise_for_status()
        return reply.json()
