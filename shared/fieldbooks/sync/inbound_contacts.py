"""Customers from accounting: the pull step for contacts and job sites.

A new customer becomes a SaaS contact (a customer under another one a job site of its parent's contact), created
through the platform API with a key derived from its accounting id, so a repeated pull never makes
a second one; it is linked with a snapshot and shows "Linked to accounting". A linked customer
changed in accounting merges three-way against the link's snapshot (`merge.reconcile`): one-sided
changes flow across, both-sided ones follow the connection's conflict policy, and both sides end
holding the same values. An inactive (or deleted) customer marks its link and is logged; the SaaS
record is never deleted. Only when the connection brings contacts from accounting.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from fieldbooks.domain.errors import Conflict, StaleVersion
from fieldbooks.domain.models import EntityDirection, Link, LinkState, SyncStatus
from fieldbooks.domain.record_fields import (
    AccountingLinkFields,
    ContactChanges,
    ContactFields,
    PropertyChanges,
    PropertyFields,
)
from fieldbooks.domain.records import Contact, Property, SaasRecord
from fieldbooks.domain.wording import describe
from fieldbooks.providers.contract import Parents, RemoteRecord
from fieldbooks.store.base import now
from fieldbooks.sync.exactly_once import request_id
from fieldbooks.sync.inbound import Inbound, Taken
from fieldbooks.sync.inbound_log import log_inbound
from fieldbooks.sync.merge import canonical, reconcile

BRINGS_IN = (EntityDirection.FROM_ACCOUNTING, EntityDirection.BOTH)


def brings_contacts_in(inbound: Inbound) -> bool:
    """ "Add/update customers from accounting" is the contacts' direction; job sites follow their customers."""
    return inbound.connection.settings.direction("contact") in BRINGS_IN


def customer_step(inbound: Inbound, entity: str, record: RemoteRecord) -> Taken:
    """The step for "contact" and "property" (a customer with a parent)."""
    if not brings_contacts_in(inbound):
        return Taken.SKIPPED
    link = inbound.services.links.by_remote(inbound.tenant_id, inbound.connection.provider, entity, record.remote_id)
    if record.deleted or not record.active:
        return _retired(inbound, entity, record, link)
    if link is None:
        return _bring_in(inbound, entity, record)
    if link.state is not LinkState.LINKED:
        return Taken.SKIPPED  # unlinked by the tenant, or our own create still settling
    if link.remote_version is not None and link.remote_version == record.version and not link.remote_inactive:
        return Taken.UNCHANGED  # our own write coming back, or a repeat of a change already applied
    return _merge(inbound, entity, link, record)


# ---------------------------------------------------------------- new in accounting


def _bring_in(inbound: Inbound, entity: str, record: RemoteRecord) -> Taken:
    services, tenant_id = inbound.services, inbound.tenant_id
    key = _saas_key(inbound, entity, record.remote_id)
    body = record.fields or {}
    if entity == "contact":
        try:
            fields = ContactFields.model_validate(
                inbound.mapper.contact_fields(body, None, inbound.connection.settings)
            )
        except ValidationError as error:
            return _refused(inbound, entity, record, error)
        created: SaasRecord = services.saas.create_contact(tenant_id, fields, idempotency_key=key)
        parents = Parents()
    else:
        parent = _parent_contact(inbound, record)
        if parent is None:
            detail = (
                f"{inbound.descriptor.short_label} {_noun(inbound, 'property')} {record.name} waits for its parent "
                "customer, "
                "which is not in the field-service app yet; the next pull tries again."
            )
            log_inbound(inbound, entity, SyncStatus.ERROR, "create", detail, remote_id=record.remote_id)
            return Taken.FAILED
        parent_link, contact = parent
        parent_name = inbound.mapper.display_name(contact, inbound.connection.settings)
        try:
            site = PropertyFields.model_validate(
                {"contact_id": contact.id, **inbound.mapper.property_fields(body, parent_name)}
            )
        except ValidationError as error:
            return _refused(inbound, entity, record, error)
        created = services.saas.create_property(tenant_id, site, idempotency_key=key)
        parents = Parents(customer_id=parent_link.remote_id, customer=contact)
    marked = services.saas.set_accounting_link(
        tenant_id,
        entity,  # type: ignore[arg-type]
        created.id,
        AccountingLinkFields(provider=inbound.descriptor.link_marker, remote_id=record.remote_id),
        idempotency_key=f"{key}-marker",
    )
    link = Link(
        tenant_id=tenant_id,
        provider=inbound.connection.provider,
        entity=entity,
        saas_id=created.id,
        state=LinkState.LINKED,
        remote_id=record.remote_id,
        remote_entity=record.remote_entity,
        remote_version=record.version,
        synced_version=marked.version,
        snapshot=canonical(inbound.operations.body(entity, marked, parents, inbound.connection.settings)),
        updated_at=now(),
    )
    try:
        services.links.save(link)
    except (StaleVersion, Conflict):
        return Taken.UNCHANGED  # a repeated delivery linked it first (the key gave it the same record)
    noun = inbound.descriptor.remote_nouns.get(entity, "record")
    detail = f"Created {describe(entity, marked)} from {inbound.descriptor.short_label} {noun} {record.name}."
    log_inbound(inbound, entity, SyncStatus.SYNCED, "create", detail, saas_id=created.id, remote_id=record.remote_id)
    return Taken.APPLIED


def _parent_contact(inbound: Inbound, record: RemoteRecord) -> tuple[Link, Contact] | None:
    """The contact of a sub-record's parent, brought in first when the parent is new too."""
    if record.parent_id is None:
        return None
    links, tenant_id, provider = inbound.services.links, inbound.tenant_id, inbound.connection.provider
    link = links.by_remote(tenant_id, provider, "contact", record.parent_id)
    if link is None:
        parent = inbound.reader.one("contact", record.parent_id)
        if parent.parent_id is None and customer_step(inbound, "contact", parent) is not Taken.FAILED:
            link = links.by_remote(tenant_id, provider, "contact", record.parent_id)
    if link is None or link.state is not LinkState.LINKED:
        return None
    return link, inbound.services.saas.get_contact(tenant_id, link.saas_id)


# ---------------------------------------------------------------- changed in accounting


def _merge(inbound: Inbound, entity: str, link: Link, record: RemoteRecord) -> Taken:
    services, tenant_id, settings = inbound.services, inbound.tenant_id, inbound.connection.settings
    assert link.remote_id is not None
    current: Contact | Property = services.saas.get(tenant_id, entity, link.saas_id)  # type: ignore[arg-type, assignment]
    if current.deleted_at is not None:
        return Taken.SKIPPED  # deleted in the field-service app: the push side says so
    parents = _parents_of(inbound, current)
    if parents is None:
        return Taken.SKIPPED  # a job site whose contact is not linked: its push links it first
    ours = inbound.operations.body(entity, current, parents, settings)
    merged = reconcile(
        link.snapshot,
        ours,
        record.fields or {},
        settings.conflict_policy,
        current.updated_at,
        record.updated_at,
        inbound.mapper.comparable,
        inbound.mapper.carried_fields(entity),
    )
    after: Contact | Property = current
    if isinstance(current, Contact):
        changes = _changes(current, inbound.mapper.contact_fields(merged.result, current, settings))
    else:
        assert parents.customer is not None
        parent_name = inbound.mapper.display_name(parents.customer, settings)
        changes = _changes(current, inbound.mapper.property_fields(merged.result, parent_name))
    if changes:
        key = _saas_key(inbound, entity, f"{link.remote_id}-{record.version}-{current.version}")
        if isinstance(current, Contact):
            after = services.saas.update_contact(
                tenant_id, current.id, ContactChanges.model_validate(changes), current.version, key
            )
        else:
            after = services.saas.update_property(
                tenant_id, current.id, PropertyChanges.model_validate(changes), current.version, key
            )
    remote_version = record.version
    # A sparse update cannot clear a field by leaving it out: only set values are sent.
    send = {field: value for field, value in merged.to_accounting.items() if value is not None}
    if send:
        key = request_id(
            tenant_id,
            f"{entity}.pull-merge",
            current.id,
            after.version,
            link.generation,
            inbound.descriptor.idempotency.max_len,
        )
        remote_version = inbound.operations.update(entity, link.remote_id, record.version, send, key).version
    services.links.save(
        link.model_copy(
            update={
                "remote_version": remote_version,
                "synced_version": after.version,
                "snapshot": canonical(inbound.operations.body(entity, after, parents, settings)),
                "remote_inactive": False,
            }
        )
    )
    detail = _merge_sentence(inbound, entity, after, merged.both_changed, bool(changes), bool(send))
    values = merged.both_changed or None
    log_inbound(inbound, entity, SyncStatus.SYNCED, "update", detail, current.id, link.remote_id, values)
    return Taken.APPLIED if changes or send else Taken.UNCHANGED


def _parents_of(inbound: Inbound, record: Contact | Property) -> Parents | None:
    """What the provider body of a job site names: its contact and that contact's accounting id."""
    if isinstance(record, Contact):
        return Parents()
    services, tenant_id = inbound.services, inbound.tenant_id
    parent = services.links.get(tenant_id, inbound.connection.provider, "contact", record.contact_id)
    if parent is None or parent.remote_id is None or parent.state is not LinkState.LINKED:
        return None
    return Parents(customer_id=parent.remote_id, customer=services.saas.get_contact(tenant_id, record.contact_id))


def _merge_sentence(
    inbound: Inbound,
    entity: str,
    record: SaasRecord,
    both: dict[str, dict[str, Any]],
    to_saas: bool,
    to_accounting: bool,
) -> str:
    label, provider = describe(entity, record), inbound.descriptor.short_label
    if to_saas and to_accounting:
        sentence = f"Merged {label}: changes from {provider} were brought in and the app's changes sent back."
    elif to_saas:
        sentence = f"Updated {label} from {provider}."
    elif to_accounting:
        sentence = f"Kept the app's values of {label} and sent them to {provider}."
    else:
        sentence = f"{label[0].upper()}{label[1:]} already matches {provider}."
    for field, values in sorted(both.items()):
        kept = "the app's" if values["kept"] == "saas" else f"{provider}'s"
        sentence += f" {field} was changed on both sides; {kept} value was kept ({_policy_words(inbound)})."
    return sentence


def _policy_words(inbound: Inbound) -> str:
    return inbound.connection.settings.conflict_policy.value.replace("_", " ")


def _changes(current: SaasRecord, wanted: dict[str, Any]) -> dict[str, Any]:
    """The fields whose value differs from the record's, compared as JSON with empty parts dropped."""
    present = current.model_dump(mode="json")
    return {field: value for field, value in wanted.items() if _plain(present.get(field)) != _plain(value)}


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        kept = {key: _plain(item) for key, item in value.items() if item not in (None, "")}
        return kept or None
    return None if value == "" else value


# ---------------------------------------------------------------- inactive in accounting


def _retired(inbound: Inbound, entity: str, record: RemoteRecord, link: Link | None) -> Taken:
    if link is None or link.state is not LinkState.LINKED:
        return Taken.SKIPPED  # never ours: an inactive customer is not brought in
    if link.remote_inactive:
        return Taken.UNCHANGED
    inbound.services.links.save(
        link.model_copy(update={"remote_inactive": True, "remote_version": record.version or link.remote_version})
    )
    noun = inbound.descriptor.remote_nouns.get(entity, "record")
    how = "deleted" if record.deleted else "made inactive"
    detail = (
        f"{inbound.descriptor.short_label} {noun} {record.name or record.remote_id} was {how} there; "
        "the record stays in the field-service app, and its link is marked."
    )
    log_inbound(inbound, entity, SyncStatus.SKIPPED, "inactive", detail, link.saas_id, record.remote_id)
    return Taken.APPLIED


def _refused(inbound: Inbound, entity: str, record: RemoteRecord, error: ValidationError) -> Taken:
    problem = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors(include_url=False)[:3])
    noun = inbound.descriptor.remote_nouns.get(entity, "record")
    detail = f"{inbound.descriptor.short_label} {noun} {record.name} cannot be brought in: {problem}."
    log_inbound(inbound, entity, SyncStatus.ERROR, "create", detail, remote_id=record.remote_id)
    return Taken.FAILED


def _noun(inbound: Inbound, entity: str) -> str:
    return inbound.descriptor.remote_nouns.get(entity, "record")


def _saas_key(inbound: Inbound, entity: str, remote_part: str) -> str:
    """Derived from the accounting record: the same customer always asks the SaaS for the same write."""
    return f"fb-pull-{inbound.descriptor.link_marker}-{entity}-{remote_part}"
