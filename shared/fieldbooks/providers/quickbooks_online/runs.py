"""Initial sync and Sync now for QuickBooks Online: what to read from QuickBooks, and how a record is pushed.

The run itself (plan, approval, slices, progress, Stop) is provider independent (`sync/runs.py`);
this module only turns QuickBooks' customers, items, invoices and credit memos into the neutral
`RemoteRecord`s matching works on, and hands the adapter's `push_record` and `push_records` to the driver.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol

from fieldbooks.domain.models import Connection, Run, RunKind
from fieldbooks.observability import logger
from fieldbooks.providers.quickbooks_online import mapping
from fieldbooks.sync.matching import RemoteRecord
from fieldbooks.sync.plan import RemoteSide
from fieldbooks.sync.runs import drive

if TYPE_CHECKING:
    from fieldbooks.providers.quickbooks_online.client import QboClient
    from fieldbooks.saas.records import SaasRecord
    from fieldbooks.services import Services

# Active records only (the default of a QuickBooks query): linking to an inactive name would make
# every later reference fail with 610/2500 (providers.md 1.4). The client pages through 1000 at a time.
CUSTOMERS = "SELECT * FROM Customer"
ITEMS = "SELECT * FROM Item"
INVOICES = "SELECT * FROM Invoice"
CREDIT_MEMOS = "SELECT * FROM CreditMemo"
RECONCILED_KINDS = (RunKind.INITIAL, RunKind.SYNC_NOW)


class PushResult(Protocol):
    @property
    def failed(self) -> bool: ...


class RecordPushingAdapter(Protocol):
    def client(self, connection: Connection, services: Services) -> QboClient: ...

    def push_record(
        self,
        connection: Connection,
        entity: str,
        record: SaasRecord,
        services: Services,
        run_id: str | None = None,
        approved: bool = False,
    ) -> PushResult: ...

    def push_records(
        self,
        connection: Connection,
        pushes: list[tuple[str, SaasRecord]],
        services: Services,
        run_id: str | None = None,
    ) -> list[PushResult]: ...


def pull_changes(adapter: RecordPushingAdapter, connection: Connection, run: Run, services: Services) -> None:
    """Initial and Sync-now runs compare both sides in full. Scheduled and webhook pulls read
    QuickBooks' changes (CDC) instead, which is issue 5; until then they read nothing."""
    if run.kind not in RECONCILED_KINDS:
        logger.info("Nothing to read for this run kind yet", extra={"run_id": run.run_id, "kind": run.kind})
        return
    client = adapter.client(connection, services)

    def push(entity: str, record: SaasRecord) -> bool:
        outcome = adapter.push_record(connection, entity, record, services, run_id=run.run_id)
        return not outcome.failed

    def push_many(pushes: list[tuple[str, SaasRecord]]) -> list[bool]:
        # Creates of contacts and items go out in batches of up to 30: one call instead of thirty.
        return [not o.failed for o in adapter.push_records(connection, pushes, services, run_id=run.run_id)]

    drive(
        connection,
        run,
        services,
        read_remote=lambda: read_remote_side(client),
        push=push,
        contact_name=lambda contact: mapping.customer_display_name(contact, connection.settings),
        push_many=push_many,
    )


def read_remote_side(client: QboClient) -> RemoteSide:
    return RemoteSide(
        customers=[customer_record(body) for body in client.query(CUSTOMERS)],
        items=[named_record("Item", body) for body in client.query(ITEMS)],
        invoices=[document_record("Invoice", body) for body in client.query(INVOICES)],
        credit_notes=[document_record("CreditMemo", body) for body in client.query(CREDIT_MEMOS)],
    )


def customer_record(body: dict[str, Any]) -> RemoteRecord:
    """Sub-customers (jobs) keep their parent, so a job site only ever matches under its own customer."""
    parent = (body.get("ParentRef") or {}).get("value") if body.get("Job") else None
    return RemoteRecord(
        remote_id=str(body["Id"]),
        remote_entity="Customer",
        name=body.get("DisplayName") or "",
        email=(body.get("PrimaryEmailAddr") or {}).get("Address"),
        parent_id=str(parent) if parent else None,
        sync_token=body.get("SyncToken"),
    )


def named_record(entity: str, body: dict[str, Any]) -> RemoteRecord:
    return RemoteRecord(
        remote_id=str(body["Id"]), remote_entity=entity, name=body.get("Name") or "", sync_token=body.get("SyncToken")
    )


def document_record(entity: str, body: dict[str, Any]) -> RemoteRecord:
    total = body.get("TotalAmt")
    return RemoteRecord(
        remote_id=str(body["Id"]),
        remote_entity=entity,
        name=body.get("DocNumber") or str(body["Id"]),
        doc_number=body.get("DocNumber"),
        sync_token=body.get("SyncToken"),
        # The client hands fractional numbers over as Decimal; str() keeps an int or Decimal exact either way.
        total=Decimal(str(total)) if total is not None else None,
    )
