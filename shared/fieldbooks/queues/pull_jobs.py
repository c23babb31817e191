"""Scheduled pulls: which connections are due, and one pull job per due connection."""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import BaseModel, Field

from fieldbooks.domain.actors import Actor, current_actor
from fieldbooks.domain.errors import NotFound, StaleVersion
from fieldbooks.domain.models import Connection, Provider, RunKind
from fieldbooks.observability import logger
from fieldbooks.services import Services

TICK_MINUTES = 5  # template.yaml: SchedulerFunction's rate(5 minutes)
MINUTES_PER_DAY = 24 * 60


class PullTarget(BaseModel):
    """One record a provider's notification named: read it again rather than every change."""

    remote_entity: str = Field(max_length=40)
    remote_id: str = Field(max_length=64)
    deleted: bool = False  # the notification said it was deleted (or merged away): there is nothing to read


class PullJob(BaseModel):
    """Body of a pull-queue message. A webhook's job names its records; a scheduled one reads the
    provider's changes since the connection's cursors; initial and Sync now compare both sides."""

    tenant_id: str
    provider: Provider
    run_id: str
    targets: list[PullTarget] = Field(default_factory=list, max_length=1000)
    # Who the job's work is for: by default whoever queues it (domain/actors.py), so Sync now's job
    # names who clicked, an approval's job the approver, and a slice handed on keeps its actor.
    acted_by: Actor | None = Field(default_factory=current_actor)


def job_actor(job: PullJob, services: Services) -> Actor | None:
    """Who a job acts for: the one it names, else whoever started its run (a job queued outside any
    request, e.g. for a webhook, names nobody; its run was started by the webhook actor)."""
    if job.acted_by is not None:
        return job.acted_by
    try:
        return services.runs.get(job.tenant_id, job.run_id).started_by
    except NotFound:
        return None  # the job finds that out itself


def send_pull_job(job: PullJob, services: Services) -> None:
    services.sqs.send_message(QueueUrl=services.settings.pull_queue_url, MessageBody=job.model_dump_json())


def is_due(connection: Connection, at: datetime) -> bool:
    """Connected (not disconnected, not waiting for a reconnect), autosync on, outside the tenant's
    maintenance window, not paused, and its interval (the setting) gone by since the last pull queued."""
    if not connection.is_active or not connection.settings.autosync:
        return False
    if connection.paused_until and connection.paused_until > at:
        return False
    if connection.settings.in_maintenance_window(at):
        return False
    last = connection.pull_queued_at
    return last is None or at - last >= timedelta(minutes=connection.settings.pull_interval_minutes)


def next_pull_at(connection: Connection, at: datetime) -> datetime | None:
    """When the schedule will next pull (None: it will not, until a reconnect or autosync is on again).

    The moment the connection becomes due; the tick that queues it comes within TICK_MINUTES after.
    """
    if not connection.is_active or not connection.settings.autosync:
        return None
    interval = timedelta(minutes=connection.settings.pull_interval_minutes)
    due = at if connection.pull_queued_at is None else max(at, connection.pull_queued_at + interval)
    if connection.paused_until and connection.paused_until > due:
        due = connection.paused_until
    if not connection.settings.in_maintenance_window(due):
        return due
    # Step over the window minute by minute (windows are set in minutes and last under a day): unlike
    # arithmetic on wall-clock times, this stays right across a daylight-saving change.
    step = due.replace(second=0, microsecond=0)
    for _ in range(MINUTES_PER_DAY):
        step += timedelta(minutes=1)
        if not connection.settings.in_maintenance_window(step):
            return step
    return None  # pragma: no cover - a window always ends within a day


def queue_due_pulls(services: Services, at: datetime) -> list[PullJob]:
    """Claims each due connection with a conditional write first, so overlapping ticks queue one pull."""
    jobs = []
    for connection in services.connections.all_active():
        if not is_due(connection, at):
            continue
        try:
            services.connections.save(connection.model_copy(update={"pull_queued_at": at}))
        except StaleVersion:
            logger.info("Another tick claimed this connection", extra={"tenant_id": connection.tenant_id})
            continue
        run = services.runs.create(connection.tenant_id, connection.provider, RunKind.SCHEDULED)
        job = PullJob(tenant_id=connection.tenant_id, provider=connection.provider, run_id=run.run_id)
        send_pull_job(job, services)
        jobs.append(job)
    return jobs
