"""A verified delivery of change notifications → webhook runs of targeted pull jobs, per connection.

Nothing here calls the provider: the reply must go back within the provider's few seconds, so the
records are only named in pull jobs, and the pull worker reads them. A notification names the
provider's company, never our tenant: the company claim says which tenant holds it (taken only from
the verified signature's body, never from anything the caller says about itself).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from fieldbooks.domain.models import Connection, Provider, RunKind, RunStatus
from fieldbooks.observability import logger
from fieldbooks.providers.notifications import Notification
from fieldbooks.queues.pull_jobs import PullJob, PullTarget, send_pull_job
from fieldbooks.services import Services

MAX_TARGETS_PER_JOB = 1000  # PullJob.targets' limit


@dataclass(frozen=True)
class Taken:
    """What one delivery queued: the runs started, and what was dropped (for the log and the tests)."""

    run_ids: tuple[str, ...] = ()
    duplicates: int = 0
    unrouted: int = 0


def take_delivery(provider: Provider, notifications: Sequence[Notification], services: Services) -> Taken:
    by_company: dict[str, list[Notification]] = {}
    for notification in notifications:
        by_company.setdefault(notification.company_id, []).append(notification)
    run_ids, duplicates, unrouted = [], 0, 0
    for company_id, named in by_company.items():
        connection = _connection_holding(provider, company_id, services)
        if connection is None:
            unrouted += len(named)
            continue
        claimed = set(services.webhook_receipts.claim(connection.tenant_id, provider, [n.event_id for n in named]))
        fresh = [n for n in named if n.event_id in claimed]
        duplicates += len(named) - len(fresh)
        if fresh:
            run_ids.extend(_queue_pulls(connection, fresh, services))
    taken = Taken(tuple(run_ids), duplicates, unrouted)
    logger.info(
        "Took change notifications",
        extra={"provider": provider.value, "runs": len(run_ids), "duplicates": duplicates, "unrouted": unrouted},
    )
    return taken


def _connection_holding(provider: Provider, company_id: str, services: Services) -> Connection | None:
    """The live connection syncing `company_id`, or None (logged): an unknown company, or one whose
    tenant disconnected or must reconnect first (a reconnect's own run catches up)."""
    tenant_id = services.company_claims.holder(provider, company_id)
    connection = services.connections.find(tenant_id, provider) if tenant_id else None
    if connection is None or not connection.is_active or connection.remote_company_id != company_id:
        logger.info(
            "A change notification names no connected company; nothing was queued",
            extra={"provider": provider.value, "company_id": company_id[:64], "tenant_id": tenant_id},
        )
        return None
    return connection


def _queue_pulls(connection: Connection, fresh: list[Notification], services: Services) -> list[str]:
    """One webhook run per job of at most 1,000 records: a run ends with its one job, so a second
    job of the same run would arrive to a finished run and be taken for a duplicate delivery.

    If queuing fails the claims are given back (and the run marked failed) before the error
    propagates, so the provider's redelivery (it retries until it gets a 200) is taken, not dropped."""
    run_ids: list[str] = []
    targets = _targets(fresh)
    run = None
    try:
        for start in range(0, len(targets), MAX_TARGETS_PER_JOB):
            run = services.runs.create(connection.tenant_id, connection.provider, RunKind.WEBHOOK)
            job = PullJob(
                tenant_id=connection.tenant_id,
                provider=connection.provider,
                run_id=run.run_id,
                targets=targets[start : start + MAX_TARGETS_PER_JOB],
            )
            send_pull_job(job, services)
            run_ids.append(run.run_id)
            run = None
    except Exception:
        # Only the events of jobs not yet sent are given back; a sent job's records are on their way.
        sent = {(t.remote_entity, t.remote_id) for t in targets[: len(run_ids) * MAX_TARGETS_PER_JOB]}
        unsent = [n.event_id for n in fresh if (n.remote_entity, n.remote_id) not in sent]
        services.webhook_receipts.release(connection.tenant_id, connection.provider, unsent)
        if run is not None:
            message = f"These changes could not be queued; {connection.provider.label} sends them again."
            services.runs.set_status(connection.tenant_id, run.run_id, RunStatus.FAILED, message)
        raise
    return run_ids


def _targets(fresh: list[Notification]) -> list[PullTarget]:
    """One target per record, in the order first named; gone if any of its events says so (a record
    deleted or merged away does not come back under the same id)."""
    targets: dict[tuple[str, str], PullTarget] = {}
    for n in fresh:
        seen = targets.get((n.remote_entity, n.remote_id))
        deleted = n.deleted or (seen is not None and seen.deleted)
        targets[(n.remote_entity, n.remote_id)] = PullTarget(
            remote_entity=n.remote_entity, remote_id=n.remote_id, deleted=deleted
        )
    return list(targets.values())
