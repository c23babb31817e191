"""The sync log: filtered pages, and the same rows as CSV."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query

from fieldbooks.console.export import to_csv
from fieldbooks.console.routes.context import caller, services
from fieldbooks.domain.models import Direction, SyncLogPage, SyncStatus
from fieldbooks.store.sync_log import MAX_PAGE_SIZE, SyncLogFilter

router = Router()


@router.get("/sync-log")
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
    return services(router).sync_log.page(caller(router).tenant_id, filters, limit=limit, cursor=cursor)


@router.get("/sync-log/export")
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
        body=to_csv(services(router).sync_log.all(caller(router).tenant_id, filters)),
        headers={"Content-Disposition": 'attachment; filename="sync-log.csv"'},
    )
