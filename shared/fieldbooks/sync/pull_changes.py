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

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta

from fieldbooks import registry
from fieldbooks.domain.errors import AuthExpired, FieldbooksError, RateLimited, RemoteNotFound, Transient
from fieldbooks.domain.models import Connection, LinkState, Run, SyncStatus
from fieldbooks.domain.plans import CATEGORY_ENTITIES
from fieldbooks.observability import logger
from fieldbooks.providers.contract import Descriptor, RemoteRecord, change_order
from fieldbooks.queues.pull_jobs import PullTarget
from fieldbooks.services import Services
from fieldbooks.store.base import now
from fieldbooks.sync.inbound import Inbound, Taken
from fieldbooks.sync.inbound_log import log_inbound
from fieldbooks.sync.inbound_steps import STEPS

RETRIED = (RateLimited, Transient, AuthExpired)
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


def pull_changes(connection: Connection, run: Run, services: Services, targets: Sequence[PullTarget] = ()) -> bool:
    """Applies the changes; False when a Stop came between two records."""
    inbound = inbound_for(connection, run.run_id, services)
    started = now()
    if targets:
        records, since = _targeted(inbound, targets), None
    else:
        since = _since(inbound, started)
        changed = list(inbound.reader.changes(since))
        records = [*changed, *_missing(inbound, since, changed)]
    groups = _grouped(inbound, records)
    for entity, group in groups.items():
        services.runs.set_total(run.tenant_id, run.run_id, CATEGORY_OF[entity], len(group))
    failed_at: dict[str, datetime | None] = {}
    for entity, group in groups.items():
        for record in group:
            if services.runs.get(run.tenant_id, run.run_id).stop_requested:
                return False
            taken = _apply(inbound, entity, record)
            services.runs.count(run.tenant_id, run.run_id, CATEGORY_OF[entity], failed=taken is Taken.FAILED)
            if taken is Taken.FAILED and record.remote_entity not in failed_at:
                failed_at[record.remote_entity] = record.updated_at
    if since is not None:
        _move_cursors(inbound, since, records, failed_at, started)
    return True


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
    failed_at: dict[str, datetime | None],
    started: datetime,
) -> None:
    """To the newest change applied, or the pull's start less the clock margin when that is later; to
    the first failed record when one failed (`>=`: it is read again)."""
    connection = inbound.connection
    for remote_entity, previous in since.items():
        if remote_entity in failed_at:
            moment = failed_at[remote_entity]
            if moment is None or (previous is not None and moment <= previous):
                continue
        else:
            seen = [r.updated_at for r in records if r.remote_entity == remote_entity and r.updated_at]
            moment = max([*seen, started - CLOCK_MARGIN])
        inbound.services.pull_cursors.save(connection.tenant_id, connection.provider, remote_entity, moment)


def _pulled_remote_entities(descriptor: Descriptor) -> list[str]:
    return list(dict.fromkeys(_remote(descriptor, entity) for entity in descriptor.pulled))


def _remote(descriptor: Descriptor, entity: str) -> str:
    return descriptor.remote_entities[entity]
