"""What initial sync, Sync now, relink and resolve read from QuickBooks, as neutral `RemoteRecord`s."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fieldbooks.providers.contract import RemoteRecord, RemoteSide
from fieldbooks.providers.quickbooks_online import mapping, transactions
from fieldbooks.providers.quickbooks_online.client import QboClient

# Active records only (the default of a QuickBooks query): linking to an inactive name would make
# every later reference fail with 610/2500 (providers.md 1.4). The client pages through 1000 at a time.
CUSTOMERS = "SELECT * FROM Customer"
ITEMS = "SELECT * FROM Item"
INVOICES = "SELECT * FROM Invoice"
CREDIT_MEMOS = "SELECT * FROM CreditMemo"


class QboReader:
    def __init__(self, client: QboClient) -> None:
        self.client = client

    def side(self) -> RemoteSide:
        return RemoteSide(
            customers=[remote_record("Customer", body) for body in self.client.query(CUSTOMERS)],
            items=[remote_record("Item", body) for body in self.client.query(ITEMS)],
            invoices=[remote_record("Invoice", body) for body in self.client.query(INVOICES)],
            credit_notes=[remote_record("CreditMemo", body) for body in self.client.query(CREDIT_MEMOS)],
        )

    def one(self, entity: str, remote_id: str) -> RemoteRecord:
        remote_entity = mapping.REMOTE_ENTITY[entity]
        return remote_record(remote_entity, self.client.read(remote_entity, remote_id))


def remote_record(remote_entity: str, body: dict[str, Any]) -> RemoteRecord:
    """Sub-customers (jobs) keep their parent, so a job site only ever matches under its own customer."""
    parent = (body.get("ParentRef") or {}).get("value") if body.get("Job") else None
    total = body.get("TotalAmt")
    is_document = remote_entity not in ("Customer", "Item")
    return RemoteRecord(
        remote_id=str(body["Id"]),
        remote_entity=remote_entity,
        name=body.get("DisplayName")
        or body.get("Name")
        or body.get("DocNumber")
        or (str(body["Id"]) if is_document else ""),
        email=(body.get("PrimaryEmailAddr") or {}).get("Address"),
        parent_id=str(parent) if parent else None,
        version=body.get("SyncToken"),
        doc_number=body.get("DocNumber"),
        total=mapping.money(total) if total is not None and is_document else None,
        # Only lists have Active; QuickBooks answers 610 for a deleted transaction instead.
        active=body.get("Active", True) is not False,
        updated_at=_updated_at(body),
        fields=body,
        voided=transactions.is_voided(remote_entity, body),
    )


def _updated_at(body: dict[str, Any]) -> datetime | None:
    stamp = (body.get("MetaData") or {}).get("LastUpdatedTime")
    try:
        return datetime.fromisoformat(stamp) if stamp else None
    except ValueError:
        return None
