"""What an integrations card shows for one provider: the connection's state, the last pull and push
that succeeded, the next scheduled pull, the run under way, and the errors since the last run.

Read cheaply: one query of the tenant's recent runs (every run reads the provider's side, so the
newest one that finished well is the last successful pull) and two bounded reads of the sync log
(pushes are live, one record at a time, and never belong to a run: only the log knows the last one).
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from fieldbooks.domain.models import (
    Connection,
    ConnectionStatus,
    Direction,
    Provider,
    Run,
    RunKind,
    RunStatus,
    SyncStatus,
)
from fieldbooks.domain.plans import CATEGORIES
from fieldbooks.queues.pull_jobs import next_pull_at
from fieldbooks.services import Services
from fieldbooks.store.base import now

RECENT_RUNS = 50  # a connection runs a few scheduled pulls an hour: 50 reach back half a day or more
PULL_SUCCEEDED = (RunStatus.SUCCEEDED, RunStatus.PARTIAL)  # partial: read, and some records failed to apply
PUSHED = (SyncStatus.SYNCED, SyncStatus.MATCHED)
HEADLINES = {
    ConnectionStatus.NEEDS_REAUTH: "Reconnect needed",
    ConnectionStatus.DISCONNECTED: "Disconnected",
}


class CurrentRun(BaseModel):
    run_id: str
    kind: RunKind
    status: RunStatus
    category: str | None = Field(description="The category being worked on: the first one not finished.")
    done: int
    total: int
    failed: int
    progress: str | None = Field(
        description='"invoices 412 / 1100" (done and failed out of the total), or None before the plan counted.'
    )


class LastRun(BaseModel):
    run_id: str
    kind: RunKind
    status: RunStatus
    finished_at: datetime | None
    message: str | None


class ConnectionStatusView(BaseModel):
    """Everything the integrations card shows for one provider."""

    provider: Provider
    provider_name: str
    status: ConnectionStatus
    headline: str = Field(description='"Ready" before anything ran, "Syncing", "Up to date", "Reconnect needed", ...')
    company_name: str | None = None
    connected_at: datetime | None = None
    autosync: bool = True
    pull_interval_minutes: int | None = None
    last_successful_pull_at: datetime | None = None
    last_successful_push_at: datetime | None = None
    next_scheduled_pull_at: datetime | None = Field(
        default=None, description="When the schedule pulls next (its tick comes within 5 minutes); None: it will not."
    )
    current_run: CurrentRun | None = None
    last_run: LastRun | None = None
    errors_since_last_run: int = Field(
        default=0, description="Sync-log errors since the last run started (its own and the live ones since)."
    )


def connection_status(tenant_id: str, provider: Provider, services: Services) -> ConnectionStatusView:
    connection = services.connections.find(tenant_id, provider)
    if connection is None:
        return ConnectionStatusView(
            provider=provider,
            provider_name=provider.label,
            status=ConnectionStatus.DISCONNECTED,
            headline="Not connected",
        )
    runs = [r for r in services.runs.recent(tenant_id, limit=RECENT_RUNS).items if r.provider is provider]
    current = next((r for r in runs if not r.status.is_finished), None)
    finished = [r for r in runs if r.status.is_finished]
    pulled = next((r for r in finished if r.status in PULL_SUCCEEDED), None)
    pushed = services.sync_log.newest_of(tenant_id, provider, Direction.TO_ACCOUNTING, PUSHED)
    last = runs[0] if runs else None
    errors = services.sync_log.count_since(tenant_id, provider, SyncStatus.ERROR, last.created_at) if last else 0
    return ConnectionStatusView(
        provider=provider,
        provider_name=provider.label,
        status=connection.status,
        headline=_headline(connection, current, nothing_yet=not runs and pushed is None),
        company_name=connection.company_name,
        connected_at=connection.connected_at,
        autosync=connection.settings.autosync,
        pull_interval_minutes=connection.settings.pull_interval_minutes,
        last_successful_pull_at=pulled.finished_at if pulled else None,
        last_successful_push_at=pushed.created_at if pushed else None,
        next_scheduled_pull_at=next_pull_at(connection, now()),
        current_run=_current(current) if current else None,
        last_run=_last(finished[0]) if finished else None,
        errors_since_last_run=errors,
    )


def _headline(connection: Connection, current: Run | None, *, nothing_yet: bool) -> str:
    if connection.status in HEADLINES:
        return HEADLINES[connection.status]
    if current is not None:
        return "Waiting for approval" if current.status is RunStatus.AWAITING_APPROVAL else "Syncing"
    if nothing_yet:
        return "Ready"
    return "Up to date" if connection.settings.autosync else "Autosync off"


def _current(run: Run) -> CurrentRun:
    """The first category not finished, in apply order (parents first), as the plan works through them."""
    order = {category: index for index, category in enumerate(CATEGORIES)}
    categories = sorted(run.progress.items(), key=lambda item: order.get(item[0], len(order)))
    working = next(((c, p) for c, p in categories if p.done + p.failed + p.queued < p.total), None)
    category, progress = working or (categories[-1] if categories else (None, None))
    if progress is None:
        return CurrentRun(
            run_id=run.run_id, kind=run.kind, status=run.status, category=None, done=0, total=0, failed=0, progress=None
        )
    return CurrentRun(
        run_id=run.run_id,
        kind=run.kind,
        status=run.status,
        category=category,
        done=progress.done,
        total=progress.total,
        failed=progress.failed,
        progress=f"{category} {progress.done + progress.failed} / {progress.total}",
    )


def _last(run: Run) -> LastRun:
    return LastRun(
        run_id=run.run_id, kind=run.kind, status=run.status, finished_at=run.finished_at, message=run.message
    )
