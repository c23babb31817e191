"""Fieldbooks' client of the SaaS platform API: typed records in, domain errors out.

No httpx exception and no status code leaves this module: replies go through
`platform_errors.domain_error_for`, and transport failures (timeouts, refused connections) become
`Transient`, which the workers retry.

Every write carries who it is for (the platform API's audit field, `local/saas/README.md`): the
actor the current request or job acts as (domain/actors.py), read here at each call, so no write
path passes a user and a new one picks it up without edits.
"""

import datetime as dt
import uuid
from collections.abc import Iterator
from types import TracebackType
from typing import Any, Self, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel, ConfigDict, SerializeAsAny, ValidationError

from fieldbooks.domain.actors import Actor, ActorKind, current_actor
from fieldbooks.domain.errors import Transient
from fieldbooks.domain.record_fields import (
    AccountingLinkFields,
    ContactChanges,
    ContactFields,
    PaymentFields,
    PropertyChanges,
    PropertyFields,
)
from fieldbooks.domain.records import (
    RECORD_MODELS,
    Contact,
    CreditNote,
    Entity,
    Invoice,
    Item,
    Payment,
    Property,
    SaasRecord,
)
from fieldbooks.domain.reference_lists import ReferenceKind
from fieldbooks.saas.collections import COLLECTION_OF
from fieldbooks.saas.platform_errors import domain_error_for
from fieldbooks.saas.reference_lists import PATH_OF, ReferenceList, ReferenceListFields, ReferenceListPage

# Explicit, and shorter than a Lambda's timeout: a slow platform is a retry, not a dead function.
DEFAULT_TIMEOUT = httpx.Timeout(10.0, connect=3.0)
DEFAULT_PAGE_SIZE = 100
# The platform API's audit field: exactly one of the two on a write, the value percent-encoded UTF-8.
ACTING_USER_HEADER = "X-Acting-User"
ACTING_SYSTEM_HEADER = "X-Acting-System"
AnyRecord = TypeVar("AnyRecord", bound=SaasRecord)
ReferenceListT = TypeVar("ReferenceListT", ReferenceList, ReferenceListPage)


class RecordPage(BaseModel):
    model_config = ConfigDict(frozen=True)

    records: list[SerializeAsAny[SaasRecord]]
    next_cursor: str | None


class SaasPlatformClient:
    def __init__(self, base_url: str, api_key: str, http: httpx.Client | None = None) -> None:
        self._base = f"{base_url.rstrip('/')}/platform/v1/tenants"
        self._auth = {"Authorization": f"Bearer {api_key}"}
        self._http = http or httpx.Client(timeout=DEFAULT_TIMEOUT)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    # --- reads

    def list_changed_page(
        self,
        tenant_id: str,
        entity: Entity,
        since: dt.datetime,
        cursor: str | None = None,
        limit: int = DEFAULT_PAGE_SIZE,
    ) -> RecordPage:
        """One page of records changed at or after `since` (inclusive: same-instant changes are kept)."""
        params: dict[str, str | int] = {"updated_since": since.isoformat(), "limit": limit}
        if cursor:
            params["cursor"] = cursor
        body = self._send("GET", f"/{tenant_id}/{COLLECTION_OF[entity]}", params=params)
        model = RECORD_MODELS[entity]
        return RecordPage(
            records=[self._parse(model, record) for record in body["records"]],
            next_cursor=body.get("next_cursor"),
        )

    def list_changed(
        self, tenant_id: str, entity: Entity, since: dt.datetime, page_size: int = DEFAULT_PAGE_SIZE
    ) -> Iterator[SaasRecord]:
        """Every record changed at or after `since`, following the cursor page by page."""
        cursor: str | None = None
        while True:
            page = self.list_changed_page(tenant_id, entity, since, cursor, page_size)
            yield from page.records
            if page.next_cursor is None:
                return
            cursor = page.next_cursor

    def get(self, tenant_id: str, entity: Entity, record_id: str) -> SaasRecord:
        return self._get(RECORD_MODELS[entity], tenant_id, record_id)

    def get_contact(self, tenant_id: str, contact_id: str) -> Contact:
        return self._get(Contact, tenant_id, contact_id)

    def get_property(self, tenant_id: str, property_id: str) -> Property:
        return self._get(Property, tenant_id, property_id)

    def get_item(self, tenant_id: str, item_id: str) -> Item:
        return self._get(Item, tenant_id, item_id)

    def get_invoice(self, tenant_id: str, invoice_id: str) -> Invoice:
        return self._get(Invoice, tenant_id, invoice_id)

    def get_credit_note(self, tenant_id: str, credit_note_id: str) -> CreditNote:
        return self._get(CreditNote, tenant_id, credit_note_id)

    def get_payment(self, tenant_id: str, payment_id: str) -> Payment:
        return self._get(Payment, tenant_id, payment_id)

    # --- write-back (each sends an Idempotency-Key: a retried call never makes a second record)

    def create_contact(self, tenant_id: str, fields: ContactFields, idempotency_key: str) -> Contact:
        """`idempotency_key` should be derived from what is being created (e.g. the accounting id)."""
        return self._write(
            Contact,
            "POST",
            f"/{tenant_id}/contacts",
            json=fields.model_dump(mode="json"),
            idempotency_key=idempotency_key,
        )

    def update_contact(
        self,
        tenant_id: str,
        contact_id: str,
        changes: ContactChanges,
        if_match: int,
        idempotency_key: str | None = None,
    ) -> Contact:
        """Sends only the fields set on `changes`; `StaleVersion` if the contact moved past `if_match`."""
        return self._write(
            Contact,
            "PATCH",
            f"/{tenant_id}/contacts/{contact_id}",
            json=changes.model_dump(mode="json", exclude_unset=True),
            if_match=if_match,
            idempotency_key=idempotency_key,
        )

    def create_property(self, tenant_id: str, fields: PropertyFields, idempotency_key: str) -> Property:
        """A job site of an existing contact (one that accounting brought in)."""
        return self._write(
            Property,
            "POST",
            f"/{tenant_id}/properties",
            json=fields.model_dump(mode="json"),
            idempotency_key=idempotency_key,
        )

    def update_property(
        self,
        tenant_id: str,
        property_id: str,
        changes: PropertyChanges,
        if_match: int,
        idempotency_key: str | None = None,
    ) -> Property:
        """Sends only the fields set on `changes`; `StaleVersion` if the job site moved past `if_match`."""
        return self._write(
            Property,
            "PATCH",
            f"/{tenant_id}/properties/{property_id}",
            json=changes.model_dump(mode="json", exclude_unset=True),
            if_match=if_match,
            idempotency_key=idempotency_key,
        )

    def record_payment(self, tenant_id: str, fields: PaymentFields, idempotency_key: str) -> Payment:
        return self._write(
            Payment,
            "POST",
            f"/{tenant_id}/payments",
            json=fields.model_dump(mode="json"),
            idempotency_key=idempotency_key,
        )

    def void_invoice(
        self, tenant_id: str, invoice_id: str, if_match: int | None = None, idempotency_key: str | None = None
    ) -> Invoice:
        return self._write(
            Invoice,
            "POST",
            f"/{tenant_id}/invoices/{invoice_id}/void",
            if_match=if_match,
            idempotency_key=idempotency_key,
        )

    def reverse_payment(
        self, tenant_id: str, payment_id: str, if_match: int | None = None, idempotency_key: str | None = None
    ) -> Payment:
        """Takes back a payment voided or deleted in accounting; the invoices it paid are owed again.
        A repeat returns the reversed payment unchanged."""
        return self._write(
            Payment,
            "POST",
            f"/{tenant_id}/payments/{payment_id}/reverse",
            if_match=if_match,
            idempotency_key=idempotency_key,
        )

    def set_accounting_link(
        self,
        tenant_id: str,
        entity: Entity,
        record_id: str,
        link: AccountingLinkFields,
        idempotency_key: str | None = None,
    ) -> SaasRecord:
        """Shows "Linked to accounting" on the record in the product."""
        return self._write(
            RECORD_MODELS[entity],
            "PUT",
            f"/{tenant_id}/{COLLECTION_OF[entity]}/{record_id}/accounting-link",
            json=link.model_dump(mode="json"),
            idempotency_key=idempotency_key,
        )

    def clear_accounting_link(
        self, tenant_id: str, entity: Entity, record_id: str, idempotency_key: str | None = None
    ) -> SaasRecord:
        return self._write(
            RECORD_MODELS[entity],
            "DELETE",
            f"/{tenant_id}/{COLLECTION_OF[entity]}/{record_id}/accounting-link",
            idempotency_key=idempotency_key,
        )

    # --- reference lists (from accounting: tax codes, tax rates, income accounts)

    def put_reference_list(
        self, tenant_id: str, kind: ReferenceKind, fields: ReferenceListFields, idempotency_key: str | None = None
    ) -> ReferenceList:
        """Replaces the provider's whole list of `kind`; sending the same list again changes nothing."""
        body = self._send(
            "PUT",
            f"/{tenant_id}/reference-lists/{PATH_OF[kind]}",
            json=fields.model_dump(mode="json"),
            idempotency_key=idempotency_key,
        )
        return self._parse_list(ReferenceList, body)

    def reference_lists(self, tenant_id: str, kind: ReferenceKind) -> list[ReferenceList]:
        """Every provider's list of `kind` the SaaS holds for the tenant."""
        body = self._send("GET", f"/{tenant_id}/reference-lists/{PATH_OF[kind]}")
        return self._parse_list(ReferenceListPage, body).items

    # --- the edge

    @staticmethod
    def _parse_list(model: type[ReferenceListT], body: Any) -> ReferenceListT:
        try:
            return model.model_validate(body)
        except ValidationError as error:
            raise Transient(f"The SaaS platform sent a reference list Fieldbooks cannot read: {error}") from error

    def _write(
        self,
        model: type[AnyRecord],
        method: str,
        path: str,
        *,
        json: Any = None,
        if_match: int | None = None,
        idempotency_key: str | None = None,
    ) -> AnyRecord:
        """Every record write-back: optional optimistic lock (`If-Match`, a stale one is `StaleVersion`),
        the key `_send` always sends, and the reply read back as `model`."""
        headers = {"If-Match": str(if_match)} if if_match is not None else None
        body = self._send(method, path, json=json, headers=headers, idempotency_key=idempotency_key)
        return self._parse(model, body)

    def _get(self, model: type[AnyRecord], tenant_id: str, record_id: str) -> AnyRecord:
        return self._parse(model, self._send("GET", f"/{tenant_id}/{COLLECTION_OF[model.entity]}/{record_id}"))

    @staticmethod
    def _parse(model: type[AnyRecord], body: Any) -> AnyRecord:
        try:
            return model.model_validate(body)
        except ValidationError as error:
            raise Transient(f"The SaaS platform sent a {model.entity} Fieldbooks cannot read: {error}") from error

    def _send(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, str | int] | None = None,
        headers: dict[str, str] | None = None,
        idempotency_key: str | None = None,
    ) -> Any:
        sent_headers = {**self._auth, **(headers or {})}
        if method != "GET":
            # A write without a caller's key still gets one, so a transport-level resend is safe.
            sent_headers["Idempotency-Key"] = idempotency_key or f"fb-{uuid.uuid4().hex}"
            if (actor := current_actor()) is not None:
                sent_headers.update(audit_headers(actor))
        try:
            reply = self._http.request(method, self._base + path, json=json, params=params, headers=sent_headers)
        except httpx.HTTPError as error:
            raise Transient(f"Could not reach the SaaS platform: {error!r}") from error
        if reply.is_error:
            raise domain_error_for(reply)
        try:
            return reply.json()
        except ValueError as error:
            raise Transient(f"The SaaS platform sent an unreadable reply ({reply.status_code})") from error


def audit_headers(actor: Actor) -> dict[str, str]:
    """The header naming who a write is for: a user by the id the SaaS issued, Fieldbooks' own work by
    its name. Percent-encoded, since a header value is ASCII and a user id may not be."""
    if actor.kind is ActorKind.USER:
        return {ACTING_USER_HEADER: quote(actor.id, safe="")}
    return {ACTING_SYSTEM_HEADER: quote(actor.name, safe="")}
