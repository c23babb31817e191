"""The records Fieldbooks keeps about its own work: connections, links, sync-log rows, runs, conflicts.

Pydantic models cross module boundaries; the PynamoDB rows behind them stay inside `store/`.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from fieldbooks.domain.actors import Actor
from fieldbooks.domain.schedule import MaintenanceWindow, known_time_zone


class Provider(StrEnum):
    QUICKBOOKS_ONLINE = "quickbooks_online"
    XERO = "xero"
    QUICKBOOKS_DESKTOP = "quickbooks_desktop"

    @property
    def label(self) -> str:
        return {
            "quickbooks_online": "QuickBooks Online",
            "xero": "Xero",
            "quickbooks_desktop": "QuickBooks Desktop",
        }[self.value]


class ConnectionStatus(StrEnum):
    CONNECTED = "connected"
    NEEDS_REAUTH = "needs_reauth"  # tokens refused: work waits, nothing is dropped
    DISCONNECTED = "disconnected"  # stopped by the tenant; links and log are kept for a reconnect


# ---------------------------------------------------------------- connection settings
class EntityDirection(StrEnum):
    TO_ACCOUNTING = "to_accounting"
    FROM_ACCOUNTING = "from_accounting"
    BOTH = "both"
    OFF = "off"

    @property
    def pushes(self) -> bool:
        return self in (EntityDirection.TO_ACCOUNTING, EntityDirection.BOTH)


class ConflictPolicy(StrEnum):
    SAAS_WINS = "saas_wins"
    ACCOUNTING_WINS = "accounting_wins"
    MOST_RECENT = "most_recent"


# The SaaS entities a connection's directions can name: the ones that sync (DESIGN.md, "What syncs").
SYNCED_ENTITIES = ("contact", "property", "item", "invoice", "credit_note", "payment")


def _default_directions() -> dict[str, EntityDirection]:
    return {
        "contact": EntityDirection.BOTH,
        "property": EntityDirection.TO_ACCOUNTING,
        "item": EntityDirection.TO_ACCOUNTING,
        "invoice": EntityDirection.TO_ACCOUNTING,
        "credit_note": EntityDirection.TO_ACCOUNTING,
        "payment": EntityDirection.BOTH,
    }


class ConnectionSettings(BaseModel):
    """What a tenant admin chooses per connection on the Integrations page; an unknown field or entity
    is refused, never stored."""

    # A closed schema because `PUT .../settings` once kept 9,000 made-up `directions` keys in the
    # connection row (387 KB; 1.2 MB was a 500): issue 10, A.5.

    model_config = ConfigDict(frozen=True, extra="forbid")

    directions: dict[str, EntityDirection] = Field(default_factory=_default_directions)
    approve_plan: bool = Field(default=False, description="Runs wait for POST /runs/{id}/approve before applying.")
    preview_customer_actions: bool = Field(
        default=False, description="Customer and job-site actions bound for accounting wait as pending actions."
    )
    name_individuals_with_company: bool = Field(
        default=False, description='Individuals are named "First Last (Company)" in accounting.'
    )
    default_income_account_id: str | None = Field(default=None, max_length=50)
    default_tax_code_id: str | None = Field(default=None, max_length=50)
    deposit_account_id: str | None = Field(default=None, max_length=50, description="Payments are received into it.")
    conflict_policy: ConflictPolicy = ConflictPolicy.MOST_RECENT
    # The one interval the scheduler reads (queues/pull_jobs.py): the connection keeps no copy of it.
    pull_interval_minutes: int = Field(default=15, ge=5, le=1440)
    autosync: bool = Field(
        default=True, description="Off pauses scheduled pulls without disconnecting; webhooks and Sync now still run."
    )
    maintenance_window: MaintenanceWindow | None = Field(
        default=None, description="No scheduled pull inside these hours of the tenant's day."
    )
    time_zone: str = Field(
        default="UTC", max_length=64, description="IANA time zone the maintenance window is read in."
    )

    @field_validator("time_zone")
    @classmethod
    def _known_time_zone(cls, name: str) -> str:
        return known_time_zone(name)

    def in_maintenance_window(self, at: datetime) -> bool:
        """Whether `at` (an aware moment) falls in the window, read on the tenant's own clock."""
        return self.maintenance_window is not None and self.maintenance_window.holds(at, self.time_zone)

    @field_validator("directions", mode="before")
    @classmethod
    def _only_synced_entities(cls, directions: Any) -> Any:
        """One sentence for every unknown key, however many: the reply stays small when the body is not."""
        if isinstance(directions, dict):
            unknown = [key for key in directions if key not in SYNCED_ENTITIES]
            if unknown:
                named = ", ".join(repr(str(key)[:40]) for key in unknown[:3])
                more = f" and {len(unknown) - 3} more" if len(unknown) > 3 else ""
                raise ValueError(
                    f"{named}{more} {'is' if len(unknown) == 1 else 'are'} not a kind of record that syncs; "
                    f"use {', '.join(SYNCED_ENTITIES)}"
                )
        return directions

    def direction(self, entity: str) -> EntityDirection:
        return self.directions.get(entity, _default_directions().get(entity, EntityDirection.OFF))


class Connection(BaseModel):
    """One accounting company connected by one tenant (one per tenant and provider)."""

    model_config = ConfigDict(frozen=True)

    tenant_id: str
    provider: Provider
    status: ConnectionStatus
    remote_company_id: str
    company_name: str
    connected_by: str
    connected_at: datetime
    pull_queued_at: datetime | None = Field(default=None, description="When the scheduler last queued a pull.")
    paused_until: datetime | None = None
    settings: ConnectionSettings = Field(default_factory=lambda: ConnectionSettings())
    sealed_tokens: str | None = Field(
        default=None, repr=False, description="OAuth tokens, KMS-envelope encrypted (security/token_vault.py)."
    )
    refresh_lease_until: datetime | None = Field(
        default=None, description="A worker is refreshing the tokens until then; others wait and re-read."
    )
    version: int = 0

    @property
    def is_active(self) -> bool:
        return self.status is ConnectionStatus.CONNECTED

    @property
    def pull_interval_minutes(self) -> int:
        """Read from the settings, the one place it is kept."""
        return self.settings.pull_interval_minutes


class Direction(StrEnum):
    TO_ACCOUNTING = "to_accounting"
    FROM_ACCOUNTING = "from_accounting"


class SyncStatus(StrEnum):
    SYNCED = "synced"
    MATCHED = "matched"
    SKIPPED = "skipped"
    CONFLICT = "conflict"
    ERROR = "error"
    QUEUED = "queued"  # waiting for a provider that asks for work (the Web Connector, an agent)


class SyncLogEntry(BaseModel):
    """One row of the sync log: one record, one action, in words a bookkeeper understands."""

    model_config = ConfigDict(frozen=True)

    tenant_id: str
    log_id: str = Field(description="Sortable id: newest rows have the largest ids.")
    created_at: datetime
    provider: Provider | None = None
    entity: str
    direction: Direction
    status: SyncStatus
    action: str = Field(description="create, update, link, void, skip, ...")
    detail: str = Field(description="A sentence for a bookkeeper.")
    saas_id: str | None = None
    remote_id: str | None = None
    run_id: str | None = None
    values: dict[str, Any] | None = Field(default=None, description="Both sides' values, for field conflicts.")
    acted_by: Actor | None = Field(default=None, description="The person, or Fieldbooks' own work, behind the row.")


class SyncLogPage(BaseModel):
    items: list[SyncLogEntry]
    next_cursor: str | None = None


class RunKind(StrEnum):
    INITIAL = "initial"
    SYNC_NOW = "sync_now"
    SCHEDULED = "scheduled"
    WEBHOOK = "webhook"


class RunStatus(StrEnum):
    QUEUED = "queued"
    PLANNING = "planning"
    AWAITING_APPROVAL = "awaiting_approval"
    RUNNING = "running"
    STOPPING = "stopping"
    STOPPED = "stopped"
    SUCCEEDED = "succeeded"
    PARTIAL = "partial"
    FAILED = "failed"

    @property
    def is_finished(self) -> bool:
        return self in (RunStatus.STOPPED, RunStatus.SUCCEEDED, RunStatus.PARTIAL, RunStatus.FAILED)


class CategoryProgress(BaseModel):
    """What the progress indicator shows per category: "invoices 412 / 1100"."""

    done: int = 0
    total: int = 0
    failed: int = 0
    queued: int = Field(
        default=0, description="Handed to a provider that asks for work; done or failed once it answers."
    )


class Run(BaseModel):
    tenant_id: str
    run_id: str
    provider: Provider
    kind: RunKind
    status: RunStatus
    created_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
    stop_requested: bool = False
    progress: dict[str, CategoryProgress] = Field(default_factory=dict)
    message: str | None = None
    started_by: Actor | None = Field(default=None, description="Who started it: a person, or the schedule.")
    approved_by: Actor | None = Field(default=None, description="Who approved its plan.")
    stopped_by: Actor | None = Field(default=None, description="Who asked it to stop.")


class RunPage(BaseModel):
    items: list[Run]


# ---------------------------------------------------------------- links
class LinkState(StrEnum):
    PENDING = "pending"  # a create was sent (intent stored); the remote id is not confirmed yet
    LINKED = "linked"
    UNLINKED = "unlinked"  # the tenant switched "Linked to accounting" off: the record no longer syncs


class Link(BaseModel):
    """One SaaS record and its accounting twin, with what the exactly-once create and the merge need."""

    model_config = ConfigDict(frozen=True)

    tenant_id: str
    provider: Provider
    entity: str = Field(description="The SaaS entity: contact, property, item, invoice, credit_note, payment.")
    saas_id: str
    state: LinkState
    remote_id: str | None = None
    remote_entity: str | None = Field(
        default=None, description="The provider's entity the twin is, as its descriptor names it."
    )
    remote_version: str | None = Field(
        default=None, description="The provider's version token last seen (sent back on the next write)."
    )
    synced_version: int | None = Field(default=None, description="The SaaS record version last brought over.")
    intent_request_id: str | None = Field(default=None, description="Idempotency key of the create in flight.")
    intent_version: int | None = None
    intent_batch: str | None = Field(
        default=None,
        description="For a create sent inside a batch: '<batch requestid> <bId>', the only key that can replay it.",
    )
    snapshot: dict[str, Any] | None = Field(default=None, description="Last synced values: the merge's base.")
    generation: int = Field(default=0, description="Bumped when a remote twin is discarded, for a fresh create key.")
    remote_inactive: bool = Field(
        default=False, description="The twin was made inactive (or deleted) in accounting; the SaaS record is kept."
    )
    updated_at: datetime
    version: int = 0


# ---------------------------------------------------------------- conflicts and pending actions
class ConflictKind(StrEnum):
    DUPLICATE_NAME = "duplicate_name"
    FIELD = "field"


class ConflictStatus(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"


class ConflictRecord(BaseModel):
    """Something a person must decide. One open conflict per (provider, entity, record, kind)."""

    model_config = ConfigDict(frozen=True)

    tenant_id: str
    conflict_id: str
    provider: Provider
    entity: str
    saas_id: str
    kind: ConflictKind
    resolvable: bool = Field(description="True when 'Resolve automatically' can settle it (link to remote_id).")
    message: str = Field(description="A sentence for a bookkeeper: what happened and what to do.")
    name: str | None = None
    remote_id: str | None = Field(default=None, description="The accounting record a resolve would link to.")
    other_saas_ids: list[str] = Field(default_factory=list, description="SaaS records sharing the name.")
    values: dict[str, Any] | None = Field(default=None, description="Both sides' values, for field conflicts.")
    status: ConflictStatus = ConflictStatus.OPEN
    created_at: datetime
    resolved_at: datetime | None = None
    resolved_by: Actor | None = None


class PendingActionStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"


class PendingActionKind(StrEnum):
    CREATE = "create"  # preview mode: send a new customer or job site to accounting
    UPDATE = "update"  # preview mode: send a customer or job-site change
    VOID = "void"  # voided in accounting: void it in the SaaS too
    REIMPORT = "reimport"  # deleted in accounting: send it again as a new accounting record


class PendingAction(BaseModel):
    """Something held until a person approves it: a customer or job-site change held back by preview
    mode, or what accounting did to a synced document (voided, deleted) that the SaaS should follow."""

    model_config = ConfigDict(frozen=True)

    tenant_id: str
    action_id: str
    provider: Provider
    entity: str
    saas_id: str
    record_version: int
    action: PendingActionKind = Field(description="create, update, void or reimport")
    summary: str = Field(description='What approving will do, e.g. "Create customer Jane Doe in Xero".')
    remote_id: str | None = Field(default=None, description="The accounting record it is about (void, reimport).")
    status: PendingActionStatus = PendingActionStatus.PENDING
    created_at: datetime


# ---------------------------------------------------------------- work for QUEUE providers
class WorkOperation(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    VOID = "void"


class WorkState(StrEnum):
    QUEUED = "queued"  # waiting for the provider's side to ask for work
    SENT = "sent"  # handed out in a request message; the answer settles it


class WorkItem(BaseModel):
    """One record version waiting in a connection's outbox. Its body is built when it is sent, so a
    parent settled meanwhile supplies its id."""

    model_config = ConfigDict(frozen=True)

    tenant_id: str
    provider: Provider
    item_id: str  # sortable: the outbox hands work out in the order it was decided
    entity: str
    saas_id: str
    record_version: int
    operation: WorkOperation
    key: str = Field(description="The idempotency key: the link's intent for a create.")
    state: WorkState = WorkState.QUEUED
    run_id: str | None = None
    category: str | None = Field(default=None, description="The run's plan category, counted when settled.")
    sent: dict[str, Any] | None = Field(
        default=None, description="What was sent, canonical: the snapshot once settled."
    )
    created_at: datetime
    version: int = 0
