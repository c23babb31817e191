"""Tenant console API: what the SaaS Integrations page calls. Every route acts for the verified tenant only."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel

from fieldbooks.connections import lifecycle
from fieldbooks.domain.errors import FieldbooksError
from fieldbooks.domain.models import (
    Connection,
    ConnectionSettings,
    ConnectionStatus,
    Direction,
    PendingAction,
    Provider,
    Run,
    RunPage,
    SyncLogPage,
    SyncStatus,
)
from fieldbooks.http_errors import plain_reply, register_error_responses
from fieldbooks.observability import logger
from fieldbooks.security.tenant_tokens import TenantCaller, verify_console_token
from fieldbooks.services import Services
from fieldbooks.store.plans import MAX_PAGE_SIZE as PLAN_PAGE_SIZE
from fieldbooks.store.sync_log import MAX_PAGE_SIZE, SyncLogFilter
from fieldbooks.sync import approvals, conflicts, links_admin, runs
from fieldbooks.sync.approvals import ApprovalResult, ApprovalSummary
from fieldbooks.sync.conflicts import ConflictFilter, ConflictList, Resolution
from fieldbooks.sync.links_admin import LinkPage, LinkView, RelinkRequest
from fieldbooks.sync.plan import PlanPage, RunDetail
from fieldbooks.sync.record_access import LinkedEntity, remote_reader_for
from fieldbooks.sync.redrive import RedriveRequest, RedriveResult, redrive
from fieldbooks.sync_log_export import to_csv

app = APIGatewayHttpResolver(enable_validation=True)
register_error_responses(app)
services = Services.from_environment()


def caller() -> TenantCaller:
    return app.context["caller"]


class ConnectionSummary(BaseModel):
    provider: Provider
    provider_name: str
    status: ConnectionStatus
    company_name: str
    remote_company_id: str
    connected_at: datetime
    pull_interval_minutes: int


class ConnectionList(BaseModel):
    items: list[ConnectionSummary]


@app.get("/connections")
def list_connections() -> ConnectionList:
    return ConnectionList(items=[_summary(c) for c in services.connections.list_for_tenant(caller().tenant_id)])


class AuthorizeReply(BaseModel):
    authorize_url: str


@app.post("/connections/<provider>/authorize")
def authorize_connection(provider: Annotated[Provider, Path()]) -> AuthorizeReply:
    return AuthorizeReply(authorize_url=lifecycle.start_connect(caller(), provider, services))


@app.delete("/connections/<provider>")
def disconnect_connection(provider: Annotated[Provider, Path()]) -> ConnectionSummary:
    return _summary(lifecycle.disconnect(caller(), provider, services))


@app.get("/connections/<provider>/settings")
def get_connection_settings(provider: Annotated[Provider, Path()]) -> ConnectionSettings:
    return lifecycle.get_settings(caller().tenant_id, provider, services)


@app.put("/connections/<provider>/settings")
def put_connection_settings(provider: Annotated[Provider, Path()], settings: ConnectionSettings) -> ConnectionSettings:
    before = lifecycle.get_settings(caller().tenant_id, provider, services)
    saved = lifecycle.put_settings(caller(), provider, settings, services)
    if saved.name_individuals_with_company and not before.name_individuals_with_company:
        # The rule can settle duplicate names among individuals: push the contacts stuck on one again.
        conflicts.retry_after_naming_rule(services.connections.get(caller().tenant_id, provider), services)
    return saved


def _summary(connection: Connection) -> ConnectionSummary:
    return ConnectionSummary(
        provider=connection.provider,
        provider_name=connection.provider.label,
        status=connection.status,
        company_name=connection.company_name,
        remote_company_id=connection.remote_company_id,
        connected_at=connection.connected_at,
        pull_interval_minutes=connection.pull_interval_minutes,
    )


@app.get("/sync-log")
def get_sync_log(
    entity: Annotated[str | None, Query(max_length=40)] = None,
    status: Annotated[SyncStatus | None, Query()] = None,
    direction: Annotated[Direction | None, Query()] = None,
    run_id: Annotated[str | None, Query(max_length=64)] = None,
    record_id: Annotated[str | None, Query(max_length=128)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 50,
    cursor: Annotated[str | None, Query(max_length=2048)] = None,
) -> SyncLogPage:
    filters = SyncLogFilter(entity=entity, status=status, direction=direction, run_id=run_id, record_id=record_id)
    return services.sync_log.page(caller().tenant_id, filters, limit=limit, cursor=cursor)


@app.get("/sync-log/export")
def export_sync_log(
    entity: Annotated[str | None, Query(max_length=40)] = None,
    status: Annotated[SyncStatus | None, Query()] = None,
    direction: Annotated[Direction | None, Query()] = None,
    run_id: Annotated[str | None, Query(max_length=64)] = None,
    record_id: Annotated[str | None, Query(max_length=128)] = None,
) -> Response[str]:
    filters = SyncLogFilter(entity=entity, status=status, direction=direction, run_id=run_id, record_id=record_id)
    return Response(
        status_code=200,
        content_type="text/csv; charset=utf-8",
        body=to_csv(services.sync_log.all(caller().tenant_id, filters)),
        headers={"Content-Disposition": 'attachment; filename="sync-log.csv"'},
    )


@app.get("/runs")
def list_runs(limit: Annotated[int, Query(ge=1, le=100)] = 20) -> RunPage:
    return services.runs.recent(caller().tenant_id, limit=limit)


@app.get("/runs/<run_id>")
def get_run(run_id: Annotated[str, Path(max_length=64)]) -> RunDetail:
    return runs.run_detail(caller().tenant_id, run_id, services)


@app.get("/runs/<run_id>/plan")
def get_run_plan(
    run_id: Annotated[str, Path(max_length=64)],
    category: Annotated[str | None, Query(max_length=40)] = None,
    limit: Annotated[int, Query(ge=1, le=PLAN_PAGE_SIZE)] = 50,
    cursor: Annotated[str | None, Query(max_length=2048)] = None,
) -> PlanPage:
    tenant_id = caller().tenant_id
    services.runs.get(tenant_id, run_id)  # 404 for another tenant's run, before anything else is read
    return services.plans.page(tenant_id, run_id, category=category, limit=limit, cursor=cursor)


@app.post("/runs/<run_id>/approve")
def approve_run(run_id: Annotated[str, Path(max_length=64)]) -> Run:
    caller().require_admin()
    return runs.approve_run(caller().tenant_id, run_id, services)


@app.post("/runs/<run_id>/stop")
def stop_run(run_id: Annotated[str, Path(max_length=64)]) -> Run:
    caller().require_admin()
    return runs.stop_run(caller().tenant_id, run_id, services)


@app.post("/connections/<provider>/sync")
def sync_now(provider: Annotated[Provider, Path()]) -> Response[Run]:
    caller().require_admin()
    run = runs.start_sync_now(caller().tenant_id, provider, services)
    return Response(status_code=202, content_type="application/json", body=run)


# ---------------------------------------------------------------- conflicts, preview, links
AnyId = Annotated[str, Path(min_length=1, max_length=300)]
SaasId = Annotated[str, Path(min_length=1, max_length=128)]
ProviderQuery = Annotated[Provider, Query()]


class PendingActionList(BaseModel):
    items: list[PendingAction]


@app.get("/conflicts")
def list_conflicts(status: Annotated[ConflictFilter, Query()] = "open") -> ConflictList:
    return conflicts.list_conflicts(services, caller().tenant_id, status)


@app.post("/conflicts/<conflict_id>/resolve")
def resolve_conflict(conflict_id: AnyId) -> Resolution:
    caller().require_admin()
    return conflicts.resolve(services, remote_reader_for, caller().tenant_id, conflict_id, by_user=caller().user_id)


@app.get("/pending-actions")
def list_pending_actions() -> PendingActionList:
    actions = services.pending_actions.list(caller().tenant_id)
    return PendingActionList(items=sorted(actions, key=lambda a: (a.created_at, a.action_id)))


@app.post("/pending-actions/approve-all")
def approve_all_pending_actions() -> ApprovalSummary:
    caller().require_admin()
    return approvals.approve_all(services, caller().tenant_id)


@app.post("/pending-actions/<action_id>/approve")
def approve_pending_action(action_id: AnyId) -> ApprovalResult:
    caller().require_admin()
    return approvals.approve(services, caller().tenant_id, action_id)


@app.get("/links")
def list_links(
    entity: Annotated[LinkedEntity | None, Query()] = None,
    provider: ProviderQuery = Provider.QUICKBOOKS_ONLINE,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    cursor: Annotated[str | None, Query(max_length=2048)] = None,
) -> LinkPage:
    return links_admin.list_links(services, caller().tenant_id, provider, entity, limit=limit, cursor=cursor)


@app.delete("/links/<entity>/<saas_id>")
def unlink_record(
    entity: Annotated[LinkedEntity, Path()], saas_id: SaasId, provider: ProviderQuery = Provider.QUICKBOOKS_ONLINE
) -> LinkView:
    caller().require_admin()
    return links_admin.unlink(services, caller().tenant_id, provider, entity, saas_id, caller().user_id)


@app.put("/links/<entity>/<saas_id>")
def relink_record(
    entity: Annotated[LinkedEntity, Path()],
    saas_id: SaasId,
    body: RelinkRequest,
    provider: ProviderQuery = Provider.QUICKBOOKS_ONLINE,
) -> LinkView:
    caller().require_admin()
    return links_admin.relink(
        services,
        remote_reader_for,
        caller().tenant_id,
        provider,
        entity,
        saas_id,
        body.remote_id,
        by_user=caller().user_id,
    )


@app.post("/dlq/redrive")
def redrive_dead_letters(request: RedriveRequest) -> RedriveResult:
    caller().require_admin()
    return redrive(caller().tenant_id, request.queue, services)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    # Authenticate before resolving: Powertools validates a request before any middleware runs, and a
    # caller without a valid token should learn nothing, not even which parameters were wrong.
    headers = event.get("headers") or {}
    try:
        caller = verify_console_token(headers.get("authorization"), services.tenant_jwt_secret())
    except FieldbooksError as error:
        return plain_reply(error)
    logger.append_keys(tenant_id=caller.tenant_id)
    app.append_context(caller=caller)
    return app.resolve(event, context)
