"""Runs: history, detail, plan, Sync now, approve and Stop."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from fieldbooks.console import runs
from fieldbooks.console.routes.context import caller, services
from fieldbooks.domain.models import Provider, Run, RunPage
from fieldbooks.domain.plans import PlanPage, RunDetail
from fieldbooks.store.plans import MAX_PAGE_SIZE as PLAN_PAGE_SIZE

router = Router()
RunId = Annotated[str, Path(max_length=64)]


@router.get("/runs")
def list_runs(limit: Annotated[int, Query(ge=1, le=100)] = 20) -> RunPage:
    return services(router).runs.recent(caller(router).tenant_id, limit=limit)


@router.get("/runs/<run_id>")
def get_run(run_id: RunId) -> RunDetail:
    return runs.run_detail(caller(router).tenant_id, run_id, services(router))


@router.get("/runs/<run_id>/plan")
def get_run_plan(
    run_id: RunId,
    category: Annotated[str | None, Query(max_length=40)] = None,
    limit: Annotated[int, Query(ge=1, le=PLAN_PAGE_SIZE)] = 50,
    cursor: Annotated[str | None, Query(max_length=2048)] = None,
) -> PlanPage:
    tenant_id = caller(router).tenant_id
    services(router).runs.get(tenant_id, run_id)  # 404 for another tenant's run, before anything else is read
    return services(router).plans.page(tenant_id, run_id, category=category, limit=limit, cursor=cursor)


@router.post("/runs/<run_id>/approve")
def approve_run(run_id: RunId) -> Run:
    caller(router).require_admin()
    return runs.approve_run(caller(router).tenant_id, run_id, services(router))


@router.post("/runs/<run_id>/stop")
def stop_run(run_id: RunId) -> Run:
    caller(router).require_admin()
    return runs.stop_run(caller(router).tenant_id, run_id, services(router))


@router.post("/connections/<provider>/sync")
def sync_now(provider: Annotated[Provider, Path()]) -> Response[Run]:
    caller(router).require_admin()
    run = runs.start_sync_now(caller(router).tenant_id, provider, services(router))
    return Response(status_code=202, content_type="application/json", body=run)
