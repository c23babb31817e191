"""A whole stand-in accounting provider, in memory, on the seam: the engine and console tests run against it.

`FakeBooks` behaves as the contract says a provider must: a repeated idempotency key replays the
first reply, a stale version is refused with StaleVersion, a name taken in a shared list is a
DuplicateName, a missing record is RemoteNotFound, and faults (a 429, a 5xx, a reply lost after the
commit) can be injected per SaaS record. It imports no provider package.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from fieldbooks.domain.credentials import OAuthTokens
from fieldbooks.domain.errors import (
    DuplicateName,
    FieldbooksError,
    RemoteNotFound,
    StaleVersion,
    Transient,
    ValidationFailed,
)
from fieldbooks.domain.models import Connection, ConnectionSettings, ConnectionStatus, Provider
from fieldbooks.domain.money import to_cents
from fieldbooks.domain.records import Contact, CreditNote, Invoice, Item, Payment, Property, SaasRecord
from fieldbooks.domain.reference_lists import ReferenceEntry, ReferenceLists
from fieldbooks.providers.contract import (
    AuthKind,
    CallContext,
    CreditApplication,
    Descriptor,
    NewRecord,
    OutgoingWork,
    Parents,
    RemotePayment,
    RemoteRecord,
    RemoteSide,
    Replay,
    Secret,
    Transport,
    Written,
)
from fieldbooks.store.connections import ConnectionStore

REMOTE_ENTITIES = {
    "contact": "Customer",
    "property": "Customer",
    "item": "Item",
    "invoice": "Invoice",
    "credit_note": "CreditNote",
    "payment": "Payment",
}
NAMED = {"Customer", "Item"}


def fake_descriptor(
    provider: Provider = Provider.QUICKBOOKS_ONLINE, transport: Transport = Transport.CALL
) -> Descriptor:
    """The fake occupies a provider's slot (default: the one the tests' connections use)."""
    return Descriptor(
        provider=provider,
        label="Fake Books",
        short_label="Fake Books",
        link_marker="qbo",
        transport=transport,
        auth=AuthKind.OAUTH2,
        remote_entities=REMOTE_ENTITIES,
        idempotency=Replay(max_len=40, batch_max_len=40),
        company_id_parameter="company",
        batched=frozenset({"contact", "item"}),
        batch_size=5,
        remote_nouns={"contact": "customer", "property": "site", "item": "item", "invoice": "invoice"},
        other_name_holders="a supplier",
    )


FAKE_DESCRIPTOR = fake_descriptor()
FAKE_REFERENCE_LISTS = ReferenceLists(
    tax_codes=[
        ReferenceEntry(id="T20", name="Standard 20%", taxable=True, tax_rate_ids=("R20",)),
        ReferenceEntry(id="T0", name="Zero rated", taxable=True, tax_rate_ids=("R0",)),
    ],
    tax_rates=[
        ReferenceEntry(id="R20", name="20%", rate_percent=Decimal("20")),
        ReferenceEntry(id="R0", name="0%", rate_percent=Decimal("0")),
    ],
    income_accounts=[ReferenceEntry(id="A1", name="Sales"), ReferenceEntry(id="A2", name="Services")],
)


class FakeMapper:
    def display_name(self, contact: Contact, settings: ConnectionSettings) -> str:
        name = contact.display_name or contact.derived_display_name()
        if settings.name_individuals_with_company and contact.kind == "individual" and contact.company_name:
            person = " ".join(p for p in (contact.first_name, contact.last_name) if p) or name
            name = f"{person} ({contact.company_name})"
        return name

    def name_of(self, entity: str, body: dict[str, Any]) -> str:
        return str(body.get("Name") or "")

    def comparable(self, theirs: Any, like: Any) -> Any:
        return theirs

    def payment_of(self, fields: dict[str, Any]) -> RemotePayment:
        applied = {str(invoice): Decimal(str(amount)) for invoice, amount in (fields.get("Applied") or {}).items()}
        sent_from = fields.get("Ref") if fields.get("Kind") == "payment" else None
        return RemotePayment(total=Decimal(str(fields.get("Amount", "0"))), applied=applied, sent_from=sent_from)

    def balance_of(self, fields: dict[str, Any]) -> Decimal | None:
        return Decimal(str(fields["Balance"])) if "Balance" in fields else None


@dataclass
class Stored:
    entity: str
    remote_id: str
    fields: dict[str, Any]
    version: int = 0
    active: bool = True


@dataclass
class FakeBooks:
    """One company's books. `failures`: SaaS record id -> the error its next write raises (once)."""

    records: dict[tuple[str, str], Stored] = field(default_factory=dict)
    replies: dict[str, Any] = field(default_factory=dict)
    failures: dict[str, FieldbooksError] = field(default_factory=dict)
    lose_reply_of: set[str] = field(default_factory=set)  # SaaS ids whose next create commits but answers nothing
    lose_next_reply: bool = False  # the next create commits but answers nothing, whoever it is for
    throttle: FieldbooksError | None = None  # what the next write raises instead of writing (a 429)
    calls: list[tuple[str, str]] = field(default_factory=list)  # (operation, remote id) of voids and deletes
    writes: list[tuple[str, str]] = field(default_factory=list)  # (SaaS entity, SaaS id) of each create or update
    pushed: list[tuple[str, int]] = field(default_factory=list)  # (SaaS id, SaaS version) of the same
    read_failure: FieldbooksError | None = None  # what the next full read (a run's READ phase) raises
    reads: int = 0
    # The company's tax codes, tax rates and income accounts (active ones), as a bookkeeper set them up.
    reference: ReferenceLists = field(default_factory=lambda: FAKE_REFERENCE_LISTS)
    reference_failure: FieldbooksError | None = None  # what the next read of the reference lists raises
    balance_reads: int = 0
    change_reads: int = 0  # pulls' `Reader.changes` calls
    _ids: Any = field(default_factory=lambda: itertools.count(1))

    # ---------------------------------------------------------------- inspection
    def of(self, entity: str) -> list[Stored]:
        return [r for (e, _), r in self.records.items() if e == entity]

    def named(self, entity: str, name: str) -> list[Stored]:
        return [r for r in self.of(entity) if r.fields.get("Name") == name]

    def add(self, remote_entity: str, remote_id: str, active: bool = True, version: int = 0, **fields: Any) -> Stored:
        """A record a bookkeeper made in the books (no SaaS twin)."""
        stored = Stored(remote_entity, remote_id, dict(fields), version=version, active=active)
        self.records[(remote_entity, remote_id)] = stored
        return stored

    # ---------------------------------------------------------------- writes
    def create(self, remote_entity: str, body: dict[str, Any], key: str) -> Written:
        if key in self.replies:
            return self._replay(key)
        self._fault(body)
        if remote_entity in NAMED and any(r.active for r in self.named(remote_entity, body["Name"])):
            self.replies[key] = DuplicateName(f'The name "{body["Name"]}" is already in use.')
            raise self.replies[key]
        stored = Stored(remote_entity, str(next(self._ids)), dict(body))
        self.records[(remote_entity, stored.remote_id)] = stored
        self._wrote(stored.fields)
        self.replies[key] = self._written(stored)
        if body.get("Ref") in self.lose_reply_of or self.lose_next_reply:
            self.lose_reply_of.discard(body.get("Ref"))
            self.lose_next_reply = False
            raise Transient("The reply was lost after the record was made.")
        return self.replies[key]

    def update(
        self, remote_entity: str, remote_id: str, version: str | None, fields: dict[str, Any], key: str
    ) -> Written:
        if key in self.replies:
            return self._replay(key)
        stored = self._get(remote_entity, remote_id)
        self._fault({**stored.fields, **fields})
        if str(stored.version) != str(version):
            raise StaleVersion(f"Version {version} is stale; the record is at {stored.version}.")
        stored.fields.update(fields)
        stored.version += 1
        self._wrote(stored.fields)
        self.replies[key] = self._written(stored)
        return self.replies[key]

    def void(self, remote_entity: str, remote_id: str, version: str | None, key: str) -> Written:
        if key in self.replies:
            return self._replay(key)
        stored = self._get(remote_entity, remote_id)
        if str(stored.version) != str(version):
            raise StaleVersion(f"Version {version} is stale; the record is at {stored.version}.")
        stored.fields["Voided"] = True
        stored.version += 1
        self.calls.append(("void", remote_id))
        self.replies[key] = self._written(stored)
        return self.replies[key]

    def delete(self, remote_entity: str, remote_id: str) -> None:
        self.records.pop((remote_entity, remote_id), None)
        self.calls.append(("delete", remote_id))

    def apply_credit(self, application: CreditApplication, key: str) -> Written:
        """Both documents keep what they have open ("Open"); neither may give more than that."""
        if key in self.replies:
            return self._replay(key)
        invoice = self._get("Invoice", application.invoice_id)
        credit = self._get("CreditNote", application.credit_note_id)
        for document in (invoice, credit):
            left = Decimal(str(document.fields.get("Open", document.fields.get("Total", "0"))))
            if application.amount > left:
                self.replies[key] = ValidationFailed(f"{application.amount} is more than the {left} left open.")
                raise self.replies[key]
            document.fields["Open"] = str(left - application.amount)
        stored = Stored("Application", str(next(self._ids)), {"Credit": credit.remote_id, "Invoice": invoice.remote_id})
        self.records[("Application", stored.remote_id)] = stored
        self.calls.append(("apply", stored.remote_id))
        self.replies[key] = self._written(stored)
        return self.replies[key]

    # ---------------------------------------------------------------- internals
    def _wrote(self, fields: dict[str, Any]) -> None:
        self.writes.append((str(fields.get("Kind")), str(fields.get("Ref"))))
        self.pushed.append((str(fields.get("Ref")), int(fields.get("Version") or 0)))

    def _get(self, remote_entity: str, remote_id: str) -> Stored:
        stored = self.records.get((remote_entity, remote_id))
        if stored is None or not stored.active:
            raise RemoteNotFound(f"{remote_entity} {remote_id} was not found.")
        return stored

    def _fault(self, body: dict[str, Any]) -> None:
        if error := self.failures.pop(str(body.get("Ref")), None) or self.throttle:
            self.throttle = None
            raise error

    def _replay(self, key: str) -> Written:
        reply = self.replies[key]
        if isinstance(reply, FieldbooksError):
            raise reply
        return reply

    @staticmethod
    def _written(stored: Stored) -> Written:
        total = stored.fields.get("Total")
        return Written(stored.remote_id, str(stored.version), Decimal(str(total)) if total is not None else None)

    def remote(self, stored: Stored) -> RemoteRecord:
        total = stored.fields.get("Total")
        return RemoteRecord(
            remote_id=stored.remote_id,
            remote_entity=stored.entity,
            name=str(stored.fields.get("Name") or stored.fields.get("Number") or ""),
            email=stored.fields.get("Email"),
            parent_id=stored.fields.get("Parent"),
            version=str(stored.version),
            doc_number=stored.fields.get("Number"),
            total=Decimal(str(total)) if total is not None else None,
            active=stored.active,
            fields=dict(stored.fields),
        )


class FakeOperations:
    def __init__(self, books: FakeBooks) -> None:
        self.books = books

    def body(self, entity: str, record: SaasRecord, parents: Parents, settings: ConnectionSettings) -> dict[str, Any]:
        body: dict[str, Any] = {"Kind": entity, "Ref": record.id, "Version": record.version}
        if isinstance(record, Contact):
            body |= {"Name": FakeMapper().display_name(record, settings), "Email": record.email}
        elif isinstance(record, Property):
            body |= {"Name": f"{record.name} ({parents.customer_id})", "Parent": parents.customer_id}
        elif isinstance(record, Item):
            body |= {"Name": record.name, "Price": str(record.unit_price)}
        elif isinstance(record, Invoice | CreditNote):
            lines = [parents.items.get(line.item_id or "", "") for line in record.lines]
            body |= {"Number": record.number, "Customer": parents.site_id or parents.customer_id, "Lines": lines}
            body["Total"] = str(to_cents(record.total))
            if parents.site is not None:
                body["Site"] = parents.site.address.model_dump(exclude_none=True)
        elif isinstance(record, Payment):
            body |= {"Customer": parents.customer_id, "Amount": str(record.amount), "Invoices": dict(parents.invoices)}
        return body

    def create(self, entity: str, body: dict[str, Any], key: str) -> Written:
        return self.books.create(REMOTE_ENTITIES[entity], body, key)

    def create_many(self, records: list[NewRecord], key: str) -> list[Written | FieldbooksError]:
        results: list[Written | FieldbooksError] = []
        for each in records:
            try:
                results.append(self.create(each.entity, each.body, f"{key}.{each.batch_item_id}"))
            except (ValidationFailed, RemoteNotFound) as error:
                results.append(error)
        return results

    def update(self, entity: str, remote_id: str, version: str | None, fields: dict[str, Any], key: str) -> Written:
        return self.books.update(REMOTE_ENTITIES[entity], remote_id, version, fields, key)

    def void(self, entity: str, remote_id: str, version: str | None, key: str) -> Written:
        return self.books.void(REMOTE_ENTITIES[entity], remote_id, version, key)

    def delete(self, entity: str, remote_id: str, version: str | None, key: str) -> None:
        self.books.delete(REMOTE_ENTITIES[entity], remote_id)

    def apply_credit(self, application: CreditApplication, key: str) -> Written:
        return self.books.apply_credit(application, key)

    def read(self, entity: str, remote_id: str) -> RemoteRecord:
        return self.books.remote(self.books._get(REMOTE_ENTITIES[entity], remote_id))

    def find_by_name(self, entity: str, name: str) -> list[RemoteRecord]:
        return [self.books.remote(r) for r in self.books.named(REMOTE_ENTITIES[entity], name) if r.active]


class FakeReader:
    def __init__(self, books: FakeBooks) -> None:
        self.books = books

    def side(self) -> RemoteSide:
        self.books.reads += 1
        if (error := self.books.read_failure) is not None:
            self.books.read_failure = None
            raise error

        def active(entity: str) -> list[RemoteRecord]:
            return [self.books.remote(r) for r in self.books.of(entity) if r.active]

        return RemoteSide(
            customers=active("Customer"),
            items=active("Item"),
            invoices=active("Invoice"),
            credit_notes=active("CreditNote"),
        )

    def changes(self, since: Mapping[str, datetime | None]) -> list[RemoteRecord]:
        """The books keep no clock: every record of each entity asked for (a repeat is dropped by its version)."""
        self.books.change_reads += 1
        return [self.books.remote(r) for (entity, _), r in sorted(self.books.records.items()) if entity in since]

    def one(self, entity: str, remote_id: str) -> RemoteRecord:
        stored = self.books.records.get((REMOTE_ENTITIES[entity], remote_id))
        if stored is None:
            raise RemoteNotFound(f"{remote_id} was not found.")
        return self.books.remote(stored)

    def reference_lists(self) -> ReferenceLists:
        if (error := self.books.reference_failure) is not None:
            self.books.reference_failure = None
            raise error
        return self.books.reference

    def balances(self) -> dict[str, Decimal]:
        """One read for every customer: each active customer's `Balance` field (0 when never set)."""
        self.books.balance_reads += 1
        customers = self.books.of("Customer")
        return {r.remote_id: to_cents(Decimal(str(r.fields.get("Balance", "0")))) for r in customers if r.active}


class FakeOAuth:
    def authorize_url(self, state: str, code_verifier: str | None = None) -> str:
        return f"http://127.0.0.1:9/consent?state={state}"

    def exchange_code(self, code: str, code_verifier: str | None = None) -> OAuthTokens:
        return OAuthTokens(access_token="a", refresh_token="r", expires_at=datetime(2030, 1, 1, tzinfo=UTC))

    def refresh(self, refresh_token: str) -> OAuthTokens:
        return self.exchange_code("refresh")

    def revoke(self, token: str) -> None:
        return None

    def company_name(self, company_id: str, access_token: str) -> str:
        return f"Company {company_id}"


@dataclass
class FakeProvider:
    """The package the registry serves; one `FakeBooks` per company id."""

    descriptor: Descriptor = FAKE_DESCRIPTOR
    companies: dict[str, FakeBooks] = field(default_factory=dict)
    mapper: FakeMapper = field(default_factory=FakeMapper)
    codec: Any = None  # CALL: nothing waits to be asked for
    # SaaS id -> the error its next write raises, in whichever company (shared by every book)
    failures: dict[str, FieldbooksError] = field(default_factory=dict)

    def books(self, company_id: str) -> FakeBooks:
        return self.companies.setdefault(company_id, FakeBooks(failures=self.failures))

    def operations(self, context: CallContext) -> FakeOperations:
        return FakeOperations(self.books(context.company_id))

    def reader(self, context: CallContext) -> FakeReader:
        return FakeReader(self.books(context.company_id))

    def oauth(self, callback_url: str, secret: Secret) -> FakeOAuth:
        return FakeOAuth()


def connect(tenant_id: str, provider: Provider = Provider.QUICKBOOKS_ONLINE, **fields: object) -> Connection:
    values = {
        "tenant_id": tenant_id,
        "provider": provider,
        "status": ConnectionStatus.CONNECTED,
        "remote_company_id": f"realm-{tenant_id}",
        "company_name": f"{tenant_id} Plumbing LLC",
        "connected_by": "u-1",
        "connected_at": datetime(2026, 11, 1, tzinfo=UTC),
    } | fields
    return ConnectionStore().save(Connection.model_validate(values))


# ---------------------------------------------------------------- the QUEUE variant
FAKE_QUEUE_DESCRIPTOR = fake_descriptor(transport=Transport.QUEUE)
ERRORS: dict[str, type[FieldbooksError]] = {
    "DuplicateName": DuplicateName,
    "StaleVersion": StaleVersion,
    "RemoteNotFound": RemoteNotFound,
    "ValidationFailed": ValidationFailed,
    "Transient": Transient,
}


class FakeCodec:
    """Work as a JSON list; answers as a JSON list of {"item_id", "written" | "error"}."""

    def encode(self, work: list[OutgoingWork]) -> str:
        return json.dumps([asdict(each) for each in work], default=str)

    def decode(self, response: str) -> dict[str, Written | FieldbooksError]:
        results: dict[str, Written | FieldbooksError] = {}
        for answer in json.loads(response):
            if "error" in answer:
                results[answer["item_id"]] = ERRORS[answer["error"]](answer["message"])
            else:
                written = answer["written"]
                total = Decimal(written["total"]) if written.get("total") is not None else None
                results[answer["item_id"]] = Written(written["remote_id"], written.get("version"), total)
        return results


@dataclass
class FakeAgent:
    """The provider's side of a QUEUE connection (what the Web Connector or an agent does): takes a
    request message, applies it to the books, answers. `lose_next_answer` drops one answer after the
    books were written, as a dropped connection would."""

    books: FakeBooks
    lose_next_answer: bool = False

    def answer(self, request: str) -> str | None:
        answers = []
        for work in json.loads(request):
            remote_entity = REMOTE_ENTITIES[work["entity"]]
            try:
                if work["operation"] == "create":
                    written = self.books.create(remote_entity, work["body"], work["key"])
                elif work["operation"] == "update":
                    written = self.books.update(
                        remote_entity, work["remote_id"], work["version"], work["body"], work["key"]
                    )
                else:
                    written = self.books.void(remote_entity, work["remote_id"], work["version"], work["key"])
                answers.append({"item_id": work["item_id"], "written": asdict(written)})
            except FieldbooksError as error:
                answers.append({"item_id": work["item_id"], "error": type(error).__name__, "message": error.message})
        if self.lose_next_answer:
            self.lose_next_answer = False
            return None
        return json.dumps(answers, default=str)


@dataclass
class FakeQueueProvider(FakeProvider):
    descriptor: Descriptor = FAKE_QUEUE_DESCRIPTOR
    codec: FakeCodec = field(default_factory=FakeCodec)
