"""Change notifications as Intuit sends them (providers.md 1.7).

Changes wait `aggregation_delay` (scaled), then go out together: by default as one CloudEvents array,
which may mix realms (Intuit's format since 2026), or, when configured, as one legacy
`eventNotifications` payload with one notification per realm. Each body is signed with
`intuit-signature` = base64(HMAC-SHA256(verifier token, raw body)). Deliveries are sequential:
a failing one is retried on Intuit's schedule and holds back later ones ("later events may wait
until the first is acknowledged").
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from local.simulators.quickbooks_online.clock import Clock, reply_time, webhook_time
from local.simulators.quickbooks_online.config import SimulatorConfig, WebhookConfig
from local.simulators.quickbooks_online.entities import Change

# Waits before attempt 1, 2, 3, ...: "0 s, 10 s, 20 s, 30 s, 5 m, 20 m, 2 h, 4 h, 6 h, then every 6 h".
RETRY_WAITS = [0.0, 10.0, 20.0, 30.0, 300.0, 1200.0, 7200.0, 14400.0, 21600.0]
EVERY_SIX_HOURS = 21600.0
CLOUDEVENT_VERBS = {"Create": "created", "Update": "updated", "Delete": "deleted", "Void": "voided"}


def signature(verifier_token: str, body: bytes) -> str:
    return base64.b64encode(hmac.new(verifier_token.encode(), body, hashlib.sha256).digest()).decode()


@dataclass
class DeliveryAttempt:
    """One POST, kept for the admin API so tests can see retries without a clock."""

    number: int
    status: int | None
    error: str | None
    body: str


@dataclass(eq=False)
class Notification:
    body: bytes
    attempts: list[DeliveryAttempt] = field(default_factory=list)
    delivered: bool = False


class WebhookDispatcher:
    def __init__(self, config: SimulatorConfig, clock: Clock, timezone_of: Callable[[str], str]) -> None:
        self.config = config
        self.settings: WebhookConfig = config.webhook.model_copy()
        self.clock = clock
        self.timezone_of = timezone_of
        self.pending: list[Change] = []
        self.notifications: list[Notification] = []
        self._queue: asyncio.Queue[Notification] = asyncio.Queue()
        self._timers: list[asyncio.TimerHandle] = []
        self._worker: asyncio.Task[None] | None = None
        self._client: httpx.AsyncClient | None = None

    async def start(self) -> None:
        self._client = httpx.AsyncClient(timeout=self.settings.delivery_timeout)
        self._worker = asyncio.create_task(self._deliver_forever())

    async def stop(self) -> None:
        for timer in self._timers:
            timer.cancel()
        if self._worker is not None:
            self._worker.cancel()
            await asyncio.gather(self._worker, return_exceptions=True)
        if self._client is not None:
            await self._client.aclose()

    def publish(self, changes: list[Change]) -> None:
        """Queue committed changes; the first one waiting starts the aggregation timer."""
        if not self.settings.url or not changes:
            return
        if not self.pending:
            delay = self.config.scaled(self.settings.aggregation_delay)
            self._timers.append(asyncio.get_running_loop().call_later(delay, self._flush))
        self.pending.extend(changes)

    def reset(self) -> None:
        for timer in self._timers:
            timer.cancel()
        self._timers.clear()
        self.pending.clear()
        self.notifications.clear()
        self.settings = self.config.webhook.model_copy()
        while not self._queue.empty():
            self._queue.get_nowait()

    def _flush(self) -> None:
        changes, self.pending = self.pending, []
        if not changes:
            return
        payload = self._cloudevents(changes) if self.settings.format == "cloudevents" else self._legacy(changes)
        notification = Notification(body=json.dumps(payload).encode())
        self.notifications.append(notification)
        self._queue.put_nowait(notification)

    def _legacy(self, changes: list[Change]) -> dict[str, Any]:
        """One realm per notification (providers.md 1.7), realms in the order they changed."""
        realms = list(dict.fromkeys(change.realm_id for change in changes))
        return {"eventNotifications": [self._legacy_notification(realm, changes) for realm in realms]}

    def _legacy_notification(self, realm_id: str, changes: list[Change]) -> dict[str, Any]:
        timezone = self.timezone_of(realm_id)
        entities = [
            {"name": c.entity, "id": c.id, "operation": c.operation, "lastUpdated": webhook_time(c.at, timezone)}
            for c in changes
            if c.realm_id == realm_id
        ]
        return {"realmId": realm_id, "dataChangeEvent": {"entities": entities}}

    def _cloudevents(self, changes: list[Change]) -> list[dict[str, Any]]:
        return [
            {
                "specversion": "1.0",
                "id": str(uuid.uuid4()),
                "source": "intuit.dsnBgbseACLLRZNxo2dfc4evmEJdxde58xeeYcZliOU=",
                "type": f"qbo.{c.entity.lower()}.{CLOUDEVENT_VERBS[c.operation]}.v1",
                "datacontenttype": "application/json",
                "time": reply_time(c.at, self.timezone_of(c.realm_id)),
                "intuitentityid": c.id,
                "intuitaccountid": c.realm_id,
                "data": {},
            }
            for c in changes
        ]

    async def _deliver_forever(self) -> None:
        while True:
            notification = await self._queue.get()
            await self._deliver(notification)

    async def _deliver(self, notification: Notification) -> None:
        """Retry until a 200 arrives; only `stop()` or `reset()` ends a notification's retries."""
        attempt = 0
        while notification in self.notifications and self.settings.url:
            wait = RETRY_WAITS[attempt] if attempt < len(RETRY_WAITS) else EVERY_SIX_HOURS
            await asyncio.sleep(self.config.scaled(wait))
            attempt += 1
            status, error = await self._post(notification.body)
            notification.attempts.append(DeliveryAttempt(attempt, status, error, notification.body.decode()))
            if status == 200:
                notification.delivered = True
                return

    async def _post(self, body: bytes) -> tuple[int | None, str | None]:
        assert self._client is not None and self.settings.url is not None
        headers = {
            "content-type": "application/json",
            "intuit-signature": signature(self.settings.verifier_token, body),
        }
        try:
            reply = await self._client.post(self.settings.url, content=body, headers=headers)
        except httpx.HTTPError as error:
            return None, f"{type(error).__name__}: {error}"
        return reply.status_code, None
