"""Which in-flight messages a handler re-timed itself, seen on the embedded AWS's own wire.

Lambda's SQS event source never touches a failed message: it comes back when its visibility
timeout ends, and a handler may set that timeout itself (ChangeMessageVisibility) to say when, as
the rate governor's deferral does. The local pollers shorten the queue's timeout to retry fast, so
they must know which messages a handler re-timed, and keep the handler's choice (scaled like every
other delay here) instead of their own. SQS has no call to read a message's visibility back, so this
WSGI middleware in front of moto notes each ChangeMessageVisibility(Batch) for the receipt handles a
poller is watching, whoever sends it: the handler's SDK clients all reach moto over HTTP, in the JSON
protocol botocore speaks to SQS since 1.31.
"""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Callable, Iterable
from typing import Any

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

_JSON_TARGET = "AmazonSQS."  # X-Amz-Target of the JSON protocol boto3 speaks to SQS


class VisibilityLedger:
    """Receipt handle → the VisibilityTimeout last asked for it, for the handles being watched."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._watched: dict[str, int | None] = {}

    def watch(self, receipt_handles: Iterable[str]) -> None:
        with self._lock:
            self._watched.update(dict.fromkeys(receipt_handles))

    def release(self, receipt_handles: Iterable[str]) -> dict[str, int]:
        """Stops watching; returns the timeouts set meanwhile, by handle (absent: never re-timed)."""
        with self._lock:
            released = {handle: self._watched.pop(handle, None) for handle in receipt_handles}
        return {handle: seconds for handle, seconds in released.items() if seconds is not None}

    def note(self, receipt_handle: str, seconds: int) -> None:
        with self._lock:
            if receipt_handle in self._watched:
                self._watched[receipt_handle] = seconds

    def middleware(self, app: WsgiApp) -> WsgiApp:
        def observed(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
            action = _action(environ)
            if action in ("ChangeMessageVisibility", "ChangeMessageVisibilityBatch"):
                for handle, seconds in _changes(action, _body(environ)):
                    self.note(handle, seconds)
            return app(environ, start_response)

        return observed


def _action(environ: dict[str, Any]) -> str | None:
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    return target[len(_JSON_TARGET) :] if target.startswith(_JSON_TARGET) else None


def _body(environ: dict[str, Any]) -> bytes:
    """Reads the body and puts it back for moto."""
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length) if length else b""
    environ["wsgi.input"] = io.BytesIO(body)
    return body


def _changes(action: str, body: bytes) -> list[tuple[str, int]]:
    try:
        request = json.loads(body)
    except ValueError:
        return []
    entries = [request] if action == "ChangeMessageVisibility" else request.get("Entries", [])
    return [
        (str(entry["ReceiptHandle"]), int(entry["VisibilityTimeout"]))
        for entry in entries
        if isinstance(entry, dict) and "ReceiptHandle" in entry and "VisibilityTimeout" in entry
    ]
