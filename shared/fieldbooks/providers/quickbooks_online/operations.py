"""QuickBooks Online's `Operations`: the calls one connection makes, in the seam's neutral terms.

The engine decides what to create, update or void and settles the answer; this module only turns
that into QuickBooks bodies and requests: the lookups a body needs (income accounts, the fallback
"Services" item, the company's country for tax codes), Id+SyncToken sparse updates, the batch.
"""

from __future__ import annotations

import hashlib
from typing import Any

from fieldbooks.domain.errors import FieldbooksError, ValidationFailed
from fieldbooks.domain.models import ConnectionSettings
from fieldbooks.domain.records import Contact, CreditNote, Invoice, Item, Payment, Property, SaasRecord
from fieldbooks.providers.contract import CreditApplication, NewRecord, Parents, RemoteRecord, Written
from fieldbooks.providers.quickbooks_online import mapping
from fieldbooks.providers.quickbooks_online.client import BatchItem, QboClient
from fieldbooks.providers.quickbooks_online.reads import remote_record

# An invoice line without a pricebook item still needs an ItemRef; QuickBooks companies usually
# have a "Services" item, and one is made (exactly once, by a fixed requestid) when missing.
FALLBACK_ITEM_NAME = "Services"
_countries: dict[str, str] = {}  # realm id → country; a company's country never changes
_exempt_codes: dict[str, str | None] = {}  # realm id → its zero-rated sales tax code, if it has one


class QboOperations:
    """One connection's calls; lookups are remembered for the life of the object (one push or one run)."""

    def __init__(self, client: QboClient) -> None:
        self.client = client
        self._income_accounts: dict[str, str] = {}

    # ---------------------------------------------------------------- bodies
    def body(self, entity: str, record: SaasRecord, parents: Parents, settings: ConnectionSettings) -> dict[str, Any]:
        if isinstance(record, Contact):
            return mapping.customer(record, settings)
        if isinstance(record, Property):
            assert parents.customer_id is not None and parents.customer is not None
            parent_name = mapping.customer_display_name(parents.customer, settings)
            return mapping.job(record, parents.customer_id, parent_name)
        if isinstance(record, Item):
            return mapping.item(record, self._income_account_id(record, settings))
        if isinstance(record, Invoice | CreditNote):
            assert parents.customer_id is not None
            fallback = self._fallback_item_id(settings) if any(not line.item_id for line in record.lines) else None
            country = self._country()
            exempt = self._exempt_code() if country != "US" and any(not x.taxable for x in record.lines) else None
            tax = mapping.TaxCoding(country, settings, exempt_code=exempt)
            build = mapping.invoice if isinstance(record, Invoice) else mapping.credit_memo
            customer_id = mapping.document_customer(parents.customer_id, parents.site_id)
            return build(record, customer_id, dict(parents.items), tax, fallback, parents.site)  # type: ignore[arg-type]
        if isinstance(record, Payment):
            assert parents.customer_id is not None
            return mapping.payment(record, parents.customer_id, dict(parents.invoices))
        raise ValidationFailed(f"{entity} records do not sync to QuickBooks.")

    # ---------------------------------------------------------------- writes
    def create(self, entity: str, body: dict[str, Any], key: str) -> Written:
        return _written(self.client.create(mapping.REMOTE_ENTITY[entity], body, key))

    def create_many(self, records: list[NewRecord], key: str) -> list[Written | FieldbooksError]:
        items = [
            BatchItem(entity=mapping.REMOTE_ENTITY[r.entity], operation="create", body=r.body, batch_id=r.batch_item_id)
            for r in records
        ]
        results = self.client.batch(items, request_id=key)
        return [result if isinstance(result, FieldbooksError) else _written(result) for result in results]

    def update(self, entity: str, remote_id: str, version: str | None, fields: dict[str, Any], key: str) -> Written:
        remote_entity = mapping.REMOTE_ENTITY[entity]
        return _written(self.client.update(remote_entity, {"Id": remote_id, "SyncToken": version, **fields}, key))

    def void(self, entity: str, remote_id: str, version: str | None, key: str) -> Written:
        return _written(self.client.void(mapping.REMOTE_ENTITY[entity], remote_id, version or "0", key))

    def delete(self, entity: str, remote_id: str, version: str | None, key: str) -> None:
        self.client.delete(mapping.REMOTE_ENTITY[entity], remote_id, version or "0", key)

    def apply_credit(self, application: CreditApplication, key: str) -> Written:
        """The payment of nothing that links the two (mapping.credit_application), on the invoice's customer."""
        invoice = self.client.read("Invoice", application.invoice_id)
        body = mapping.credit_application(application, str(invoice["CustomerRef"]["value"]))
        return _written(self.client.create("Payment", body, key))

    # ---------------------------------------------------------------- reads
    def read(self, entity: str, remote_id: str) -> RemoteRecord:
        remote_entity = mapping.REMOTE_ENTITY[entity]
        return remote_record(remote_entity, self.client.read(remote_entity, remote_id))

    def find_by_name(self, entity: str, name: str) -> list[RemoteRecord]:
        remote_entity = mapping.REMOTE_ENTITY[entity]
        field = "DisplayName" if remote_entity == "Customer" else "Name"
        escaped = name.replace("\\", "\\\\").replace("'", "\\'")
        rows = self.client.query(f"SELECT * FROM {remote_entity} WHERE {field} = '{escaped}'")
        return [remote_record(remote_entity, row) for row in rows]

    # ---------------------------------------------------------------- what bodies need
    def _income_account_id(self, item: Item, settings: ConnectionSettings) -> str:
        if settings.default_income_account_id:
            return settings.default_income_account_id
        name = mapping.income_account_name(item)
        if name not in self._income_accounts:  # once per push, not once per item of a batch
            accounts = self.client.query(f"SELECT * FROM Account WHERE Name = '{name}'")
            if not accounts:
                raise ValidationFailed(
                    f'QuickBooks has no "{name}" income account; choose a default income account in the settings.'
                )
            self._income_accounts[name] = str(accounts[0]["Id"])
        return self._income_accounts[name]

    def _fallback_item_id(self, settings: ConnectionSettings) -> str:
        found = self.client.query(f"SELECT * FROM Item WHERE Name = '{FALLBACK_ITEM_NAME}'")
        if found:
            return str(found[0]["Id"])
        account = settings.default_income_account_id or self._account_id(mapping.SERVICE_INCOME_ACCOUNT)
        body = {"Name": FALLBACK_ITEM_NAME, "Type": "Service", "IncomeAccountRef": {"value": account}}
        # One per company: a fixed requestid, so two pushes racing here make one item.
        key = hashlib.sha256(f"fallback-services\x1f{self.client.realm_id}".encode()).hexdigest()[:36]
        return str(self.client.create("Item", body, key)["Id"])

    def _account_id(self, name: str) -> str:
        accounts = self.client.query(f"SELECT * FROM Account WHERE Name = '{name}'")
        if not accounts:
            raise ValidationFailed(f'QuickBooks has no "{name}" account; choose a default income account.')
        return str(accounts[0]["Id"])

    def _exempt_code(self) -> str | None:
        """Outside the US a non-taxable line still needs a tax code (6000 otherwise, providers.md 1.5):
        the company's first active code whose sales rates are all 0% (zero-rated or exempt)."""
        realm = self.client.realm_id
        if realm not in _exempt_codes:
            rates = self.client.query("SELECT * FROM TaxRate")
            zero = {str(rate["Id"]) for rate in rates if mapping.money(rate.get("RateValue", 0)) == 0}
            _exempt_codes[realm] = next(
                (str(code["Id"]) for code in self.client.query("SELECT * FROM TaxCode") if _charges_only(code, zero)),
                None,
            )
        return _exempt_codes[realm]

    def _country(self) -> str:
        realm = self.client.realm_id
        if realm not in _countries:
            info = self.client.company_info()
            _countries[realm] = str(info.get("Country") or (info.get("CompanyAddr") or {}).get("Country") or "US")
        return _countries[realm]


def _charges_only(code: dict[str, Any], rate_ids: set[str]) -> bool:
    details = (code.get("SalesTaxRateList") or {}).get("TaxRateDetail") or []
    return bool(details) and {str(d["TaxRateRef"]["value"]) for d in details} <= rate_ids


def _written(reply: dict[str, Any]) -> Written:
    total = reply.get("TotalAmt")
    return Written(
        remote_id=str(reply["Id"]),
        version=str(reply["SyncToken"]) if reply.get("SyncToken") is not None else None,
        total=mapping.money(total) if total is not None else None,
    )
