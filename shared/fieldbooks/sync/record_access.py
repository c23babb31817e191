"""What the console's conflict, approval and link actions need from the two sides, behind a narrow seam.

The console never speaks HTTP itself: it reads SaaS records through the platform client, pushes one
record through the provider adapter's `push_record`, and reads one accounting record through a
provider's `RemoteReader`. Keeping those three calls here lets the rest be plain, testable logic.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal, Protocol, get_args

from pydantic import BaseModel, ConfigDict

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
from fieldbooks.saas.records import SaasRecord

if TYPE_CHECKING:
    from fieldbooks.services import Services

# The SaaS entities that have an accounting twin; jobs, quotes and team members never sync.
LinkedEntity = Literal["contact", "property", "item", "invoice", "credit_note", "payment"]
LINKED_ENTITIES: tuple[str, ...] = get_args(LinkedEntity)

# How the SaaS product shows the provider on a record's "Linked to accounting" badge.
SAAS_PROVIDER_CODE: dict[Provider, Literal["qbo", "xero", "qbd"]] = {
    Provider.QUICKBOOKS_ONLINE: "qbo",
    Provider.XERO: "xero",
    Provider.QUICKBOOKS_DESKTOP: "qbd",
}

ENTITY_WORDS: dict[str, str] = {
    "contact": "customer",
    "property": "job site",
    "item": "item",
    "invoice": "invoice",
    "credit_note": "credit note",
    "payment": "payment",
}


class RemoteRecord(BaseModel):
    """The few facts about one accounting record that linking needs."""

    model_config = ConfigDict(frozen=True)

    remote_id: str
    remote_entity: str
    name: str | None = None
    sync_token: str | None = None
    active: bool = True


class RemoteReader(Protocol):
    def read_remote(self, connection: Connection, entity: str, remote_id: str, services: Services) -> RemoteRecord:
        """Reads one accounting record; RemoteNotFound when it does not exist (or was deleted)."""


class RecordPusher(Protocol):
    def push_record(
        self,
        connection: Connection,
        entity: str,
        record: SaasRecord,
        services: Services,
        run_id: str | None = None,
        approved: bool = False,
    ) -> Any:
        """Brings one SaaS record into accounting now; returns the adapter's PushOutcome."""


def checked_entity(entity: str) -> LinkedEntity:
    if entity not in LINKED_ENTITIES:
        raise ValidationFailed(
            f"'{entity}' is not a kind of record that links to accounting; use one of {', '.join(LINKED_ENTITIES)}."
        )
    return entity  # type: ignore[return-value]  # narrowed by the membership test above


def connected(services: Services, tenant_id: str, provider: Provider) -> Connection:
    """The tenant's live connection: acting on links needs the accounting company to answer."""
    connection = services.connections.find(tenant_id, provider)
    if connection is None:
        raise Conflict(f"{provider.label} is not connected. Connect it first.")
    if not connection.is_active:
        raise Conflict(f"{provider.label} is {connection.status.value.replace('_', ' ')}. Reconnect it first.")
    return connection


def pusher_for(connection: Connection, services: Services) -> RecordPusher:
    adapter = services.providers.get(connection.provider)
    if adapter is None or not hasattr(adapter, "push_record"):
        raise Conflict(f"Sending records to {connection.provider.label} is not available yet.")
    return adapter  # type: ignore[return-value]  # an AccountingProvider that also pushes single records


def remote_reader_for(provider: Provider) -> RemoteReader:
    if provider is Provider.QUICKBOOKS_ONLINE:
        from fieldbooks.providers.quickbooks_online.lookup import QboRecordReader

        return QboRecordReader()
    raise Conflict(f"Choosing a {provider.label} record by hand is not available yet.")


def saas_record(services: Services, tenant_id: str, entity: LinkedEntity, saas_id: str) -> SaasRecord:
    try:
        record = services.saas.get(tenant_id, entity, saas_id)
    except RemoteNotFound as error:
        raise NotFound(f"There is no {ENTITY_WORDS[entity]} with id {saas_id} in the app.") from error
    if record.deleted_at is not None:  # the app keeps deleted records, marked, for its own history
        raise NotFound(f"The {ENTITY_WORDS[entity]} {record_label(record)} was deleted in the app.")
    return record


def record_label(record: SaasRecord) -> str:
    """How a bookkeeper recognises the record in a sentence: its name or number, else its id."""
    for attribute in ("display_name", "name", "number"):
        if value := getattr(record, attribute, None):
            return str(value)
    return record.id


# What a push can end in, as the adapter's PushOutcome.action names it; only these reached accounting.
PUSHED = frozenset({"created", "updated", "linked"})


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
    pusher = pusher_for(connection, services)
    try:
        outcome = pusher.push_record(connection, entity, record, services, approved=approved)
    except (ProviderError, ValidationFailed) as error:  # what a provider answers, not a bug of ours
        blocked = isinstance(error, AuthExpired | RateLimited)
        return PushResult(outcome="error", message=error.message, connection_blocked=blocked)
    return PushResult(outcome=str(outcome.action), remote_id=outcome.remote_id, message=outcome.detail)
