"""What initial sync, Sync now, pulls and relink read from Xero, as neutral `RemoteRecord`s."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from fieldbooks.domain.reference_lists import ReferenceLists
from fieldbooks.providers.contract import RemoteRecord, RemoteSide
from fieldbooks.providers.xero import inbound, mapping
from fieldbooks.providers.xero.client import XeroClient

SALES_INVOICES = {"where": 'Type=="ACCREC"'}
SALES_CREDIT_NOTES = {"where": 'Type=="ACCRECCREDIT"'}
GONE = {"DELETED", "VOIDED", "ARCHIVED"}
_MS_DATE = re.compile(r"/Date\((-?\d+)([+-]\d{4})?\)/")


class XeroReader:
    def __init__(self, client: XeroClient) -> None:
        self.client = client

    def side(self) -> RemoteSide:
        """Active records only: Xero hides archived contacts unless asked (providers.md 2.3)."""
        return RemoteSide(
            customers=self._live("Contacts"),
            items=self._live("Items"),
            invoices=self._live("Invoices", SALES_INVOICES),
            credit_notes=self._live("CreditNotes", SALES_CREDIT_NOTES),
        )

    def one(self, entity: str, remote_id: str) -> RemoteRecord:
        remote_entity = mapping.REMOTE_ENTITY[entity]
        return remote_record(remote_entity, self.client.read(remote_entity, remote_id))

    def changes(self, since: Mapping[str, datetime | None]) -> Sequence[RemoteRecord]:
        """`If-Modified-Since` per entity (Xero compares to the second, `>=`), archived and voided
        records included, oldest first."""
        found: list[RemoteRecord] = []
        for entity, moment in since.items():
            remote_entity = mapping.REMOTE_ENTITY.get(entity)
            if remote_entity is None:
                continue
            params = {"includeArchived": "true"} if remote_entity == "Contacts" else {}
            rows = self.client.list(remote_entity, params, modified_since=moment)
            found.extend(remote_record(remote_entity, row) for row in rows)
        floor = datetime.min.replace(tzinfo=UTC)
        return sorted(found, key=lambda record: record.updated_at or floor)

    def reference_lists(self) -> ReferenceLists:
        return inbound.reference_lists(self.client.list("TaxRates"), self.client.list("Accounts"))

    def balances(self) -> Mapping[str, Decimal]:
        """Every active contact's open balance: what its approved sales invoices still owe, less the
        credit its credit notes have left (two paged reads, never one call per contact)."""
        owed = {record.remote_id: Decimal("0.00") for record in self._live("Contacts")}
        for endpoint, sign in (("Invoices", 1), ("CreditNotes", -1)):
            params = {"where": 'Type=="ACCREC"' if endpoint == "Invoices" else 'Type=="ACCRECCREDIT"'}
            for row in self.client.list(endpoint, {**params, "Statuses": "AUTHORISED"}):
                contact = str((row.get("Contact") or {}).get("ContactID") or "")
                left = inbound.balance_of(row)
                if contact in owed and left is not None:
                    owed[contact] += sign * left
        return owed

    def _live(self, remote_entity: str, params: dict[str, str] | None = None) -> list[RemoteRecord]:
        records = [remote_record(remote_entity, row) for row in self.client.list(remote_entity, params)]
        return [record for record in records if record.active and not record.voided]


def remote_record(remote_entity: str, body: dict[str, Any]) -> RemoteRecord:
    status = str(body.get("ContactStatus") or body.get("Status") or "")
    number = body.get("InvoiceNumber") or body.get("CreditNoteNumber")
    total = body.get("Total", body.get("Amount"))
    is_document = remote_entity not in ("Contacts", "Items")
    remote_id = str(body[mapping.ID_FIELD[remote_entity]])
    return RemoteRecord(
        remote_id=remote_id,
        remote_entity=remote_entity,
        name=str(body.get("Name") or number or body.get("Code") or (remote_id if is_document else "")),
        email=body.get("EmailAddress") or None,
        version=version_of(body),
        doc_number=number,
        total=mapping.money(total) if total is not None and is_document else None,
        active=status not in GONE,
        updated_at=updated_at(body),
        fields=body,
        deleted=status == "DELETED",
        voided=status == "VOIDED",
    )


def version_of(body: dict[str, Any]) -> str | None:
    """Xero has no version token: the last-modified stamp (to the millisecond) stands in for one."""
    stamp = body.get("UpdatedDateUTC")
    return str(stamp) if stamp else None


def updated_at(body: dict[str, Any]) -> datetime | None:
    match = _MS_DATE.fullmatch(str(body.get("UpdatedDateUTC") or ""))
    return datetime.fromtimestamp(int(match.group(1)) / 1000, UTC) if match else None
