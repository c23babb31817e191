"""In-memory companies: records per entity, id sequences and the requestid replay cache.

Everything runs on the server's event loop, one request at a time between awaits, so the store needs
no locks. Deleted records stay as tombstones: CDC must still report them (providers.md 1.6).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from local.simulators.quickbooks_online.clock import metadata_time


@dataclass
class Record:
    """One QuickBooks object: its client-visible fields plus what QuickBooks itself maintains."""

    entity: str
    id: str
    body: dict[str, Any]
    created_at: datetime
    updated_at: datetime
    sync_token: int = 0
    deleted: bool = False

    @property
    def active(self) -> bool:
        return self.body.get("Active", True) is not False

    def render(self, timezone: str) -> dict[str, Any]:
        """The object as the API returns it, Decimals turned into JSON numbers."""
        rendered = as_json_numbers(self.body)
        rendered.update(
            {
                "domain": "QBO",
                "sparse": False,
                "Id": self.id,
                "SyncToken": str(self.sync_token),
                "MetaData": {
                    "CreateTime": metadata_time(self.created_at, timezone),
                    "LastUpdatedTime": metadata_time(self.updated_at, timezone),
                },
            }
        )
        return rendered

    def tombstone(self, timezone: str) -> dict[str, Any]:
        """The stub Intuit returns for a deleted object (providers.md 1.6)."""
        return {
            "status": "Deleted",
            "domain": "QBO",
            "Id": self.id,
            "MetaData": {"LastUpdatedTime": metadata_time(self.updated_at, timezone)},
        }


@dataclass
class StoredReply:
    """The first answer to a requestid, replayed verbatim to any repeat (providers.md 1.8)."""

    status: int
    body: bytes
    media_type: str


@dataclass
class Company:
    realm_id: str
    name: str
    country: str
    timezone: str
    records: dict[str, dict[str, Record]] = field(default_factory=dict)
    next_ids: dict[str, int] = field(default_factory=dict)
    next_doc_number: int = 1001
    replies_by_request_id: dict[str, StoredReply] = field(default_factory=dict)

    def allocate_id(self, entity: str) -> str:
        number = self.next_ids.get(entity, 1)
        self.next_ids[entity] = number + 1
        return str(number)

    def allocate_doc_number(self) -> str:
        number = self.next_doc_number
        self.next_doc_number += 1
        return str(number)

    def add(self, record: Record) -> Record:
        self.records.setdefault(record.entity, {})[record.id] = record
        return record

    def get(self, entity: str, record_id: str) -> Record | None:
        """A live record; tombstones are invisible to reads and references."""
        record = self.records.get(entity, {}).get(str(record_id))
        return None if record is None or record.deleted else record

    def live(self, entity: str) -> list[Record]:
        return [record for record in self.records.get(entity, {}).values() if not record.deleted]

    def all_including_deleted(self, entity: str) -> list[Record]:
        return list(self.records.get(entity, {}).values())


def as_json_numbers(value: Any) -> Any:
    """Deep copy with Decimal money as JSON numbers, as Intuit writes them.

    Computation stays in Decimal; only the wire form is a float, and at two decimals it is exact
    enough for any JSON reader to see the same figure.
    """
    if isinstance(value, dict):
        return {key: as_json_numbers(item) for key, item in value.items()}
    if isinstance(value, list):
        return [as_json_numbers(item) for item in value]
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() and value.as_tuple().exponent >= 0 else float(value)
    return value
