"""Webhooks as Xero sends them (providers.md 2.7).

A subscription must pass Intent to Receive before events flow: Xero posts correctly and wrongly
signed empty batches, and the receiver must answer 200 (no body) to the first and 401 to the
second, each within 5 s. Then committed changes of contacts, invoices and credit notes wait
`batch_delay` (scaled) and go out together as one signed batch; events carry only ids, the receiver
GETs `resourceUrl`. A failed delivery is retried with growing waits; when they run out the
subscription is disabled, as Xero does after 24 hours.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass, field
from typing import Any, Literal

import httpx

from local.simulators.xero.config import SimulatorConfig, WebhookConfig
from local.simulators.xero.ledger import EVENT_CATEGORIES, Change

SubscriptionStatus = Literal["NONE", "PENDING", "OK", "FAILED", "DISABLED"]
INTENT_TO_RECEIVE_ROUNDS = 2


def signature(key: str, body: bytes) -> str:
    """`x-xero-signature`: base64(HMAC-SHA256(webhook key, raw body))."""
    return base64.b64encode(hmac.new(key.encode(), body, hashlib.sha256).digest()).decode()


@dataclass
class DeliveryAttempt:
    number: int
    status: int | None
    error: str | None


@dataclass(eq=False)
class Notification:
    body: bytes
    attempts: list[DeliveryAttempt] = field(default_factory=list)
    delivered: bool = False


class WebhookDispatcher:
    def __init__(self, config: SimulatorConfig) -> None:
        self.config = config
        self.settings: WebhookConfig = config.webhook.model_copy()
        self.status: SubscriptionStatus = "PENDING" if self.settings.url else "NONE"
        self.intent_checks: list[dict[str, Any]] = []
        self.pending: list[dict[str, Any]] = []
        self.notifications: list[Notification] = []
        self.sequence = 0
        self._queue: asyncio.Queue[Notification] = asyncio.Queue()
        self._timer: asyncio.TimerHandle | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._client: httpx.AsyncClient | None = None

    async def start(self) -> None:
        self._client = httpx.AsyncClient(timeout=self.settings.delivery_timeout)
        self._spawn(self._deliver_forever())
        if self.settings.url:
            self._spawn(self.intent_to_receive())

    async def stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._client is not None:
            await self._client.aclose()

    def configure(self, **changes: Any) -> None:
        """A new URL or key re-runs Intent to Receive, as subscribing or editing does at Xero."""
        self.settings = self.settings.model_validate({**self.settings.model_dump(), **changes})
        self.status = "PENDING" if self.settings.url else "NONE"
        if self.settings.url:
            self._spawn(self.intent_to_receive())

    async def intent_to_receive(self) -> SubscriptionStatus:
        """Good and bad signatures, interleaved; OK only if every answer was right."""
        self.status, self.intent_checks = "PENDING", []
        passed = True
        for round_number in range(INTENT_TO_RECEIVE_ROUNDS * 2):
            body = json.dumps(
                {"events": [], "firstEventSequence": 0, "lastEventSequence": 0, "entropy": _entropy()}
            ).encode()
            signed_correctly = round_number % 2 == 0
            key = self.settings.key if signed_correctly else secrets.token_hex(16)
            reply = await self._post(body, signature(key, body))
            expected = 200 if signed_correctly else 401
            ok = reply is not None and reply.status_code == expected
            if ok and signed_correctly and reply is not None and (reply.content or "set-cookie" in reply.headers):
                ok = False  # "no body and no cookies" (XD:documentation/webhooks/configuring-your-server)
            self.intent_checks.append(
                {"signed_correctly": signed_correctly, "status": reply.status_code if reply else None, "ok": ok}
            )
            passed = passed and ok
        self.status = "OK" if passed else "FAILED"
        return self.status

    def publish(self, changes: list[Change], api_base: str) -> None:
        """Only a verified subscription receives events; others are not subscribed at all."""
        if self.status != "OK" or not changes:
            return
        for change in changes:
            event = {
                "resourceUrl": f"{api_base}/api.xro/2.0/{change.entity}/{change.id}",
                "resourceId": change.id,
                # No zone, milliseconds: `2017-06-21T01:15:39.902` (providers.md 2.7).
                "eventDateUtc": change.at.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3],
                "eventType": change.event_type,
                "eventCategory": EVENT_CATEGORIES[change.entity],
                "tenantId": change.tenant_id,
                "tenantType": "ORGANISATION",
            }
            self.pending.append({**event, "data": change.data} if change.data else event)
        if self._timer is None:
            loop = asyncio.get_running_loop()
            self._timer = loop.call_later(self.config.scaled(self.settings.batch_delay), self._flush)

    def reset(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self.pending.clear()
        self.notifications.clear()
        self.sequence = 0
        configured = self.config.webhook
        if configured.url != self.settings.url or configured.key != self.settings.key:
            self.settings = configured.model_copy()
            self.status = "NONE" if not configured.url else "PENDING"
            if configured.url:
                self._spawn(self.intent_to_receive())
        while not self._queue.empty():
            self._queue.get_nowait()

    def _flush(self) -> None:
        self._timer = None
        events, self.pending = self.pending, []
        if not events:
            return
        first = self.sequence + 1
        self.sequence += len(events)
        payload = {"events": events, "firstEventSequence": first, "lastEventSequence": self.sequence}
        notification = Notification(body=json.dumps({**payload, "entropy": _entropy()}).encode())
        self.notifications.append(notification)
        self._queue.put_nowait(notification)

    async def _deliver_forever(self) -> None:
        while True:
            notification = await self._queue.get()
            await self._deliver(notification)

    async def _deliver(self, notification: Notification) -> None:
        for number, wait in enumerate(self.settings.retry_waits, start=1):
            await asyncio.sleep(self.config.scaled(wait))
            if notification not in self.notifications or self.status != "OK":
                return
            reply = await self._post(notification.body, signature(self.settings.key, notification.body))
            status = reply.status_code if reply is not None else None
            error = None if reply is not None else "no reply within the delivery timeout"
            notification.attempts.append(DeliveryAttempt(number, status, error))
            if status == 200:
                notification.delivered = True
                return
        self.status = "DISABLED"

    async def _post(self, body: bytes, signed: str) -> httpx.Response | None:
        assert self._client is not None and self.settings.url is not None
        headers = {"content-type": "application/json", "x-xero-signature": signed}
        try:
            return await self._client.post(self.settings.url, content=body, headers=headers)
        except httpx.HTTPError:
            return None

    def _spawn(self, coroutine: Any) -> None:
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


def _entropy() -> str:
    return secrets.token_urlsafe(15)[:20].upper()
