"""What the console's conflict, approval and link actions need from the two sides, behind a narrow seam.

The console never speaks HTTP itself: it reads SaaS records through the platform client, pushes one
record through the engine's `Push`, and reads one accounting record through the connection's
`Reader`. Keeping those calls here lets the rest be plain, testable logic.
"""

from __future__ import annotations

from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict

from fieldbooks import registry
from fieldbooks.domain.errors import (
    AuthExpired,
    Conflict,
    NotFound,
    ProviderError,
    RateLimited,
    RemoteNotFound,
    ValidationFailed,
)
from fieldbooks.domain.models import Connection, Provider
from fieldbooks.domain.outcomes import PUSHED
from fieldbooks.domain.records import SaasRecord
from fieldbooks.domain.wording import ENTITY_WORDS, record_label
from fieldbooks.services import Services
from fieldbooks.sync.push import Push

# The app's record ids: letters, digits, "_" and "-" ("con_1f3a9c", a UUID), as the reference app and the
# SaaS events carry them. They become a segment of the platform API's URL, so nothing else passes the
# console's edge: ".", "..", "%2F", a NUL or an emoji would steer that call or fail inside it.
SAAS_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$"

# The SaaS entities that have an accounting twin; jobs, quotes and team members never sync.
LinkedEntity = Literal["contact", "property", "item", "invoice", "credit_note", "payment"]
LINKED_ENTITIES: tuple[str, ...] = get_args(LinkedEntity)


def checked_entity(entity: str) -> LinkedEntity:
    if entity not in LINKED_ENTITIES:
        raise ValidationFailed(
            f"'{entity}' is not a kind of record that links to accounting; use one of {', '.join(LINKED_ENTITIES)}."
        )
    return entity  # type: ignore[return-value]  # narrowed by the membership test above


def checked_remote_id(provider: Provider, remote_id: str) -> str:
    """The id a person typed, if it is one the provider could have given (its descriptor's grammar).

    Checked before it is compared, read or stored, so the id looked up, the id stored and the id
    claimed are the same string: an id the provider would read differently ("2?x=1") never gets in.
    """
    descriptor = registry.descriptor(provider)
    if not descriptor.is_remote_id(remote_id):
        shown = remote_id if len(remote_id) <= 40 else f"{remote_id[:40]}…"
        raise ValidationFailed(f"{shown!r} is not a {descriptor.label} record id.")
    return remote_id


def connected(services: Services, tenant_id: str, provider: Provider) -> Connection:
    """The tenant's live connection: acting on links needs the accounting company to answer."""
    connection = services.connections.find(tenant_id, provider)
    if connection is None:
        raise Conflict(f"{provider.label} is not connected. Connect it first.")
    if not connection.is_active:
        raise Conflict(f"{provider.label} is {connection.status.value.replace('_', ' ')}. Reconnect it first.")
    return connection


def saas_record(services: Services, tenant_id: str, entity: LinkedEntity, saas_id: str) -> SaasRecord:
    try:
        record = services.saas.get(tenant_id, entity, saas_id)
    except RemoteNotFound as error:
        raise NotFound(f"There is no {ENTITY_WORDS[entity]} with id {saas_id} in the app.") from error
    if record.deleted_at is not None:  # the app keeps deleted records, marked, for its own history
        raise NotFound(f"The {ENTITY_WORDS[entity]} {record_label(record)} was deleted in the app.")
    return record


class PushResult(BaseModel):
    """The console's view of one push: what happened, to which accounting record, in a sentence."""

    model_config = ConfigDict(frozen=True)

    outcome: str
    remote_id: str | None = None
    message: str | None = None
    connection_blocked: bool = False  # the whole connection is refused (reconnect, or rate limit): stop trying

    @property
    def pushed(self) -> bool:
        return self.outcome in PUSHED


def push_now(
    connection: Connection, entity: str, record: SaasRecord, services: Services, *, approved: bool
) -> PushResult:
    """Pushes one record now, for a person waiting on the answer: a provider's refusal is a result, not a crash.

    `approved` is True when a person approved this very push, so preview mode must not hold it again.
    """
    try:
        outcome = Push(connection, services).record(entity, record, approved)
    except (ProviderError, ValidationFailed) as error:  # what a provider answers, not a bug of ours
        blocked = isinstance(error, AuthExpired | RateLimited)
        return PushResult(outcome="error", message=error.message, connection_blocked=blocked)
    return PushResult(outcome=str(outcome.action), remote_id=outcome.remote_id, message=outcome.detail)


def tenant_provider(services: Services, tenant_id: str, provider: Provider | None) -> Provider:
    """The provider a link route acts on: the one asked for, else the tenant's one accounting connection
    (one company per tenant), else the one provider Fieldbooks offers."""
    if provider is not None:
        return provider
    connected_to = {c.provider for c in services.connections.list_for_tenant(tenant_id)}
    candidates = connected_to or set(registry.providers())
    if len(candidates) == 1:
        return candidates.pop()
    raise ValidationFailed("Say which accounting system with ?provider= (for example ?provider=xero).")
