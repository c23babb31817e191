"""What one push ended in: for runs (done/failed counts), approvals (the console's reply) and the log."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict


class PushAction(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    LINKED = "linked"  # linked by a match or a resolve, then brought up to date
    VOIDED = "voided"
    SKIPPED = "skipped"
    HELD = "held"  # preview mode: waits as a pending action
    QUEUED = "queued"  # QUEUE transport: waits for the provider's side to ask for it
    CONFLICT = "conflict"
    ERROR = "error"


# The verb of the sync-log row each outcome writes.
LOG_ACTION = {
    PushAction.CREATED: "create",
    PushAction.UPDATED: "update",
    PushAction.LINKED: "link",
    PushAction.VOIDED: "void",
    PushAction.SKIPPED: "skip",
    PushAction.HELD: "hold",
    PushAction.QUEUED: "queue",
    PushAction.CONFLICT: "create",
    PushAction.ERROR: "push",
}
# Only these reached accounting.
PUSHED = frozenset({PushAction.CREATED, PushAction.UPDATED, PushAction.LINKED})


class PushOutcome(BaseModel):
    model_config = ConfigDict(frozen=True)

    action: PushAction
    entity: str
    saas_id: str
    remote_id: str | None = None
    detail: str
    work_item_id: str | None = None  # QUEUED: the outbox item that will carry it

    @property
    def failed(self) -> bool:
        return self.action in (PushAction.ERROR, PushAction.CONFLICT)
