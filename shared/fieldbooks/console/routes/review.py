"""What a person decides: conflicts, pending (preview) actions, links, and parked messages."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from pydantic import BaseModel

from fieldbooks.console import approvals, conflicts, links
from fieldbooks.console.approvals import ApprovalResult, ApprovalSummary
from fieldbooks.console.conflicts import ConflictFilter, ConflictList, Resolution
from fieldbooks.console.links import LinkPage, LinkView, RelinkRequest
from fieldbooks.console.record_access import SAAS_ID_PATTERN, LinkedEntity, tenant_provider
from fieldbooks.console.redrive import RedriveRequest, RedriveResult, redrive
from fieldbooks.console.routes.context import caller, services
from fieldbooks.domain.models import PendingAction, Provider

router = Router()
AnyId = Annotated[str, Path(min_length=1, max_length=300)]
SaasId = Annotated[str, Path(min_length=1, max_length=128, pattern=SAAS_ID_PATTERN)]
# Omitted: the tenant's one accounting connection (one company per tenant).
ProviderQuery = Annotated[Provider | None, Query()]


class PendingActionList(BaseModel):
    items: list[PendingAction]


@router.get("/conflicts")
def list_conflicts(status: Annotated[ConflictFilter, Query()] = "open") -> ConflictList:
    return conflicts.list_conflicts(services(router), caller(router).tenant_id, status)


@router.post("/conflicts/<conflict_id>/resolve")
def resolve_conflict(conflict_id: AnyId) -> Resolution:
    caller(router).require_admin()
    return conflicts.resolve(services(router), caller(router).tenant_id, conflict_id, by_user=caller(router).user_id)


@router.get("/pending-actions")
def list_pending_actions() -> PendingActionList:
    actions = services(router).pending_actions.list(caller(router).tenant_id)
    return PendingActionList(items=sorted(actions, key=lambda a: (a.created_at, a.action_id)))


@router.post("/pending-actions/approve-all")
def approve_all_pending_actions() -> ApprovalSummary:
    caller(router).require_admin()
    return approvals.approve_all(services(router), caller(router).tenant_id)


@router.post("/pending-actions/<action_id>/approve")
def approve_pending_action(action_id: AnyId) -> ApprovalResult:
    caller(router).require_admin()
    return approvals.approve(services(router), caller(router).tenant_id, action_id)


@router.get("/links")
def list_links(
    entity: Annotated[LinkedEntity | None, Query()] = None,
    provider: ProviderQuery = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    cursor: Annotated[str | None, Query(max_length=2048)] = None,
) -> LinkPage:
    tenant_id = caller(router).tenant_id
    chosen = tenant_provider(services(router), tenant_id, provider)
    return links.list_links(services(router), tenant_id, chosen, entity, limit=limit, cursor=cursor)


@router.delete("/links/<entity>/<saas_id>")
def unlink_record(entity: Annotated[LinkedEntity, Path()], saas_id: SaasId, provider: ProviderQuery = None) -> LinkView:
    caller(router).require_admin()
    tenant_id = caller(router).tenant_id
    chosen = tenant_provider(services(router), tenant_id, provider)
    return links.unlink(services(router), tenant_id, chosen, entity, saas_id, caller(router).user_id)


@router.put("/links/<entity>/<saas_id>")
def relink_record(
    entity: Annotated[LinkedEntity, Path()], saas_id: SaasId, body: RelinkRequest, provider: ProviderQuery = None
) -> LinkView:
    caller(router).require_admin()
    tenant_id = caller(router).tenant_id
    chosen = tenant_provider(services(router), tenant_id, provider)
    user = caller(router).user_id
    return links.relink(services(router), tenant_id, chosen, entity, saas_id, body.remote_id, by_user=user)


@router.post("/dlq/redrive")
def redrive_dead_letters(request: RedriveRequest) -> RedriveResult:
    caller(router).require_admin()
    return redrive(caller(router).tenant_id, request.queue, services(router))
