"""Pending actions approved, one or all: preview mode's held customer and job-site actions, and what
accounting did to a synced document (voided: void it in the SaaS too; deleted: re-import it).

An approved action pushes the record as it is now, not as it was when held: the app may have changed
it since, and accounting should get the latest. A push that fails leaves the action pending so it
can be approved again; one that ends in a conflict hands the record over to the conflicts list.
"""

from __future__ import annotations

from contextlib import suppress

from pydantic import BaseModel, ConfigDict

from fieldbooks.console.record_access import PushResult, checked_entity, connected, push_now
from fieldbooks.domain.errors import Conflict, RemoteNotFound, StaleVersion, ValidationFailed
from fieldbooks.domain.models import (
    ConflictKind,
    ConflictStatus,
    Connection,
    Direction,
    LinkState,
    PendingAction,
    PendingActionKind,
    SyncStatus,
)
from fieldbooks.domain.wording import ENTITY_WORDS, describe
from fieldbooks.services import Services
from fieldbooks.sync.inbound_documents import discard_deleted_twin

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
        word = ENTITY_WORDS.get(action.entity, action.entity)
        what = (
            f"void {word} {action.saas_id} in the app"
            if action.action is PendingActionKind.VOID
            else f"send {word} {action.saas_id} to {action.provider.label}"
        )
        raise Conflict(f"Could not {what}: {result.message} The action is still pending; approve it again later.")
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
    if action.action is PendingActionKind.VOID:
        return _result(action, void_in_saas(services, connection, action))
    if action.action is PendingActionKind.REIMPORT:
        return _result(action, reimport(services, connection, action))
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


def void_in_saas(services: Services, connection: Connection, action: PendingAction) -> PushResult:
    """Voided in accounting, approved here: the SaaS invoice is voided through the platform API. Its link
    moves to that version, so the void is not pushed back to an accounting that did it first."""
    tenant_id = action.tenant_id
    try:
        invoice = services.saas.get_invoice(tenant_id, action.saas_id)
        if invoice.status != "void":
            key = f"fb-void-{action.saas_id}-{action.record_version}"[:64]
            invoice = services.saas.void_invoice(tenant_id, action.saas_id, idempotency_key=key)
    except RemoteNotFound:
        invoice = None
    except ValidationFailed as error:  # e.g. payments applied to it in the app: a person sorts those out first
        said = error.message.rstrip()
        return PushResult(outcome="error", message=said if said.endswith(".") else f"{said}.")
    services.pending_actions.remove(tenant_id, action.action_id)
    if invoice is None:
        return PushResult(outcome="dropped", message="The invoice no longer exists in the app.")
    link = services.links.get(tenant_id, connection.provider, "invoice", action.saas_id)
    if link is not None and link.state is LinkState.LINKED:
        with suppress(StaleVersion):  # a push wrote the link meanwhile: it is the newer truth
            services.links.save(link.model_copy(update={"synced_version": invoice.version}))
    detail = f"Voided {describe('invoice', invoice)} in the app, as it was voided in {connection.provider.label}."
    services.sync_log.write(
        tenant_id,
        provider=connection.provider,
        entity="invoice",
        direction=Direction.FROM_ACCOUNTING,
        status=SyncStatus.SYNCED,
        action="void",
        detail=detail,
        saas_id=action.saas_id,
        remote_id=action.remote_id,
    )
    return PushResult(outcome="voided", remote_id=action.remote_id, message=detail)


def reimport(services: Services, connection: Connection, action: PendingAction) -> PushResult:
    """Deleted in accounting, approved here: the document goes again as a NEW accounting record, once.

    The deleted twin is discarded first (a new generation, so a fresh create key); approving twice, or
    again after a crash, finds the link already past that step and repeats the same create, which the
    provider replays instead of making a second record.
    """
    tenant_id = action.tenant_id
    link = services.links.get(tenant_id, connection.provider, action.entity, action.saas_id)
    if link is not None and link.state is LinkState.LINKED and not link.remote_inactive:
        services.pending_actions.remove(tenant_id, action.action_id)
        return PushResult(outcome="skipped", remote_id=link.remote_id, message="It was re-imported already.")
    try:
        record = services.saas.get(tenant_id, checked_entity(action.entity), action.saas_id)
    except RemoteNotFound:
        services.pending_actions.remove(tenant_id, action.action_id)
        return PushResult(outcome="dropped", message="It no longer exists in the app.")
    if link is not None:
        try:
            discard_deleted_twin(services, link)
        except StaleVersion as error:
            raise Conflict("This record was being re-imported at the same moment; try again.") from error
    pushed = push_now(connection, action.entity, record, services, approved=True)
    if pushed.outcome != "error":
        services.pending_actions.remove(tenant_id, action.action_id)
    return pushed


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
