"""Settling conflicts a person was asked about.

A resolvable duplicate name means one unlinked accounting customer already has the name: resolving
links the SaaS record to it and pushes the record as an update, so accounting gets the app's details
without a second customer. An unresolvable one (two app customers share the name) is settled only by
renaming one of them or by switching on the "First Last (Company)" naming rule; when the rule goes on,
`retry_after_naming_rule` pushes the stuck contacts again under their new names.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from fieldbooks.console.approvals import resolve_duplicate_name_conflicts
from fieldbooks.console.links import LinkView, link_to_remote
from fieldbooks.console.record_access import PushResult, checked_entity, connected, push_now, saas_record
from fieldbooks.domain.errors import Conflict, FieldbooksError
from fieldbooks.domain.models import ConflictKind, ConflictRecord, ConflictStatus, Connection
from fieldbooks.services import Services

# Pushing is a few accounting calls per contact; the settings request that triggers the retry must
# still answer within API Gateway's 30 s, and the rest retry on the contact's next change.
MAX_NAMING_RETRIES = 20

ConflictFilter = Literal["open", "resolved", "all"]


class ConflictList(BaseModel):
    items: list[ConflictRecord]


class Resolution(BaseModel):
    model_config = ConfigDict(frozen=True)

    conflict: ConflictRecord
    link: LinkView
    push: PushResult


class NamingRetry(BaseModel):
    retried: int
    resolved: int
    still_open: int


def list_conflicts(services: Services, tenant_id: str, status: ConflictFilter) -> ConflictList:
    wanted = None if status == "all" else ConflictStatus(status)
    conflicts = services.conflicts.list(tenant_id, status=wanted)
    return ConflictList(items=sorted(conflicts, key=lambda c: (c.created_at, c.conflict_id)))


def resolve(
    services: Services,
    tenant_id: str,
    conflict_id: str,
    by_user: str,
) -> Resolution:
    conflict = services.conflicts.get(tenant_id, conflict_id)
    if conflict.status is ConflictStatus.RESOLVED:
        raise Conflict("This conflict is already resolved.")
    if not conflict.resolvable or not conflict.remote_id:
        raise Conflict(conflict.message)
    connection = connected(services, tenant_id, conflict.provider)
    entity = checked_entity(conflict.entity)
    link = link_to_remote(
        services,
        connection,
        entity,
        conflict.saas_id,
        conflict.remote_id,
        reason=f"to settle a duplicate name (by {by_user})",
    )
    # Linked now, so this push is an update of the existing accounting record, never a second create.
    record = saas_record(services, tenant_id, entity, conflict.saas_id)
    pushed = push_now(connection, entity, record, services, approved=True)
    resolved = services.conflicts.resolve(tenant_id, conflict_id)
    return Resolution(conflict=resolved, link=LinkView.of(link), push=pushed)


def retry_after_naming_rule(connection: Connection, services: Services) -> NamingRetry:
    """Call after the naming rule was switched on: pushes the contacts stuck on an unresolvable duplicate name.

    Under "First Last (Company)" two individuals of different companies get different names, so their
    create goes through; two of the same company still clash, and the engine keeps their conflict open.
    The push honours the connection's settings: with preview mode on, the contact waits as a pending
    action, and approving it settles the conflict.
    """
    if not connection.settings.name_individuals_with_company:
        return NamingRetry(retried=0, resolved=0, still_open=0)
    stuck = [
        c
        for c in services.conflicts.list(connection.tenant_id, status=ConflictStatus.OPEN)
        if c.provider is connection.provider
        and c.kind is ConflictKind.DUPLICATE_NAME
        and c.entity == "contact"
        and not c.resolvable
    ]
    resolved = 0
    retried = stuck[:MAX_NAMING_RETRIES]
    for conflict in retried:
        try:
            contact = saas_record(services, connection.tenant_id, "contact", conflict.saas_id)
            outcome = push_now(connection, "contact", contact, services, approved=False)
        except FieldbooksError:
            continue  # deleted in the app, or refused: the conflict stays for a person to look at
        if outcome.pushed:
            resolve_duplicate_name_conflicts(services, connection, "contact", conflict.saas_id)
            resolved += 1
    return NamingRetry(retried=len(retried), resolved=resolved, still_open=len(stuck) - resolved)
