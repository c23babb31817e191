"""A run's plan as data: one action per SaaS record (link, create, update, skip, conflict) and its counts.

The planner (`sync/plan.py`) builds it, the plan store keeps it, the run driver applies it and the
console shows it.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from fieldbooks.domain.models import Run
from fieldbooks.domain.records import Entity

# Apply order: parents before children, documents before what is applied to them.
CATEGORY_ENTITIES: dict[str, Entity] = {
    "contacts": "contact",
    "properties": "property",
    "items": "item",
    "invoices": "invoice",
    "credit_notes": "credit_note",
    "payments": "payment",
}
CATEGORIES = tuple(CATEGORY_ENTITIES)


class PlanActionKind(StrEnum):
    LINK = "link"
    CREATE = "create"
    UPDATE = "update"
    SKIP = "skip"
    CONFLICT = "conflict"
    BRING_IN = "bring_in"  # only in accounting: created in the SaaS and linked


class ApplyStep(StrEnum):
    """What the driver does for an action; the kind is what the tenant is told."""

    WRITE_LINK = "write_link"  # pair with an existing accounting record: a link row, no provider call
    PUSH = "push"  # the adapter's push_record: create or update, exactly once
    REPORT = "report"  # a conflict no call can settle: log it for a person
    HOLD = "hold"  # accounting deleted or voided the twin: a pending action a person approves
    NONE = "none"  # skipped: nothing to do
    BRING_IN = "bring_in"  # read the accounting record and create its SaaS twin (the pull's step), then link


class PlannedAction(BaseModel):
    model_config = ConfigDict(frozen=True)

    category: str
    entity: Entity
    saas_id: str
    label: str = Field(description="What a bookkeeper recognises: a name or a document number.")
    action: PlanActionKind
    step: ApplyStep
    reason: str
    remote_id: str | None = None
    remote_entity: str | None = None
    remote_name: str | None = None
    remote_version: str | None = None
    matched_by: str | None = None
    remote_fields: dict[str, Any] | None = Field(
        default=None, description="A matched customer's values in accounting: the link's first merge base."
    )


class CategoryCounts(BaseModel):
    link: int = 0
    create: int = 0
    update: int = 0
    skip: int = 0
    conflict: int = 0
    bring_in: int = 0


class PlanSummary(BaseModel):
    counts: dict[str, CategoryCounts]
    to_apply: int = Field(description="Actions the run will work through (everything except skips).")


class Plan(BaseModel):
    actions: list[PlannedAction]

    @property
    def to_apply(self) -> list[PlannedAction]:
        """Non-skips in apply order (categories in CATEGORIES order, records in plan order)."""
        order = {category: i for i, category in enumerate(CATEGORIES)}
        applied = [a for a in self.actions if a.step is not ApplyStep.NONE]
        return sorted(applied, key=lambda a: order[a.category])

    @property
    def skipped(self) -> list[PlannedAction]:
        return [a for a in self.actions if a.step is ApplyStep.NONE]

    def summary(self) -> PlanSummary:
        counts = {category: CategoryCounts() for category in CATEGORIES}
        for action in self.actions:
            tally = counts[action.category]
            setattr(tally, action.action.value, getattr(tally, action.action.value) + 1)
        return PlanSummary(counts=counts, to_apply=len(self.to_apply))


class RunDetail(Run):
    """A run as `GET /runs/{id}` shows it: progress plus the plan's counts once it exists."""

    plan: PlanSummary | None = None


class PlanPage(BaseModel):
    summary: PlanSummary | None
    items: list[PlannedAction]
    next_cursor: str | None = None
