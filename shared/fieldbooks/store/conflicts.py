"""Conflicts and pending actions (preview holds; voids and deletions in accounting a person decides on),
both in the conflicts table under their own key prefix.

Keys are deterministic per record ("conflict#<provider>~<entity>~<id>~<kind>", "pending#<provider>~<entity>~<id>"),
so a retried push never opens a second conflict or queues a second pending action for one record.
"""

from __future__ import annotations

import os

from pynamodb.attributes import BooleanAttribute, JSONAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.models import Model

from fieldbooks.domain.actors import Actor, current_actor
from fieldbooks.domain.errors import NotFound
from fieldbooks.domain.models import (
    ConflictKind,
    ConflictRecord,
    ConflictStatus,
    PendingAction,
    PendingActionKind,
    PendingActionStatus,
    Provider,
)
from fieldbooks.store.base import TableSettings, now

CONFLICT = "conflict#"
PENDING = "pending#"


class ConflictRow(Model):
    class Meta(TableSettings):
        table_name = os.environ.get("CONFLICTS_TABLE", "fieldbooks-dev-conflicts")

    tenant_id = UnicodeAttribute(hash_key=True)
    item_key = UnicodeAttribute(range_key=True)
    provider = UnicodeAttribute()
    entity = UnicodeAttribute()
    saas_id = UnicodeAttribute()
    status = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    # conflict fields
    kind = UnicodeAttribute(null=True)
    resolvable = BooleanAttribute(null=True)
    message = UnicodeAttribute(null=True)
    details = JSONAttribute(null=True)  # name, remote_id, other_saas_ids, values
    resolved_at = UTCDateTimeAttribute(null=True)
    resolved_by = UnicodeAttribute(null=True)  # the Actor's JSON (domain/actors.py)
    # pending-action fields
    record_version = UnicodeAttribute(null=True)
    action = UnicodeAttribute(null=True)
    summary = UnicodeAttribute(null=True)


# "~" is unreserved in URLs, so these ids travel in API paths as they are.
def conflict_id(provider: Provider, entity: str, saas_id: str, kind: ConflictKind) -> str:
    return f"{provider.value}~{entity}~{saas_id}~{kind.value}"


def action_id(provider: Provider, entity: str, saas_id: str) -> str:
    return f"{provider.value}~{entity}~{saas_id}"


class ConflictStore:
    def open(self, conflict: ConflictRecord) -> ConflictRecord:
        """Opens or refreshes the one open conflict of this record and kind (its id is derived, not random)."""
        details = {
            "name": conflict.name,
            "remote_id": conflict.remote_id,
            "other_saas_ids": conflict.other_saas_ids,
            "values": conflict.values,
        }
        ConflictRow(
            conflict.tenant_id,
            CONFLICT + conflict.conflict_id,
            provider=conflict.provider.value,
            entity=conflict.entity,
            saas_id=conflict.saas_id,
            status=ConflictStatus.OPEN.value,
            created_at=conflict.created_at,
            kind=conflict.kind.value,
            resolvable=conflict.resolvable,
            message=conflict.message,
            details=details,
        ).save()
        return conflict.model_copy(update={"status": ConflictStatus.OPEN, "resolved_at": None})

    def get(self, tenant_id: str, conflict_id: str) -> ConflictRecord:
        try:
            return _conflict(ConflictRow.get(tenant_id, CONFLICT + conflict_id))
        except ConflictRow.DoesNotExist as error:
            raise NotFound("That conflict does not exist.") from error

    def list(self, tenant_id: str, status: ConflictStatus | None = ConflictStatus.OPEN) -> list[ConflictRecord]:
        rows = ConflictRow.query(tenant_id, ConflictRow.item_key.startswith(CONFLICT))
        return [c for c in map(_conflict, rows) if status is None or c.status is status]

    def for_record(self, tenant_id: str, provider: Provider, entity: str, saas_id: str) -> list[ConflictRecord]:
        prefix = f"{CONFLICT}{provider.value}~{entity}~{saas_id}~"
        return [_conflict(row) for row in ConflictRow.query(tenant_id, ConflictRow.item_key.startswith(prefix))]

    def resolve(self, tenant_id: str, conflict_id: str) -> ConflictRecord:
        row = ConflictRow.get(tenant_id, CONFLICT + conflict_id)
        actions = [ConflictRow.status.set(ConflictStatus.RESOLVED.value), ConflictRow.resolved_at.set(now())]
        if (by := current_actor()) is not None:  # whoever the request or job acts for
            actions.append(ConflictRow.resolved_by.set(by.model_dump_json()))
        row.update(actions=actions)
        return _conflict(row)


class PendingActionStore:
    def hold(self, action: PendingAction) -> PendingAction:
        """One pending action per record: a newer version replaces the older one."""
        ConflictRow(
            action.tenant_id,
            PENDING + action.action_id,
            provider=action.provider.value,
            entity=action.entity,
            saas_id=action.saas_id,
            status=PendingActionStatus.PENDING.value,
            created_at=action.created_at,
            record_version=str(action.record_version),
            action=action.action.value,
            summary=action.summary,
            details={"remote_id": action.remote_id} if action.remote_id else None,
        ).save()
        return action

    def get(self, tenant_id: str, action_id: str) -> PendingAction:
        try:
            return _pending(ConflictRow.get(tenant_id, PENDING + action_id))
        except ConflictRow.DoesNotExist as error:
            raise NotFound("That pending action does not exist.") from error

    def find(self, tenant_id: str, action_id: str) -> PendingAction | None:
        try:
            return _pending(ConflictRow.get(tenant_id, PENDING + action_id))
        except ConflictRow.DoesNotExist:
            return None

    def list(self, tenant_id: str) -> list[PendingAction]:
        return [_pending(row) for row in ConflictRow.query(tenant_id, ConflictRow.item_key.startswith(PENDING))]

    def remove(self, tenant_id: str, action_id: str) -> None:
        ConflictRow(tenant_id, PENDING + action_id).delete()


def _conflict(row: ConflictRow) -> ConflictRecord:
    details = row.details or {}
    return ConflictRecord(
        tenant_id=row.tenant_id,
        conflict_id=row.item_key.removeprefix(CONFLICT),
        provider=Provider(row.provider),
        entity=row.entity,
        saas_id=row.saas_id,
        kind=ConflictKind(row.kind),
        resolvable=bool(row.resolvable),
        message=row.message or "",
        name=details.get("name"),
        remote_id=details.get("remote_id"),
        other_saas_ids=details.get("other_saas_ids") or [],
        values=details.get("values"),
        status=ConflictStatus(row.status),
        created_at=row.created_at,
        resolved_at=row.resolved_at,
        resolved_by=Actor.model_validate_json(row.resolved_by) if row.resolved_by else None,
    )


def _pending(row: ConflictRow) -> PendingAction:
    return PendingAction(
        tenant_id=row.tenant_id,
        action_id=row.item_key.removeprefix(PENDING),
        provider=Provider(row.provider),
        entity=row.entity,
        saas_id=row.saas_id,
        record_version=int(row.record_version or 0),
        action=PendingActionKind(row.action or "create"),
        summary=row.summary or "",
        remote_id=(row.details or {}).get("remote_id"),
        status=PendingActionStatus(row.status),
        created_at=row.created_at,
    )
