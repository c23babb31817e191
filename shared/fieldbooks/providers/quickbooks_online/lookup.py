"""Reads one QuickBooks record for a person choosing a link target by hand (relink, resolve)."""

from __future__ import annotations

from typing import Any

from fieldbooks.domain.models import Connection
from fieldbooks.providers.quickbooks_online.client import client_for
from fieldbooks.providers.quickbooks_online.mapping import REMOTE_ENTITY
from fieldbooks.services import Services
from fieldbooks.sync.record_access import RemoteRecord


class QboRecordReader:
    def read_remote(self, connection: Connection, entity: str, remote_id: str, services: Services) -> RemoteRecord:
        qbo_entity = REMOTE_ENTITY[entity]
        body = client_for(connection, services).read(qbo_entity, remote_id)
        record: dict[str, Any] = body.get(qbo_entity, body)
        return RemoteRecord(
            remote_id=str(record["Id"]),
            remote_entity=qbo_entity,
            name=record.get("DisplayName") or record.get("Name") or record.get("DocNumber"),
            sync_token=record.get("SyncToken"),
            # Only lists have Active; QuickBooks answers 610 for a deleted transaction instead.
            active=record.get("Active", True) is not False,
        )
