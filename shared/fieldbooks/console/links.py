"""A person's hand on the links: list them, unlink a record, or link it to an accounting record they chose.

Unlinking is the "Linked to accounting" switch turned off: the record stops syncing until someone
links it again (the engine skips an UNLINKED record as "Not linked to accounting."), and the product
stops showing the badge. Linking by hand must never give one
accounting record two SaaS twins, or both would overwrite it in turn: the link store refuses that
(a claim per accounting record, written with the link), so the check holds under any race.
"""

from __future__ import annotations

from contextlib import suppress
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from fieldbooks import registry
from fieldbooks.console.record_access import LinkedEntity, checked_remote_id, connected, saas_record
from fieldbooks.domain.errors import Conflict, NotFound, RemoteNotFound, StaleVersion, ValidationFailed
from fieldbooks.domain.models import Connection, Direction, Link, LinkState, Provider, SyncStatus
from fieldbooks.domain.record_fields import AccountingLinkFields
from fieldbooks.domain.wording import ENTITY_WORDS, record_label
from fieldbooks.providers.contract import RemoteRecord
from fieldbooks.services import Services
from fieldbooks.store.base import now


class LinkView(BaseModel):
    """What the console shows about one link; intent and snapshot stay internal."""

    model_config = ConfigDict(frozen=True)

    provider: Provider
    entity: str
    saas_id: str
    state: LinkState
    remote_id: str | None
    remote_entity: str | None
    updated_at: datetime

    @classmethod
    def of(cls, link: Link) -> LinkView:
        return cls(
            provider=link.provider,
            entity=link.entity,
            saas_id=link.saas_id,
            state=link.state,
            remote_id=link.remote_id,
            remote_entity=link.remote_entity,
            updated_at=link.updated_at,
        )


class LinkPage(BaseModel):
    items: list[LinkView]
    next_cursor: str | None = None


class RelinkRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    remote_id: Annotated[str, Field(min_length=1, max_length=64, description="The accounting record's id.")]


def list_links(
    services: Services, tenant_id: str, provider: Provider, entity: str | None, *, limit: int, cursor: str | None
) -> LinkPage:
    links, next_cursor = services.links.page(tenant_id, provider, entity, limit=limit, cursor=cursor)
    return LinkPage(items=[LinkView.of(link) for link in links], next_cursor=next_cursor)


def unlink(
    services: Services,
    tenant_id: str,
    provider: Provider,
    entity: LinkedEntity,
    saas_id: str,
    by_user: str,
) -> LinkView:
    link = services.links.get(tenant_id, provider, entity, saas_id)
    if link is None:
        raise NotFound(f"That {ENTITY_WORDS[entity]} is not linked to {provider.label}.")
    if link.state is LinkState.UNLINKED:
        return LinkView.of(link)  # already off: a repeated click changes nothing
    # The badge goes first: if clearing it fails nothing has changed yet, and a retry is safe.
    label = saas_id
    with suppress(RemoteNotFound):  # deleted in the app: there is no badge left to clear
        label = record_label(services.saas.clear_accounting_link(tenant_id, entity, saas_id))
    saved = _save(
        services, link.model_copy(update={"state": LinkState.UNLINKED, "intent_request_id": None, "intent_batch": None})
    )
    twin = f" from {provider.label} {link.remote_entity or 'record'} {link.remote_id}" if link.remote_id else ""
    services.sync_log.write(
        tenant_id,
        provider=provider,
        entity=entity,
        direction=Direction.TO_ACCOUNTING,
        status=SyncStatus.SKIPPED,
        action="unlink",
        detail=f"Unlinked {ENTITY_WORDS[entity]} {label}{twin} (by {by_user}); its changes no longer sync.",
        saas_id=saas_id,
        remote_id=link.remote_id,
    )
    return LinkView.of(saved)


def relink(
    services: Services,
    tenant_id: str,
    provider: Provider,
    entity: LinkedEntity,
    saas_id: str,
    remote_id: str,
    *,
    by_user: str,
) -> LinkView:
    """Links (or re-links) a record to the accounting record a person chose; the next change pushes to it."""
    remote_id = checked_remote_id(provider, remote_id)
    connection = connected(services, tenant_id, provider)
    link = link_to_remote(services, connection, entity, saas_id, remote_id, reason=f"(chosen by {by_user})")
    return LinkView.of(link)


def link_to_remote(
    services: Services,
    connection: Connection,
    entity: LinkedEntity,
    saas_id: str,
    remote_id: str,
    reason: str,
) -> Link:
    """Links one SaaS record to an existing accounting record, after checking both exist.

    Conflict when another record holds that accounting record (the store's claim); nothing is marked
    in the app before the link is saved, so a refusal leaves both sides as they were.
    """
    tenant_id, provider = connection.tenant_id, connection.provider
    record = saas_record(services, tenant_id, entity, saas_id)
    remote = _readable_remote(services, connection, entity, remote_id)
    current = services.links.get(tenant_id, provider, entity, saas_id)
    if current is not None and current.state is LinkState.LINKED and current.remote_id == remote.remote_id:
        return current
    values = {
        "state": LinkState.LINKED,
        "remote_id": remote.remote_id,
        "remote_entity": remote.remote_entity,
        "remote_version": remote.version,
        # The chosen record was never synced from this one: no version or merge base carries over.
        "synced_version": None,
        "snapshot": None,
        "intent_request_id": None,
        "intent_version": None,
        "intent_batch": None,
    }
    if current is None:
        link = Link(tenant_id=tenant_id, provider=provider, entity=entity, saas_id=saas_id, updated_at=now(), **values)
    else:
        # A new generation, so a later create of this record can never replay the old create's requestid.
        link = current.model_copy(update={**values, "generation": current.generation + 1})
    saved = _save(services, link)
    services.saas.set_accounting_link(
        tenant_id,
        entity,
        saas_id,
        AccountingLinkFields(provider=registry.descriptor(provider).link_marker, remote_id=remote.remote_id),
    )
    remote_name = f" {remote.name}" if remote.name else ""
    services.sync_log.write(
        tenant_id,
        provider=provider,
        entity=entity,
        direction=Direction.TO_ACCOUNTING,
        status=SyncStatus.MATCHED,
        action="link",
        detail=f"Linked {ENTITY_WORDS[entity]} {record_label(record)} to {provider.label} "
        f"{remote.remote_entity}{remote_name} (id {remote.remote_id}) {reason}.",
        saas_id=saas_id,
        remote_id=remote.remote_id,
    )
    return saved


def _readable_remote(services: Services, connection: Connection, entity: str, remote_id: str) -> RemoteRecord:
    label = connection.provider.label
    try:
        remote = registry.reader(connection, services).one(entity, remote_id)
    except RemoteNotFound as error:
        raise ValidationFailed(f"{label} has no {ENTITY_WORDS[entity]} with id {remote_id}.") from error
    if remote.remote_id != remote_id:  # the provider answered for another record than the one asked for
        raise ValidationFailed(f"{label} answered with record {remote.remote_id} for {remote_id}; nothing was linked.")
    if not remote.active:
        raise ValidationFailed(
            f"{label} {remote.remote_entity} {remote_id} is inactive; make it active in {label} first."
        )
    return remote


def _save(services: Services, link: Link) -> Link:
    try:
        return services.links.save(link)
    except StaleVersion as error:
        raise Conflict("This record was syncing at the same moment; try again.") from error
