"""Preview mode's second half: a person approves held customer and job-site actions, one or all.

An approved action pushes the record as it is now, not as it was when held: the app may have changed
it since, and accounting should get the latest. A push that fails leaves the action pending so it
can be approved again; one that ends in a conflict hands the record over to the conflicts list.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from fieldbooks.console.record_access import PushResult, checked_entity, connected, push_now
from fieldbooks.domain.errors import Conflict, RemoteNotFound
from fieldbooks.domain.models import ConflictKind, ConflictStatus, Connection, Direction, PendingAction, SyncStatus
from fieldbooks.domain.wording import ENTITY_WORDS
from fieldbooks.services import Services

# API Gateway gives a request 30 s; each approval is a few accounting calls, so "approve all" works
# through the list in slices and tells the console how many remain.
MAX_APPROVALS_PER_CALL = 20
# Customers before their job sites: a job site sits under its customer in accounting.
ORDER = {"contact": 0, "property": 1}


class ApprovalResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    action_id: str
    entity: str
    saas_id: str
    outcome: str
    remote_id: str | None = None
    message: str | None = None
    connection_blocked: bool = False


class ApprovalSummary(BaseModel):
    approved: int
    failed: int
    remaining: int
    results: list[ApprovalResult]


def approve(services: Services, tenant_id: str, action_id: str) -> ApprovalResult:
    action = services.pending_actions.get(tenant_id, action_id)
    result = _approve(services, connected(services, tenant_id, action.provider), action)
    if result.outcome == "error":
        raise Conflict(
            f"Could not send {ENTITY_WORDS.get(action.entity, action.entity)} {action.saas_id} to "
            f"{action.provider.label}: {result.message} The action is still pending; approve it again later."
        )
    return result


def approve_all(services: Services, tenant_id: str) -> ApprovalSummary:
    actions = sorted(
        services.pending_actions.list(tenant_id), key=lambda a: (ORDER.get(a.entity, 2), a.created_at, a.action_id)
    )
    connections: dict[str, Connection] = {}
    results: list[ApprovalResult] = []
    for action in actions[:MAX_APPROVALS_PER_CALL]:
        if action.provider.value not in connections:
            connections[action.provider.value] = connected(services, tenant_id, action.provider)
        result = _approve(services, connections[action.provider.value], action)
        results.append(result)
        if result.connection_blocked:
            break  # every further push of this connection would be refused the same way
    failed = sum(1 for r in results if r.outcome == "error")
    return ApprovalSummary(
        approved=len(results) - failed,
        failed=failed,
        remaining=len(actions) - len(results) + failed,
        results=results,
    )


def _approve(services: Services, connection: Connection, action: PendingAction) -> ApprovalResult:
    tenant_id = action.tenant_id
    try:
        record = services.saas.get(tenant_id, checked_entity(action.entity), action.saas_id)
    except RemoteNotFound:
        record = None
    if record is None or record.deleted_at is not None:  # the app keeps deleted records, marked
        services.pending_actions.remove(tenant_id, action.action_id)
        detail = (
            f"The {ENTITY_WORDS.get(action.entity, action.entity)} was deleted in the app before it was approved; "
            f"nothing was sent to {action.provider.label}."
        )
        services.sync_log.write(
            tenant_id,
            provider=action.provider,
            entity=action.entity,
            direction=Direction.TO_ACCOUNTING,
            status=SyncStatus.SKIPPED,
            action="approve",
            detail=detail,
            saas_id=action.saas_id,
        )
        return _result(action, PushResult(outcome="dropped", message=detail))
    pushed = push_now(connection, action.entity, record, services, approved=True)
    if pushed.outcome not in ("error", "held"):
        services.pending_actions.remove(tenant_id, action.action_id)
    if pushed.pushed:
        resolve_duplicate_name_conflicts(services, connection, action.entity, action.saas_id)
    if pushed.outcome == "held":
        return _result(action, PushResult(outcome="error", message="It was held again instead of being sent."))
    return _result(action, pushed)


def resolve_duplicate_name_conflicts(services: Services, connection: Connection, entity: str, saas_id: str) -> None:
    """Once a record made it to accounting, its name clash is settled: take it off the conflicts list."""
    for conflict in services.conflicts.for_record(connection.tenant_id, connection.provider, entity, saas_id):
        if conflict.kind is ConflictKind.DUPLICATE_NAME and conflict.status is ConflictStatus.OPEN:
            services.conflicts.resolve(connection.tenant_id, conflict.conflict_id)


def _result(action: PendingAction, pushed: PushResult) -> ApprovalResult:
    return ApprovalResult(
        action_id=action.action_id,
        entity=action.entity,
        saas_id=action.saas_id,
        outcome=pushed.outcome,
        remote_id=pushed.remote_id,
        message=pushed.message,
        connection_blocked=pushed.connection_blocked,
    )
