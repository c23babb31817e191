"""The provider-independent half of a pull job: run bookkeeping, Stop, and what a failure means."""

from __future__ import annotations

from fieldbooks import registry
from fieldbooks.connections.lifecycle import mark_needs_reauth
from fieldbooks.domain.errors import AuthExpired
from fieldbooks.domain.models import RunStatus
from fieldbooks.queues.pull_jobs import PullJob
from fieldbooks.queues.run_events import publish_run_finished
from fieldbooks.services import Services
from fieldbooks.sync import runs

# After the driver returns, these mean the run is not over: it waits for approval, or it handed the
# rest of its work to a fresh job (a long run goes in slices to stay inside Lambda's limit).
NOT_OVER = (RunStatus.AWAITING_APPROVAL, RunStatus.QUEUED)


def run_job(job: PullJob, services: Services) -> None:
    """RateLimited and Transient propagate: the message is retried, never dropped."""
    run = services.runs.get(job.tenant_id, job.run_id)
    if run.status.is_finished or run.status is RunStatus.AWAITING_APPROVAL:
        return  # a duplicate delivery: a finished run stays finished, and only an approval resumes a plan
    if run.stop_requested:
        message = "Stopped on request." if run.started_at else "Stopped before it started."
        _finish(job, services, RunStatus.STOPPED, message)
        return
    connection = services.connections.find(job.tenant_id, job.provider)
    if connection is None or not connection.is_active:
        _finish(job, services, RunStatus.STOPPED, f"{job.provider.label} is not connected, so nothing was read.")
        return
    if not registry.available(job.provider):
        _finish(job, services, RunStatus.FAILED, f"Reading from {job.provider.label} is not available yet.")
        return
    services.runs.set_status(job.tenant_id, job.run_id, RunStatus.RUNNING)
    try:
        runs.drive(connection, run, services, job.targets)
    except AuthExpired as error:
        # Re-read inside: a token refresh may have bumped the row's version during the pull.
        mark_needs_reauth(job.tenant_id, job.provider, services)
        _finish(job, services, RunStatus.FAILED, error.message)
        return
    finished = services.runs.get(job.tenant_id, job.run_id)
    if finished.status in NOT_OVER or finished.status.is_finished:
        return  # waits, was handed on, or its last queued answer already ended it
    if any(p.queued for p in finished.progress.values()) and not finished.stop_requested:
        # QUEUE providers: the run ends with the answer that settles its last item (sync/outbox.py).
        waiting = f"Waiting for {job.provider.label} to ask for the work that is queued."
        services.runs.set_status(job.tenant_id, job.run_id, RunStatus.RUNNING, waiting)
        return
    if finished.stop_requested:
        _finish(job, services, RunStatus.STOPPED, "Stopped on request.")
    else:
        failed = any(p.failed for p in finished.progress.values())
        _finish(job, services, RunStatus.PARTIAL if failed else RunStatus.SUCCEEDED)


def _finish(job: PullJob, services: Services, status: RunStatus, message: str | None = None) -> None:
    publish_run_finished(services.runs.set_status(job.tenant_id, job.run_id, status, message), services)
