"""Runs: initial, sync-now, scheduled and webhook syncs, with per-category progress and Stop."""

from __future__ import annotations

import os

from pynamodb.attributes import (
    BooleanAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.exceptions import UpdateError
from pynamodb.expressions.update import Action
from pynamodb.models import Model

from fieldbooks.domain.actors import Actor, current_actor
from fieldbooks.domain.errors import Conflict, NotFound
from fieldbooks.domain.models import CategoryProgress, Provider, Run, RunKind, RunPage, RunStatus
from fieldbooks.store.base import TableSettings, expiry_epoch, now, sortable_id

RETENTION_DAYS = 90


class RunRow(Model):
    """Counters live in three flat maps so each record's progress is one atomic ADD, never a read-modify-write."""

    class Meta(TableSettings):
        table_name = os.environ.get("RUNS_TABLE", "fieldbooks-dev-runs")

    tenant_id = UnicodeAttribute(hash_key=True)
    run_id = UnicodeAttribute(range_key=True)
    provider = UnicodeAttribute()
    kind = UnicodeAttribute()
    status = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    started_at = UTCDateTimeAttribute(null=True)
    finished_at = UTCDateTimeAttribute(null=True)
    stop_requested = BooleanAttribute(default=False)
    message = UnicodeAttribute(null=True)
    done = MapAttribute(default=dict)
    total = MapAttribute(default=dict)
    failed = MapAttribute(default=dict)
    queued = MapAttribute(default=dict)  # QUEUE providers: applied, waiting for the provider's answer
    # Who acted, as the Actor's JSON (domain/actors.py): started it, approved its plan, asked it to stop.
    started_by = UnicodeAttribute(null=True)
    approved_by = UnicodeAttribute(null=True)
    stopped_by = UnicodeAttribute(null=True)
    expires_at = NumberAttribute()

    def to_model(self) -> Run:
        done, total, failed, queued = (
            m.as_dict() if m else {} for m in (self.done, self.total, self.failed, self.queued)
        )
        categories = sorted(set(done) | set(total) | set(failed) | set(queued))
        return Run(
            tenant_id=self.tenant_id,
            run_id=self.run_id,
            provider=Provider(self.provider),
            kind=RunKind(self.kind),
            status=RunStatus(self.status),
            created_at=self.created_at,
            started_at=self.started_at,
            finished_at=self.finished_at,
            stop_requested=bool(self.stop_requested),
            message=self.message,
            started_by=_actor(self.started_by),
            approved_by=_actor(self.approved_by),
            stopped_by=_actor(self.stopped_by),
            progress={
                c: CategoryProgress(
                    done=int(done.get(c, 0)),
                    total=int(total.get(c, 0)),
                    failed=int(failed.get(c, 0)),
                    queued=int(queued.get(c, 0)),
                )
                for c in categories
            },
        )


def _actor(stored: str | None) -> Actor | None:
    return Actor.model_validate_json(stored) if stored else None


def unattended_actor(kind: RunKind, provider: Provider) -> Actor | None:
    """Who a run nobody clicked for is by: the schedule, or the accounting system's notification."""
    if kind is RunKind.SCHEDULED:
        return Actor.scheduled()
    if kind is RunKind.WEBHOOK:
        return Actor.webhook(provider.label)
    return None


class RunStore:
    def create(self, tenant_id: str, provider: Provider, kind: RunKind, started_by: Actor | None = None) -> Run:
        """`started_by` defaults to whoever the request or job acts for, else the schedule or webhook."""
        started_by = started_by or current_actor() or unattended_actor(kind, provider)
        row = RunRow(
            tenant_id,
            sortable_id(),
            provider=provider.value,
            kind=kind.value,
            status=RunStatus.QUEUED.value,
            created_at=now(),
            started_by=started_by.model_dump_json() if started_by else None,
            expires_at=expiry_epoch(RETENTION_DAYS),
        )
        row.save()
        return row.to_model()

    def get(self, tenant_id: str, run_id: str) -> Run:
        try:
            return RunRow.get(tenant_id, run_id).to_model()
        except RunRow.DoesNotExist as error:
            raise NotFound(f"There is no run {run_id}.") from error

    def recent(self, tenant_id: str, limit: int = 20) -> RunPage:
        return RunPage(items=[r.to_model() for r in RunRow.query(tenant_id, scan_index_forward=False, limit=limit)])

    def set_status(self, tenant_id: str, run_id: str, status: RunStatus, message: str | None = None) -> Run:
        actions = [RunRow.status.set(status.value)]
        if status is RunStatus.RUNNING:
            # A run applied in slices comes back to RUNNING once per slice: keep when it first started.
            actions.append(RunRow.started_at.set(RunRow.started_at | now()))
        if status.is_finished:
            actions.append(RunRow.finished_at.set(now()))
        if message is not None:
            actions.append(RunRow.message.set(message))
        return self._update(tenant_id, run_id, actions)

    def transition(
        self,
        tenant_id: str,
        run_id: str,
        expected: RunStatus,
        status: RunStatus,
        message: str | None = None,
        *,
        approved_by: Actor | None = None,
    ) -> Run:
        """Moves the run on only from `expected`: a double-clicked Approve queues one apply, not two.

        Conflict when the run is in another status (already approved, stopped, finished).
        """
        actions = [RunRow.status.set(status.value)]
        if approved_by is not None:
            actions.append(RunRow.approved_by.set(approved_by.model_dump_json()))
        if status.is_finished:
            actions.append(RunRow.finished_at.set(now()))
        if message is not None:
            actions.append(RunRow.message.set(message))
        row = RunRow(tenant_id, run_id)
        try:
            row.update(actions=actions, condition=RunRow.run_id.exists() & (RunRow.status == expected.value))
        except UpdateError as error:
            if error.cause_response_code == "ConditionalCheckFailedException":
                current = self.get(tenant_id, run_id)  # NotFound when there is no such run
                is_now, was = (s.value.replace("_", " ") for s in (current.status, expected))
                raise Conflict(f"The run is {is_now}, not {was}.") from error
            raise
        return row.to_model()

    def set_total(self, tenant_id: str, run_id: str, category: str, total: int) -> None:
        self._update(tenant_id, run_id, [RunRow.total[category].set(total)])

    def count(self, tenant_id: str, run_id: str, category: str, *, failed: bool = False) -> None:
        counter = RunRow.failed if failed else RunRow.done
        self._update(tenant_id, run_id, [counter[category].add(1)])

    def count_queued(self, tenant_id: str, run_id: str, category: str) -> None:
        """Applied, but its outcome waits for the provider's side to answer (QUEUE transport)."""
        self._update(tenant_id, run_id, [RunRow.queued[category].add(1)])

    def settle_queued(self, tenant_id: str, run_id: str, category: str, *, failed: bool = False) -> Run:
        """One queued action answered: moved to done or failed in one atomic update."""
        counter = RunRow.failed if failed else RunRow.done
        return self._update(tenant_id, run_id, [RunRow.queued[category].add(-1), counter[category].add(1)])

    def cancel_queued(self, tenant_id: str, run_id: str, category: str) -> None:
        """A queued action withdrawn before it was sent (Stop): it counts neither done nor failed."""
        self._update(tenant_id, run_id, [RunRow.queued[category].add(-1)])

    def request_stop(self, tenant_id: str, run_id: str, by: Actor | None = None) -> Run:
        """`by` defaults to whoever the request acts for; the first to ask is the one kept."""
        actions = [RunRow.stop_requested.set(True)]
        if (by := by or current_actor()) is not None:
            actions.append(RunRow.stopped_by.set(RunRow.stopped_by | by.model_dump_json()))
        return self._update(tenant_id, run_id, actions)

    def _update(self, tenant_id: str, run_id: str, actions: list[Action]) -> Run:
        row = RunRow(tenant_id, run_id)
        try:
            row.update(actions=actions, condition=RunRow.run_id.exists())
        except UpdateError as error:
            if error.cause_response_code == "ConditionalCheckFailedException":
                raise NotFound(f"There is no run {run_id}.") from error
            raise
        return row.to_model()
