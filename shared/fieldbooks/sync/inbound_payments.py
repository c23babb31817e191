"""Payments from accounting: recorded in the SaaS against the invoices they pay, reversed when voided
or deleted there, and never an echo of a payment the SaaS sent us.

A payment is recorded through the platform API with an idempotency key derived from the accounting
record's id, so a repeated delivery (a redelivered job, a webhook and a schedule seeing the same
change) records nothing twice, and it is linked by that id, so every later change of it finds its
SaaS twin. What the payment pays comes from the provider's mapper (`Mapper.payment_of`); which SaaS
invoices those are comes from the invoices' links. After each write the SaaS invoice's balance is
compared with the provider's, to the cent (`Mapper.balance_of`).

Fieldbooks' own writes into the SaaS carry `origin="fieldbooks"` and are dropped at intake
(functions/saas_events), so a payment recorded here never comes back as a push.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from fieldbooks.domain.errors import Conflict, RemoteNotFound, StaleVersion, ValidationFailed
from fieldbooks.domain.models import Direction, EntityDirection, Link, LinkState, SyncStatus
from fieldbooks.domain.money import ZERO
from fieldbooks.domain.record_fields import AccountingLinkFields, PaymentApplication, PaymentFields
from fieldbooks.domain.records import Invoice, Payment
from fieldbooks.domain.wording import describe, first_upper
from fieldbooks.providers.contract import RemoteRecord
from fieldbooks.store.base import now
from fieldbooks.sync.exactly_once import request_id
from fieldbooks.sync.inbound import Inbound, Taken

PULLED = (EntityDirection.FROM_ACCOUNTING, EntityDirection.BOTH)
SAAS_KEY_LENGTH = 36  # the platform API's Idempotency-Key, after its short prefix


@dataclass(frozen=True)
class Paid:
    """One SaaS invoice a payment pays: as it was before our write, its link, and what accounting calls it."""

    invoice: Invoice
    link: Link
    amount: Decimal


def payment_changed(inbound: Inbound, entity: str, remote: RemoteRecord) -> Taken:
    """The step for payments (`STEPS`)."""
    link = inbound.services.links.by_remote(inbound.tenant_id, inbound.connection.provider, entity, remote.remote_id)
    if remote.deleted or remote.voided:
        return _reverse(inbound, link, remote)
    if link is not None:
        return _known(inbound, link, remote)
    if inbound.connection.settings.direction("payment") not in PULLED:
        detail = f"Payments from {inbound.descriptor.label} are switched off in settings; this one was not recorded."
        _log(inbound, SyncStatus.SKIPPED, "skip", detail, None, remote.remote_id)
        return Taken.SKIPPED
    return _record(inbound, remote)


def _record(inbound: Inbound, remote: RemoteRecord) -> Taken:
    services, tenant_id, label = inbound.services, inbound.tenant_id, inbound.descriptor.label
    theirs = inbound.mapper.payment_of(remote.fields or {})
    if theirs.sent_from is not None:
        return Taken.UNCHANGED  # the app's own payment, read back before its push saved the link: the push links it
    if theirs.credits and not theirs.total:
        return Taken.UNCHANGED  # a credit note applied to an invoice (credit notes go to accounting): no money
    paid = _paid_invoices(inbound, theirs.applied)
    if theirs.credits and paid:
        detail = (
            f"A payment of {theirs.total} in {label} also applies {theirs.credits} of credit notes; the app cannot "
            "tell which invoice the money paid, so it was not recorded. Record it in the app by hand."
        )
        _log(inbound, SyncStatus.SKIPPED, "skip", detail, None, remote.remote_id)
        return Taken.SKIPPED
    if not paid:
        detail = (
            f"A payment of {theirs.total} in {label} pays no invoice that syncs with the app, so it was not recorded."
        )
        _log(inbound, SyncStatus.SKIPPED, "skip", detail, None, remote.remote_id)
        return Taken.SKIPPED
    contact_id = paid[0].invoice.contact_id
    paid = [each for each in paid if each.invoice.contact_id == contact_id]  # the SaaS takes one payer
    fields = PaymentFields(
        contact_id=contact_id,
        date=theirs.date or (remote.updated_at or now()).date(),
        amount=sum((each.amount for each in paid), ZERO),
        method="other",
        reference=theirs.reference[:100] if theirs.reference else None,
        applied_to=[PaymentApplication(invoice_id=each.invoice.id, amount=each.amount) for each in paid],
    )
    try:
        recorded = services.saas.record_payment(tenant_id, fields, idempotency_key=_key("pay", tenant_id, remote))
    except ValidationFailed as error:  # e.g. more than the app says is due: a person looks at both sides
        detail = f"A payment of {fields.amount} in {label} could not be recorded in the app: {error.message}"
        _log(inbound, SyncStatus.ERROR, "create", detail, None, remote.remote_id)
        return Taken.FAILED
    marked = services.saas.set_accounting_link(
        tenant_id,
        "payment",
        recorded.id,
        AccountingLinkFields(provider=inbound.descriptor.link_marker, remote_id=remote.remote_id),
        idempotency_key=_key("lnk", tenant_id, remote),
    )
    link = Link(
        tenant_id=tenant_id,
        provider=inbound.connection.provider,
        entity="payment",
        saas_id=recorded.id,
        state=LinkState.LINKED,
        remote_id=remote.remote_id,
        remote_entity=remote.remote_entity,
        remote_version=remote.version,
        synced_version=marked.version,
        updated_at=now(),
    )
    try:
        services.links.save(link)
    except (StaleVersion, Conflict):
        # Another delivery of this change recorded it first (the same key gave it the same SaaS payment).
        return Taken.UNCHANGED
    balances, agree = _follow_invoices(inbound, paid)
    detail = f"Recorded {describe('payment', recorded)} from {label} on {balances}"
    status = SyncStatus.SYNCED if agree else SyncStatus.ERROR
    _log(inbound, status, "create", detail, recorded.id, remote.remote_id)
    return Taken.APPLIED


def _known(inbound: Inbound, link: Link, remote: RemoteRecord) -> Taken:
    """A payment already linked: one the SaaS sent us, or one recorded here before. Never recorded again."""
    if link.remote_version is not None and link.remote_version == remote.version:
        return Taken.UNCHANGED  # the echo of our own create, or a repeat delivery
    services = inbound.services
    payment = services.saas.get_payment(inbound.tenant_id, link.saas_id)
    theirs = inbound.mapper.payment_of(remote.fields or {})
    ours = {each.invoice_id: each.amount for each in payment.applied_to}
    same = {each.invoice.id: each.amount for each in _paid_invoices(inbound, theirs.applied)} == ours
    _save_quietly(inbound, link.model_copy(update={"remote_version": remote.version}))
    if same:
        return Taken.UNCHANGED  # changed there in a way the app does not keep (a memo, a deposit account)
    detail = (
        f"{first_upper(describe('payment', payment))} was changed in {inbound.descriptor.label} after it was "
        "recorded; the app keeps recorded payments as they are, so void it there and record it again to change it."
    )
    _log(inbound, SyncStatus.SKIPPED, "update", detail, payment.id, remote.remote_id)
    return Taken.SKIPPED


def _reverse(inbound: Inbound, link: Link | None, remote: RemoteRecord) -> Taken:
    """A payment voided or deleted in accounting is taken back in the SaaS, whoever recorded it first."""
    if link is None:
        return Taken.UNCHANGED  # never recorded in the app: nothing to take back
    services, tenant_id = inbound.services, inbound.tenant_id
    try:
        payment = services.saas.get_payment(tenant_id, link.saas_id)
    except RemoteNotFound:
        return Taken.SKIPPED
    if payment.reversed_at is not None:
        return Taken.UNCHANGED
    paid = _paid_of(inbound, payment)
    reversed_payment = services.saas.reverse_payment(
        tenant_id, payment.id, idempotency_key=_key("rev", tenant_id, remote)
    )
    _save_quietly(
        inbound,
        link.model_copy(
            update={
                "remote_version": remote.version or link.remote_version,
                "synced_version": reversed_payment.version,
                "remote_inactive": remote.deleted,
            }
        ),
    )
    how = "deleted" if remote.deleted else "voided"
    balances, agree = _follow_invoices(inbound, paid)
    detail = f"Reversed {describe('payment', payment)}: it was {how} in {inbound.descriptor.label}. It paid {balances}"
    status = SyncStatus.SYNCED if agree else SyncStatus.ERROR
    _log(inbound, status, "reverse", detail, payment.id, remote.remote_id)
    return Taken.APPLIED


# ---------------------------------------------------------------- invoices the payment pays


def _paid_invoices(inbound: Inbound, applied: Mapping[str, Decimal]) -> list[Paid]:
    """The SaaS invoices behind the provider's invoice ids (those not linked here are left out)."""
    services, tenant_id, provider = inbound.services, inbound.tenant_id, inbound.connection.provider
    paid = []
    for remote_invoice_id, amount in applied.items():
        link = services.links.by_remote(tenant_id, provider, "invoice", remote_invoice_id)
        if link is None or link.state is not LinkState.LINKED or amount <= 0:
            continue
        invoice = services.saas.get_invoice(tenant_id, link.saas_id)
        paid.append(Paid(invoice=invoice, link=link, amount=amount))
    return paid


def _paid_of(inbound: Inbound, payment: Payment) -> list[Paid]:
    services, tenant_id, provider = inbound.services, inbound.tenant_id, inbound.connection.provider
    paid = []
    for each in payment.applied_to:
        link = services.links.get(tenant_id, provider, "invoice", each.invoice_id)
        if link is not None and link.state is LinkState.LINKED:
            paid.append(Paid(services.saas.get_invoice(tenant_id, each.invoice_id), link, each.amount))
    return paid


def _follow_invoices(inbound: Inbound, paid: list[Paid]) -> tuple[str, bool]:
    """After our write: each invoice's balance against the provider's (the end of the log's sentence, and
    whether all agree), and its link moved past the version our write made, so Sync now does not take our
    own change for an edit."""
    services, tenant_id, label = inbound.services, inbound.tenant_id, inbound.descriptor.label
    parts, agree = [], True
    for each in paid:
        after = services.saas.get_invoice(tenant_id, each.invoice.id)
        if _in_step(each.invoice, each.link) and after.version > each.invoice.version:
            _save_quietly(inbound, each.link.model_copy(update={"synced_version": after.version}))
        theirs = _remote_balance(inbound, each.link)
        shown = describe("invoice", after)
        if theirs is None or theirs == after.balance_due:
            parts.append(f"{shown} ({after.balance_due} due, as in {label})")
        else:
            agree = False
            parts.append(f"{shown}, whose balance differs: {after.balance_due} due in the app, {theirs} in {label}")
    return "; ".join(parts) + ".", agree


def _remote_balance(inbound: Inbound, link: Link) -> Decimal | None:
    assert link.remote_id is not None
    try:
        remote = inbound.reader.one("invoice", link.remote_id)
    except RemoteNotFound:
        return None
    return inbound.mapper.balance_of(remote.fields or {})


def _in_step(invoice: Invoice, link: Link) -> bool:
    """The invoice had no change since its last sync but Fieldbooks' own "Linked to accounting" marker."""
    if link.synced_version is None:
        return False
    marker = invoice.accounting_link
    marked_only = (
        marker is not None and invoice.version == link.synced_version + 1 and invoice.updated_at <= marker.linked_at
    )
    return invoice.version == link.synced_version or marked_only


def _save_quietly(inbound: Inbound, link: Link) -> None:
    """Bookkeeping on a link a push may be writing at the same moment: the push's write is the newer truth."""
    try:
        inbound.services.links.save(link)
    except StaleVersion:
        return


def _key(purpose: str, tenant_id: str, remote: RemoteRecord) -> str:
    """From the accounting record's id (and entity): every delivery of one change sends the same key."""
    return (
        f"fb-{purpose}-"
        + request_id(tenant_id, f"{remote.remote_entity}.{purpose}", remote.remote_id, 0, 0)[:SAAS_KEY_LENGTH]
    )


def _log(
    inbound: Inbound, status: SyncStatus, action: str, detail: str, saas_id: str | None, remote_id: str | None
) -> None:
    inbound.services.sync_log.write(
        inbound.tenant_id,
        provider=inbound.connection.provider,
        entity="payment",
        direction=Direction.FROM_ACCOUNTING,
        status=status,
        action=action,
        detail=detail,
        saas_id=saas_id,
        remote_id=remote_id,
        run_id=inbound.run_id,
    )
