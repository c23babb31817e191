"""Carrying a decided push to the provider: `CALL` calls its `Operations` now and settles in the same
invocation (the exactly-once intent is written on the link before anything leaves).

The decision is sync/push.py's, the sentences sync/settle.py's; this module only orders the calls:
intent, create (alone or in a batch), link, marker; sparse update, merge after a stale version; void.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from fieldbooks.domain.errors import DuplicateName, FieldbooksError, RemoteNotFound, StaleVersion, ValidationFailed
from fieldbooks.domain.models import Connection, ConnectionSettings, Link, LinkState, SyncStatus
from fieldbooks.domain.outcomes import PushAction, PushOutcome
from fieldbooks.domain.records import CreditNote, Invoice, SaasRecord
from fieldbooks.domain.wording import describe, first_upper
from fieldbooks.providers.contract import Descriptor, Mapper, NewRecord, Operations, WorkCodec, Written
from fieldbooks.services import Services
from fieldbooks.sync.exactly_once import (
    abandon_create,
    batch_intent,
    batch_request_id,
    begin_create,
    create_exactly_once,
    finish_create,
    next_request_id,
    parse_batch_intent,
    replay_window_passed,
    request_id,
)
from fieldbooks.sync.merge import canonical, changed_fields, three_way
from fieldbooks.sync.settle import Settle


class ParentWaiting(Exception):
    """A QUEUE record whose parent is queued too: its body is built once the parent is settled."""


class Push(Protocol):
    """What carrying needs of the push that decided (sync/push.py's `Push`)."""

    connection: Connection
    services: Services
    tenant_id: str
    settings: ConnectionSettings
    descriptor: Descriptor
    mapper: Mapper
    settle: Settle

    @property
    def operations(self) -> Operations: ...

    def link(self, entity: str, saas_id: str) -> Link | None: ...

    def package_codec(self) -> WorkCodec: ...

    def body_when_sent(self, entity: str, record: SaasRecord) -> dict[str, Any]: ...


@dataclass(frozen=True)
class Member:
    """One create: the record, its link as last read, and the body the provider would be sent."""

    entity: str
    record: SaasRecord
    link: Link | None
    body: dict[str, Any]

    def with_link(self, link: Link) -> Member:
        return Member(self.entity, self.record, link, self.body)


class Transport(Protocol):
    def create(self, member: Member) -> PushOutcome: ...

    def create_many(self, members: dict[int, Member]) -> dict[int, PushOutcome | None]:
        """Outcomes by position; None (or absent) for a member that must go through `Push.record`."""

    def update(self, link: Link, entity: str, record: SaasRecord, body: dict[str, Any] | None) -> PushOutcome: ...

    def void(self, link: Link, invoice: Invoice) -> PushOutcome: ...


def write_intent(push: Push, member: Member, batch: str | None = None) -> Link:
    """Step 2 of the exactly-once create, for either transport: the intent on the link before anything leaves."""
    return begin_create(
        push.services.links,
        member.link,
        tenant_id=push.tenant_id,
        provider=push.connection.provider,
        entity=member.entity,
        saas_id=member.record.id,
        version=member.record.version,
        remote_entity=push.descriptor.remote_entity(member.entity),
        key_length=push.descriptor.idempotency.max_len,
        batch=batch,
    )


class CallTransport:
    def __init__(self, push: Push) -> None:
        self.push = push
        self.settle = push.settle
        self.key_length = push.descriptor.idempotency.max_len
        self.batch_key_length = push.descriptor.idempotency.batch_max_len or self.key_length

    # ------------------------------------------------------------------ create
    def create(self, member: Member) -> PushOutcome:
        push, entity, record, body, link = self.push, member.entity, member.record, member.body, member.link
        if link is not None and link.state is LinkState.PENDING and link.intent_batch:
            # The create went out inside a batch: only that batch's key can replay it, never a key of its own.
            batch_key, _ = parse_batch_intent(link.intent_batch)
            (settled,) = self._settle_batch(batch_key, [member])
            if settled is not None:
                return settled
            link = push.link(entity, record.id)

        refusals: list[str | None] = []  # the credit applied (None) or why not, once the create is made

        if link is not None and replay_window_passed(link, push.descriptor.idempotency):
            adopted = self._adopt_lost_create(member.with_link(link))
            if adopted is not None:
                return adopted

        def create(key: str) -> Written:
            written = push.operations.create(entity, body, key)
            self.settle.check_created_total(entity, record, written.remote_id, written.version, written.total, key)
            # Before the link is saved: a failure here retries the whole create, which the provider
            # replays, so the marker cannot be lost behind a link that already says LINKED.
            self.settle.mark_linked_in_saas(entity, record.id, written.remote_id)
            if isinstance(record, CreditNote) and record.invoice_id:
                refusals.append(self.settle.apply_credit(record, written.remote_id, key))  # the same way
            return written

        try:
            linked, written = create_exactly_once(
                push.services.links,
                link,
                tenant_id=push.tenant_id,
                provider=push.connection.provider,
                entity=entity,
                saas_id=record.id,
                version=record.version,
                remote_entity=push.descriptor.remote_entity(entity),
                create=create,
                snapshot=canonical(body),
                key_length=self.key_length,
            )
        except (ValidationFailed, RemoteNotFound) as error:
            return self.settle.refused(entity, record, body, error)
        created = self._created(linked, written, member)
        if refusals and isinstance(record, CreditNote):
            return self.settle.credit_applied(record, written.remote_id, refusals[-1]) or created
        return created

    def _adopt_lost_create(self, member: Member) -> PushOutcome | None:
        """The create's reply was lost and its key has lapsed: the record it made (if it did) is found
        by its unique name or number and linked, instead of being made a second time. None: nothing
        unclaimed carries that name, so the create is repeated."""
        push, link = self.push, member.link
        assert link is not None
        name = self.settle.descriptor_name(member.entity, member.body)
        if not name:
            return None
        found = [r for r in push.operations.find_by_name(member.entity, name) if r.active]
        unclaimed = [r for r in found if self.settle.saas_owner(member.entity, r.remote_id) is None]
        if len(unclaimed) != 1:
            return None
        remote = unclaimed[0]
        written = Written(remote_id=remote.remote_id, version=remote.version, total=remote.total)
        key = link.intent_request_id or ""
        try:
            self.settle.check_created_total(
                member.entity, member.record, written.remote_id, written.version, written.total, key
            )
        except ValidationFailed as error:  # the one found did not match and was taken back
            abandon_create(push.services.links, link)
            return self.settle.refused(member.entity, member.record, member.body, error)
        self.settle.mark_linked_in_saas(member.entity, member.record.id, written.remote_id)
        linked = finish_create(push.services.links, link, written, canonical(member.body))
        return self._created(linked, written, member)

    def _created(self, linked: Link, written: Written, member: Member) -> PushOutcome:
        """After the link says LINKED: catch up a replayed older version, then the "Created" row."""
        if linked.synced_version is not None and linked.synced_version < member.record.version:
            # The create was a replay of an earlier version's intent: bring accounting up to this one.
            self.update(
                linked.model_copy(update={"snapshot": None}), member.entity, member.record, member.body, log=False
            )
        return self.settle.created(member.entity, member.record, member.body, written.remote_id)

    # ------------------------------------------------------------------ create, many in one call
    def create_many(self, members: dict[int, Member]) -> dict[int, PushOutcome | None]:
        outcomes: dict[int, PushOutcome | None] = {}
        fresh: list[tuple[int, Member]] = []
        unsettled: dict[str, list[tuple[int, Member]]] = {}
        for index, member in members.items():
            if member.link is not None and member.link.intent_batch:
                # A batch a crash or a lost reply left unanswered: settled under its own key, as one call.
                batch_key, _ = parse_batch_intent(member.link.intent_batch)
                unsettled.setdefault(batch_key, []).append((index, member))
            else:
                fresh.append((index, member))
        for batch_key, waiting in unsettled.items():
            settled = self._settle_batch(batch_key, [m for _, m in waiting])
            outcomes.update(zip((i for i, _ in waiting), settled, strict=True))
        size = self.push.descriptor.batch_size
        for start in range(0, len(fresh), size):
            chunk = fresh[start : start + size]
            if len(chunk) < 2:
                break  # one record saves nothing as a batch, and batches have a budget of their own
            outcomes.update(zip((i for i, _ in chunk), self._create_batch([m for _, m in chunk]), strict=True))
        return outcomes

    def _create_batch(self, members: list[Member]) -> list[PushOutcome | None]:
        """Steps 2-4 of the exactly-once create for a batch: every intent before the call."""
        push = self.push
        keys = [
            next_request_id(m.link, push.tenant_id, m.entity, m.record.id, m.record.version, self.key_length)
            for m in members
        ]
        batch_key = batch_request_id(keys, self.batch_key_length)
        written: list[tuple[int, Member]] = []
        for position, member in enumerate(members):
            try:
                pending = write_intent(push, member, batch=batch_intent(batch_key, f"b{position}"))
            except StaleVersion:
                continue  # another worker got there first; `record` re-reads the link and sees its result
            written.append((position, member.with_link(pending)))
        settled = dict(
            zip((p for p, _ in written), self._settle_batch(batch_key, [m for _, m in written]), strict=True)
        )
        return [settled.get(position) for position in range(len(members))]

    def _settle_batch(self, batch_key: str, members: list[Member]) -> list[PushOutcome | None]:
        """Sends (or replays) one batch of creates whose intents name `batch_key`; None for a member
        that must go through `record` (its intent was abandoned, so that creates it afresh).

        Each member keeps the batch item id its intent names: if the batch ran before, the provider
        replays that reply whatever this body holds, and the ids say which record is whose.
        """
        if not members:
            return []
        records = []
        for member in members:
            assert member.link is not None and member.link.intent_batch is not None
            _, batch_item_id = parse_batch_intent(member.link.intent_batch)
            records.append(NewRecord(entity=member.entity, body=member.body, batch_item_id=batch_item_id))
        # Transient, RateLimited and AuthExpired propagate: every intent stays PENDING for the retry.
        results = self.push.operations.create_many(records, batch_key)
        return [self._settle_member(member, result) for member, result in zip(members, results, strict=True)]

    def _settle_member(self, member: Member, result: Written | FieldbooksError) -> PushOutcome | None:
        assert member.link is not None
        links = self.push.services.links
        if isinstance(result, FieldbooksError):
            # A refusal of the item, or no answer for it under a replayed key: nothing was made for it.
            abandon_create(links, member.link)
            if isinstance(result, ValidationFailed | RemoteNotFound):
                return self.settle.refused(member.entity, member.record, member.body, result)
            return None  # anything else: the single-record path, with its own retries
        self.settle.mark_linked_in_saas(member.entity, member.record.id, result.remote_id)  # before the link
        linked = finish_create(links, member.link, result, canonical(member.body))
        return self._created(linked, result, member)

    # ------------------------------------------------------------------ update
    def update(
        self, link: Link, entity: str, record: SaasRecord, body: dict[str, Any], log: bool = True
    ) -> PushOutcome:
        push, settle = self.push, self.settle
        label = describe(entity, record)
        assert link.remote_id is not None
        send = changed_fields(link.snapshot, body)
        snapshot = canonical(body)
        both_changed: dict[str, dict[str, Any]] = {}
        written: Written | None = None
        key = request_id(
            push.tenant_id, f"{entity}.update", record.id, record.version, link.generation, self.key_length
        )
        try:
            if send:
                try:
                    written = push.operations.update(entity, link.remote_id, link.remote_version, send, key)
                except StaleVersion:
                    written, both_changed, kept = self._merge_and_retry(link, entity, record, body)
                    snapshot = {**snapshot, **kept}
        except RemoteNotFound:
            return settle.outcome(PushAction.ERROR, entity, record.id, settle.not_found_sentence(entity, record))
        except DuplicateName:
            return settle.duplicate_name(entity, record, body)
        except ValidationFailed as error:
            return settle.outcome(
                PushAction.ERROR, entity, record.id, f"{settle.label} refused {label}: {error.message}"
            )
        if written is not None and (
            mismatch := settle.updated_total_mismatch(entity, record, written.total, link.remote_id)
        ):
            return mismatch
        was_linked_only = link.synced_version is None  # linked by a match or a resolve, never pushed
        if was_linked_only:
            settle.mark_linked_in_saas(entity, record.id, link.remote_id)  # before the save, as in a create
        push.services.links.save(
            link.model_copy(
                update={
                    "remote_version": written.version if written else link.remote_version,
                    "synced_version": record.version,
                    "snapshot": snapshot,
                }
            )
        )
        action = PushAction.LINKED if was_linked_only else PushAction.UPDATED
        if not send:
            detail = f"Nothing {settle.label} keeps for {label} changed."
        elif both_changed:
            fields = ", ".join(sorted(both_changed))
            policy = push.settings.conflict_policy.value.replace("_", " ")
            detail = f"Updated {label} in {settle.label}; {fields} changed on both sides ({policy})."
        else:
            detail = f"Updated {label} in {settle.label}."
        if not log:
            return PushOutcome(action=action, entity=entity, saas_id=record.id, remote_id=link.remote_id, detail=detail)
        return settle.outcome(action, entity, record.id, detail, remote_id=link.remote_id, values=both_changed or None)

    def _merge_and_retry(
        self, link: Link, entity: str, record: SaasRecord, body: dict[str, Any]
    ) -> tuple[Written, dict[str, dict[str, Any]], dict[str, Any]]:
        """A stale version: someone changed it in accounting. Re-read, merge against the snapshot, retry once.

        Returns the answer, the fields both sides changed, and the accounting values that won (they
        become the new base, so they are not sent back next time).
        """
        push = self.push
        assert link.remote_id is not None
        theirs = push.operations.read(entity, link.remote_id)
        merge = three_way(
            link.snapshot,
            body,
            theirs.fields or {},
            push.settings.conflict_policy,
            record.updated_at,
            theirs.updated_at,
            push.mapper.comparable,
        )
        kept = {key: values["accounting"] for key, values in merge.both_changed.items() if key not in merge.send}
        current = Written(remote_id=theirs.remote_id, version=theirs.version, total=theirs.total)
        if not merge.send:
            return current, merge.both_changed, kept
        # A provider replays a key's first reply, refusals included: a key per version read means a
        # retry after another stale version asks afresh instead of being handed the old refusal again.
        merge_entity = f"{entity}.merge.{theirs.version}"
        key = request_id(push.tenant_id, merge_entity, record.id, record.version, link.generation, self.key_length)
        written = push.operations.update(entity, link.remote_id, theirs.version, merge.send, key)
        return written, merge.both_changed, kept  # a second stale version propagates: retried, merged again

    # ------------------------------------------------------------------ void
    def void(self, link: Link, invoice: Invoice) -> PushOutcome:
        push, settle = self.push, self.settle
        assert link.remote_id is not None
        label = describe("invoice", invoice)
        key = request_id(push.tenant_id, "invoice.void", invoice.id, invoice.version, link.generation, self.key_length)
        try:
            written = push.operations.void("invoice", link.remote_id, link.remote_version, key)
        except StaleVersion:
            current = push.operations.read("invoice", link.remote_id)
            # The version is in the key too: a replayed stale-version refusal must not come back.
            retry_key = f"{key[: self.key_length - 12]}-{current.version}"[: self.key_length]
            written = push.operations.void("invoice", link.remote_id, current.version, retry_key)
        except RemoteNotFound:
            # Deleted there: as good as void for accounting, and nothing is left to re-import either.
            push.services.links.save(
                link.model_copy(update={"remote_inactive": True, "synced_version": invoice.version})
            )
            detail = f"{first_upper(label)} was deleted in {settle.label}, so there is nothing left to void there."
            return settle.outcome(PushAction.SKIPPED, "invoice", invoice.id, detail, status=SyncStatus.SKIPPED)
        push.services.links.save(
            link.model_copy(update={"remote_version": written.version, "synced_version": invoice.version})
        )
        return settle.outcome(
            PushAction.VOIDED, "invoice", invoice.id, f"Voided {label} in {settle.label}.", remote_id=link.remote_id
        )
