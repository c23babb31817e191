"""One table of the Accounting API endpoints the simulator serves, and how each reads and writes.

`api.py` stays generic: list, read, PUT (create), POST (upsert), POST on an id (update). Which
endpoints are paged, which field `Statuses=` filters, how a record renders and how POST finds the
record it updates live here, beside the entity modules that hold the rules.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from local.simulators.xero import contacts, documents, items, payments
from local.simulators.xero.clock import ms_datetime
from local.simulators.xero.errors import ValidationFailed
from local.simulators.xero.ledger import Ledger
from local.simulators.xero.store import Organisation, Record

Save = Callable[[Ledger, dict[str, Any], Record | None], Record]


@dataclass(frozen=True)
class Resource:
    entity: str
    id_field: str
    render: Callable[[Organisation, Record], dict[str, Any]]
    find: Callable[[Organisation, str], Record | None]
    save: Save | None = None
    # POST without the id in the path: which record an element updates, if any.
    find_for_upsert: Callable[[Organisation, dict[str, Any]], Record | None] | None = None
    paged: bool = False
    status_field: str | None = None
    date_fields: tuple[str, ...] = ()
    # Extra list filters: query parameter → body field they match (comma-separated values).
    list_filters: tuple[tuple[str, str], ...] = ()


def _read_only(_: Ledger, __: dict[str, Any], ___: Record | None) -> Record:
    raise ValidationFailed(["This endpoint is read-only in the simulator."])


def _save_payment(ledger: Ledger, incoming: dict[str, Any], existing: Record | None) -> Record:
    if existing is not None:
        return payments.delete_payment(ledger, existing, incoming)
    return payments.create_payment(ledger, incoming)


def _document(kind: documents.Kind) -> Resource:
    def find(organisation: Organisation, key: str) -> Record | None:
        return documents.find_by_key(organisation, kind, key)

    def upsert_target(organisation: Organisation, incoming: dict[str, Any]) -> Record | None:
        key = incoming.get(kind.id_field)
        return organisation.get(kind.entity, str(key)) if key else None

    return Resource(
        entity=kind.entity,
        id_field=kind.id_field,
        render=lambda organisation, record: documents.render_document(organisation, kind, record),
        find=find,
        save=lambda ledger, incoming, existing: documents.save_document(ledger, kind, incoming, existing),
        find_for_upsert=upsert_target,
        paged=True,
        status_field="Status",
        date_fields=("Date", "DueDate"),
        list_filters=((f"{kind.number_field}s", kind.number_field), ("ContactIDs", "Contact.ContactID")),
    )


def _plain(entity: str, id_field: str, key_field: str | None) -> Resource:
    """Accounts and TaxRates: seeded, read through the API."""

    def find(organisation: Organisation, key: str) -> Record | None:
        record = organisation.get(entity, key)
        return record or (next(iter(organisation.find(entity, key_field, key)), None) if key_field else None)

    def render(_: Organisation, record: Record) -> dict[str, Any]:
        rendered = {**record.body}
        if entity == "Accounts":
            rendered["UpdatedDateUTC"] = ms_datetime(record.updated_at)
        return rendered

    return Resource(entity=entity, id_field=id_field, render=render, find=find, save=_read_only, status_field="Status")


RESOURCES: dict[str, Resource] = {
    "contacts": Resource(
        entity="Contacts",
        id_field="ContactID",
        render=lambda _, record: contacts.render_contact(record),
        find=contacts.find_by_path,
        save=contacts.save_contact,
        find_for_upsert=contacts.find_for_upsert,
        paged=True,
        status_field="ContactStatus",
    ),
    "items": Resource(
        entity="Items",
        id_field="ItemID",
        render=lambda _, record: items.render_item(record),
        find=items.find_item,
        save=items.save_item,
        find_for_upsert=lambda organisation, incoming: items.find_item(
            organisation, incoming.get("ItemID") or incoming.get("Code")
        ),
    ),
    "invoices": _document(documents.INVOICE),
    "creditnotes": _document(documents.CREDIT_NOTE),
    "payments": Resource(
        entity="Payments",
        id_field="PaymentID",
        render=payments.render_payment,
        find=lambda organisation, key: organisation.get("Payments", key),
        save=_save_payment,
        paged=True,
        status_field="Status",
        date_fields=("Date",),
    ),
    "accounts": _plain("Accounts", "AccountID", "Code"),
    "taxrates": _plain("TaxRates", "TaxType", "TaxType"),
}


def view_of(resource: Resource, organisation: Organisation, record: Record) -> dict[str, Any]:
    """What `where` and `order` see: the rendered record with native dates and Decimals."""
    view = resource.render(organisation, record)
    for name in resource.date_fields:
        view[name] = record.body[name]
    view["UpdatedDateUTC"] = record.updated_at
    return view
