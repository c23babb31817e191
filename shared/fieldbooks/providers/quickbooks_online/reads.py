"""What initial sync, Sync now, relink, resolve and pulls read from QuickBooks, as neutral `RemoteRecord`s."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from fieldbooks.observability import logger
from fieldbooks.providers.contract import RemoteRecord, RemoteSide, change_order
from fieldbooks.providers.quickbooks_online import mapping
from fieldbooks.providers.quickbooks_online.client import QboClient

# Active records only (the default of a QuickBooks query): linking to an inactive name would make
# every later reference fail with 610/2500 (providers.md 1.4). The client pages through 1000 at a time.
CUSTOMERS = "SELECT * FROM Customer"
ITEMS = "SELECT * FROM Item"
INVOICES = "SELECT * FROM Invoice"
CREDIT_MEMOS = "SELECT * FROM CreditMemo"
# A full comparison (a cursor older than CDC keeps) needs the inactive names too: an inactive
# customer is how QuickBooks "deletes" one (providers.md 4.3), and its link must learn of it.
EVERY_RECORD = {
    "Customer": "SELECT * FROM Customer WHERE Active IN (true, false)",
    "Item": "SELECT * FROM Item WHERE Active IN (true, false)",
}
# CDC answers at most 1000 objects per request, all entities combined (providers.md 1.6). A capped
# answer is asked again from the newest change it holds, a bounded number of times.
CDC_MAX_OBJECTS = 1000
CDC_ROUNDS = 10
# CDC's `changedSince` is compared to LastUpdatedTime, which has whole seconds: asking a second early
# makes our `>=` cursor hold whatever CDC's own comparison is (a repeat is dropped by its SyncToken).
SECOND = timedelta(seconds=1)


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

    def changes(self, since: Mapping[str, datetime | None]) -> Sequence[RemoteRecord]:
        records: dict[tuple[str, str], RemoteRecord] = {}
        every = [entity for entity, moment in since.items() if moment is None]
        for remote_entity in every:
            for record in self._every(remote_entity):
                records[record.key] = record
        dated = {entity: moment for entity, moment in since.items() if moment is not None}
        if dated:
            for record in self._changed(dated):
                records[record.key] = record
        return sorted(records.values(), key=change_order)

    def _every(self, remote_entity: str) -> list[RemoteRecord]:
        statement = EVERY_RECORD.get(remote_entity, f"SELECT * FROM {remote_entity}")
        return [remote_record(remote_entity, body) for body in self.client.query(statement)]

    def _changed(self, since: Mapping[str, datetime]) -> list[RemoteRecord]:
        """One CDC call for every entity, from the oldest cursor; each entity keeps what is at or after its own.

        A capped answer (1000 objects) is asked again from its newest change. Should 1000 changes share
        one second, CDC cannot be paged past them, so those entities are read in full instead.
        """
        entities = list(since)
        start = min(since.values()) - SECOND
        found: dict[tuple[str, str], RemoteRecord] = {}
        for _ in range(CDC_ROUNDS):
            answer = self.client.cdc(entities, start.isoformat(timespec="seconds"))
            batch = [remote_record(entity, body) for entity, bodies in answer.items() for body in bodies]
            for record in sorted(batch, key=change_order):
                found[record.key] = record
            if len(batch) < CDC_MAX_OBJECTS:
                break
            newest = max((r.updated_at for r in batch if r.updated_at), default=start)
            if newest - SECOND <= start:
                logger.info("CDC is capped within one second; reading in full", extra={"entities": entities})
                return [record for entity in entities for record in self._every(entity)]
            start = newest - SECOND
        else:
            # Left for the next pull: the driver's cursors stop at the newest change applied.
            logger.info("CDC still capped after its rounds", extra={"rounds": CDC_ROUNDS})
        # LastUpdatedTime has whole seconds: a change in the cursor's own second is stamped at or
        # before it, so each entity keeps what is at or after the start of its cursor's second.
        return [
            record
            for record in found.values()
            if record.updated_at is None or record.updated_at >= since[record.remote_entity].replace(microsecond=0)
        ]


def remote_record(remote_entity: str, body: dict[str, Any]) -> RemoteRecord:
    """Sub-customers (jobs) keep their parent, so a job site only ever matches under its own customer.

    CDC's delete stubs (`"status": "Deleted"`, an Id and MetaData only) become tombstones; a voided
    document is kept by QuickBooks with its amounts zeroed and "Voided" in its PrivateNote (1.4).
    """
    if body.get("status") == "Deleted":
        return RemoteRecord(
            remote_id=str(body["Id"]), remote_entity=remote_entity, deleted=True, updated_at=_updated_at(body)
        )
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
        voided=is_document and str(body.get("PrivateNote") or "").startswith("Voided") and _is_zero(total),
    )


def _is_zero(total: Any) -> bool:
    return total is not None and mapping.money(total) == 0


def _updated_at(body: dict[str, Any]) -> datetime | None:
    stamp = (body.get("MetaData") or {}).get("LastUpdatedTime")
    try:
        return datetime.fromisoformat(stamp) if stamp else None
    except ValueError:
        return None
