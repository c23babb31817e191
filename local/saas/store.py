"""The app's SQLite store: tenants, records, number series, the event outbox, idempotent replies, history,
and the reference lists accounting sends (tax codes, tax rates, income accounts).

Hand-written SQL on stdlib `sqlite3` rather than an ORM: seven small tables, records stored as
their JSON snapshot (the same JSON the events carry), and the one thing that matters — a record
change and its event committed in one transaction — is a plain BEGIN/COMMIT.

One connection behind one lock: the app is a test double, so simplicity beats throughput, and it
makes `:memory:` databases work across the server's and the publisher's threads.
"""

import datetime as dt
import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fieldbooks.domain.records import RECORD_MODELS, Entity, SaasRecord
from fieldbooks.domain.reference_lists import ReferenceKind
from fieldbooks.saas.events import SaasChangeEvent
from fieldbooks.saas.reference_lists import ReferenceList

SCHEMA = """
CREATE TABLE IF NOT EXISTS tenants (
    tenant_id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS records (
    tenant_id TEXT NOT NULL,
    entity TEXT NOT NULL,
    record_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    updated_at TEXT NOT NULL,
    snapshot TEXT NOT NULL,
    PRIMARY KEY (tenant_id, entity, record_id)
);
CREATE INDEX IF NOT EXISTS records_by_change ON records (tenant_id, entity, updated_at, record_id);
CREATE TABLE IF NOT EXISTS number_series (
    tenant_id TEXT NOT NULL,
    series TEXT NOT NULL,
    last_number INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, series)
);
CREATE TABLE IF NOT EXISTS outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id TEXT NOT NULL,
    entity TEXT NOT NULL,
    record_id TEXT NOT NULL,
    event TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    published_at TEXT
);
CREATE INDEX IF NOT EXISTS outbox_pending ON outbox (seq) WHERE published_at IS NULL;
CREATE TABLE IF NOT EXISTS idempotent_replies (
    tenant_id TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    request_fingerprint TEXT NOT NULL,
    status_code INTEGER NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (tenant_id, idempotency_key)
);
CREATE TABLE IF NOT EXISTS record_history (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id TEXT NOT NULL,
    entity TEXT NOT NULL,
    record_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    action TEXT NOT NULL,
    origin TEXT NOT NULL,
    acted_by_kind TEXT NOT NULL,
    acted_by TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS history_by_record ON record_history (tenant_id, entity, record_id, seq);
CREATE TABLE IF NOT EXISTS reference_lists (
    tenant_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    provider TEXT NOT NULL,
    snapshot TEXT NOT NULL,
    PRIMARY KEY (tenant_id, kind, provider)
);
"""


def sortable_time(moment: dt.datetime) -> str:
    """Fixed-width UTC text, so SQLite's string order is time order (microseconds included)."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True)
class Tenant:
    tenant_id: str
    name: str
    created_at: str


@dataclass(frozen=True)
class StoredReply:
    request_fingerprint: str
    status_code: int
    body: Any


@dataclass(frozen=True)
class HistoryEntry:
    """One change of one record as the product's history shows it: what, when, by whom."""

    version: int
    action: str
    origin: str
    acted_by_kind: str
    acted_by: str
    at: str

    def as_json(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "action": self.action,
            "origin": self.origin,
            "acted_by": {"kind": self.acted_by_kind, "name": self.acted_by},
            "at": self.at,
        }


@dataclass(frozen=True)
class OutboxEntry:
    seq: int
    record_key: tuple[str, str, str]
    event: SaasChangeEvent


class StoreTransaction:
    """Reads and writes inside one open transaction; only `SaasStore.transaction` makes one."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._db = connection
        self.appended_events = 0

    def tenant(self, tenant_id: str) -> Tenant | None:
        row = self._db.execute(
            "SELECT tenant_id, name, created_at FROM tenants WHERE tenant_id = ?", (tenant_id,)
        ).fetchone()
        return Tenant(*row) if row else None

    def add_tenant(self, tenant: Tenant) -> None:
        self._db.execute(
            "INSERT INTO tenants (tenant_id, name, created_at) VALUES (?, ?, ?)",
            (tenant.tenant_id, tenant.name, tenant.created_at),
        )

    def record(self, tenant_id: str, entity: Entity, record_id: str) -> SaasRecord | None:
        row = self._db.execute(
            "SELECT snapshot FROM records WHERE tenant_id = ? AND entity = ? AND record_id = ?",
            (tenant_id, entity, record_id),
        ).fetchone()
        return RECORD_MODELS[entity].model_validate_json(row[0]) if row else None

    def put_record(self, tenant_id: str, record: SaasRecord) -> None:
        self._db.execute(
            "INSERT INTO records (tenant_id, entity, record_id, version, updated_at, snapshot)"
            " VALUES (?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (tenant_id, entity, record_id) DO UPDATE SET"
            " version = excluded.version, updated_at = excluded.updated_at, snapshot = excluded.snapshot",
            (
                tenant_id,
                record.entity,
                record.id,
                record.version,
                sortable_time(record.updated_at),
                record.model_dump_json(),
            ),
        )

    def records_changed_since(
        self,
        tenant_id: str,
        entity: Entity,
        updated_since: dt.datetime,
        after: tuple[str, str] | None,
        limit: int,
    ) -> list[SaasRecord]:
        """Keyset page in (updated_at, record_id) order; `>=` so same-instant changes are not skipped."""
        sql = "SELECT snapshot FROM records WHERE tenant_id = ? AND entity = ? AND updated_at >= ?"
        params: list[Any] = [tenant_id, entity, sortable_time(updated_since)]
        if after is not None:
            sql += " AND (updated_at, record_id) > (?, ?)"
            params.extend(after)
        sql += " ORDER BY updated_at, record_id LIMIT ?"
        params.append(limit)
        model = RECORD_MODELS[entity]
        return [model.model_validate_json(row[0]) for row in self._db.execute(sql, params)]

    def reference_lists(self, tenant_id: str, kind: ReferenceKind) -> list[ReferenceList]:
        rows = self._db.execute(
            "SELECT snapshot FROM reference_lists WHERE tenant_id = ? AND kind = ? ORDER BY provider",
            (tenant_id, kind),
        )
        return [ReferenceList.model_validate_json(row[0]) for row in rows]

    def all_reference_lists(self, tenant_id: str) -> list[ReferenceList]:
        rows = self._db.execute(
            "SELECT snapshot FROM reference_lists WHERE tenant_id = ? ORDER BY kind, provider", (tenant_id,)
        )
        return [ReferenceList.model_validate_json(row[0]) for row in rows]

    def put_reference_list(self, tenant_id: str, listing: ReferenceList) -> None:
        self._db.execute(
            "INSERT INTO reference_lists (tenant_id, kind, provider, snapshot) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (tenant_id, kind, provider) DO UPDATE SET snapshot = excluded.snapshot",
            (tenant_id, listing.kind, listing.provider, listing.model_dump_json()),
        )

    def next_number(self, tenant_id: str, series: str) -> int:
        self._db.execute(
            "INSERT INTO number_series (tenant_id, series, last_number) VALUES (?, ?, 1)"
            " ON CONFLICT (tenant_id, series) DO UPDATE SET last_number = last_number + 1",
            (tenant_id, series),
        )
        row = self._db.execute(
            "SELECT last_number FROM number_series WHERE tenant_id = ? AND series = ?", (tenant_id, series)
        ).fetchone()
        return int(row[0])

    def append_event(self, event: SaasChangeEvent) -> None:
        self._db.execute(
            "INSERT INTO outbox (tenant_id, entity, record_id, event) VALUES (?, ?, ?, ?)",
            (event.tenant_id, event.entity, event.record_id, event.model_dump_json()),
        )
        self.appended_events += 1

    def append_history(self, tenant_id: str, entity: Entity, record_id: str, entry: HistoryEntry) -> None:
        self._db.execute(
            "INSERT INTO record_history (tenant_id, entity, record_id, version, action, origin, acted_by_kind,"
            " acted_by, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                tenant_id,
                entity,
                record_id,
                entry.version,
                entry.action,
                entry.origin,
                entry.acted_by_kind,
                entry.acted_by,
                entry.at,
            ),
        )

    def history(self, tenant_id: str, entity: Entity, record_id: str) -> list[HistoryEntry]:
        """Oldest change first."""
        rows = self._db.execute(
            "SELECT version, action, origin, acted_by_kind, acted_by, at FROM record_history"
            " WHERE tenant_id = ? AND entity = ? AND record_id = ? ORDER BY seq",
            (tenant_id, entity, record_id),
        )
        return [HistoryEntry(*row) for row in rows]

    def idempotent_reply(self, tenant_id: str, idempotency_key: str) -> StoredReply | None:
        row = self._db.execute(
            "SELECT request_fingerprint, status_code, body FROM idempotent_replies"
            " WHERE tenant_id = ? AND idempotency_key = ?",
            (tenant_id, idempotency_key),
        ).fetchone()
        return StoredReply(row[0], row[1], json.loads(row[2])) if row else None

    def save_idempotent_reply(self, tenant_id: str, idempotency_key: str, reply: StoredReply) -> None:
        self._db.execute(
            "INSERT INTO idempotent_replies"
            " (tenant_id, idempotency_key, request_fingerprint, status_code, body) VALUES (?, ?, ?, ?, ?)",
            (
                tenant_id,
                idempotency_key,
                reply.request_fingerprint,
                reply.status_code,
                json.dumps(reply.body),
            ),
        )


class SaasStore:
    def __init__(self, path: str) -> None:
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: we issue BEGIN/COMMIT ourselves, so a transaction is exactly one `with`.
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._lock = threading.Lock()
        self.events_committed = threading.Event()
        with self._lock:
            if path != ":memory:":
                # WAL + NORMAL: a crash of the app loses nothing committed; only a power cut could.
                self._db.execute("PRAGMA journal_mode=WAL")
                self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(SCHEMA)

    @contextmanager
    def transaction(self) -> Iterator[StoreTransaction]:
        """All or nothing: a record change and its outbox event land together or not at all."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            tx = StoreTransaction(self._db)
            try:
                yield tx
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
        if tx.appended_events:
            self.events_committed.set()

    def pending_events(self, limit: int) -> list[OutboxEntry]:
        with self._lock:
            rows = self._db.execute(
                "SELECT seq, tenant_id, entity, record_id, event FROM outbox"
                " WHERE published_at IS NULL ORDER BY seq LIMIT ?",
                (limit,),
            ).fetchall()
        return [
            OutboxEntry(seq=seq, record_key=(tenant, entity, record), event=SaasChangeEvent.model_validate_json(event))
            for seq, tenant, entity, record, event in rows
        ]

    def mark_published(self, seqs: list[int], at: dt.datetime) -> None:
        with self._lock:
            self._db.executemany(
                "UPDATE outbox SET published_at = ?, attempts = attempts + 1 WHERE seq = ?",
                [(sortable_time(at), seq) for seq in seqs],
            )

    def count_failed_attempt(self, seqs: list[int]) -> None:
        with self._lock:
            self._db.executemany("UPDATE outbox SET attempts = attempts + 1 WHERE seq = ?", [(seq,) for seq in seqs])

    def close(self) -> None:
        with self._lock:
            self._db.close()
