"""The sync log: one row per record and action, kept 90 days (DynamoDB TTL on `expires_at`)."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.expressions.condition import Condition
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model
from pynamodb.pagination import ResultIterator

from fieldbooks.domain.actors import Actor, current_actor
from fieldbooks.domain.models import Direction, Provider, SyncLogEntry, SyncLogPage, SyncStatus
from fieldbooks.store.base import PageCursors, TableSettings, expiry_epoch, now, sortable_id

RETENTION_DAYS = 90
MAX_PAGE_SIZE = 200
CARD_PAGE_SIZE = 200
CARD_PAGES = 5


class _ByRun(GlobalSecondaryIndex["SyncLogRow"]):
    class Meta:
        index_name = "by-run"
        projection = AllProjection()

    tenant_run = UnicodeAttribute(hash_key=True)  # "<tenant>#<run id>"
    log_key = UnicodeAttribute(range_key=True)


class _ByRecord(GlobalSecondaryIndex["SyncLogRow"]):
    class Meta:
        index_name = "by-record"
        projection = AllProjection()

    tenant_record = UnicodeAttribute(hash_key=True)  # "<tenant>#<saas record id>"
    log_key = UnicodeAttribute(range_key=True)


class SyncLogRow(Model):
    class Meta(TableSettings):
        table_name = os.environ.get("SYNC_LOG_TABLE", "fieldbooks-dev-sync-log")

    tenant_id = UnicodeAttribute(hash_key=True)
    log_key = UnicodeAttribute(range_key=True)  # sortable id: newest last, read newest first
    created_at = UTCDateTimeAttribute()
    provider = UnicodeAttribute(null=True)
    entity = UnicodeAttribute()
    direction = UnicodeAttribute()
    status = UnicodeAttribute()
    action = UnicodeAttribute()
    detail = UnicodeAttribute()
    saas_id = UnicodeAttribute(null=True)
    remote_id = UnicodeAttribute(null=True)
    run_id = UnicodeAttribute(null=True)
    values_json = UnicodeAttribute(null=True)
    acted_by = UnicodeAttribute(null=True)  # the Actor's JSON (domain/actors.py)
    tenant_run = UnicodeAttribute(null=True)
    tenant_record = UnicodeAttribute(null=True)
    expires_at = NumberAttribute()

    by_run = _ByRun()
    by_record = _ByRecord()

    def to_model(self) -> SyncLogEntry:
        return SyncLogEntry(
            tenant_id=self.tenant_id,
            log_id=self.log_key,
            created_at=self.created_at,
            provider=Provider(self.provider) if self.provider else None,
            entity=self.entity,
            direction=Direction(self.direction),
            status=SyncStatus(self.status),
            action=self.action,
            detail=self.detail,
            saas_id=self.saas_id,
            remote_id=self.remote_id,
            run_id=self.run_id,
            values=json.loads(self.values_json) if self.values_json else None,
            acted_by=Actor.model_validate_json(self.acted_by) if self.acted_by else None,
        )


@dataclass(frozen=True)
class SyncLogFilter:
    entity: str | None = None
    status: SyncStatus | None = None
    direction: Direction | None = None
    run_id: str | None = None
    record_id: str | None = None

    @property
    def query(self) -> tuple[object, ...]:
        """What a page cursor is bound to: these filters, so it never continues another listing."""
        return ("sync-log", self.entity, self.status, self.direction, self.run_id, self.record_id)

    @property
    def key_attributes(self) -> tuple[str, ...]:
        """The attributes of a start key of the index these filters read."""
        if self.record_id:
            return ("tenant_id", "log_key", "tenant_record")
        if self.run_id:
            return ("tenant_id", "log_key", "tenant_run")
        return ("tenant_id", "log_key")


class SyncLogStore:
    def __init__(self, cursors: PageCursors | None = None) -> None:
        self._cursors = cursors or PageCursors.from_environment()

    def write(
        self,
        tenant_id: str,
        *,
        entity: str,
        direction: Direction,
        status: SyncStatus,
        action: str,
        detail: str,
        provider: Provider | None = None,
        saas_id: str | None = None,
        remote_id: str | None = None,
        run_id: str | None = None,
        values: dict[str, object] | None = None,
        acted_by: Actor | None = None,
    ) -> SyncLogEntry:
        """`acted_by` defaults to whoever the current request or job acts for (domain/actors.py)."""
        acted_by = acted_by or current_actor()
        row = SyncLogRow(
            tenant_id,
            sortable_id(),
            created_at=now(),
            provider=provider.value if provider else None,
            entity=entity,
            direction=direction.value,
            status=status.value,
            action=action,
            detail=detail,
            saas_id=saas_id,
            remote_id=remote_id,
            run_id=run_id,
            values_json=json.dumps(values, default=str) if values is not None else None,
            acted_by=acted_by.model_dump_json() if acted_by else None,
            tenant_run=f"{tenant_id}#{run_id}" if run_id else None,
            tenant_record=f"{tenant_id}#{saas_id}" if saas_id else None,
            expires_at=expiry_epoch(RETENTION_DAYS),
        )
        row.save()
        return row.to_model()

    def page(
        self, tenant_id: str, filters: SyncLogFilter, *, limit: int = 50, cursor: str | None = None
    ) -> SyncLogPage:
        """Newest first. Run and record filters use their index; the others filter within the tenant."""
        results = self._query(tenant_id, filters, limit=min(limit, MAX_PAGE_SIZE), cursor=cursor)
        items = [row.to_model() for row in results]
        next_cursor = self._cursors.encode(tenant_id, filters.query, results.last_evaluated_key)
        return SyncLogPage(items=items, next_cursor=next_cursor)

    def all(self, tenant_id: str, filters: SyncLogFilter) -> list[SyncLogEntry]:
        """Every matching row, for the CSV export (90 days of one tenant fits in memory)."""
        return [row.to_model() for row in self._query(tenant_id, filters, limit=None, cursor=None)]

    def _query(
        self, tenant_id: str, filters: SyncLogFilter, *, limit: int | None, cursor: str | None
    ) -> ResultIterator[SyncLogRow]:
        condition: Condition | None = None
        for attribute, value in (
            (SyncLogRow.entity, filters.entity),
            (SyncLogRow.status, filters.status),
            (SyncLogRow.direction, filters.direction),
            (SyncLogRow.run_id, filters.run_id if filters.record_id else None),
        ):
            if value is not None:
                clause = attribute == str(value)
                condition = clause if condition is None else condition & clause
        options = {
            "scan_index_forward": False,
            "filter_condition": condition,
            "limit": limit,
            "last_evaluated_key": self._cursors.decode(tenant_id, filters.query, cursor, filters.key_attributes),
        }
        if filters.record_id:
            return SyncLogRow.by_record.query(f"{tenant_id}#{filters.record_id}", **options)
        if filters.run_id:
            return SyncLogRow.by_run.query(f"{tenant_id}#{filters.run_id}", **options)
        return SyncLogRow.query(tenant_id, **options)

    # ------------------------------------------------------------ for the integrations card (console/status.py)
    def newest_of(
        self, tenant_id: str, provider: Provider, direction: Direction, statuses: tuple[SyncStatus, ...]
    ) -> SyncLogEntry | None:
        """The newest row of this provider, direction and status, looked for among the newest
        `CARD_PAGES` pages of the log only: a card must not read 90 days of rows to say "long ago"."""
        condition = (
            (SyncLogRow.direction == direction.value)
            & SyncLogRow.status.is_in(*(s.value for s in statuses))
            & _of_provider(provider)
        )
        rows = SyncLogRow.query(
            tenant_id, scan_index_forward=False, filter_condition=condition, page_size=CARD_PAGE_SIZE
        )
        for number, page in enumerate(rows.page_iter, start=1):
            if items := page.get("Items"):
                return SyncLogRow.from_raw_data(items[0]).to_model()
            if number >= CARD_PAGES:
                break
        return None

    def count_since(self, tenant_id: str, provider: Provider, status: SyncStatus, since: datetime) -> int:
        """Rows of this provider and status written at or after `since`: the key starts with the time,
        so only those rows are read."""
        return SyncLogRow.count(
            tenant_id,
            SyncLogRow.log_key >= f"{int(since.timestamp() * 1000):013d}",
            filter_condition=(SyncLogRow.status == status.value) & _of_provider(provider),
        )


def _of_provider(provider: Provider) -> Condition:
    """Rows written for this provider, and rows older than the provider column (one connection then)."""
    return (SyncLogRow.provider == provider.value) | SyncLogRow.provider.does_not_exist()
