"""The "sync finished" notification on the SaaS bus, so the product can tell the tenant how a run went."""

from __future__ import annotations

import datetime as dt
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from pydantic import BaseModel

from fieldbooks.domain.models import CategoryProgress, Provider, Run, RunKind, RunStatus
from fieldbooks.observability import logger
from fieldbooks.services import Services

SOURCE = "fieldbooks"
RUN_FINISHED = "sync.run_finished"


class RunFinished(BaseModel):
    """Detail of a `sync.run_finished` event: the outcome in one word and the counts behind it."""

    tenant_id: str
    provider: Provider
    run_id: str
    kind: RunKind
    status: RunStatus
    message: str | None
    finished_at: dt.datetime | None
    done: int
    failed: int
    total: int
    progress: dict[str, CategoryProgress]


def run_finished_entry(run: Run, bus_name: str) -> dict[str, Any]:
    detail = RunFinished(
        tenant_id=run.tenant_id,
        provider=run.provider,
        run_id=run.run_id,
        kind=run.kind,
        status=run.status,
        message=run.message,
        finished_at=run.finished_at,
        done=sum(p.done for p in run.progress.values()),
        failed=sum(p.failed for p in run.progress.values()),
        total=sum(p.total for p in run.progress.values()),
        progress=run.progress,
    )
    return {
        "EventBusName": bus_name,
        "Source": SOURCE,
        "DetailType": RUN_FINISHED,
        "Detail": detail.model_dump_json(),
        "Resources": [],
    }


def publish_run_finished(run: Run, services: Services) -> None:
    """Best effort by design: the run's outcome is already stored and shown; a lost notification must
    not turn a finished run into a retried one (that would apply the plan again)."""
    entry = run_finished_entry(run, services.settings.saas_event_bus_name)
    try:
        reply = services.events.put_events(Entries=[entry])
    except (BotoCoreError, ClientError):
        logger.exception("Could not publish sync.run_finished", extra={"run_id": run.run_id})
        return
    if reply.get("FailedEntryCount"):
        logger.error("EventBridge refused sync.run_finished", extra={"run_id": run.run_id, "reply": reply})
