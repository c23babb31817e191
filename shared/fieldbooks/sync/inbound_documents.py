"""Invoices and credit notes voided or deleted in accounting: a person decides what the SaaS does.

Documents go to accounting, never the other way, so a bookkeeper's void or deletion there is not
copied into the SaaS on its own (the SaaS printed and sent the invoice). It becomes a pending action:
"void it in the SaaS too?" for a void, "re-import?" for a deletion, which pushes the invoice again as
a new accounting record. A deletion also marks the link (`Link.remote_inactive`), so no plan calls the
invoice up to date while its twin is gone. Approving is `console/approvals.py`'s; the exactly-once
half of a re-import (a fresh generation, so the new create can never replay the deleted one's key)
is `discard_deleted_twin` here.
"""

from __future__ import annotations

from datetime import UTC, datetime

from fieldbooks import registry
from fieldbooks.domain.errors import RemoteNotFound
from fieldbooks.domain.models import (
    Connection,
    Direction,
    Link,
    LinkState,
    PendingAction,
    PendingActionKind,
    SyncStatus,
)
from fieldbooks.domain.records import CreditNote, Invoice
from fieldbooks.domain.wording import describe, first_upper
from fieldbooks.providers.contract import RemoteRecord
from fieldbooks.services import Services
from fieldbooks.store.conflicts import action_id
from fieldbooks.sync.exactly_once import without_twin
from fieldbooks.sync.inbound import Inbound, Taken

DOCUMENTS = ("invoice", "credit_note")


def document_changed(inbound: Inbound, entity: str, remote: RemoteRecord) -> Taken:
    """The step for invoices and credit notes (`STEPS`): only what accounting did to one of ours counts."""
    services, connection = inbound.services, inbound.connection
    link = services.links.by_remote(inbound.tenant_id, connection.provider, entity, remote.remote_id)
    if link is None or link.state is not LinkState.LINKED:
        return Taken.SKIPPED  # made in accounting, or unlinked: documents only ever go to accounting
    if remote.deleted:
        return deleted_in_accounting(services, connection, link, inbound.run_id)
    if remote.voided:
        return voided_in_accounting(services, connection, link, inbound.run_id)
    return Taken.UNCHANGED  # a balance moved by a payment, or an edit there: the SaaS keeps its own document


def offer_decision(services: Services, connection: Connection, entity: str, saas_id: str, run_id: str) -> bool:
    """A run's plan found the twin deleted or voided (ApplyStep.HOLD): read it again now, as the plan may
    be hours old, and raise the pending action. True: the record ends as it should (a person decides)."""
    link = services.links.get(connection.tenant_id, connection.provider, entity, saas_id)
    if link is None or link.state is not LinkState.LINKED or link.remote_id is None:
        return True  # re-imported or unlinked since the plan was made
    try:
        remote = registry.reader(connection, services).one(entity, link.remote_id)
    except RemoteNotFound:
        deleted_in_accounting(services, connection, link, run_id)
        return True
    if remote.voided:
        voided_in_accounting(services, connection, link, run_id)
    return True


def deleted_in_accounting(services: Services, connection: Connection, link: Link, run_id: str | None) -> Taken:
    """Marks the link and offers the re-import; a repeat (a redelivered notification) changes nothing.

    Also what a push that finds its twin gone calls (sync/settle.py), so the offer does not wait for a pull.
    """
    document = _document(services, link)
    if document is None:
        return Taken.SKIPPED
    if link.remote_inactive and _pending(services, link) is not None:
        return Taken.UNCHANGED
    if not link.remote_inactive:
        services.links.save(link.model_copy(update={"remote_inactive": True}))
    label, provider = describe(link.entity, document), connection.provider
    if isinstance(document, Invoice) and document.status == "void":
        detail = (
            f"{first_upper(label)} was deleted in {provider.label}; it is void here too, so nothing is re-imported."
        )
        _log(services, link, SyncStatus.SKIPPED, "delete", detail, run_id)
        return Taken.SKIPPED
    summary = f"Re-import {label} into {provider.label} as a new {link.remote_entity or 'record'}"
    _hold(services, link, document.version, PendingActionKind.REIMPORT, summary)
    detail = f"{first_upper(label)} was deleted in {provider.label}; approve the pending action to re-import it."
    _log(services, link, SyncStatus.SKIPPED, "delete", detail, run_id)
    return Taken.PENDING


def voided_in_accounting(services: Services, connection: Connection, link: Link, run_id: str | None) -> Taken:
    provider = connection.provider
    document = _document(services, link)
    if document is None:
        return Taken.SKIPPED
    label = describe(link.entity, document)
    if not isinstance(document, Invoice):
        detail = f"{first_upper(label)} was voided in {provider.label}; the app has no void for it, so it stays."
        _log(services, link, SyncStatus.SKIPPED, "void", detail, run_id)
        return Taken.SKIPPED
    if document.status == "void":
        return Taken.UNCHANGED  # our own void coming back, or voided on both sides already
    pending = _pending(services, link)
    if pending is not None and pending.action is PendingActionKind.VOID:
        return Taken.UNCHANGED
    summary = f"Void {label} in the app, as it was voided in {provider.label}"
    _hold(services, link, document.version, PendingActionKind.VOID, summary)
    detail = f"{first_upper(label)} was voided in {provider.label}; approve the pending action to void it here too."
    _log(services, link, SyncStatus.SKIPPED, "void", detail, run_id)
    return Taken.PENDING


def discard_deleted_twin(services: Services, link: Link) -> Link:
    """The first half of a re-import: the deleted twin is forgotten and the generation moves on, so the
    create that follows carries a key the provider has never seen (sync/exactly_once.py).

    Only a link still pointing at its deleted twin is discarded: a repeated approval, or one after a
    crash between this and the create, finds the link already PENDING and creates under the same
    generation, so the provider replays instead of making a second record. StaleVersion when another
    approval got there first.
    """
    if not (link.state is LinkState.LINKED and link.remote_inactive):
        return link
    return services.links.save(without_twin(link))


def _document(services: Services, link: Link) -> Invoice | CreditNote | None:
    try:
        record = services.saas.get(link.tenant_id, link.entity, link.saas_id)  # type: ignore[arg-type]
    except RemoteNotFound:
        return None
    return record if isinstance(record, Invoice | CreditNote) else None


def _pending(services: Services, link: Link) -> PendingAction | None:
    return services.pending_actions.find(link.tenant_id, action_id(link.provider, link.entity, link.saas_id))


def _hold(services: Services, link: Link, version: int, kind: PendingActionKind, summary: str) -> None:
    services.pending_actions.hold(
        PendingAction(
            tenant_id=link.tenant_id,
            action_id=action_id(link.provider, link.entity, link.saas_id),
            provider=link.provider,
            entity=link.entity,
            saas_id=link.saas_id,
            record_version=version,
            action=kind,
            summary=summary,
            remote_id=link.remote_id,
            created_at=datetime.now(UTC),
        )
    )


def _log(services: Services, link: Link, status: SyncStatus, action: str, detail: str, run_id: str | None) -> None:
    services.sync_log.write(
        link.tenant_id,
        provider=link.provider,
        entity=link.entity,
        direction=Direction.FROM_ACCOUNTING,
        status=status,
        action=action,
        detail=detail,
        saas_id=link.saas_id,
        remote_id=link.remote_id,
        run_id=run_id,
    )
