"""The provider-independent half of a pull job: run bookkeeping, Stop, and what a failure means."""

from __future__ import annotations

from fieldbooks.connections.lifecycle import mark_needs_reauth
from fieldbooks.domain.errors import AuthExpired
from fieldbooks.domain.models import RunStatus
from fieldbooks.services import Services
from fieldbooks.sync.pull_jobs import PullJob


def run_job(job: PullJob, services: Services) -> None:
    """RateLimited and Transient propagate: the message is retried, never dropped."""
    run = services.runs.get(job.tenant_id, job.run_id)
    if run.status.is_finished:
        return  # a duplicate delivery of a job already done
    if run.stop_requested:
        services.runs.set_status(job.tenant_id, job.run_id, RunStatus.STOPPED, "Stopped before it started.")
        return
    connection = services.connections.find(job.tenant_id, job.provider)
    if connection is None or not connection.is_active:
        message = f"{job.provider.label} is not connected, so nothing was read."
        services.runs.set_status(job.tenant_id, job.run_id, RunStatus.STOPPED, message)
        return
    adapter = services.providers.get(job.provider)
    if adapter is None:
        message = f"Reading from {job.provider.label} is not available yet."
        services.runs.set_status(job.tenant_id, job.run_id, RunStatus.FAILED, message)
        return
    services.runs.set_status(job.tenant_id, job.run_id, RunStatus.RUNNING)
    try:
        adapter.pull_changes(connection, run, services)
    except AuthExpired as error:
        # Re-read inside: a token refresh may have bumped the row's version during the pull.
        mark_needs_reauth(job.tenant_id, job.provider, services)
        services.runs.set_status(job.tenant_id, job.run_id, RunStatus.FAILED, error.message)
        return
    finished = services.runs.get(job.tenant_id, job.run_id)
    if finished.stop_requested:
        services.runs.set_status(job.tenant_id, job.run_id, RunStatus.STOPPED, "Stopped on request.")
    else:
        failed = any(p.failed for p in finished.progress.values())
        services.runs.set_status(job.tenant_id, job.run_id, RunStatus.PARTIAL if failed else RunStatus.SUCCEEDED)
