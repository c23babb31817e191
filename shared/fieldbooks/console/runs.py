"""The tenant API's side of runs: Sync now, approve a held plan, Stop, and a run's detail."""

from __future__ import annotations

from fieldbooks.domain.actors import current_actor
from fieldbooks.domain.errors import Conflict
from fieldbooks.domain.models import Provider, Run, RunKind, RunStatus
from fieldbooks.domain.plans import RunDetail
from fieldbooks.queues.pull_jobs import PullJob, send_pull_job
from fieldbooks.queues.run_events import publish_run_finished
from fieldbooks.services import Services
from fieldbooks.sync import outbox

BUSY = (RunStatus.QUEUED, RunStatus.PLANNING, RunStatus.AWAITING_APPROVAL, RunStatus.RUNNING, RunStatus.STOPPING)


def start_sync_now(tenant_id: str, provider: Provider, services: Services) -> Run:
    """Sync now: a full comparison as a run. One at a time per connection, so a double click queues one."""
    connection = services.connections.get(tenant_id, provider)
    if not connection.is_active:
        raise Conflict(f"{provider.label} is {connection.status.value.replace('_', ' ')}; reconnect it first.")
    for run in services.runs.recent(tenant_id, limit=20).items:
        if run.provider is provider and run.kind in (RunKind.INITIAL, RunKind.SYNC_NOW) and run.status in BUSY:
            raise Conflict(f"A sync with {provider.label} is already under way (run {run.run_id}).")
    run = services.runs.create(tenant_id, provider, RunKind.SYNC_NOW)
    send_pull_job(PullJob(tenant_id=tenant_id, provider=provider, run_id=run.run_id), services)
    return run


def approve_run(tenant_id: str, run_id: str, services: Services) -> Run:
    run = services.runs.transition(
        tenant_id, run_id, RunStatus.AWAITING_APPROVAL, RunStatus.QUEUED, "Plan approved.", approved_by=current_actor()
    )
    send_pull_job(PullJob(tenant_id=tenant_id, provider=run.provider, run_id=run_id), services)
    return services.runs.get(tenant_id, run_id)


def stop_run(tenant_id: str, run_id: str, services: Services) -> Run:
    """Asks a run to stop; the driver honours it between records. A run still waiting for approval
    has nothing in flight, so it stops at once."""
    run = services.runs.get(tenant_id, run_id)
    if run.status.is_finished:
        return run
    services.runs.request_stop(tenant_id, run_id)
    if run.status is RunStatus.AWAITING_APPROVAL:
        try:
            stopped = services.runs.transition(
                tenant_id, run_id, RunStatus.AWAITING_APPROVAL, RunStatus.STOPPED, "Stopped before it was approved."
            )
        except Conflict:
            return services.runs.get(tenant_id, run_id)  # approved meanwhile: the driver will see the request
        publish_run_finished(services.runs.get(tenant_id, run_id), services)
        return stopped
    current = services.runs.get(tenant_id, run_id)
    if current.status is RunStatus.RUNNING and any(p.queued for p in current.progress.values()):
        return outbox.cancel_unsent(current, services)  # QUEUE: work not sent yet is cancelled now
    return current


def run_detail(tenant_id: str, run_id: str, services: Services) -> RunDetail:
    run = services.runs.get(tenant_id, run_id)
    return RunDetail(**run.model_dump(), plan=services.plans.summary(tenant_id, run_id))
