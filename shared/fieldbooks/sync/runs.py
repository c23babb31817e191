"""The run driver: read both sides, plan, wait for approval if asked, then apply the plan in slices.

Provider independent: the connection's `Reader` gives the accounting side, `Push` applies each
action, and the driver does the rest: plan storage, per-category progress, Stop between records,
and handing a long run on to a fresh invocation before Lambda's limit.

Progress doubles as the cursor: actions are applied strictly in plan order and each one ends with
exactly one atomic ADD to its category's done or failed counter, so done+failed over all
categories *is* the position of the next action. A redelivered job resumes there; the record it
may repeat is pushed through the exactly-once create protocol, so a repeat never duplicates.

Consecutive push actions go in chunks (`Push.records`, which batches creates where the provider
can); their counters are added after the chunk, in plan order, so the cursor rule still holds.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from collections.abc import Callable, Sequence
from enum import StrEnum
from typing import Any

from fieldbooks import registry
from fieldbooks.domain.errors import AuthExpired, Conflict, FieldbooksError, RateLimited, StaleVersion, Transient
from fieldbooks.domain.models import Connection, Direction, Link, LinkState, Run, RunKind, RunStatus, SyncStatus
from fieldbooks.domain.outcomes import PushAction, PushOutcome
from fieldbooks.domain.plans import CATEGORIES, ApplyStep, PlannedAction, PlanSummary
from fieldbooks.domain.record_fields import AccountingLinkFields
from fieldbooks.domain.records import Contact, CreditNote, Entity, Invoice, Item, Payment, Property, SaasRecord
from fieldbooks.domain.wording import MATCHED_BY
from fieldbooks.observability import logger
from fieldbooks.providers.contract import Parents, RemoteSide
from fieldbooks.queues.pull_jobs import PullJob, PullTarget, send_pull_job
from fieldbooks.saas.client import SaasPlatformClient
from fieldbooks.services import Services
from fieldbooks.store.base import now
from fieldbooks.sync import reference_lists
from fieldbooks.sync.inbound import Taken
from fieldbooks.sync.inbound_documents import offer_decision
from fieldbooks.sync.merge import canonical
from fieldbooks.sync.plan import SaasSide, build_plan
from fieldbooks.sync.pull_changes import bring_in, pull_changes
from fieldbooks.sync.push import Push

# One slice stays well inside the pull worker's 120 s timeout, even at a provider's few hundred calls a minute
# (a record can take a few calls: parents first, a total check). What is left goes to a fresh job.
SLICE_MAX_RECORDS = 150
SLICE_MAX_SECONDS = 60.0
READ_AHEAD = 30  # plan rows fetched per query while applying; also the most one chunk of pushes holds
PUSH_CHUNK = 30  # at most READ_AHEAD; the provider's batch size decides how many go in one call
BEGINNING = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)  # "changed since" that every record satisfies
# Failures the job retries as a whole (the message comes back; the cursor resumes at the same record).
RETRIED = (RateLimited, Transient, AuthExpired)
# What applying one action ended in: True (in step), False (failed, logged), or QUEUED (the provider's
# side has not asked for it yet; settling counts it).
QUEUED = None
Applied = bool | None
# Runs that compare both sides in full; scheduled and webhook pulls read the provider's changes instead.
RECONCILED_KINDS = (RunKind.INITIAL, RunKind.SYNC_NOW)


class SliceEnd(StrEnum):
    FINISHED = "finished"
    STOPPED = "stopped"
    HANDED_ON = "handed_on"


# ---------------------------------------------------------------- the pull worker's side


def drive(connection: Connection, run: Run, services: Services, targets: Sequence[PullTarget] = ()) -> SliceEnd | None:
    """Plans on the first delivery, then applies; None when the run now waits for approval.

    Scheduled and webhook runs read the provider's changes instead (`pull_changes`): the records a
    webhook named (`targets`), or everything since the connection's cursors."""
    if run.kind not in RECONCILED_KINDS:
        if run.kind is RunKind.SCHEDULED and not targets:
            reference_lists.refresh_when_stale(connection, services, run.run_id)
        return SliceEnd(pull_changes(connection, run, services, targets).value)
    push = Push(connection, services, run.run_id)
    if services.plans.summary(run.tenant_id, run.run_id) is None:
        services.runs.set_status(run.tenant_id, run.run_id, RunStatus.PLANNING)
        if run.kind is RunKind.INITIAL:  # right after connect: the settings' pick lists need them
            reference_lists.refresh_alongside_run(connection, services, run.run_id)
        remote = registry.reader(connection, services).side()
        plan_run(
            connection, run, services, remote, lambda contact: push.mapper.display_name(contact, connection.settings)
        )
        if services.runs.get(run.tenant_id, run.run_id).stop_requested:
            return SliceEnd.STOPPED  # stopped while planning: never park it waiting for an approval
        if connection.settings.approve_plan:  # even an all-skip plan: the tenant asked to see every plan first
            services.runs.set_status(
                run.tenant_id, run.run_id, RunStatus.AWAITING_APPROVAL, "The plan waits for your approval."
            )
            return None
        services.runs.set_status(run.tenant_id, run.run_id, RunStatus.RUNNING)
    return apply_slice(connection, run, services, push)


def plan_run(
    connection: Connection,
    run: Run,
    services: Services,
    remote: RemoteSide,
    contact_name: Callable[[Contact], str] | None = None,
) -> PlanSummary:
    saas = read_saas_side(run.tenant_id, services.saas)
    links = {(link.entity, link.saas_id): link for link in services.links.list(run.tenant_id, connection.provider)}
    descriptor = registry.descriptor(connection.provider)
    plan = build_plan(saas, remote, links, connection.settings, descriptor, contact_name)
    # Totals before the plan is saved: a saved plan is what tells a retried job to apply, not plan again.
    totals = Counter(action.category for action in plan.to_apply)
    for category in CATEGORIES:
        if totals[category]:
            services.runs.set_total(run.tenant_id, run.run_id, category, totals[category])
    return services.plans.save(run.tenant_id, run.run_id, plan)


def read_saas_side(tenant_id: str, saas: SaasPlatformClient) -> SaasSide:
    """Every record of the entities that sync (quotes, jobs and team members never do)."""

    def every(entity: Entity) -> list[SaasRecord]:
        return list(saas.list_changed(tenant_id, entity, since=BEGINNING))

    return SaasSide(
        contacts=[r for r in every("contact") if isinstance(r, Contact)],
        properties=[r for r in every("property") if isinstance(r, Property)],
        items=[r for r in every("item") if isinstance(r, Item)],
        invoices=[r for r in every("invoice") if isinstance(r, Invoice)],
        credit_notes=[r for r in every("credit_note") if isinstance(r, CreditNote)],
        payments=[r for r in every("payment") if isinstance(r, Payment)],
    )


def apply_slice(connection: Connection, run: Run, services: Services, push: Push) -> SliceEnd:
    tenant_id, run_id = run.tenant_id, run.run_id
    current = services.runs.get(tenant_id, run_id)
    cursor = sum(p.done + p.failed + p.queued for p in current.progress.values())
    started, applied = time.monotonic(), 0
    while actions := services.plans.to_apply(tenant_id, run_id, cursor, READ_AHEAD):
        position = 0
        while position < len(actions):
            if services.runs.get(tenant_id, run_id).stop_requested:
                return SliceEnd.STOPPED
            if applied >= SLICE_MAX_RECORDS or time.monotonic() - started >= SLICE_MAX_SECONDS:
                _hand_on(run, services, cursor)
                return SliceEnd.HANDED_ON
            room = min(PUSH_CHUNK, SLICE_MAX_RECORDS - applied)
            chunk = _leading_pushes(actions[position:], room)
            if len(chunk) > 1:
                results = apply_pushes(connection, run_id, chunk, services, push)
            else:
                chunk = actions[position : position + 1]
                results = [apply_action(connection, run_id, chunk[0], services, push)]
            for action, succeeded in zip(chunk, results, strict=True):
                if succeeded is QUEUED:  # counted done or failed when the provider's side answers
                    services.runs.count_queued(tenant_id, run_id, action.category)
                else:
                    services.runs.count(tenant_id, run_id, action.category, failed=not succeeded)
            cursor += len(chunk)
            applied += len(chunk)
            position += len(chunk)
    return SliceEnd.FINISHED


def _leading_pushes(actions: list[PlannedAction], limit: int) -> list[PlannedAction]:
    chunk: list[PlannedAction] = []
    for action in actions[:limit]:
        if action.step is not ApplyStep.PUSH:
            break
        chunk.append(action)
    return chunk


def apply_pushes(
    connection: Connection,
    run_id: str,
    actions: list[PlannedAction],
    services: Services,
    push: Push,
) -> list[Applied]:
    """A chunk of push actions through `Push.records`; a record that cannot be read gets its error row."""
    results: dict[int, Applied] = {}
    pushes: list[tuple[int, str, SaasRecord]] = []
    for index, action in enumerate(actions):
        try:
            pushes.append(
                (index, action.entity, services.saas.get(connection.tenant_id, action.entity, action.saas_id))
            )
        except RETRIED:
            raise
        except FieldbooksError as error:
            _log(services, connection, run_id, action, SyncStatus.ERROR, action.action.value, error.message)
            results[index] = False
    try:
        outcomes = push.records([(entity, record) for _, entity, record in pushes])
        pushed = [
            _applied(o, actions[i], connection, run_id, services) for (i, _, _), o in zip(pushes, outcomes, strict=True)
        ]
    except RETRIED:
        raise
    except FieldbooksError as error:
        # Not a record's own failure (e.g. a link race): each goes on its own, which re-reads its link.
        logger.info("A chunk of pushes falls back to one at a time", extra={"reason": error.message})
        pushed = [apply_action(connection, run_id, actions[index], services, push) for index, _, _ in pushes]
    results.update(zip((index for index, _, _ in pushes), pushed, strict=True))
    return [results[index] for index in range(len(actions))]


def _hand_on(run: Run, services: Services, cursor: int) -> None:
    """QUEUED tells the pull job this run is not finished; the fresh job picks up at the cursor."""
    services.runs.set_status(run.tenant_id, run.run_id, RunStatus.QUEUED, f"Continuing after {cursor} records.")
    send_pull_job(PullJob(tenant_id=run.tenant_id, provider=run.provider, run_id=run.run_id), services)


def apply_action(connection: Connection, run_id: str, action: PlannedAction, services: Services, push: Push) -> Applied:
    """One planned action; True when the record ends in step with accounting, QUEUED while it waits."""
    try:
        if action.step is ApplyStep.WRITE_LINK:
            return write_link(connection, run_id, action, services)
        if action.step is ApplyStep.HOLD:
            return offer_decision(services, connection, action.entity, action.saas_id, run_id)
        if action.step is ApplyStep.BRING_IN:
            assert action.remote_id is not None  # a bring-in names the accounting record
            return bring_in(connection, run_id, services, action.entity, action.remote_id) is not Taken.FAILED
        if action.step is ApplyStep.PUSH:
            # Pushed as the record is now, not as it was planned: an approval can come hours later.
            record = services.saas.get(connection.tenant_id, action.entity, action.saas_id)
            return _applied(push.record(action.entity, record), action, connection, run_id, services)
        _log(services, connection, run_id, action, SyncStatus.CONFLICT, "conflict", action.reason)
        return False
    except RETRIED:
        raise
    except FieldbooksError as error:
        _log(services, connection, run_id, action, SyncStatus.ERROR, action.action.value, error.message)
        return False


def _applied(
    outcome: PushOutcome, action: PlannedAction, connection: Connection, run_id: str, services: Services
) -> Applied:
    """A QUEUED push's work item learns its run, so the answer that settles it counts it there."""
    if outcome.action is not PushAction.QUEUED:
        return not outcome.failed
    assert outcome.work_item_id is not None
    item = services.work_items.get(connection.tenant_id, connection.provider, outcome.work_item_id)
    if item is None or item.run_id is not None:
        return True  # answered already, or counted by the run that queued it first
    services.work_items.save(item.model_copy(update={"run_id": run_id, "category": action.category}))
    return QUEUED


def write_link(connection: Connection, run_id: str, action: PlannedAction, services: Services) -> bool:
    """Pairs a SaaS record with the accounting record matching found: a link row, no provider call.

    The SaaS marker is set first and its new version becomes `synced_version`, so the marker's own
    version bump is not mistaken for an edit that needs pushing.
    """
    tenant_id, provider = connection.tenant_id, connection.provider
    assert action.remote_id is not None  # a WRITE_LINK action always names its twin
    holder = services.links.by_remote(tenant_id, provider, action.entity, action.remote_id)
    if holder is not None and holder.saas_id != action.saas_id:
        detail = f"{provider.label} record {action.remote_id} was linked to another record after the plan was made."
        _log(services, connection, run_id, action, SyncStatus.CONFLICT, "link", detail)
        return False
    existing = services.links.get(tenant_id, provider, action.entity, action.saas_id)
    if existing is not None and existing.state is LinkState.LINKED and existing.remote_id == action.remote_id:
        return True  # done by an earlier delivery of this job
    if existing is not None and existing.state is LinkState.PENDING:
        raise Conflict("The record is being created since the plan was made; it was left as it is.")
    marked = services.saas.set_accounting_link(
        tenant_id,
        action.entity,
        action.saas_id,
        AccountingLinkFields(provider=registry.descriptor(provider).link_marker, remote_id=action.remote_id),
        idempotency_key=f"fb-link-{run_id}-{action.entity}-{action.saas_id}",
    )
    link = Link(
        tenant_id=tenant_id,
        provider=provider,
        entity=action.entity,
        saas_id=action.saas_id,
        state=LinkState.LINKED,
        remote_id=action.remote_id,
        remote_entity=action.remote_entity,
        remote_version=action.remote_version,
        synced_version=marked.version,
        # Relinked after an unlink: a new generation, so a later create can never replay the old one's key.
        generation=existing.generation + 1 if existing else 0,
        snapshot=agreed_snapshot(connection, services, action, marked),
        updated_at=now(),
        version=existing.version if existing else 0,
    )
    try:
        services.links.save(link)
    except StaleVersion:
        # A push wrote this link meanwhile; whatever it linked to is the newer truth.
        logger.info("Link written by a push during the run", extra={"saas_id": action.saas_id})
        return True
    noun = registry.descriptor(provider).remote_nouns.get(action.entity, "record")
    by = MATCHED_BY.get(action.matched_by or "", "match")
    detail = f"Matched to {provider.label} {noun} {action.remote_name or action.remote_id} by {by}."
    _log(services, connection, run_id, action, SyncStatus.MATCHED, "link", detail)
    return True


def agreed_snapshot(
    connection: Connection, services: Services, action: PlannedAction, record: SaasRecord
) -> dict[str, Any] | None:
    """The first merge base of a matched customer: the fields both sides already agree on.

    There is no common ancestor at a match, so a field the two sides hold differently stays out of
    the base: the first merge treats it as changed on both sides (the policy decides), or as changed
    on the one side that has it.
    """
    if action.remote_fields is None:
        return None
    parents = Parents()
    if isinstance(record, Property):
        parent = services.links.get(connection.tenant_id, connection.provider, "contact", record.contact_id)
        if parent is None or parent.remote_id is None:
            return None
        parents = Parents(
            customer_id=parent.remote_id, customer=services.saas.get_contact(connection.tenant_id, record.contact_id)
        )
    mapper = registry.package(connection.provider).mapper
    ours = registry.operations(connection, services).body(action.entity, record, parents, connection.settings)
    theirs = action.remote_fields
    return {
        key: canonical(value)
        for key, value in ours.items()
        if canonical(mapper.comparable(theirs.get(key), value)) == canonical(value)
    }


def _log(
    services: Services,
    connection: Connection,
    run_id: str,
    action: PlannedAction,
    status: SyncStatus,
    verb: str,
    detail: str,
) -> None:
    services.sync_log.write(
        connection.tenant_id,
        provider=connection.provider,
        entity=action.entity,
        direction=Direction.TO_ACCOUNTING,
        status=status,
        action=verb,
        detail=detail,
        saas_id=action.saas_id,
        remote_id=action.remote_id,
        run_id=run_id,
    )
