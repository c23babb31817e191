"""`Idempotency-Key` (providers.md 2.5, behaviour unconfirmed but agreed by two copies of Xero's
page): kept for a window (default 6 minutes); a repeat of the same request returns the first
response, errors included; the same key on a different request is a 400; a repeat that arrives
while the first is still running waits for it. Keys are per app and organisation; GET ignores them.
"""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from starlette.responses import JSONResponse, Response

from local.simulators.xero.clock import Clock

MAX_KEY_LENGTH = 128


@dataclass
class StoredReply:
    fingerprint: str
    expires_at: datetime
    done: asyncio.Event = field(default_factory=asyncio.Event)
    status: int = 0
    body: bytes = b""
    media_type: str = "application/json"

    def response(self) -> Response:
        return Response(self.body, status_code=self.status, media_type=self.media_type)


class IdempotencyCache:
    def __init__(self, clock: Clock, window: float) -> None:
        self.clock, self.window = clock, window
        self.replies: dict[tuple[str, str, str], StoredReply] = {}

    @staticmethod
    def fingerprint(method: str, path: str, query: str, body: bytes) -> str:
        return hashlib.sha256(b"\n".join([method.encode(), path.encode(), query.encode(), body])).hexdigest()

    async def claim(self, scope: tuple[str, str, str], fingerprint: str) -> StoredReply | Response | None:
        """None: go ahead (the caller must `store` the reply). A Response: refuse. A StoredReply:
        replay it."""
        while True:
            now = self.clock.now()
            stored = self.replies.get(scope)
            if stored is not None and stored.done.is_set() and stored.expires_at <= now:
                del self.replies[scope]
                stored = None
            if stored is None:
                window = timedelta(seconds=self.window)
                self.replies[scope] = StoredReply(fingerprint=fingerprint, expires_at=now + window)
                return None
            if stored.fingerprint != fingerprint:
                return key_reused()
            await stored.done.wait()
            if self.replies.get(scope) is stored:
                return stored
            # The first request was abandoned before it ran: this one runs in its place.

    def store(self, scope: tuple[str, str, str], response: Response) -> None:
        stored = self.replies[scope]
        stored.status, stored.body = response.status_code, bytes(response.body)
        stored.media_type = response.media_type or "application/json"
        stored.done.set()

    def abandon(self, scope: tuple[str, str, str]) -> None:
        """The request never reached the operation (an injected 5xx): a retry runs it afresh."""
        stored = self.replies.pop(scope, None)
        if stored is not None:
            stored.done.set()

    def clear(self) -> None:
        self.replies.clear()


def invalid_key(message: str) -> JSONResponse:
    return JSONResponse({"ErrorNumber": 10, "Type": "ValidationException", "Message": message}, status_code=400)


def key_reused() -> JSONResponse:
    return invalid_key("The Idempotency-Key has already been used with a different request.")
