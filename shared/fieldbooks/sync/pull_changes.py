"""The pull driver: scheduled and webhook runs bring accounting's changes into the SaaS.

Provider independent. A webhook's job names its records (`PullJob.targets`), each read again with
`Reader.one` (a deleted one, or one the provider no longer has, is a tombstone). Otherwise the
connection's cursors, one per remote entity, ask `Reader.changes` for what changed at or after them
(`>=`: a record sharing the second of the last one seen comes again and its step drops it by its
version); a cursor older than the provider keeps changes (`changes_window`) asks for everything,
and linked records missing from that full read become tombstones. The first pull after connect
starts at the connect time: the initial sync compared everything before it.

Each record goes to the step for its SaaS entity (`inbound_steps.STEPS`), in the descriptor's
`pulled` order (parents first), oldest change first. A cursor moves only once its records were
applied, and never past a record that failed, so a crashed or failed pull reads them again.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta
from enum import StrEnum

from fieldbooks import registry
from fieldbooks.domain.errors import AuthExpired, FieldbooksError, RateLimited, RemoteNotFound, Transient
from fieldbooks.domain.models import Connection, LinkState, Run, RunStatus, SyncStatus
from fieldbooks.domain.plans import CATEGORY_ENTITIES
from fieldbooks.observability import logger
from fieldbooks.providers.contract import Descriptor, RemoteRecord, change_order
from fieldbooks.queues.pull_jobs import PullJob, PullTarget, send_pull_job
from fieldbooks.services import Services
from fieldbooks.store.base import now
from fieldbooks.sync.inbound import Inbound, Taken
from fieldbooks.sync.inbound_log import log_inbound
from fieldbooks.sync.inbound_steps import STEPS

RETRIED = (RateLimited, Transient, AuthExpired)
# One slice stays well inside the pull worker's timeout; what is left goes to a fresh job. Only records
# a step acted on count towards the slice's records: echoes and repeats are cheap, and a fresh job
# reading a same-second run of them again must still get further than the last one did.
PULL_SLICE_SECONDS = 60.0
PULL_SLICE_RECORDS = 150
# How far our clock and the provider's may differ: a pull that read nothing moves its cursor to its
# own start less this, so a change stamped by a slightly slower clock is still read next time.
CLOCK_MARGIN = timedelta(minutes=5)
# SaaS entities that live under another record: a remote record with a parent is one of these when
# its remote entity is shared (a customer under another is a job site, a top-level one a contact).
CHILD_ENTITIES = frozenset({"property"})
CATEGORY_OF = {entity: category for category, entity in CATEGORY_ENTITIES.items()}


def inbound_for(connection: Connection, run_id: str, services: Services) -> Inbound:
    package = registry.package(connection.provider)
    return Inbound(
        connection=connection,
        services=services,
        run_id=run_id,
        descriptor=package.descriptor,
        mapper=package.mapper,
        operations=registry.operations(connection, services),
        reader=registry.reader(connection, services),
    )


def bring_in(connection: Connection, run_id: str, services: Services, entity: str, remote_id: str) -> Taken:
    """A plan's "only in accounting" action: the record read now and handed to its pull step."""
    inbound = inbound_for(connection, run_id, services)
    try:
        record = inbound.reader.one(entity, remote_id)
    except RemoteNotFound:
        return Taken.SKIPPED  # gone since the plan was made
    return _apply(inbound, entity, record)


class PullEnd(StrEnum):
    FINISHED = "finished"
    STOPPED = "stopped"
    HANDED_ON = "handed_on"


def pull_changes(connection: Connection, run: Run, services: Services, targets: Sequence[PullTarget] = ()) -> PullEnd:
    """Applies the changes in one slice: a Stop ends it between two records, and past the slice's time
    the rest goes to a fresh job for the same run (the cursors say where; targets travel along)."""
    inbound = inbound_for(connection, run.run_id, services)
    tenant_id, run_id = run.tenant_id, run.run_id
    started, clock = now(), time.monotonic()
    if targets:
        records, since = _targeted(inbound, targets), None
    else:
        since = _since(inbound, started)
        changed = list(inbound.reader.changes(since))
        records = [*changed, *_missing(inbound, since, changed)]
    groups = _grouped(inbound, records)
    progress = services.runs.get(tenant_id, run_id).progress
    for entity, group in groups.items():
        counted = progress.get(CATEGORY_OF[entity])  # a continued or retried job: what is counted stays
        already = counted.done + counted.failed if counted else 0
        services.runs.set_total(tenant_id, run_id, CATEGORY_OF[entity], already + len(group))
    settled: set[tuple[str, str]] = set()  # applied, unchanged or skipped: never read again for this run
    acted, end = 0, PullEnd.FINISHED
    for entity, group in groups.items():
        for record in group:
            if services.runs.get(tenant_id, run_id).stop_requested:
                end = PullEnd.STOPPED
                break
            if acted >= PULL_SLICE_RECORDS or time.monotonic() - clock >= PULL_SLICE_SECONDS:
                end = PullEnd.HANDED_ON
                break
            taken = _apply(inbound, entity, record)
            acted += taken not in (Taken.UNCHANGED, Taken.SKIPPED)
            services.runs.count(tenant_id, run_id, CATEGORY_OF[entity], failed=taken is Taken.FAILED)
            if taken is not Taken.FAILED:
                settled.add(record.key)
        if end is not PullEnd.FINISHED:
            break
    if since is not None:
        _move_cursors(inbound, since, records, settled, started)
    if end is PullEnd.HANDED_ON:
        rest = [t for t in targets if (t.remote_entity, t.remote_id) not in settled]
        services.runs.set_status(tenant_id, run_id, RunStatus.QUEUED, f"Continuing after {len(settled)} records.")
        send_pull_job(PullJob(tenant_id=tenant_id, provider=run.provider, run_id=run_id, targets=rest), services)
    return end


def _since(inbound: Inbound, started: datetime) -> dict[str, datetime | None]:
    """Each pulled remote entity's cursor; None (everything) once it is older than the provider keeps."""
    descriptor, connection = inbound.descriptor, inbound.connection
    saved = inbound.services.pull_cursors.all(connection.tenant_id, connection.provider)
    since: dict[str, datetime | None] = {}
    for remote_entity in _pulled_remote_entities(descriptor):
        moment = saved.get(remote_entity, connection.connected_at)
        window = descriptor.changes_window
        since[remote_entity] = None if window is not None and moment < started - window else moment
    return since


def _missing(inbound: Inbound, since: dict[str, datetime | None], read: list[RemoteRecord]) -> list[RemoteRecord]:
    """A full read holds every record the provider has, so a linked record it lacks is gone (deleted, or
    merged into another): a tombstone, as CDC would have said within its window."""
    everything = {remote for remote, moment in since.items() if moment is None}
    if not everything:
        return []
    present = {record.key for record in read}
    connection, gone = inbound.connection, []
    for entity in inbound.descriptor.pulled:
        remote = _remote(inbound.descriptor, entity)
        if remote not in everything:
            continue
        for link in inbound.services.links.list(connection.tenant_id, connection.provider, entity):
            if link.state is not LinkState.LINKED or link.remote_id is None or link.remote_inactive:
                continue
            if (remote, link.remote_id) not in present:
                gone.append(RemoteRecord(remote_id=link.remote_id, remote_entity=remote, deleted=True))
    return gone


def _targeted(inbound: Inbound, targets: Sequence[PullTarget]) -> list[RemoteRecord]:
    """A webhook's records, read again: what it said may be older than what the provider holds now."""
    records: list[RemoteRecord] = []
    pulled = _pulled_remote_entities(inbound.descriptor)
    for target in targets:
        if target.remote_entity not in pulled:
            logger.info("A notification for an entity pulls do not bring", extra={"entity": target.remote_entity})
            continue
        tombstone = RemoteRecord(remote_id=target.remote_id, remote_entity=target.remote_entity, deleted=True)
        if target.deleted:
            records.append(tombstone)
            continue
        entity = next(e for e in inbound.descriptor.pulled if _remote(inbound.descriptor, e) == target.remote_entity)
        try:
            records.append(inbound.reader.one(entity, target.remote_id))
        except RemoteNotFound:
            records.append(tombstone)
    return sorted(records, key=change_order)


def _grouped(inbound: Inbound, records: Sequence[RemoteRecord]) -> dict[str, list[RemoteRecord]]:
    """SaaS entity -> its records, in the descriptor's apply order; one record once (its newest version)."""
    newest: dict[tuple[str, str], RemoteRecord] = {}
    for record in sorted(records, key=change_order):
        newest[record.key] = record
    groups: dict[str, list[RemoteRecord]] = defaultdict(list)
    for record in sorted(newest.values(), key=change_order):
        entity = saas_entity(inbound, record)
        if entity is not None:
            groups[entity].append(record)
    return {entity: groups[entity] for entity in inbound.descriptor.pulled if groups.get(entity)}


def saas_entity(inbound: Inbound, record: RemoteRecord) -> str | None:
    """Which SaaS entity a remote record is: the one pulled entity with its remote entity or, where
    several share it, the child entity for a record with a parent. A tombstone has no parent, so the
    link that holds it decides."""
    descriptor = inbound.descriptor
    candidates = [e for e in descriptor.pulled if _remote(descriptor, e) == record.remote_entity]
    if len(candidates) <= 1:
        return candidates[0] if candidates else None
    if record.deleted:
        for entity in candidates:
            link = inbound.services.links.by_remote(
                inbound.tenant_id, inbound.connection.provider, entity, record.remote_id
            )
            if link is not None:
                return entity
    wanted = [e for e in candidates if (e in CHILD_ENTITIES) == (record.parent_id is not None)]
    return (wanted or candidates)[0]


def _apply(inbound: Inbound, entity: str, record: RemoteRecord) -> Taken:
    step = STEPS.get(entity)
    if step is None:
        return Taken.SKIPPED
    try:
        return step(inbound, entity, record)
    except RETRIED:
        raise
    except FieldbooksError as error:
        noun = inbound.descriptor.remote_nouns.get(entity, "record")
        detail = (
            f"{inbound.descriptor.short_label} {noun} {record.name or record.remote_id} could not be brought in: "
            f"{error.message} The next pull tries again."
        )
        log_inbound(inbound, entity, SyncStatus.ERROR, "pull", detail, remote_id=record.remote_id)
        return Taken.FAILED


def _move_cursors(
    inbound: Inbound,
    since: dict[str, datetime | None],
    records: Sequence[RemoteRecord],
    settled: set[tuple[str, str]],
    started: datetime,
) -> None:
    """To the oldest record not settled (it failed, or a Stop or the slice's end came first): `>=`
    reads it again. With everything settled, to the newest change, or the pull's start less the clock
    margin when that is later. A cursor never moves back."""
    connection = inbound.connection
    for remote_entity, previous in since.items():
        mine = [r for r in records if r.remote_entity == remote_entity]
        open_ = [r for r in mine if r.key not in settled]
        if open_:
            if any(r.updated_at is None for r in open_):
                continue
            moment = min(r.updated_at for r in open_ if r.updated_at)
        else:
            moment = max([*(r.updated_at for r in mine if r.updated_at), started - CLOCK_MARGIN])
        if previous is not None and moment <= previous:
            continue
        inbound.services.pull_cursors.save(connection.tenant_id, connection.provider, remote_entity, moment)


def _pulled_remote_entities(descriptor: Descriptor) -> list[str]:
    return list(dict.fromkeys(_remote(descriptor, entity) for entity in descriptor.pulled))


def _remote(descriptor: Descriptor, entity: str) -> str:
    return descriptor.remote_entities[entity]
