"""Run plans: one summary row and one row per planned action, in their own table.

Kept out of the runs table so `RunStore.recent` stays one cheap query over runs only. Keys sort in
apply order: "<run>#apply#<seq>" rows are what the driver works through (seq = position in the
apply order, which the run's done+failed counters double as a cursor into), "<run>#skip#<seq>"
rows are shown but never applied, and "<run>#summary" holds the counts.
"""

from __future__ import annotations

import os

from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.models import Model

from fieldbooks.domain.plans import Plan, PlannedAction, PlanPage, PlanSummary
from fieldbooks.store.base import PageCursors, TableSettings, expiry_epoch

RETENTION_DAYS = 90  # as long as the run and its sync-log rows
MAX_PAGE_SIZE = 200


class PlanRow(Model):
    class Meta(TableSettings):
        table_name = os.environ.get("PLANS_TABLE", "fieldbooks-dev-plans")

    tenant_id = UnicodeAttribute(hash_key=True)
    plan_key = UnicodeAttribute(range_key=True)
    category = UnicodeAttribute(null=True)
    body = JSONAttribute()
    expires_at = NumberAttribute()


def _apply_key(run_id: str, seq: int) -> str:
    return f"{run_id}#apply#{seq:07d}"


class PlanStore:
    def __init__(self, cursors: PageCursors | None = None) -> None:
        self._cursors = cursors or PageCursors.from_environment()

    def save(self, tenant_id: str, run_id: str, plan: Plan) -> PlanSummary:
        """Actions first, summary last: a summary on record means the whole plan is there.

        A planning step that dies half way is simply redone (the rows are overwritten by key).
        """
        expires = expiry_epoch(RETENTION_DAYS)
        with PlanRow.batch_write() as batch:
            for seq, action in enumerate(plan.to_apply):
                batch.save(self._row(tenant_id, _apply_key(run_id, seq), action, expires))
            for seq, action in enumerate(plan.skipped):
                batch.save(self._row(tenant_id, f"{run_id}#skip#{seq:07d}", action, expires))
        summary = plan.summary()
        PlanRow(tenant_id, f"{run_id}#summary", body=summary.model_dump(mode="json"), expires_at=expires).save()
        return summary

    def summary(self, tenant_id: str, run_id: str) -> PlanSummary | None:
        try:
            return PlanSummary.model_validate(PlanRow.get(tenant_id, f"{run_id}#summary").body)
        except PlanRow.DoesNotExist:
            return None

    def to_apply(self, tenant_id: str, run_id: str, start: int, limit: int) -> list[PlannedAction]:
        """Actions `start`, `start + 1`, ... in apply order."""
        rows = PlanRow.query(
            tenant_id,
            PlanRow.plan_key.between(_apply_key(run_id, start), f"{run_id}#apply#~"),
            limit=limit,
        )
        return [PlannedAction.model_validate(row.body) for row in rows]

    def page(
        self,
        tenant_id: str,
        run_id: str,
        *,
        category: str | None = None,
        limit: int = 50,
        cursor: str | None = None,
    ) -> PlanPage:
        """Actions to apply first (in apply order), then skips. With a category filter a page may come
        back short while `next_cursor` still points on: DynamoDB filters after it reads `limit` rows."""
        query = ("plan", run_id, category)  # a cursor of one run's plan never pages another's
        rows = PlanRow.query(
            tenant_id,
            PlanRow.plan_key.between(f"{run_id}#apply#", f"{run_id}#skip#~"),
            filter_condition=(PlanRow.category == category) if category else None,
            limit=min(limit, MAX_PAGE_SIZE),
            last_evaluated_key=self._cursors.decode(tenant_id, query, cursor, ("tenant_id", "plan_key")),
        )
        items = [PlannedAction.model_validate(row.body) for row in rows]
        return PlanPage(
            summary=self.summary(tenant_id, run_id),
            items=items,
            next_cursor=self._cursors.encode(tenant_id, query, rows.last_evaluated_key),
        )

    @staticmethod
    def _row(tenant_id: str, key: str, action: PlannedAction, expires: int) -> PlanRow:
        return PlanRow(
            tenant_id, key, category=action.category, body=action.model_dump(mode="json"), expires_at=expires
        )
