"""The seam between the engine and a provider package: what a provider *is* (its descriptor, as data)
and what it *does* (map, call, read), in neutral terms.

A provider package imports this module and `fieldbooks.domain` only. It never sees the stores, the
SaaS client or `Services`: the registry hands it what one connection needs (company id, a token
source, a rate governor) and the engine does everything else (ENGINE.md, "The seam").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any, Literal, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict

from fieldbooks.domain.credentials import OAuthTokens
from fieldbooks.domain.errors import FieldbooksError
from fieldbooks.domain.limits import RateBudget  # noqa: F401 - part of the seam: a descriptor carries one
from fieldbooks.domain.models import ConnectionSettings, Provider
from fieldbooks.domain.records import Contact, Property, SaasRecord
from fieldbooks.domain.reference_lists import ReferenceEntry, ReferenceLists  # noqa: F401 - part of the seam
from fieldbooks.providers.agents import SendAgain  # noqa: F401 - part of the seam: a work result


class Transport(StrEnum):
    CALL = "call"  # we call the provider now (QuickBooks Online, Xero)
    QUEUE = "queue"  # the provider's side asks us for work (Web Connector, on-prem agent)


class AuthKind(StrEnum):
    OAUTH2 = "oauth2"
    OAUTH2_PKCE = "oauth2_pkce"
    WEB_CONNECTOR = "web_connector"
    AGENT = "agent"


@dataclass(frozen=True)
class Replay:
    """The provider answers a repeated idempotency key with its first reply (within `ttl_seconds`)."""

    max_len: int
    batch_max_len: int | None = None
    ttl_seconds: float | None = None


@dataclass(frozen=True)
class LookUpFirst:
    """No replay: before repeating a create whose reply was lost, look the record up by number or name."""

    max_len: int = 36


Idempotency = Replay | LookUpFirst


@dataclass(frozen=True)
class Descriptor:
    """Facts about a provider, as data, so the engine can act on them without naming the provider."""

    provider: Provider
    label: str  # the product's name on the page and in plans: "QuickBooks Online"
    short_label: str  # how a sentence of the sync log names it: "Created customer Jane Doe in QuickBooks."
    link_marker: Literal["qbo", "xero", "qbd"]  # how the SaaS badge names the provider
    transport: Transport
    auth: AuthKind
    # SaaS entity -> the provider's entity; an entity absent here never syncs to this provider.
    remote_entities: Mapping[str, str]
    idempotency: Idempotency
    budget: RateBudget = RateBudget()
    # The query parameter of the consent redirect that names the company chosen (None: ask the provider).
    company_id_parameter: str | None = None
    # Creates of these entities may share one call (create_many), `batch_size` at a time.
    batched: frozenset[str] = frozenset()
    batch_size: int = 1
    # How a bookkeeper calls each SaaS entity's twin in this provider ("sub-customer" for a job site).
    remote_nouns: Mapping[str, str] = field(default_factory=dict)
    # Other kinds of record that share the name list (a duplicate name may be held by one of them).
    other_name_holders: str | None = None
    # The grammar of the ids of the records the SaaS links to (a regular expression the whole id must
    # match). A person may type one (relink), so the console checks it before the id goes anywhere; the
    # default admits no dot, slash, percent or space, so no id can ever steer a URL path.
    remote_id_pattern: str = r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}"
    # SaaS entities read back from accounting by pulls (webhooks, schedules), in the order they apply.
    pulled: tuple[str, ...] = ()
    # How far back `Reader.changes` can look; an older cursor gets a full comparison (None: no limit).
    changes_window: timedelta | None = None
    # QUEUE providers: who asks for the work ("Waiting for <this> to ask for customer Jane Doe.").
    waiting_for: str | None = None

    def syncs(self, entity: str) -> bool:
        return entity in self.remote_entities

    def remote_entity(self, entity: str) -> str:
        return self.remote_entities[entity]

    def is_remote_id(self, remote_id: str) -> bool:
        return re.fullmatch(self.remote_id_pattern, remote_id) is not None

    def name_sharers(self, entity: str) -> tuple[str, ...]:
        """The SaaS entities whose twins share one name list with `entity`'s (contacts and job sites in
        QuickBooks are all Customers, so a job site can hold a contact's name)."""
        remote = self.remote_entities.get(entity)
        return tuple(e for e, r in self.remote_entities.items() if r == remote)


class RemoteRecord(BaseModel):
    """One accounting record in neutral terms: what matching, linking and merging need of it."""

    model_config = ConfigDict(frozen=True)

    remote_id: str
    remote_entity: str
    name: str = ""
    email: str | None = None
    parent_id: str | None = None  # a sub-record's parent (a job under its customer)
    version: str | None = None  # the provider's version token, sent back on the next write
    doc_number: str | None = None
    total: Decimal | None = None
    active: bool = True
    updated_at: datetime | None = None
    # The record as the provider holds it, in the shape our bodies have: the merge's "theirs".
    fields: dict[str, Any] | None = None
    deleted: bool = False  # gone from accounting (deleted, or merged into another record): a tombstone
    voided: bool = False  # documents: voided in accounting (kept, with its amounts zeroed)

    @property
    def key(self) -> tuple[str, str]:
        """Ids are only unique per entity (customer 1 and item 1 both exist), so claims use both."""
        return (self.remote_entity, self.remote_id)


def change_order(record: RemoteRecord) -> tuple[datetime, str, str]:
    """Oldest change first, and a stable order among records sharing a moment (or having none):
    by entity, then by id, so two reads of the same changes apply them in the same order."""
    moment = record.updated_at or datetime.min.replace(tzinfo=UTC)
    return (moment.astimezone(UTC), record.remote_entity, record.remote_id.zfill(20))


@dataclass(frozen=True)
class RemoteSide:
    """Accounting records that are candidates for a match; customers include sub-customers (jobs)."""

    customers: Sequence[RemoteRecord] = ()
    items: Sequence[RemoteRecord] = ()
    invoices: Sequence[RemoteRecord] = ()
    credit_notes: Sequence[RemoteRecord] = ()


@dataclass(frozen=True)
class Written:
    """What the provider answered to a create, update or void (or replayed for a repeated key)."""

    remote_id: str
    version: str | None = None
    total: Decimal | None = None  # documents: the total the provider computed


@dataclass(frozen=True)
class NewRecord:
    """One create of a batch: its body and the place in the batch its intent names."""

    entity: str
    body: dict[str, Any]
    batch_item_id: str


@dataclass(frozen=True)
class Parents:
    """The accounting ids of what a record refers to, brought over first by the engine."""

    customer_id: str | None = None
    customer: Contact | None = None  # a job site's contact, for its name under the naming rule
    items: Mapping[str, str] = field(default_factory=dict)  # SaaS item id -> remote id
    invoices: Mapping[str, str] = field(default_factory=dict)  # SaaS invoice id -> remote id
    # A document's job site: where the work was done. `site_id` is its twin when job sites sync to this
    # provider (the document then belongs to it); without one the provider shows the site's address.
    site: Property | None = None
    site_id: str | None = None


@dataclass(frozen=True)
class CreditApplication:
    """A credit note applied to the invoice it was issued for; both are already in accounting."""

    credit_note_id: str  # remote ids
    invoice_id: str
    amount: Decimal


@dataclass(frozen=True)
class RemotePayment:
    """A payment as accounting holds it, in neutral terms: how much, and how much went to which invoice."""

    total: Decimal
    applied: Mapping[str, Decimal]  # the provider's invoice id -> the amount applied to it
    date: date | None = None
    reference: str | None = None
    # The SaaS payment it was sent from, when Fieldbooks created it there: the app's own, never recorded again.
    sent_from: str | None = None
    # How much of `applied` came from credit notes rather than money (a credit applied to an invoice).
    credits: Decimal = Decimal("0.00")


class Mapper(Protocol):
    """Pure: how SaaS records look in this provider."""

    def display_name(self, contact: Contact, settings: ConnectionSettings) -> str:
        """The name a contact carries in accounting under the connection's naming rule."""

    def name_of(self, entity: str, body: dict[str, Any]) -> str:
        """The unique name a body claims (what a duplicate-name refusal is about)."""

    def comparable(self, theirs: Any, like: Any) -> Any:
        """The provider's value reduced to the shape we send, so added keys do not look like changes."""

    def payment_of(self, fields: dict[str, Any]) -> RemotePayment:
        """A payment body (`RemoteRecord.fields`) as the invoices it pays and by how much."""

    def balance_of(self, fields: dict[str, Any]) -> Decimal | None:
        """What is still owed on a document body, as the provider computed it (None: it does not say)."""

    def contact_fields(
        self, body: dict[str, Any], current: Contact | None, settings: ConnectionSettings
    ) -> dict[str, Any]:
        """Provider body -> the SaaS contact fields it carries (pulls): only the fields the provider keeps
        for this contact, so one it does not hold is never cleared. `current` is None for a new contact."""

    def property_fields(self, body: dict[str, Any], parent_display_name: str) -> dict[str, Any]:
        """Provider body of a sub-record -> SaaS job-site fields (name, address, notes), without contact_id."""

    def carried_fields(self, entity: str) -> tuple[str, ...]:
        """The body keys the mapping writes for `entity`: what a pull's merge compares (a key set only in
        accounting is a change; the provider's own keys, ids and metadata, never are)."""


class Operations(Protocol):
    """One authorised, budgeted connection (CALL transport). Raises only `fieldbooks.domain.errors`."""

    def body(self, entity: str, record: SaasRecord, parents: Parents, settings: ConnectionSettings) -> dict[str, Any]:
        """The provider body for `record`; may look up what the provider needs (accounts, tax codes)."""

    def create(self, entity: str, body: dict[str, Any], key: str) -> Written: ...

    def create_many(self, records: list[NewRecord], key: str) -> list[Written | FieldbooksError]:
        """One result per record, in order; an error for a record the provider refused or did not answer."""

    def update(self, entity: str, remote_id: str, version: str | None, fields: dict[str, Any], key: str) -> Written:
        """Sparse: only `fields` change. A stale `version` raises StaleVersion."""

    def void(self, entity: str, remote_id: str, version: str | None, key: str) -> Written: ...

    def delete(self, entity: str, remote_id: str, version: str | None, key: str) -> None: ...

    def apply_credit(self, application: CreditApplication, key: str) -> Written:
        """Lowers the invoice's balance by the credit, once per `key` (a repeat replays the first reply);
        the answer names what records the application. ValidationFailed when the provider refuses it
        (more than the invoice has open or the credit has left)."""

    def read(self, entity: str, remote_id: str) -> RemoteRecord:
        """RemoteNotFound when it does not exist (or was deleted)."""

    def find_by_name(self, entity: str, name: str) -> list[RemoteRecord]: ...


@dataclass(frozen=True)
class OutgoingWork:
    """One work item as a QUEUE provider's request carries it; `item_id` comes back with its answer."""

    item_id: str
    entity: str
    operation: Literal["create", "update", "void"]
    key: str
    body: dict[str, Any] = field(default_factory=dict)
    remote_id: str | None = None
    version: str | None = None
    # Sent before, never answered: a LookUpFirst package looks up before a create, re-reads before an update.
    resent: bool = False


WorkResult = Written | FieldbooksError | SendAgain


class WorkCodec(Protocol):
    """QUEUE transport: work items → one request message; the response message → results by item."""

    def encode(self, work: list[OutgoingWork]) -> str: ...

    def decode(self, response: str) -> dict[str, WorkResult]:
        """One result per item the response answers; an item it does not mention stays queued."""


class Reader(Protocol):
    def side(self) -> RemoteSide:
        """Every active record that initial sync and Sync now compare with the SaaS."""

    def one(self, entity: str, remote_id: str) -> RemoteRecord: ...

    def changes(self, since: Mapping[str, datetime | None]) -> Sequence[RemoteRecord]:
        """Records of each remote entity in `since` changed at or after its moment (`>=`: a record
        sharing the second of the last one seen comes again, and is dropped by its version), deleted
        and voided ones included, oldest first. None asks for every record of that entity (a full
        comparison, when the cursor is older than the provider keeps changes: `changes_window`)."""

    def reference_lists(self) -> ReferenceLists:
        """The company's active tax codes, tax rates and income accounts, each list read whole (paged)."""

    def balances(self) -> Mapping[str, Decimal]:
        """Remote customer id → its open balance, its sub-records' (jobs') included, for every active
        customer; read in as few calls as the provider allows (a page of many customers per call, never
        one call per customer)."""


class TokenSource(Protocol):
    def current(self) -> str: ...

    def refreshed(self, rejected: str) -> str:
        """A token that replaces `rejected` (refreshed by one worker at a time)."""


class Governor(Protocol):
    def acquire(self, cost: int = 1, *, batch: bool = False) -> None:
        """Takes `cost` requests from the connection's budget or raises RateLimited."""

    def pause(self, seconds: float) -> None:
        """Stops every caller of this connection for `seconds` (after the provider's own 429)."""


@dataclass(frozen=True)
class CallContext:
    """What the registry hands a package to call one connection's company."""

    company_id: str
    tokens: TokenSource
    governor: Governor | None = None


class OAuthEndpoints(Protocol):
    """`code_verifier`: PKCE's (RFC 7636), kept with the single-use state; ignored without PKCE."""

    def authorize_url(self, state: str, code_verifier: str | None = None) -> str: ...

    def exchange_code(self, code: str, code_verifier: str | None = None) -> OAuthTokens: ...

    def refresh(self, refresh_token: str) -> OAuthTokens: ...

    def revoke(self, token: str) -> None: ...

    def company_name(self, company_id: str, access_token: str) -> str: ...


@runtime_checkable
class AsksForCompany(Protocol):  # OAuth endpoints whose redirect names no company: ask which one
    def chosen_company(self, access_token: str) -> str: ...  # ValidationFailed: none, or several


Secret = Callable[[str], str]  # reads a secret parameter by name (SSM, cached by the caller)


class ProviderPackage(Protocol):
    """What `registry.py` knows of a provider package."""

    descriptor: Descriptor
    mapper: Mapper
    codec: WorkCodec | None  # QUEUE providers only

    def operations(self, context: CallContext) -> Operations: ...

    def reader(self, context: CallContext) -> Reader: ...

    def oauth(self, callback_url: str, secret: Secret) -> OAuthEndpoints: ...
