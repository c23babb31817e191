"""Drains the outbox to the SaaS EventBridge bus, so an event is never lost when the bus is down.

Delivery is at least once: a crash between `put_events` and marking the row published sends the
event again with the same `event_id`. Per record, events leave in version order: a batch holds at
most one event per record (EventBridge does not order entries within a batch), and a record's next
event waits until the previous one is accepted.
"""

import datetime as dt
import logging
import os
import threading
import time
from collections.abc import Sequence
from typing import Any, Protocol

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from fieldbooks.saas.events import SaasChangeEvent, eventbridge_entry
from local.saas.store import OutboxEntry, SaasStore

logger = logging.getLogger(__name__)

PUT_EVENTS_MAX_ENTRIES = 10  # EventBridge's limit per PutEvents call


class EventSink(Protocol):
    def publish(self, events: Sequence[SaasChangeEvent]) -> list[bool]:
        """Sends the events; returns, per event, whether the bus accepted it."""
        ...


class EventBridgeSink:
    """Endpoint and credentials come from boto3's usual environment (`AWS_ENDPOINT_URL`, ...)."""

    def __init__(self, bus_name: str, client: Any = None) -> None:
        self._bus_name = bus_name
        self._client = client or boto3.client(
            "events",
            region_name=os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1",
            # Short timeouts: a down bus should cost the publisher a retry, not a minute.
            config=Config(connect_timeout=2, read_timeout=5, retries={"max_attempts": 2}),
        )

    def publish(self, events: Sequence[SaasChangeEvent]) -> list[bool]:
        try:
            reply = self._client.put_events(Entries=[eventbridge_entry(event, self._bus_name) for event in events])
        except (BotoCoreError, ClientError) as error:
            logger.warning("EventBridge put_events failed, will retry: %s", error)
            return [False] * len(events)
        return ["ErrorCode" not in entry for entry in reply["Entries"]]


class RecordingSink:
    """Keeps what it is given; for tests that check events without an EventBridge."""

    def __init__(self) -> None:
        self.events: list[SaasChangeEvent] = []
        self._lock = threading.Lock()

    def publish(self, events: Sequence[SaasChangeEvent]) -> list[bool]:
        with self._lock:
            self.events.extend(events)
        return [True] * len(events)


def next_batch(pending: list[OutboxEntry]) -> list[OutboxEntry]:
    """The oldest pending event of each record, in outbox order, up to one PutEvents call."""
    batch: list[OutboxEntry] = []
    records_seen: set[tuple[str, str, str]] = set()
    for entry in pending:
        if entry.record_key in records_seen:
            continue
        records_seen.add(entry.record_key)
        batch.append(entry)
        if len(batch) == PUT_EVENTS_MAX_ENTRIES:
            break
    return batch


class OutboxPublisher:
    def __init__(self, store: SaasStore, sink: EventSink, idle_wait: float = 0.5, max_backoff: float = 5.0) -> None:
        self._store = store
        self._sink = sink
        self._idle_wait = idle_wait
        self._max_backoff = max_backoff
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="saas-outbox-publisher", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        self._store.events_committed.set()
        self._thread.join(timeout=10)

    def publish_pending(self) -> tuple[int, int]:
        """One round: returns (published, failed)."""
        batch = next_batch(self._store.pending_events(limit=200))
        if not batch:
            return 0, 0
        accepted = self._sink.publish([entry.event for entry in batch])
        published = [entry.seq for entry, ok in zip(batch, accepted, strict=True) if ok]
        failed = [entry.seq for entry, ok in zip(batch, accepted, strict=True) if not ok]
        self._store.mark_published(published, at=dt.datetime.now(dt.UTC))
        self._store.count_failed_attempt(failed)
        return len(published), len(failed)

    def wait_until_drained(self, timeout: float) -> bool:
        """True once every committed event was accepted by the bus; lets tests wait for delivery."""
        deadline = time.monotonic() + timeout
        while self._store.pending_events(limit=1):
            if time.monotonic() > deadline:
                return False
            self._store.events_committed.set()
            time.sleep(0.01)
        return True

    def _run(self) -> None:
        backoff = 0.0
        while not self._stopping.is_set():
            self._store.events_committed.clear()
            try:
                published, failed = self.publish_pending()
            except Exception:  # the thread must outlive any one bad round
                logger.exception("Publishing the SaaS outbox failed; retrying")
                published, failed = 0, 1
            if failed:
                backoff = min(self._max_backoff, backoff * 2 or 0.1)
                self._stopping.wait(backoff)
            elif published:
                backoff = 0.0
            else:
                self._store.events_committed.wait(self._idle_wait)
