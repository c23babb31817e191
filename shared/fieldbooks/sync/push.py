"""The push engine's decision: one SaaS record version in, what must happen in accounting out.

`Push.record` is the single path for real-time pushes, runs and approvals, for every provider:
the skip rules, the preview hold, parents first, then create or update through the transport, and
one sync-log sentence (sync/settle.py). Errors a retry can cure (Transient, RateLimited,
AuthExpired, a second stale version, a lost link race) propagate, so the SQS message comes back;
everything a retry cannot cure (a refusal, a duplicate name, a total mismatch) becomes an outcome and
a sentence in the log, so the queue is not clogged with a message that would fail fifteen times.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fieldbooks import registry
from fieldbooks.domain.errors import NotFound, ValidationFailed
from fieldbooks.domain.models import Connection, Link, LinkState, PendingAction, SyncStatus
from fieldbooks.domain.outcomes import PushAction, PushOutcome
from fieldbooks.domain.records import CreditNote, Invoice, Payment, Property, SaasRecord
from fieldbooks.domain.wording import NOT_LINKED, describe, first_upper, noun
from fieldbooks.providers.contract import Operations, Parents, WorkCodec
from fieldbooks.providers.contract import Transport as TransportKind
from fieldbooks.saas.events import SaasChangeEvent
from fieldbooks.services import Services
from fieldbooks.store.conflicts import action_id
from fieldbooks.sync import rules
from fieldbooks.sync.exactly_once import without_twin
from fieldbooks.sync.outbox import QueueTransport
from fieldbooks.sync.settle import Blocked, Settle
from fieldbooks.sync.transport import CallTransport, Member, ParentWaiting, Transport

# Preview mode covers "customer and job-site actions" (issue 4, bullet 6).
PREVIEWED = {"contact", "property"}


class Push:
    """One connection's pushes in one invocation; operations and lookups are built once and shared."""

    def __init__(self, connection: Connection, services: Services, run_id: str | None = None) -> None:
        self.connection = connection
        self.services = services
        self.tenant_id = connection.tenant_id
        self.settings = connection.settings
        self.package = registry.package(connection.provider)
        self.descriptor = self.package.descriptor
        self.mapper = self.package.mapper
        self.run_id = run_id  # set for a run's apply phase: only a run re-imports an unlinked record
        self.settle = Settle(connection, services, run_id, self.package, lambda: self.operations)
        self._operations: Operations | None = None
        self._sending = False  # building a QUEUE body at send time: parents are read, never pushed
        queued = self.descriptor.transport is TransportKind.QUEUE
        self.transport: Transport = QueueTransport(self) if queued else CallTransport(self)

    def package_codec(self) -> WorkCodec:
        if self.package.codec is None:
            raise ValidationFailed(f"{self.descriptor.label} does not ask for work.")
        return self.package.codec

    def body_when_sent(self, entity: str, record: SaasRecord) -> dict[str, Any]:
        """A QUEUE item's body when the provider asks for it; ParentWaiting while a parent is unsettled."""
        self._sending = True
        try:
            return self.body(entity, record, approved=True)
        finally:
            self._sending = False

    @property
    def operations(self) -> Operations:
        if self._operations is None:
            self._operations = registry.operations(self.connection, self.services)
        return self._operations

    # ------------------------------------------------------------------ entry points
    def change(self, change: SaasChangeEvent) -> PushOutcome | None:
        if change.action == "deleted":
            self.settle.log(
                change.entity,
                change.record_id,
                SyncStatus.SKIPPED,
                "skip",
                f"Deleting a {noun(change.entity)} is not copied to {self.descriptor.short_label}; "
                "change it there if needed.",
            )
            return None
        return self.record(change.entity, change.record)

    def record(self, entity: str, record: SaasRecord, approved: bool = False) -> PushOutcome:
        if reason := self.skip_reason(entity, record):
            return self.settle.outcome(PushAction.SKIPPED, entity, record.id, reason, status=SyncStatus.SKIPPED)
        link = self.link(entity, record.id)
        if link is not None and link.state is LinkState.UNLINKED:
            if self.run_id is None:
                return self.settle.outcome(PushAction.SKIPPED, entity, record.id, NOT_LINKED, status=SyncStatus.SKIPPED)
            link = without_twin(link)  # a run's plan re-imports what a person unlinked (sync/plan.py)
        if isinstance(record, Invoice) and record.status == "void":
            return self.void(record)
        if up_to_date(link, record):
            # A duplicate delivery, or an older version arriving late: nothing to do and nothing to log.
            return PushOutcome(
                action=PushAction.SKIPPED,
                entity=entity,
                saas_id=record.id,
                remote_id=link.remote_id if link else None,
                detail=f"Already up to date in {self.descriptor.short_label}.",
            )
        creating = link is None or link.state is not LinkState.LINKED
        if entity in PREVIEWED and self.settings.preview_customer_actions and not approved:
            return self._hold(entity, record, "create" if creating else "update")
        body: dict[str, Any] | None
        try:
            body = self.body(entity, record, approved)
        except ParentWaiting:
            body = None  # QUEUE: its parent is queued before it, and its body is built when it is sent
        except Blocked as blocked:
            return blocked.outcome
        except ValidationFailed as error:
            return self.settle.outcome(PushAction.ERROR, entity, record.id, error.message)
        if creating:  # body None only for QUEUE, which builds it when the provider asks
            return self.transport.create(Member(entity, record, link, body or {}))
        assert link is not None
        return self.transport.update(link, entity, record, body or {})

    def records(self, pushes: list[tuple[str, SaasRecord]]) -> list[PushOutcome]:
        """Many records at once (a run's apply phase): what `record` does for each, in fewer calls.

        Creates that need nothing else first go out in the provider's batches; everything else
        (updates, preview holds, records with parents or an intent of their own) takes `record`
        afterwards, so a job site finds the customer the batch just made.
        """
        members = {index: self._batchable(entity, record) for index, (entity, record) in enumerate(pushes)}
        batched = {index: member for index, member in members.items() if member is not None}
        outcomes = self.transport.create_many(batched) if batched else {}
        return [outcomes.get(index) or self.record(entity, record) for index, (entity, record) in enumerate(pushes)]

    def void(self, invoice: Invoice) -> PushOutcome:
        label = describe("invoice", invoice)
        link = self.link("invoice", invoice.id)
        if link is None or link.state is not LinkState.LINKED or link.remote_id is None:
            return self.settle.outcome(
                PushAction.SKIPPED,
                "invoice",
                invoice.id,
                f"{first_upper(label)} was voided before it reached {self.descriptor.short_label}; "
                "nothing to void there.",
                status=SyncStatus.SKIPPED,
            )
        if up_to_date(link, invoice):
            return PushOutcome(
                action=PushAction.SKIPPED,
                entity="invoice",
                saas_id=invoice.id,
                remote_id=link.remote_id,
                detail=f"Already voided in {self.descriptor.short_label}.",
            )
        return self.transport.void(link, invoice)

    # ------------------------------------------------------------------ rules
    def skip_reason(self, entity: str, record: SaasRecord) -> str | None:
        return rules.skip_reason(entity, record, self.descriptor, self.settings, self.descriptor.short_label)

    def link(self, entity: str, saas_id: str) -> Link | None:
        return self.services.links.get(self.tenant_id, self.connection.provider, entity, saas_id)

    def _batchable(self, entity: str, record: SaasRecord) -> Member | None:
        """A create that `record` would send as it is; None sends it through `record`."""
        if entity not in self.descriptor.batched or self.skip_reason(entity, record):
            return None
        if entity in PREVIEWED and self.settings.preview_customer_actions:
            return None
        link = self.link(entity, record.id)
        if link is not None and (
            link.state is not LinkState.PENDING or (link.intent_request_id and not link.intent_batch)
        ):
            return None  # linked, unlinked, or a single create in flight that only its own key can replay
        try:
            body = self.body(entity, record, approved=False)
        except (ValidationFailed, Blocked):
            return None  # `record` writes the same error row
        return Member(entity, record, link, body)

    def _hold(self, entity: str, record: SaasRecord, action: str) -> PushOutcome:
        summary = f"{first_upper(action)} {describe(entity, record)} in {self.descriptor.short_label}"
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
        return self.settle.outcome(
            PushAction.HELD, entity, record.id, f"Waiting for approval: {summary}.", status=SyncStatus.SKIPPED
        )

    # ------------------------------------------------------------------ bodies and parents
    def body(self, entity: str, record: SaasRecord, approved: bool) -> dict[str, Any]:
        return self.operations.body(entity, record, self.parents(record, approved), self.settings)

    def parents(self, record: SaasRecord, approved: bool) -> Parents:
        """Parents first: a record whose customer, job site, items or invoices are not in accounting yet
        brings them over. QUEUE: every missing parent is queued before the record waits for them, so
        none is left for a send that only reads parents."""
        waiting: list[str] = []

        def remote(entity: str, saas_id: str) -> str:
            try:
                return self.remote_id(entity, saas_id, record, approved)
            except ParentWaiting as parent:
                waiting.append(str(parent))
                return ""

        parents = Parents()
        if isinstance(record, Property):
            contact = self.services.saas.get_contact(self.tenant_id, record.contact_id)
            parents = Parents(customer_id=remote("contact", record.contact_id), customer=contact)
        elif isinstance(record, Invoice | CreditNote):
            customer_id = remote("contact", record.contact_id)
            item_ids = sorted({line.item_id for line in record.lines if line.item_id})
            items = {item_id: remote("item", item_id) for item_id in item_ids}
            invoices = {}
            if isinstance(record, CreditNote) and record.invoice_id:  # applied to it once both are there
                invoices[record.invoice_id] = remote("invoice", record.invoice_id)
            site = self.site(record)
            site_id = remote("property", site.id) if site is not None and self.site_syncs(site) else None
            parents = Parents(customer_id=customer_id, items=items, invoices=invoices, site=site, site_id=site_id)
        elif isinstance(record, Payment):
            customer_id = remote("contact", record.contact_id)
            invoices = {each.invoice_id: remote("invoice", each.invoice_id) for each in record.applied_to}
            parents = Parents(customer_id=customer_id, invoices=invoices)
        if waiting:
            raise ParentWaiting(", ".join(waiting))
        return parents

    def site(self, document: Invoice | CreditNote) -> Property | None:
        """The job site a document is for; a credit note's is its invoice's."""
        saas = self.services.saas
        try:
            invoice = document
            if isinstance(document, CreditNote):
                if not document.invoice_id:
                    return None
                invoice = saas.get_invoice(self.tenant_id, document.invoice_id)
            if not isinstance(invoice, Invoice) or invoice.property_id is None:
                return None
            return saas.get_property(self.tenant_id, invoice.property_id)
        except NotFound as error:
            label = describe(document.entity, document)
            raise ValidationFailed(f"The invoice or job site {label} refers to no longer exists.") from error

    def site_syncs(self, site: Property) -> bool:
        """Job sites have twins here (brought over first, and the document is theirs); otherwise the
        document only shows the site's address."""
        return self.skip_reason("property", site) is None

    def remote_id(self, entity: str, saas_id: str, child: SaasRecord, approved: bool) -> str:
        link = self.link(entity, saas_id)
        if link is not None and link.state is LinkState.LINKED and link.remote_id:
            return link.remote_id
        if self._sending:
            raise ParentWaiting(f"{entity} {saas_id}")
        try:
            parent = self.services.saas.get(self.tenant_id, entity, saas_id)  # type: ignore[arg-type]
        except NotFound as error:
            raise ValidationFailed(f"The {noun(entity)} {saas_id} it refers to no longer exists.") from error
        outcome = self.record(entity, parent, approved)
        if outcome.action is PushAction.QUEUED:
            raise ParentWaiting(f"{entity} {saas_id}")
        if outcome.remote_id and outcome.action not in (PushAction.CONFLICT, PushAction.ERROR):
            return outcome.remote_id
        child_label = describe(child.entity, child)
        raise Blocked(
            self.settle.outcome(
                PushAction.ERROR,
                child.entity,
                child.id,
                f"{first_upper(child_label)} waits for {describe(entity, parent)}: {outcome.detail}",
            )
        )


def up_to_date(link: Link | None, record: SaasRecord) -> bool:
    return (
        link is not None
        and link.state is LinkState.LINKED
        and link.synced_version is not None
        and link.synced_version >= record.version
    )
