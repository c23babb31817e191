"""`QUEUE` transport: for providers that ask us for work (the Web Connector, an on-prem agent).

Deciding is the same as for `CALL` (sync/push.py); only the carrying differs. A create writes its
exactly-once intent on the link and a work item in the connection's outbox, and the outcome is
QUEUED. `next_message` builds the bodies when the provider's side asks (so a parent settled
meanwhile supplies its id) and encodes them with the package's codec; `receive` decodes the answer
and settles each item the way a call would have: link, marker, sentence, run counters.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fieldbooks.domain.errors import FieldbooksError, RemoteNotFound, StaleVersion, ValidationFailed
from fieldbooks.domain.models import Link, LinkState, Run, RunStatus, SyncStatus, WorkItem, WorkOperation, WorkState
from fieldbooks.domain.outcomes import PushAction, PushOutcome
from fieldbooks.domain.records import Invoice, SaasRecord
from fieldbooks.domain.wording import describe
from fieldbooks.providers.contract import OutgoingWork, SendAgain, Written
from fieldbooks.queues.run_events import publish_run_finished
from fieldbooks.services import Services
from fieldbooks.store.base import sortable_id
from fieldbooks.sync.exactly_once import abandon_create, finish_create, request_id
from fieldbooks.sync.merge import canonical
from fieldbooks.sync.transport import Member, ParentWaiting, Push, write_intent

OUTBOX_READ = 200  # items looked at per request message
MESSAGE_ITEMS = 20  # items one request message carries at most


class QueueTransport:
    def __init__(self, push: Push) -> None:
        self.push = push
        self.key_length = push.descriptor.idempotency.max_len

    def create(self, member: Member) -> PushOutcome:
        pending = write_intent(self.push, member)
        assert pending.intent_request_id is not None
        return self._enqueue(member.entity, member.record, WorkOperation.CREATE, pending.intent_request_id)

    def create_many(self, members: dict[int, Member]) -> dict[int, PushOutcome | None]:
        return {}  # one request message carries many items anyway: each goes through `create`

    def update(self, link: Link, entity: str, record: SaasRecord, body: dict[str, Any] | None) -> PushOutcome:
        key = request_id(self.push.tenant_id, f"{entity}.update", record.id, record.version, link.generation)
        return self._enqueue(entity, record, WorkOperation.UPDATE, key[: self.key_length])

    def void(self, link: Link, invoice: Invoice) -> PushOutcome:
        key = request_id(self.push.tenant_id, "invoice.void", invoice.id, invoice.version, link.generation)
        return self._enqueue("invoice", invoice, WorkOperation.VOID, key[: self.key_length])

    def _enqueue(self, entity: str, record: SaasRecord, operation: WorkOperation, key: str) -> PushOutcome:
        push = self.push
        waiting = push.services.work_items.waiting(push.tenant_id, push.connection.provider, OUTBOX_READ)
        same = next((i for i in waiting if (i.entity, i.saas_id, i.operation) == (entity, record.id, operation)), None)
        item = same or push.services.work_items.add(
            WorkItem(
                tenant_id=push.tenant_id,
                provider=push.connection.provider,
                item_id=sortable_id(),
                entity=entity,
                saas_id=record.id,
                record_version=record.version,
                operation=operation,
                key=key,
                created_at=datetime.now(UTC),
            )
        )  # already waiting: it is sent as the record is then, so one item carries every version
        asker = push.descriptor.waiting_for or push.descriptor.short_label
        detail = f"Waiting for {asker} to ask for {describe(entity, record)}."
        outcome = push.settle.outcome(PushAction.QUEUED, entity, record.id, detail, status=SyncStatus.QUEUED)
        return outcome.model_copy(update={"work_item_id": item.item_id})


def next_message(push: Push, limit: int = MESSAGE_ITEMS) -> str | None:
    """The next request message for the provider's side, or None when nothing can go yet.

    Items whose parents are not settled yet wait for a later message; an item sent before without an
    answer is sent again with the same key (the provider replays, or the package looks up first).
    """
    codec = push.package_codec()
    services = push.services
    outgoing: list[OutgoingWork] = []
    for item in services.work_items.waiting(push.tenant_id, push.connection.provider, OUTBOX_READ):
        if len(outgoing) >= limit:
            break
        record = services.saas.get(push.tenant_id, item.entity, item.saas_id)  # type: ignore[arg-type]
        try:
            body = push.body_when_sent(item.entity, record)
        except ParentWaiting:
            continue
        except ValidationFailed as error:
            _finish(push, item, push.settle.outcome(PushAction.ERROR, item.entity, item.saas_id, error.message))
            continue
        link = push.link(item.entity, item.saas_id)
        operation = item.operation.value
        outgoing.append(
            OutgoingWork(
                item_id=item.item_id,
                entity=item.entity,
                operation=operation,  # type: ignore[arg-type]
                key=item.key,
                body=body,
                remote_id=link.remote_id if link else None,
                version=link.remote_version if link else None,
                resent=item.state is WorkState.SENT,
            )
        )
        services.work_items.save(item.model_copy(update={"state": WorkState.SENT, "sent": canonical(body)}))
    return codec.encode(outgoing) if outgoing else None


def receive(push: Push, response: str) -> list[PushOutcome]:
    """Settles every item the response answers; an item it does not mention stays for the next message."""
    outcomes = []
    for item_id, result in push.package_codec().decode(response).items():
        item = push.services.work_items.get(push.tenant_id, push.connection.provider, item_id)
        if item is None or item.state is not WorkState.SENT:
            continue  # settled by an earlier delivery of the same answer
        if isinstance(result, SendAgain):
            _send_again(push, item, result)
            continue
        if isinstance(result, FieldbooksError) and not isinstance(result, ValidationFailed | RemoteNotFound):
            continue  # a provider-side hiccup: the item is sent again
        record = push.services.saas.get(push.tenant_id, item.entity, item.saas_id)  # type: ignore[arg-type]
        outcome = _settled(push, item, record, result)
        _finish(push, item, outcome)
        outcomes.append(outcome)
    return outcomes


def _send_again(push: Push, item: WorkItem, result: SendAgain) -> None:
    """A look-up answered: the item is queued again as new (a re-read brings the current version)."""
    link = push.link(item.entity, item.saas_id)
    if result.version is not None and link is not None:
        push.services.links.save(link.model_copy(update={"remote_version": result.version}))
    push.services.work_items.save(item.model_copy(update={"state": WorkState.QUEUED}))


def _settled(push: Push, item: WorkItem, record: SaasRecord, result: Written | FieldbooksError) -> PushOutcome:
    settle, links = push.settle, push.services.links
    link = push.link(item.entity, item.saas_id)
    sent = item.sent or {}
    if isinstance(result, ValidationFailed | RemoteNotFound):
        if item.operation is WorkOperation.CREATE and link is not None and link.state is LinkState.PENDING:
            abandon_create(links, link)  # nothing was made: the next try needs a new key
        return settle.refused(item.entity, record, sent, result)
    assert isinstance(result, Written) and link is not None
    if item.operation is WorkOperation.CREATE:
        settle.mark_linked_in_saas(item.entity, item.saas_id, result.remote_id)  # before the link, as a call does
        finish_create(links, link, result, sent)
        return settle.created(item.entity, record, sent, result.remote_id)
    changes: dict[str, Any] = {"remote_version": result.version, "synced_version": item.record_version}
    if item.operation is WorkOperation.VOID:
        links.save(link.model_copy(update=changes))
        detail = f"Voided {describe(item.entity, record)} in {settle.label}."
        return settle.outcome(PushAction.VOIDED, item.entity, item.saas_id, detail, remote_id=link.remote_id)
    links.save(link.model_copy(update={**changes, "snapshot": sent}))
    detail = f"Updated {describe(item.entity, record)} in {settle.label}."
    return settle.outcome(PushAction.UPDATED, item.entity, item.saas_id, detail, remote_id=link.remote_id)


def _finish(push: Push, item: WorkItem, outcome: PushOutcome) -> None:
    """The item leaves the outbox; a run that counted it moves it to done or failed, and ends with its last."""
    services = push.services
    services.work_items.done(item)
    if not (item.run_id and item.category):
        return
    run = services.runs.settle_queued(push.tenant_id, item.run_id, item.category, failed=outcome.failed)
    _end_if_settled(run, services)


def cancel_unsent(run: Run, services: Services) -> Run:
    """Stop: work of the run not handed out yet leaves the outbox (its intents stay on the links, so a
    later push or run finishes them with the same keys); work already sent is still settled when its
    answer comes, and the run stops with the last one."""
    for item in services.work_items.waiting(run.tenant_id, run.provider, OUTBOX_READ):
        if item.run_id != run.run_id or item.state is not WorkState.QUEUED or item.category is None:
            continue
        try:
            services.work_items.done(item)
        except StaleVersion:
            continue  # handed out meanwhile: its answer settles it
        services.runs.cancel_queued(run.tenant_id, run.run_id, item.category)
    return _end_if_settled(services.runs.get(run.tenant_id, run.run_id), services)


def _end_if_settled(run: Run, services: Services) -> Run:
    """A QUEUE run ends with its last answer: stopped if asked to stop, else by how its records went."""
    progress = run.progress.values()
    if run.status is not RunStatus.RUNNING or any(p.queued for p in progress):
        return run
    if run.stop_requested:
        status, message = RunStatus.STOPPED, "Stopped on request."
    elif sum(p.done + p.failed for p in progress) >= sum(p.total for p in progress):
        status, message = (RunStatus.PARTIAL if any(p.failed for p in progress) else RunStatus.SUCCEEDED), None
    else:
        return run  # the pull job applies the rest of the plan
    ended = services.runs.set_status(run.tenant_id, run.run_id, status, message)
    publish_run_finished(ended, services)
    return ended
