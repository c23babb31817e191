"""QuickBooks Online as an `AccountingProvider`: one SaaS record version in, the right QuickBooks call out.

`push_record` is the single path for real-time pushes, runs and approvals. It returns what happened
as a `PushOutcome` and writes the sync-log row itself. Errors that a retry can cure (Transient,
RateLimited, AuthExpired, a second 5010, a lost link race) propagate, so the SQS message comes back;
everything a retry cannot cure (a refusal, a duplicate name, a total mismatch) becomes an outcome
and a sentence in the log, so the queue is not clogged with a message that would fail five times.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict

from fieldbooks.domain.errors import (
    DuplicateName,
    FieldbooksError,
    NotFound,
    RemoteNotFound,
    StaleVersion,
    ValidationFailed,
)
from fieldbooks.domain.models import (
    ConflictKind,
    ConflictRecord,
    Connection,
    Direction,
    Link,
    LinkState,
    PendingAction,
    Run,
    SyncStatus,
)
from fieldbooks.providers.quickbooks_online import mapping, runs
from fieldbooks.providers.quickbooks_online.client import BATCH_MAX_ITEMS, BatchItem, QboClient, client_for
from fieldbooks.providers.quickbooks_online.merge import canonical, changed_fields, three_way
from fieldbooks.saas.records import (
    AccountingLinkFields,
    Contact,
    CreditNote,
    Invoice,
    Item,
    Payment,
    Property,
    SaasRecord,
)
from fieldbooks.store.conflicts import action_id, conflict_id
from fieldbooks.sync.exactly_once import (
    Created,
    abandon_create,
    batch_intent,
    batch_request_id,
    begin_create,
    create_exactly_once,
    finish_create,
    next_request_id,
    parse_batch_intent,
    request_id,
)

if TYPE_CHECKING:
    from fieldbooks.saas.events import SaasChangeEvent
    from fieldbooks.services import Services

ClientFactory = Callable[[Connection, "Services"], QboClient]

NAME_FIELD = {"Customer": "DisplayName", "Item": "Name"}
# Creates that never need another record first go out in batches; job sites and documents have parents.
BATCHED = {"contact", "item"}
# Preview mode covers "customer and job-site actions" (issue 4, bullet 6).
PREVIEWED = {"contact", "property"}
DOCUMENTS = {"invoice", "credit_note"}
NEVER_SYNCED = {
    "quote": "Quotes stay in the field-service app; only finalized invoices go to accounting.",
    "job": "Jobs stay in the field-service app; they never sync to accounting.",
    "team_member": "Team members stay in the field-service app; they never sync to accounting.",
}
PLURAL = {
    "contact": "Contacts",
    "property": "Job sites",
    "item": "Items",
    "invoice": "Invoices",
    "credit_note": "Credit notes",
    "payment": "Payments",
}
# An invoice line without a pricebook item still needs an ItemRef; QuickBooks companies usually
# have a "Services" item, and one is made (exactly once, by a fixed requestid) when missing.
FALLBACK_ITEM_NAME = "Services"
_countries: dict[str, str] = {}  # realm id → country; a company's country never changes


class PushAction(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    LINKED = "linked"  # linked by a match or a resolve, then brought up to date
    VOIDED = "voided"
    SKIPPED = "skipped"
    HELD = "held"  # preview mode: waits as a pending action
    CONFLICT = "conflict"
    ERROR = "error"


class PushOutcome(BaseModel):
    """What one push did, for runs (done/failed counts) and approvals (the reply to the console)."""

    model_config = ConfigDict(frozen=True)

    action: PushAction
    entity: str
    saas_id: str
    remote_id: str | None = None
    detail: str

    @property
    def failed(self) -> bool:
        return self.action in (PushAction.ERROR, PushAction.CONFLICT)


class TotalMismatch(ValidationFailed):
    """QuickBooks computed another total than the SaaS printed. A ValidationFailed, so the intent is
    abandoned and the next try starts a fresh create (the QuickBooks copy has been deleted)."""


class _Blocked(Exception):
    """A record that needs another one (its customer, its items) which could not be brought over."""

    def __init__(self, outcome: PushOutcome) -> None:
        super().__init__(outcome.detail)
        self.outcome = outcome


@dataclass(frozen=True)
class _Member:
    """One create of a batch: the record, its link as last read, and the body `record` would send."""

    entity: str
    record: SaasRecord
    link: Link | None
    body: dict[str, Any]

    def with_link(self, link: Link) -> _Member:
        return _Member(self.entity, self.record, link, self.body)


class QuickBooksOnline:
    """`client_factory` is the seam tests use to hand in a client; production uses `client_for`."""

    def __init__(self, client_factory: ClientFactory = client_for) -> None:
        self._client_factory = client_factory

    def push_change(self, connection: Connection, change: SaasChangeEvent, services: Services) -> None:
        if change.action == "deleted":
            _Push(self, connection, services, None).log(
                change.entity,
                change.record_id,
                SyncStatus.SKIPPED,
                "skip",
                f"Deleting a {change.entity.replace('_', ' ')} is not copied to QuickBooks; change it there if needed.",
            )
            return
        self.push_record(connection, change.entity, change.record, services)

    def push_record(
        self,
        connection: Connection,
        entity: str,
        record: SaasRecord,
        services: Services,
        run_id: str | None = None,
        approved: bool = False,
    ) -> PushOutcome:
        return _Push(self, connection, services, run_id).record(entity, record, approved)

    def push_records(
        self,
        connection: Connection,
        pushes: list[tuple[str, SaasRecord]],
        services: Services,
        run_id: str | None = None,
    ) -> list[PushOutcome]:
        """Many records at once (a run's apply phase): what `push_record` does for each, in fewer calls."""
        return _Push(self, connection, services, run_id).records(pushes)

    def void_invoice(
        self, connection: Connection, invoice: Invoice, services: Services, run_id: str | None = None
    ) -> PushOutcome:
        return _Push(self, connection, services, run_id).void(invoice)

    def pull_changes(self, connection: Connection, run: Run, services: Services) -> None:
        """Initial sync and Sync now: read both sides, match, plan, apply through push_record (qbo/runs.py)."""
        runs.pull_changes(self, connection, run, services)

    def client(self, connection: Connection, services: Services) -> QboClient:
        return self._client_factory(connection, services)


class _Push:
    """One push and everything it needs on the way: the client, parents, accounts, the company's country."""

    def __init__(self, adapter: QuickBooksOnline, connection: Connection, services: Services, run_id: str | None):
        self.adapter = adapter
        self.connection = connection
        self.services = services
        self.run_id = run_id
        self.tenant_id = connection.tenant_id
        self.settings = connection.settings
        self._client: QboClient | None = None
        self._income_accounts: dict[str, str] = {}

    @property
    def client(self) -> QboClient:
        if self._client is None:
            self._client = self.adapter.client(self.connection, self.services)
        return self._client

    # ------------------------------------------------------------------ the decision
    def record(self, entity: str, record: SaasRecord, approved: bool) -> PushOutcome:
        if reason := self._skip_reason(entity, record):
            return self.outcome(PushAction.SKIPPED, entity, record.id, reason, status=SyncStatus.SKIPPED)
        link = self.services.links.get(self.tenant_id, self.connection.provider, entity, record.id)
        if link is not None and link.state is LinkState.UNLINKED:
            return self.outcome(
                PushAction.SKIPPED, entity, record.id, "Not linked to accounting.", status=SyncStatus.SKIPPED
            )
        if isinstance(record, Invoice) and record.status == "void":
            return self.void(record)
        if _up_to_date(link, record):
            # A duplicate delivery, or an older version arriving late: nothing to do and nothing to log.
            return PushOutcome(
                action=PushAction.SKIPPED,
                entity=entity,
                saas_id=record.id,
                remote_id=link.remote_id if link else None,
                detail="Already up to date in QuickBooks.",
            )
        creating = link is None or link.state is not LinkState.LINKED
        if entity in PREVIEWED and self.settings.preview_customer_actions and not approved:
            return self._hold(entity, record, "create" if creating else "update")
        try:
            body = self._body(entity, record, approved)
        except _Blocked as blocked:
            return blocked.outcome
        except ValidationFailed as error:
            return self.outcome(PushAction.ERROR, entity, record.id, error.message)
        if creating:
            return self._create(link, entity, record, body)
        assert link is not None
        return self._update(link, entity, record, body)

    def _skip_reason(self, entity: str, record: SaasRecord) -> str | None:
        if entity in NEVER_SYNCED:
            return NEVER_SYNCED[entity]
        if entity not in mapping.REMOTE_ENTITY:
            return f"{entity} records do not sync to QuickBooks."
        if not self.settings.direction(entity).pushes:
            return f"{PLURAL[entity]} are set not to sync to QuickBooks."
        if isinstance(record, Invoice) and record.status == "draft":
            return "Draft invoices go to accounting once they are finalized."
        return None

    # ------------------------------------------------------------------ create
    def _create(self, link: Link | None, entity: str, record: SaasRecord, body: dict[str, Any]) -> PushOutcome:
        remote_entity = mapping.REMOTE_ENTITY[entity]
        if link is not None and link.state is LinkState.PENDING and link.intent_batch:
            # The create went out inside a batch: only that batch's key can replay it, never a key of its own.
            batch_key, _ = parse_batch_intent(link.intent_batch)
            (settled,) = self._settle_batch(batch_key, [_Member(entity, record, link, body)])
            if settled is not None:
                return settled
            link = self.services.links.get(self.tenant_id, self.connection.provider, entity, record.id)

        def create(key: str) -> Created:
            reply = self.client.create(remote_entity, body, key)
            created = Created(remote_id=str(reply["Id"]), sync_token=str(reply["SyncToken"]), reply=reply)
            if entity in DOCUMENTS:
                self._check_total(entity, record, created, key)
            # Before the link is saved: a failure here retries the whole create, which QuickBooks
            # replays, so the marker cannot be lost behind a link that already says LINKED.
            self._mark_linked_in_saas(entity, record.id, created.remote_id)
            return created

        try:
            linked, created = create_exactly_once(
                self.services.links,
                link,
                tenant_id=self.tenant_id,
                provider=self.connection.provider,
                entity=entity,
                saas_id=record.id,
                version=record.version,
                remote_entity=remote_entity,
                create=create,
                snapshot=canonical(body),
            )
        except (ValidationFailed, RemoteNotFound) as error:
            return self._refused(entity, record, body, error)
        return self._created(linked, created, entity, record, body)

    def _refused(
        self, entity: str, record: SaasRecord, body: dict[str, Any], error: ValidationFailed | RemoteNotFound
    ) -> PushOutcome:
        """A create QuickBooks refused (nothing was made): the conflict or error row it deserves."""
        if isinstance(error, DuplicateName):
            return self._duplicate_name(entity, record, body)
        if isinstance(error, TotalMismatch):
            return self.outcome(PushAction.ERROR, entity, record.id, error.message)
        if isinstance(error, RemoteNotFound):
            return self.outcome(PushAction.ERROR, entity, record.id, self._not_found_sentence(entity, record))
        label = describe(entity, record)
        return self.outcome(PushAction.ERROR, entity, record.id, f"QuickBooks refused {label}: {error.message}")

    def _created(
        self, linked: Link, created: Created, entity: str, record: SaasRecord, body: dict[str, Any]
    ) -> PushOutcome:
        """After the link says LINKED: catch up a replayed older version, then the "Created" row."""
        if linked.synced_version is not None and linked.synced_version < record.version:
            # The create was a replay of an earlier version's intent: bring QuickBooks up to this one.
            self._update(linked.model_copy(update={"snapshot": None}), entity, record, body, log=False)
        label = describe(entity, record)
        sentence = f"Created {label} in QuickBooks"
        if isinstance(record, Contact) and body.get("DisplayName") not in (None, record.display_name):
            sentence += f' as "{body["DisplayName"]}"'  # the naming rule or a cleaned-up name
        return self.outcome(PushAction.CREATED, entity, record.id, f"{sentence}.", remote_id=created.remote_id)

    # ------------------------------------------------------------------ create, many in one call
    def records(self, pushes: list[tuple[str, SaasRecord]]) -> list[PushOutcome]:
        """Outcomes in the order of `pushes`. Creates that need nothing else first go out in batches;
        everything else (updates, preview holds, records with parents or an intent of their own)
        takes `record` afterwards, so a job site finds the customer the batch just made."""
        outcomes: dict[int, PushOutcome | None] = {}
        fresh: list[tuple[int, _Member]] = []
        unsettled: dict[str, list[tuple[int, _Member]]] = {}
        for index, (entity, record) in enumerate(pushes):
            member = self._batchable(entity, record)
            if member is None:
                continue
            if member.link is not None and member.link.intent_batch:
                # A batch a crash or a lost reply left unanswered: settled under its own key, as one call.
                batch_key, _ = parse_batch_intent(member.link.intent_batch)
                unsettled.setdefault(batch_key, []).append((index, member))
            else:
                fresh.append((index, member))
        for batch_key, waiting in unsettled.items():
            outcomes.update(
                zip((i for i, _ in waiting), self._settle_batch(batch_key, [m for _, m in waiting]), strict=True)
            )
        for start in range(0, len(fresh), BATCH_MAX_ITEMS):
            chunk = fresh[start : start + BATCH_MAX_ITEMS]
            if len(chunk) < 2:
                break  # one record saves nothing as a batch, and batches have a budget of their own (40/min)
            outcomes.update(zip((i for i, _ in chunk), self._create_batch([m for _, m in chunk]), strict=True))
        return [
            outcomes.get(index) or self.record(entity, record, approved=False)
            for index, (entity, record) in enumerate(pushes)
        ]

    def _batchable(self, entity: str, record: SaasRecord) -> _Member | None:
        """A create of a contact or item that `record` would send as it is; None sends it through `record`."""
        if entity not in BATCHED or self._skip_reason(entity, record):
            return None
        if entity in PREVIEWED and self.settings.preview_customer_actions:
            return None
        link = self.services.links.get(self.tenant_id, self.connection.provider, entity, record.id)
        if link is not None and (
            link.state is not LinkState.PENDING or (link.intent_request_id and not link.intent_batch)
        ):
            return None  # linked, unlinked, or a single create in flight that only its own key can replay
        try:
            body = self._body(entity, record, approved=False)
        except (ValidationFailed, _Blocked):
            return None  # `record` writes the same error row
        return _Member(entity, record, link, body)

    def _create_batch(self, members: list[_Member]) -> list[PushOutcome | None]:
        """Steps 2-4 of the exactly-once create for up to 30 records: every intent before the call."""
        keys = [next_request_id(m.link, self.tenant_id, m.entity, m.record.id, m.record.version) for m in members]
        batch_key = batch_request_id(keys)
        written: list[tuple[int, _Member]] = []
        for position, member in enumerate(members):
            try:
                pending = begin_create(
                    self.services.links,
                    member.link,
                    tenant_id=self.tenant_id,
                    provider=self.connection.provider,
                    entity=member.entity,
                    saas_id=member.record.id,
                    version=member.record.version,
                    remote_entity=mapping.REMOTE_ENTITY[member.entity],
                    batch=batch_intent(batch_key, f"b{position}"),
                )
            except StaleVersion:
                continue  # another worker got there first; `record` re-reads the link and sees its result
            written.append((position, member.with_link(pending)))
        settled = dict(
            zip((p for p, _ in written), self._settle_batch(batch_key, [m for _, m in written]), strict=True)
        )
        return [settled.get(position) for position in range(len(members))]

    def _settle_batch(self, batch_key: str, members: list[_Member]) -> list[PushOutcome | None]:
        """Sends (or replays) one batch of creates whose intents name `batch_key`; None for a member
        that must go through `record` (its intent was abandoned, so that creates it afresh).

        Each member keeps the bId its intent names: if the batch ran before, QuickBooks replays that
        reply whatever this body holds, and the bIds say which record is whose.
        """
        if not members:
            return []
        items = []
        for member in members:
            assert member.link is not None and member.link.intent_batch is not None
            _, batch_item_id = parse_batch_intent(member.link.intent_batch)
            items.append(
                BatchItem(
                    entity=mapping.REMOTE_ENTITY[member.entity],
                    operation="create",
                    body=member.body,
                    batch_id=batch_item_id,
                )
            )
        # Transient, RateLimited and AuthExpired propagate: every intent stays PENDING for the retry.
        results = self.client.batch(items, request_id=batch_key)
        return [self._settle_member(member, result) for member, result in zip(members, results, strict=True)]

    def _settle_member(self, member: _Member, result: dict[str, Any] | FieldbooksError) -> PushOutcome | None:
        assert member.link is not None
        entity, record = member.entity, member.record
        if isinstance(result, FieldbooksError):
            # A Fault on the item, or no answer for it under a replayed key: nothing was made for it.
            abandon_create(self.services.links, member.link)
            if isinstance(result, ValidationFailed | RemoteNotFound):
                return self._refused(entity, record, member.body, result)
            return None  # anything else: the single-record path, with its own retries
        created = Created(remote_id=str(result["Id"]), sync_token=str(result["SyncToken"]), reply=result)
        self._mark_linked_in_saas(entity, record.id, created.remote_id)  # before the link, as in `_create`
        linked = finish_create(self.services.links, member.link, created, canonical(member.body))
        return self._created(linked, created, entity, record, member.body)

    def _check_total(self, entity: str, record: SaasRecord, created: Created, key: str) -> None:
        """QuickBooks computes TotalAmt itself; an invoice that disagrees with the printed one must not stay."""
        assert isinstance(record, Invoice | CreditNote)
        computed = mapping.money(created.reply.get("TotalAmt", 0))
        if computed == record.total:
            return
        # A fixed key: a retry after a crash here replays this delete instead of failing on a tombstone.
        remote_entity = mapping.REMOTE_ENTITY[entity]
        self.client.delete(remote_entity, created.remote_id, created.sync_token or "0", f"{key[:30]}-del")
        raise TotalMismatch(
            f"{_first_upper(_noun(entity))} total mismatch: QuickBooks computed {computed}, "
            f"the {_noun(entity)} says {record.total}. "
            f"It was not kept in QuickBooks; check the tax settings, then sync it again."
        )

    # ------------------------------------------------------------------ update
    def _update(
        self, link: Link, entity: str, record: SaasRecord, body: dict[str, Any], log: bool = True
    ) -> PushOutcome:
        remote_entity = mapping.REMOTE_ENTITY[entity]
        label = describe(entity, record)
        assert link.remote_id is not None
        send = changed_fields(link.snapshot, body)
        snapshot = canonical(body)
        both_changed: dict[str, dict[str, Any]] = {}
        reply: dict[str, Any] | None = None
        key = request_id(self.tenant_id, f"{entity}.update", record.id, record.version, link.generation)
        try:
            if send:
                try:
                    reply = self.client.update(
                        remote_entity, {"Id": link.remote_id, "SyncToken": link.sync_token, **send}, key
                    )
                except StaleVersion:
                    reply, both_changed, kept = self._merge_and_retry(link, entity, record, body)
                    snapshot = {**snapshot, **kept}
        except RemoteNotFound:
            return self.outcome(PushAction.ERROR, entity, record.id, self._not_found_sentence(entity, record))
        except DuplicateName:
            return self._duplicate_name(entity, record, body)
        except ValidationFailed as error:
            return self.outcome(PushAction.ERROR, entity, record.id, f"QuickBooks refused {label}: {error.message}")
        if reply is not None and entity in DOCUMENTS:
            computed = mapping.money(reply.get("TotalAmt", 0))
            assert isinstance(record, Invoice | CreditNote)
            if computed != record.total:
                return self.outcome(
                    PushAction.ERROR,
                    entity,
                    record.id,
                    f"{_first_upper(_noun(entity))} total mismatch: QuickBooks computed {computed}, "
                    f"the {_noun(entity)} says {record.total}.",
                    remote_id=link.remote_id,
                )
        was_linked_only = link.synced_version is None  # linked by a match or a resolve, never pushed
        if was_linked_only:
            self._mark_linked_in_saas(entity, record.id, link.remote_id)  # before the save, as in a create
        self.services.links.save(
            link.model_copy(
                update={
                    "sync_token": str(reply["SyncToken"]) if reply else link.sync_token,
                    "synced_version": record.version,
                    "snapshot": snapshot,
                }
            )
        )
        action = PushAction.LINKED if was_linked_only else PushAction.UPDATED
        if not send:
            detail = f"Nothing QuickBooks keeps for {label} changed."
        elif both_changed:
            fields = ", ".join(sorted(both_changed))
            policy = self.settings.conflict_policy.value.replace("_", " ")
            detail = f"Updated {label} in QuickBooks; {fields} changed on both sides ({policy})."
        else:
            detail = f"Updated {label} in QuickBooks."
        if not log:
            return PushOutcome(action=action, entity=entity, saas_id=record.id, remote_id=link.remote_id, detail=detail)
        return self.outcome(action, entity, record.id, detail, remote_id=link.remote_id, values=both_changed or None)

    def _merge_and_retry(
        self, link: Link, entity: str, record: SaasRecord, body: dict[str, Any]
    ) -> tuple[dict[str, Any], dict[str, dict[str, Any]], dict[str, Any]]:
        """5010: someone changed it in QuickBooks. Re-read, merge against the snapshot, retry once.

        Returns the reply, the fields both sides changed, and the QuickBooks values that won (they
        become the new base, so they are not sent back next time).
        """
        remote_entity = mapping.REMOTE_ENTITY[entity]
        assert link.remote_id is not None
        theirs = self.client.read(remote_entity, link.remote_id)
        merge = three_way(
            link.snapshot,
            body,
            theirs,
            self.settings.conflict_policy,
            record.updated_at,
            _remote_updated_at(theirs),
        )
        kept = {key: values["quickbooks"] for key, values in merge.both_changed.items() if key not in merge.send}
        if not merge.send:
            return theirs, merge.both_changed, kept
        # QuickBooks replays a requestid's first reply, refusals included: a key per SyncToken read means
        # a retry after another 5010 asks afresh instead of being handed the old 5010 again.
        merge_entity = f"{entity}.merge.{theirs['SyncToken']}"
        key = request_id(self.tenant_id, merge_entity, record.id, record.version, link.generation)
        reply = self.client.update(
            remote_entity, {"Id": link.remote_id, "SyncToken": theirs["SyncToken"], **merge.send}, key
        )  # a second 5010 propagates: the message is retried and merges again
        return reply, merge.both_changed, kept

    # ------------------------------------------------------------------ void
    def void(self, invoice: Invoice) -> PushOutcome:
        label = describe("invoice", invoice)
        link = self.services.links.get(self.tenant_id, self.connection.provider, "invoice", invoice.id)
        if link is None or link.state is not LinkState.LINKED or link.remote_id is None:
            return self.outcome(
                PushAction.SKIPPED,
                "invoice",
                invoice.id,
                f"{_first_upper(label)} was voided before it reached QuickBooks; nothing to void there.",
                status=SyncStatus.SKIPPED,
            )
        if _up_to_date(link, invoice):
            return PushOutcome(
                action=PushAction.SKIPPED,
                entity="invoice",
                saas_id=invoice.id,
                remote_id=link.remote_id,
                detail="Already voided in QuickBooks.",
            )
        key = request_id(self.tenant_id, "invoice.void", invoice.id, invoice.version, link.generation)
        try:
            reply = self.client.void("Invoice", link.remote_id, link.sync_token or "0", key)
        except StaleVersion:
            current = self.client.read("Invoice", link.remote_id)
            token = str(current["SyncToken"])  # in the key too: a replayed 5010 must not come back
            reply = self.client.void("Invoice", link.remote_id, token, f"{key[:24]}-{token}"[:36])
        except RemoteNotFound:
            return self.outcome(PushAction.ERROR, "invoice", invoice.id, self._not_found_sentence("invoice", invoice))
        self.services.links.save(
            link.model_copy(update={"sync_token": str(reply["SyncToken"]), "synced_version": invoice.version})
        )
        return self.outcome(
            PushAction.VOIDED, "invoice", invoice.id, f"Voided {label} in QuickBooks.", remote_id=link.remote_id
        )

    # ------------------------------------------------------------------ preview
    def _hold(self, entity: str, record: SaasRecord, action: str) -> PushOutcome:
        summary = f"{_first_upper(action)} {describe(entity, record)} in QuickBooks"
        self.services.pending_actions.hold(
            PendingAction(
                tenant_id=self.tenant_id,
                action_id=action_id(self.connection.provider, entity, record.id),
                provider=self.connection.provider,
                entity=entity,
                saas_id=record.id,
                record_version=record.version,
                action=action,
                summary=summary,
                created_at=datetime.now(UTC),
            )
        )
        return self.outcome(
            PushAction.HELD, entity, record.id, f"Waiting for approval: {summary}.", status=SyncStatus.SKIPPED
        )

    # ------------------------------------------------------------------ duplicate names
    def _duplicate_name(self, entity: str, record: SaasRecord, body: dict[str, Any]) -> PushOutcome:
        """6240: resolvable when one unlinked QuickBooks record has the name, otherwise a person renames."""
        remote_entity = mapping.REMOTE_ENTITY[entity]
        field = NAME_FIELD[remote_entity]
        name = str(body[field])
        noun = "customer" if remote_entity == "Customer" else "item"
        escaped = name.replace("\\", "\\\\").replace("'", "\\'")
        holders = self.client.query(f"SELECT * FROM {remote_entity} WHERE {field} = '{escaped}'")
        holder = holders[0] if holders else None
        owner = self._saas_owner(remote_entity, str(holder["Id"])) if holder else None
        other_ids: list[str] = []
        if holder is not None and owner is None:
            resolvable = True
            message = (
                f'QuickBooks already has a {noun} named "{name}" that is not linked to any record. '
                f"Resolve to link them."
            )
        elif owner is not None:
            resolvable = False
            other_ids = [owner.saas_id]
            message = f'Two {noun}s are named "{name}"; rename one'
            message += " or switch on the 'First Last (Company)' naming rule." if remote_entity == "Customer" else "."
        else:
            resolvable = False
            message = f'QuickBooks already uses the name "{name}" for a vendor or employee; rename the {entity}.'
        self.services.conflicts.open(
            ConflictRecord(
                tenant_id=self.tenant_id,
                conflict_id=conflict_id(self.connection.provider, entity, record.id, ConflictKind.DUPLICATE_NAME),
                provider=self.connection.provider,
                entity=entity,
                saas_id=record.id,
                kind=ConflictKind.DUPLICATE_NAME,
                resolvable=resolvable,
                message=message,
                name=name,
                remote_id=str(holder["Id"]) if holder is not None and resolvable else None,
                other_saas_ids=other_ids,
                created_at=datetime.now(UTC),
            )
        )
        return self.outcome(
            PushAction.CONFLICT,
            entity,
            record.id,
            f"Duplicate {noun} name: {message}",
            status=SyncStatus.CONFLICT,
            remote_id=str(holder["Id"]) if holder is not None and resolvable else None,
        )

    def _saas_owner(self, remote_entity: str, remote_id: str) -> Link | None:
        entities = ("contact", "property") if remote_entity == "Customer" else ("item",)
        for entity in entities:
            if owner := self.services.links.by_remote(self.tenant_id, self.connection.provider, entity, remote_id):
                return owner
        return None

    # ------------------------------------------------------------------ bodies and parents
    def _body(self, entity: str, record: SaasRecord, approved: bool) -> dict[str, Any]:
        if isinstance(record, Contact):
            return mapping.customer(record, self.settings)
        if isinstance(record, Property):
            parent_id = self._remote_id("contact", record.contact_id, record, approved)
            parent = self.services.saas.get_contact(self.tenant_id, record.contact_id)
            return mapping.job(record, parent_id, mapping.customer_display_name(parent, self.settings))
        if isinstance(record, Item):
            return mapping.item(record, self._income_account_id(record))
        if isinstance(record, Invoice | CreditNote):
            customer_id = self._remote_id("contact", record.contact_id, record, approved)
            item_ids = {line.item_id for line in record.lines if line.item_id}
            items = {item_id: self._remote_id("item", item_id, record, approved) for item_id in sorted(item_ids)}
            fallback = self._fallback_item_id() if any(not line.item_id for line in record.lines) else None
            tax = mapping.TaxCoding(self._country(), self.settings)
            build = mapping.invoice if isinstance(record, Invoice) else mapping.credit_memo
            return build(record, customer_id, items, tax, fallback)  # type: ignore[arg-type]
        if isinstance(record, Payment):
            customer_id = self._remote_id("contact", record.contact_id, record, approved)
            invoices = {
                each.invoice_id: self._remote_id("invoice", each.invoice_id, record, approved)
                for each in record.applied_to
            }
            return mapping.payment(record, customer_id, invoices)
        raise ValidationFailed(f"{entity} records do not sync to QuickBooks.")

    def _remote_id(self, entity: str, saas_id: str, child: SaasRecord, approved: bool) -> str:
        """Parents first: a record whose customer or item is not in QuickBooks yet brings it over."""
        link = self.services.links.get(self.tenant_id, self.connection.provider, entity, saas_id)
        if link is not None and link.state is LinkState.LINKED and link.remote_id:
            return link.remote_id
        try:
            parent = self.services.saas.get(self.tenant_id, entity, saas_id)  # type: ignore[arg-type]
        except NotFound as error:
            raise ValidationFailed(
                f"The {entity.replace('_', ' ')} {saas_id} it refers to no longer exists."
            ) from error
        outcome = self.record(entity, parent, approved)
        if outcome.remote_id and outcome.action not in (PushAction.CONFLICT, PushAction.ERROR):
            return outcome.remote_id
        child_label = describe(child.entity, child)
        raise _Blocked(
            self.outcome(
                PushAction.ERROR,
                child.entity,
                child.id,
                f"{_first_upper(child_label)} waits for {describe(entity, parent)}: {outcome.detail}",
            )
        )

    def _income_account_id(self, item: Item) -> str:
        if self.settings.default_income_account_id:
            return self.settings.default_income_account_id
        name = mapping.income_account_name(item)
        if name not in self._income_accounts:  # once per push, not once per item of a batch
            accounts = self.client.query(f"SELECT * FROM Account WHERE Name = '{name}'")
            if not accounts:
                raise ValidationFailed(
                    f'QuickBooks has no "{name}" income account; choose a default income account in the settings.'
                )
            self._income_accounts[name] = str(accounts[0]["Id"])
        return self._income_accounts[name]

    def _fallback_item_id(self) -> str:
        found = self.client.query(f"SELECT * FROM Item WHERE Name = '{FALLBACK_ITEM_NAME}'")
        if found:
            return str(found[0]["Id"])
        account = self.settings.default_income_account_id or self._account_id(mapping.SERVICE_INCOME_ACCOUNT)
        body = {"Name": FALLBACK_ITEM_NAME, "Type": "Service", "IncomeAccountRef": {"value": account}}
        key = request_id(self.tenant_id, "item", "fallback-services", 1, 0)
        return str(self.client.create("Item", body, key)["Id"])

    def _account_id(self, name: str) -> str:
        accounts = self.client.query(f"SELECT * FROM Account WHERE Name = '{name}'")
        if not accounts:
            raise ValidationFailed(f'QuickBooks has no "{name}" account; choose a default income account.')
        return str(accounts[0]["Id"])

    def _country(self) -> str:
        realm = self.connection.remote_company_id
        if realm not in _countries:
            info = self.client.company_info()
            _countries[realm] = str(info.get("Country") or (info.get("CompanyAddr") or {}).get("Country") or "US")
        return _countries[realm]

    def _not_found_sentence(self, entity: str, record: SaasRecord) -> str:
        if entity in ("contact", "property") or entity in DOCUMENTS or entity == "payment":
            return (
                f"Customer not found in QuickBooks: the customer of {describe(entity, record)} was deleted or "
                f"made inactive there. Relink it or make it active again."
            )
        return f"{_first_upper(describe(entity, record))} was not found in QuickBooks; relink it."

    # ------------------------------------------------------------------ side effects
    def _mark_linked_in_saas(self, entity: str, saas_id: str, remote_id: str | None) -> None:
        """Shows "Linked to accounting" in the product. The key is per (record, remote id), so a retry is a no-op."""
        if remote_id is None:
            return
        key = "fb-link-" + request_id(self.tenant_id, f"{entity}.link.{remote_id}", saas_id, 0, 0)
        self.services.saas.set_accounting_link(
            self.tenant_id,
            entity,  # type: ignore[arg-type]
            saas_id,
            AccountingLinkFields(provider="qbo", remote_id=remote_id),
            idempotency_key=key,
        )

    def outcome(
        self,
        action: PushAction,
        entity: str,
        saas_id: str,
        detail: str,
        *,
        remote_id: str | None = None,
        status: SyncStatus | None = None,
        values: dict[str, Any] | None = None,
    ) -> PushOutcome:
        status = status or (SyncStatus.ERROR if action is PushAction.ERROR else SyncStatus.SYNCED)
        self.log(entity, saas_id, status, _LOG_ACTION[action], detail, remote_id=remote_id, values=values)
        return PushOutcome(action=action, entity=entity, saas_id=saas_id, remote_id=remote_id, detail=detail)

    def log(
        self,
        entity: str,
        saas_id: str,
        status: SyncStatus,
        action: str,
        detail: str,
        remote_id: str | None = None,
        values: dict[str, Any] | None = None,
    ) -> None:
        self.services.sync_log.write(
            self.tenant_id,
            provider=self.connection.provider,
            entity=entity,
            direction=Direction.TO_ACCOUNTING,
            status=status,
            action=action,
            detail=detail,
            saas_id=saas_id,
            remote_id=remote_id,
            run_id=self.run_id,
            values=values,
        )


_LOG_ACTION = {
    PushAction.CREATED: "create",
    PushAction.UPDATED: "update",
    PushAction.LINKED: "link",
    PushAction.VOIDED: "void",
    PushAction.SKIPPED: "skip",
    PushAction.HELD: "hold",
    PushAction.CONFLICT: "create",
    PushAction.ERROR: "push",
}


def describe(entity: str, record: SaasRecord) -> str:
    """How a bookkeeper names the record in a sentence: "customer Jane Doe", "invoice INV-1001"."""
    if isinstance(record, Contact):
        return f"customer {record.display_name}"
    if isinstance(record, Property):
        return f"job site {record.name}"
    if isinstance(record, Item):
        return f"item {record.name}"
    if isinstance(record, Invoice):
        return f"invoice {record.number}"
    if isinstance(record, CreditNote):
        return f"credit note {record.number}"
    if isinstance(record, Payment):
        return f"payment of {record.amount}"
    return f"{entity.replace('_', ' ')} {record.id}"


def _noun(entity: str) -> str:
    return entity.replace("_", " ")


def _first_upper(text: str) -> str:
    """Capitalise a sentence's first letter only: str.capitalize() would turn "INV-7" into "inv-7"."""
    return text[:1].upper() + text[1:]


def _up_to_date(link: Link | None, record: SaasRecord) -> bool:
    return (
        link is not None
        and link.state is LinkState.LINKED
        and link.synced_version is not None
        and link.synced_version >= record.version
    )


def _remote_updated_at(remote: dict[str, Any]) -> datetime | None:
    stamp = (remote.get("MetaData") or {}).get("LastUpdatedTime")
    try:
        return datetime.fromisoformat(stamp) if stamp else None
    except ValueError:
        return None
