"""Xero's `Operations`: the calls one connection makes, in the seam's neutral terms.

The engine decides what to create, update or void and settles the answer; this module turns that
into Xero bodies and requests: the lookups a body needs (item codes, the sales account's tax type,
the account payments are received into), read-and-compare updates (Xero has no version token),
credit notes allocated to their invoice, and batches of one entity each.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from fieldbooks.domain.errors import FieldbooksError, StaleVersion, ValidationFailed
from fieldbooks.domain.models import ConnectionSettings
from fieldbooks.domain.records import Contact, CreditNote, Invoice, Item, Payment, SaasRecord
from fieldbooks.providers.contract import CreditApplication, NewRecord, Parents, RemoteRecord, Written
from fieldbooks.providers.xero import mapping
from fieldbooks.providers.xero.client import XeroClient
from fieldbooks.providers.xero.reads import remote_record, version_of

# How a void is spelled per endpoint: documents are VOIDED, payments DELETED, contacts ARCHIVED.
VOIDED = {
    "Invoices": {"Status": "VOIDED"},
    "CreditNotes": {"Status": "VOIDED"},
    "Payments": {"Status": "DELETED"},
    "Contacts": {"ContactStatus": "ARCHIVED"},
}
NAME_FIELD = {"Contacts": "Name", "Items": "Code", "Invoices": "InvoiceNumber", "CreditNotes": "CreditNoteNumber"}


class XeroOperations:
    """One connection's calls; lookups are remembered for the life of the object (one push or one run)."""

    def __init__(self, client: XeroClient) -> None:
        self.client = client
        self._accounts: list[dict[str, Any]] | None = None
        self._item_codes: dict[str, str] | None = None

    # ---------------------------------------------------------------- bodies
    def body(self, entity: str, record: SaasRecord, parents: Parents, settings: ConnectionSettings) -> dict[str, Any]:
        if isinstance(record, Contact):
            return mapping.contact(record, settings)
        if isinstance(record, Item):
            account = self._sales_account(settings)
            return mapping.item(record, account, self._tax_type(account, settings) if record.taxable else None)
        if isinstance(record, Invoice | CreditNote):
            assert parents.customer_id is not None
            account = self._sales_account(settings)
            codes = self._codes_of(parents.items)
            tax = self._tax_type(account, settings)
            if isinstance(record, Invoice):
                site = parents.site.address if parents.site is not None else None
                return mapping.invoice(record, parents.customer_id, codes, account, tax, site)
            return mapping.credit_note(record, parents.customer_id, codes, account, tax)
        if isinstance(record, Payment):
            return mapping.payment(record, dict(parents.invoices), self._deposit_account(settings))
        raise ValidationFailed(f"{entity} records do not sync to Xero.")

    # ---------------------------------------------------------------- writes
    def create(self, entity: str, body: dict[str, Any], key: str) -> Written:
        remote_entity = mapping.REMOTE_ENTITY[entity]
        return _written(remote_entity, self.client.create(remote_entity, body, key))

    def create_many(self, records: list[NewRecord], key: str) -> list[Written | FieldbooksError]:
        """Xero takes one entity a request: each entity's records go together, answers in the given order."""
        by_entity: dict[str, list[int]] = defaultdict(list)
        for index, record in enumerate(records):
            by_entity[record.entity].append(index)
        results: list[Written | FieldbooksError | None] = [None] * len(records)
        for entity, indexes in by_entity.items():
            remote_entity = mapping.REMOTE_ENTITY[entity]
            answers = self.client.create_many(remote_entity, [records[i].body for i in indexes], f"{key}.{entity}")
            for index, answer in zip(indexes, answers, strict=True):
                results[index] = answer if isinstance(answer, FieldbooksError) else _written(remote_entity, answer)
        return [result for result in results if result is not None]

    def update(self, entity: str, remote_id: str, version: str | None, fields: dict[str, Any], key: str) -> Written:
        """Xero has no version token, so the record's last-modified stamp is compared first: a record
        changed since we read it is StaleVersion, and the engine re-reads and merges."""
        remote_entity = mapping.REMOTE_ENTITY[entity]
        if version is not None:
            current = self.client.read(remote_entity, remote_id)
            if version_of(current) != version:
                raise StaleVersion(f"The {entity.replace('_', ' ')} was changed in Xero since it was read.")
        body = {mapping.ID_FIELD[remote_entity]: remote_id, **fields}
        return _written(remote_entity, self.client.update(remote_entity, remote_id, body, key))

    def void(self, entity: str, remote_id: str, version: str | None, key: str) -> Written:
        remote_entity = mapping.REMOTE_ENTITY[entity]
        if remote_entity not in VOIDED:
            raise ValidationFailed(f"Xero cannot void {entity.replace('_', ' ')} records.")
        body = {mapping.ID_FIELD[remote_entity]: remote_id, **VOIDED[remote_entity]}
        return _written(remote_entity, self.client.update(remote_entity, remote_id, body, key))

    def delete(self, entity: str, remote_id: str, version: str | None, key: str) -> None:
        """Xero deletes only drafts; everything we send is approved, so a delete is a void."""
        self.void(entity, remote_id, version, key)

    def apply_credit(self, application: CreditApplication, key: str) -> Written:
        """`PUT /CreditNotes/{id}/Allocations`: the credit pays down its invoice (providers.md 2.3)."""
        credit = self.client.read("CreditNotes", application.credit_note_id)
        allocation: dict[str, Any] = {"Amount": application.amount, "Invoice": {"InvoiceID": application.invoice_id}}
        if _date_of(credit):
            allocation["Date"] = _date_of(credit)
        self.client.put_under("CreditNotes", application.credit_note_id, "Allocations", allocation, key)
        return _written("CreditNotes", self.client.read("CreditNotes", application.credit_note_id))

    # ---------------------------------------------------------------- reads
    def read(self, entity: str, remote_id: str) -> RemoteRecord:
        remote_entity = mapping.REMOTE_ENTITY[entity]
        return remote_record(remote_entity, self.client.read(remote_entity, remote_id))

    def find_by_name(self, entity: str, name: str) -> list[RemoteRecord]:
        """Contacts by Name, items by Code then Name, documents by number (what a lost reply is found by)."""
        remote_entity = mapping.REMOTE_ENTITY[entity]
        fields = ["Code", "Name"] if remote_entity == "Items" else [NAME_FIELD.get(remote_entity, "Name")]
        for field in fields:
            rows = self.client.list(remote_entity, {"where": f'{field}=="{_quoted(name)}"'})
            if rows:
                return [remote_record(remote_entity, row) for row in rows]
        return []

    # ---------------------------------------------------------------- what bodies need
    def _codes_of(self, item_ids: Any) -> dict[str, str]:
        """SaaS item id → Xero item Code (lines name items by Code)."""
        if not item_ids:
            return {}
        if self._item_codes is None:
            self._item_codes = {str(row["ItemID"]): str(row["Code"]) for row in self.client.list("Items")}
        return {saas: self._item_codes[remote] for saas, remote in item_ids.items() if remote in self._item_codes}

    def _accounts_list(self) -> list[dict[str, Any]]:
        if self._accounts is None:
            self._accounts = self.client.list("Accounts", {"where": 'Status=="ACTIVE"'})
        return self._accounts

    def _sales_account(self, settings: ConnectionSettings) -> str:
        return settings.default_income_account_id or mapping.DEFAULT_SALES_ACCOUNT

    def _tax_type(self, account_code: str, settings: ConnectionSettings) -> str | None:
        if settings.default_tax_code_id:
            return settings.default_tax_code_id
        account = next((a for a in self._accounts_list() if a.get("Code") == account_code), None)
        return str(account["TaxType"]) if account and account.get("TaxType") else None

    def _deposit_account(self, settings: ConnectionSettings) -> str:
        chosen = settings.deposit_account_id
        if chosen:
            return chosen
        bank = next((a for a in self._accounts_list() if a.get("Type") == "BANK"), None)
        if bank is None:
            raise ValidationFailed("Xero has no bank account to receive payments into; choose one in the settings.")
        return str(bank.get("Code") or bank["AccountID"])


def _quoted(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')


def _date_of(document: dict[str, Any]) -> str:
    stamp = document.get("DateString") or ""
    return str(stamp)[:10] if stamp else ""


def _written(remote_entity: str, reply: dict[str, Any]) -> Written:
    total = reply.get("Total", reply.get("Amount"))
    is_document = remote_entity not in ("Contacts", "Items")
    return Written(
        remote_id=str(reply[mapping.ID_FIELD[remote_entity]]),
        version=version_of(reply),
        total=mapping.money(total) if total is not None and is_document else None,
    )
