"""Settling what a provider answered, the same for every transport: outcomes, conflicts and sentences.

Whatever carried the work (a call now, or a queue the provider's side drains), the answer ends here:
the sync-log row in words a bookkeeper understands, the SaaS "Linked to accounting" marker, a
duplicate-name conflict a person can act on, a total check against what the provider computed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from fieldbooks.domain.errors import DuplicateName, FieldbooksError, RemoteNotFound, ValidationFailed
from fieldbooks.domain.models import ConflictKind, ConflictRecord, Connection, Direction, Link, LinkState, SyncStatus
from fieldbooks.domain.outcomes import LOG_ACTION, PushAction, PushOutcome
from fieldbooks.domain.record_fields import AccountingLinkFields
from fieldbooks.domain.records import Contact, CreditNote, Invoice, Payment, SaasRecord
from fieldbooks.domain.wording import ENTITY_WORDS, describe, first_upper, noun
from fieldbooks.providers.contract import CreditApplication, Operations, ProviderPackage
from fieldbooks.services import Services
from fieldbooks.store.conflicts import conflict_id
from fieldbooks.sync.exactly_once import request_id
from fieldbooks.sync.inbound_documents import deleted_in_accounting

DOCUMENTS = {"invoice", "credit_note"}
MAX_REFERENCE_READS = 10  # finding which reference is missing costs a read each; an error path only
SAAS_KEY_LENGTH = 36  # the platform API's Idempotency-Key, after its "fb-link-" prefix


class TotalMismatch(ValidationFailed):
    """The provider computed another total than the SaaS printed. A ValidationFailed, so the intent is
    abandoned and the next try starts a fresh create (the provider's copy has been deleted)."""


class Blocked(Exception):
    """A record that needs another one (its customer, its items) which could not be brought over."""

    def __init__(self, outcome: PushOutcome) -> None:
        super().__init__(outcome.detail)
        self.outcome = outcome


class Settle:
    """`operations` is asked lazily: most settlements never call the provider again."""

    def __init__(
        self,
        connection: Connection,
        services: Services,
        run_id: str | None,
        package: ProviderPackage,
        operations: Callable[[], Operations],
    ) -> None:
        self.connection = connection
        self.services = services
        self.run_id = run_id
        self.descriptor = descriptor = package.descriptor
        self.mapper = package.mapper
        self.label = descriptor.short_label
        self.tenant_id = connection.tenant_id
        self._operations = operations

    # ------------------------------------------------------------------ creates
    def created(self, entity: str, record: SaasRecord, body: dict[str, Any], remote_id: str) -> PushOutcome:
        label = describe(entity, record)
        sentence = f"Created {label} in {self.label}"
        shown = self.descriptor_name(entity, body)
        if isinstance(record, Contact) and shown not in ("", record.display_name):
            sentence += f' as "{shown}"'  # the naming rule or a cleaned-up name
        return self.outcome(PushAction.CREATED, entity, record.id, f"{sentence}.", remote_id=remote_id)

    def refused(
        self, entity: str, record: SaasRecord, body: dict[str, Any], error: ValidationFailed | RemoteNotFound
    ) -> PushOutcome:
        """A create the provider refused (nothing was made): the conflict or error row it deserves."""
        if isinstance(error, DuplicateName):
            return self.duplicate_name(entity, record, body)
        if isinstance(error, TotalMismatch):
            return self.outcome(PushAction.ERROR, entity, record.id, error.message)
        if isinstance(error, RemoteNotFound):
            return self.outcome(PushAction.ERROR, entity, record.id, self.not_found_sentence(entity, record, error))
        return self.outcome(
            PushAction.ERROR, entity, record.id, f"{self.label} refused {describe(entity, record)}: {error.message}"
        )

    def check_created_total(
        self, entity: str, record: SaasRecord, remote_id: str, version: str | None, total: Decimal | None, key: str
    ) -> None:
        """The provider computes a document's total itself; one that disagrees with the printed one must not stay."""
        if (mismatch := self._total_mismatch(entity, record, total)) is None:
            return
        # A fixed key: a retry after a crash here replays this delete instead of failing on a tombstone.
        self._operations().delete(entity, remote_id, version, f"{key[: self.key_length - 6]}-del")
        raise TotalMismatch(f"{mismatch} It was not kept in {self.label}; check the tax settings, then sync it again.")

    def updated_total_mismatch(
        self, entity: str, record: SaasRecord, total: Decimal | None, remote_id: str
    ) -> PushOutcome | None:
        if (mismatch := self._total_mismatch(entity, record, total)) is None:
            return None
        return self.outcome(PushAction.ERROR, entity, record.id, mismatch, remote_id=remote_id)

    def _total_mismatch(self, entity: str, record: SaasRecord, total: Decimal | None) -> str | None:
        """The sentence when a document's total as the provider computed it differs from the SaaS's."""
        if entity not in DOCUMENTS:
            return None
        assert isinstance(record, Invoice | CreditNote)
        computed = total if total is not None else Decimal("0.00")
        if computed == record.total:
            return None
        return (
            f"{first_upper(noun(entity))} total mismatch: {self.label} computed {computed}, "
            f"the {noun(entity)} says {record.total}."
        )

    @property
    def key_length(self) -> int:
        return self.descriptor.idempotency.max_len

    # ------------------------------------------------------------------ credits applied
    def apply_credit(self, credit: CreditNote, credit_remote_id: str, create_key: str) -> str | None:
        """Applies a credit note just created to its invoice, as the SaaS shows it: the whole credit.

        Called inside the create, before the link says LINKED, with a key fixed by the create's: a
        crash or a lost reply repeats the create (replayed) and this (replayed too), so a retry never
        applies twice. A refusal cannot be retried into success, and must not undo the create (the
        credit note is in accounting): it comes back as the sentence of an error row.
        """
        assert credit.invoice_id is not None
        link = self.services.links.get(self.tenant_id, self.connection.provider, "invoice", credit.invoice_id)
        if link is None or link.state is not LinkState.LINKED or link.remote_id is None:
            # Brought over first (Parents): only an unlink in between gets here.
            return self._not_applied(credit, f"the invoice is no longer linked to {self.label}.")
        application = CreditApplication(credit_note_id=credit_remote_id, invoice_id=link.remote_id, amount=credit.total)
        try:
            self._operations().apply_credit(application, f"{create_key[: self.key_length - 6]}-apply")
        except (ValidationFailed, RemoteNotFound) as error:
            return self._not_applied(credit, f"{self.label} refused it: {error.message}")
        return None

    def _not_applied(self, credit: CreditNote, reason: str) -> str:
        assert credit.invoice_id is not None
        invoice = self.services.saas.get_invoice(self.tenant_id, credit.invoice_id)
        return (
            f"{first_upper(describe('credit_note', credit))} is in {self.label} but was not applied to "
            f"{describe('invoice', invoice)}: {reason} Apply it there by hand."
        )

    def credit_applied(self, credit: CreditNote, remote_id: str, refusal: str | None) -> PushOutcome | None:
        """The row after "Created": the credit applied, or the error outcome saying why it was not."""
        if refusal is not None:
            return self.outcome(PushAction.ERROR, "credit_note", credit.id, refusal, remote_id=remote_id)
        assert credit.invoice_id is not None
        invoice = self.services.saas.get_invoice(self.tenant_id, credit.invoice_id)
        applied = f"Applied {describe('credit_note', credit)} ({credit.total}) to {describe('invoice', invoice)}"
        self.log("credit_note", credit.id, SyncStatus.SYNCED, "apply", f"{applied} in {self.label}.", remote_id)
        return None

    # ------------------------------------------------------------------ duplicate names
    def duplicate_name(self, entity: str, record: SaasRecord, body: dict[str, Any]) -> PushOutcome:
        """Resolvable when one unlinked accounting record has the name, otherwise a person renames."""
        name = self.descriptor_name(entity, body)
        word = "customer" if entity in ("contact", "property") else ENTITY_WORDS.get(entity, noun(entity))
        holders = self._operations().find_by_name(entity, name)
        holder = holders[0] if holders else None
        owner = self.saas_owner(entity, holder.remote_id) if holder else None
        other_ids: list[str] = []
        if holder is not None and owner is None:
            resolvable = True
            message = (
                f'{self.label} already has a {word} named "{name}" that is not linked to any record. '
                f"Resolve to link them."
            )
        elif owner is not None:
            resolvable = False
            other_ids = [owner.saas_id]
            message = f'Two {word}s are named "{name}"; rename one'
            message += " or switch on the 'First Last (Company)' naming rule." if word == "customer" else "."
        else:
            resolvable = False
            holders_words = self.descriptor.other_name_holders or "another kind of record"
            message = f'{self.label} already uses the name "{name}" for {holders_words}; rename the {entity}.'
        remote_id = holder.remote_id if holder is not None and resolvable else None
        self.services.conflicts.open(
            ConflictRecord(
                tenant_id=self.tenant_id,
                conflict_id=conflict_id(self.connection.provider, entity, record.id, ConflictKind.DUPLICATE_NAME),
                provider=self.connection.provider,
                entity=entity,
                saas_id=record.id,
                kind=ConflictKind.DUPLICATE_NAME,
                resolvable=resolvable,
                message=message,
                name=name,
                remote_id=remote_id,
                other_saas_ids=other_ids,
                created_at=datetime.now(UTC),
            )
        )
        return self.outcome(
            PushAction.CONFLICT,
            entity,
            record.id,
            f"Duplicate {word} name: {message}",
            status=SyncStatus.CONFLICT,
            remote_id=remote_id,
        )

    def saas_owner(self, entity: str, remote_id: str) -> Link | None:
        for sharer in self.descriptor.name_sharers(entity):
            if owner := self.services.links.by_remote(self.tenant_id, self.connection.provider, sharer, remote_id):
                return owner
        return None

    def descriptor_name(self, entity: str, body: dict[str, Any]) -> str:
        return self.mapper.name_of(entity, body)

    # ------------------------------------------------------------------ sentences and side effects
    def not_found_sentence(self, entity: str, record: SaasRecord, error: RemoteNotFound | None = None) -> str:
        """Names the record that is missing: the one the provider's error cites, else the first linked
        record (this one, then what it cites) the provider no longer has active, else the candidates."""
        itself = f"{first_upper(describe(entity, record))} was not found in {self.label}; relink it."
        references = _references(record)
        missing = self._missing([(entity, record.id, ""), *references], error)
        if missing is not None and missing[0] in DOCUMENTS:
            # Transactions are deleted, never made inactive: the document is offered for re-import.
            ref_entity, saas_id, _ = missing
            itself_missing = (ref_entity, saas_id) == (entity, record.id)
            shown = (
                describe(entity, record)
                if itself_missing
                else f"the {noun(ref_entity)} that {describe(entity, record)} pays"
            )
            return self._deleted_document(ref_entity, saas_id, shown)
        if missing is not None and missing[:2] == (entity, record.id):
            return itself
        if missing is None:
            if not references:
                return itself
            cited = " or ".join(sorted({ENTITY_WORDS[e] for e, _, _ in references}))
            return (
                f"A record {describe(entity, record)} needs was not found in {self.label}: its {cited} was deleted "
                "or made inactive there. Relink it or make it active again."
            )
        ref_entity, _, shown = missing
        word = ENTITY_WORDS[ref_entity]
        return (
            f"{first_upper(word)} not found in {self.label}: the {word} {shown}of {describe(entity, record)} was "
            "deleted or made inactive there. Relink it or make it active again."
        )

    def _deleted_document(self, entity: str, saas_id: str, shown: str) -> str:
        link = self.services.links.get(self.tenant_id, self.connection.provider, entity, saas_id)
        if link is not None and link.state is LinkState.LINKED:
            deleted_in_accounting(self.services, self.connection, link, self.run_id)
        return (
            f"{first_upper(shown)} was deleted in {self.label}; approve its re-import under pending actions, "
            "or unlink it."
        )

    def _missing(
        self, candidates: list[tuple[str, str, str]], error: RemoteNotFound | None
    ) -> tuple[str, str, str] | None:
        """The provider is asked only when its error did not say: a read per linked candidate, on this
        error path only, and never more than MAX_REFERENCE_READS."""
        linked = []
        for candidate in candidates:
            ref_entity, saas_id, _ = candidate
            if not self.descriptor.syncs(ref_entity):
                continue
            link = self.services.links.get(self.tenant_id, self.connection.provider, ref_entity, saas_id)
            if link is None or link.remote_id is None:
                continue
            if error is not None and error.remote_id is not None:
                cited = (error.remote_entity, error.remote_id)
                if cited == (self.descriptor.remote_entity(ref_entity), link.remote_id):
                    return candidate
                continue
            linked.append((candidate, link.remote_id))
        for candidate, remote_id in linked[:MAX_REFERENCE_READS]:
            try:
                if not self._operations().read(candidate[0], remote_id).active:
                    return candidate
            except RemoteNotFound:
                return candidate
            except FieldbooksError:  # the provider cannot tell us now: name the candidates instead
                return None
        return None

    def mark_linked_in_saas(self, entity: str, saas_id: str, remote_id: str | None) -> None:
        """Shows "Linked to accounting" in the product. The key is per (record, remote id), so a retry is a no-op."""
        if remote_id is None:
            return
        key = "fb-link-" + request_id(self.tenant_id, f"{entity}.link.{remote_id}", saas_id, 0, 0, SAAS_KEY_LENGTH)
        self.services.saas.set_accounting_link(
            self.tenant_id,
            entity,  # type: ignore[arg-type]
            saas_id,
            AccountingLinkFields(provider=self.descriptor.link_marker, remote_id=remote_id),
            idempotency_key=key,
        )

    def outcome(
        self,
        action: PushAction,
        entity: str,
        saas_id: str,
        detail: str,
        *,
        remote_id: str | None = None,
        status: SyncStatus | None = None,
        values: dict[str, Any] | None = None,
    ) -> PushOutcome:
        status = status or (SyncStatus.ERROR if action is PushAction.ERROR else SyncStatus.SYNCED)
        self.log(entity, saas_id, status, LOG_ACTION[action], detail, remote_id=remote_id, values=values)
        return PushOutcome(action=action, entity=entity, saas_id=saas_id, remote_id=remote_id, detail=detail)

    def log(
        self,
        entity: str,
        saas_id: str,
        status: SyncStatus,
        action: str,
        detail: str,
        remote_id: str | None = None,
        values: dict[str, Any] | None = None,
    ) -> None:
        self.services.sync_log.write(
            self.tenant_id,
            provider=self.connection.provider,
            entity=entity,
            direction=Direction.TO_ACCOUNTING,
            status=status,
            action=action,
            detail=detail,
            saas_id=saas_id,
            remote_id=remote_id,
            run_id=self.run_id,
            values=values,
        )


def _references(record: SaasRecord) -> list[tuple[str, str, str]]:
    """(entity, SaaS id, how to show it) for each record `record` cites in accounting, customer first."""
    if not isinstance(record, Invoice | CreditNote | Payment):
        return []
    customer = getattr(record, "property_id", None)
    references = [("property", customer, "") if customer else ("contact", record.contact_id, "")]
    if isinstance(record, Payment):
        references += [("invoice", each.invoice_id, "") for each in record.applied_to]
    if isinstance(record, Invoice | CreditNote):
        seen: set[str] = set()
        for line in record.lines:
            if line.item_id and line.item_id not in seen:
                seen.add(line.item_id)
                references.append(("item", line.item_id, f'on the line "{line.description}" '))
    return references
