"""A small typed client of the app API, for tests and the demo to make "user edits"."""

import json
from types import TracebackType
from typing import Any, Literal, Self, TypeVar

import httpx

from fieldbooks.domain.records import (
    Contact,
    CreditNote,
    Invoice,
    Item,
    Job,
    Payment,
    Property,
    Quote,
    SaasRecord,
    TeamMember,
)
from fieldbooks.saas.reference_lists import ReferenceList, ReferenceListPage

AnyRecord = TypeVar("AnyRecord", bound=SaasRecord)
JSON_HEADERS = {"Content-Type": "application/json"}


class SaasAppError(Exception):
    def __init__(self, status_code: int, message: str) -> None:
        super().__init__(f"{status_code}: {message}")
        self.status_code = status_code
        self.message = message


class SaasAppClient:
    def __init__(self, base_url: str, http: httpx.Client | None = None) -> None:
        self._http = http or httpx.Client(timeout=httpx.Timeout(10.0, connect=3.0))
        self._base = f"{base_url.rstrip('/')}/app"

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self._http.close()

    def create_tenant(self, tenant_id: str, name: str) -> None:
        self._call("POST", "/tenants", {"tenant_id": tenant_id, "name": name})

    def console_token(self, tenant_id: str, user_id: str, role: Literal["owner", "admin", "member"] = "owner") -> str:
        reply = self._call("POST", f"/tenants/{tenant_id}/console-token", {"user_id": user_id, "role": role})
        return str(reply["token"])

    def create_contact(self, tenant_id: str, **fields: Any) -> Contact:
        return self._record(Contact, "POST", f"/tenants/{tenant_id}/contacts", fields)

    def update_contact(self, tenant_id: str, contact_id: str, **changes: Any) -> Contact:
        return self._record(Contact, "PATCH", f"/tenants/{tenant_id}/contacts/{contact_id}", changes)

    def get_contact(self, tenant_id: str, contact_id: str) -> Contact:
        return self._record(Contact, "GET", f"/tenants/{tenant_id}/contacts/{contact_id}")

    def delete_contact(self, tenant_id: str, contact_id: str) -> Contact:
        return self._record(Contact, "DELETE", f"/tenants/{tenant_id}/contacts/{contact_id}")

    def create_property(self, tenant_id: str, **fields: Any) -> Property:
        return self._record(Property, "POST", f"/tenants/{tenant_id}/properties", fields)

    def update_property(self, tenant_id: str, property_id: str, **changes: Any) -> Property:
        return self._record(Property, "PATCH", f"/tenants/{tenant_id}/properties/{property_id}", changes)

    def delete_property(self, tenant_id: str, property_id: str) -> Property:
        return self._record(Property, "DELETE", f"/tenants/{tenant_id}/properties/{property_id}")

    def create_item(self, tenant_id: str, **fields: Any) -> Item:
        return self._record(Item, "POST", f"/tenants/{tenant_id}/items", fields)

    def update_item(self, tenant_id: str, item_id: str, **changes: Any) -> Item:
        return self._record(Item, "PATCH", f"/tenants/{tenant_id}/items/{item_id}", changes)

    def delete_item(self, tenant_id: str, item_id: str) -> Item:
        return self._record(Item, "DELETE", f"/tenants/{tenant_id}/items/{item_id}")

    def create_quote(self, tenant_id: str, **fields: Any) -> Quote:
        return self._record(Quote, "POST", f"/tenants/{tenant_id}/quotes", fields)

    def update_quote(self, tenant_id: str, quote_id: str, **changes: Any) -> Quote:
        return self._record(Quote, "PATCH", f"/tenants/{tenant_id}/quotes/{quote_id}", changes)

    def create_invoice(self, tenant_id: str, **fields: Any) -> Invoice:
        """A draft; `finalize_invoice` issues it."""
        return self._record(Invoice, "POST", f"/tenants/{tenant_id}/invoices", fields)

    def update_invoice(self, tenant_id: str, invoice_id: str, **changes: Any) -> Invoice:
        return self._record(Invoice, "PATCH", f"/tenants/{tenant_id}/invoices/{invoice_id}", changes)

    def delete_invoice(self, tenant_id: str, invoice_id: str) -> Invoice:
        return self._record(Invoice, "DELETE", f"/tenants/{tenant_id}/invoices/{invoice_id}")

    def finalize_invoice(self, tenant_id: str, invoice_id: str) -> Invoice:
        return self._record(Invoice, "POST", f"/tenants/{tenant_id}/invoices/{invoice_id}/finalize")

    def void_invoice(self, tenant_id: str, invoice_id: str) -> Invoice:
        return self._record(Invoice, "POST", f"/tenants/{tenant_id}/invoices/{invoice_id}/void")

    def get_invoice(self, tenant_id: str, invoice_id: str) -> Invoice:
        return self._record(Invoice, "GET", f"/tenants/{tenant_id}/invoices/{invoice_id}")

    def create_credit_note(self, tenant_id: str, **fields: Any) -> CreditNote:
        return self._record(CreditNote, "POST", f"/tenants/{tenant_id}/credit-notes", fields)

    def record_payment(self, tenant_id: str, **fields: Any) -> Payment:
        return self._record(Payment, "POST", f"/tenants/{tenant_id}/payments", fields)

    def create_job(self, tenant_id: str, **fields: Any) -> Job:
        return self._record(Job, "POST", f"/tenants/{tenant_id}/jobs", fields)

    def update_job(self, tenant_id: str, job_id: str, **changes: Any) -> Job:
        return self._record(Job, "PATCH", f"/tenants/{tenant_id}/jobs/{job_id}", changes)

    def create_team_member(self, tenant_id: str, **fields: Any) -> TeamMember:
        return self._record(TeamMember, "POST", f"/tenants/{tenant_id}/team-members", fields)

    def update_team_member(self, tenant_id: str, member_id: str, **changes: Any) -> TeamMember:
        return self._record(TeamMember, "PATCH", f"/tenants/{tenant_id}/team-members/{member_id}", changes)

    def record_history(self, tenant_id: str, collection: str, record_id: str) -> list[dict[str, Any]]:
        """Each change of the record, oldest first: version, action, origin, acted_by {kind, name}, at."""
        return list(self._call("GET", f"/tenants/{tenant_id}/{collection}/{record_id}/history")["history"])

    def reference_lists(self, tenant_id: str) -> list[ReferenceList]:
        """What the product's pick lists offer: every kind, per provider."""
        reply = self._call("GET", f"/tenants/{tenant_id}/reference-lists")
        return ReferenceListPage.model_validate(reply).items

    def _record(self, model: type[AnyRecord], method: str, path: str, body: dict[str, Any] | None = None) -> AnyRecord:
        return model.model_validate(self._call(method, path, body))

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        # default=str: tests may pass Decimal and date values; both travel as strings.
        content = None if body is None else json.dumps(body, default=str)
        reply = self._http.request(method, self._base + path, content=content, headers=JSON_HEADERS)
        if reply.is_error:
            raise SaasAppError(reply.status_code, reply.json().get("message", reply.text))
        return reply.json()
