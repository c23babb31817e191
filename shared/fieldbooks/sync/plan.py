"""The plan of a run: for every SaaS record, what applying will do (link, create, update, skip, conflict) and why.

Preview and apply share it: the tenant sees the plan (and may have to approve it), then the run
driver walks exactly these actions. Building it is pure; the records of both sides and the
existing links come in as arguments.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from fieldbooks.domain.models import ConnectionSettings, EntityDirection, Link, LinkState
from fieldbooks.domain.plans import CATEGORY_ENTITIES, ApplyStep, Plan, PlanActionKind, PlannedAction
from fieldbooks.domain.records import Contact, CreditNote, Invoice, Item, Payment, Property, SaasRecord
from fieldbooks.domain.wording import MATCHED_BY, label_of
from fieldbooks.providers.contract import Descriptor, RemoteRecord, RemoteSide
from fieldbooks.sync import rules
from fieldbooks.sync.matching import (
    Ambiguous,
    Matched,
    MatchedBy,
    Outcome,
    match_by_key,
    match_contacts,
    normalised_doc_number,
    normalised_name,
)


@dataclass(frozen=True)
class SaasSide:
    contacts: Sequence[Contact] = ()
    properties: Sequence[Property] = ()
    items: Sequence[Item] = ()
    invoices: Sequence[Invoice] = ()
    credit_notes: Sequence[CreditNote] = ()
    payments: Sequence[Payment] = ()


LinkKey = tuple[str, str]  # (entity, saas id)
# Categories whose links a pull merges three-way: a match keeps accounting's values for the first base.
MERGED = ("contacts", "properties")


@dataclass
class _Planner:
    saas: SaasSide
    remote: RemoteSide
    links: Mapping[LinkKey, Link]
    settings: ConnectionSettings
    descriptor: Descriptor
    contact_name: Callable[[Contact], str]
    actions: list[PlannedAction] = field(default_factory=list)
    # remote ids some SaaS record already holds: never offered to another record
    claimed: set[tuple[str, str]] = field(default_factory=set)
    # the accounting documents read, by (SaaS entity, remote id): a linked one missing was deleted there
    documents: dict[tuple[str, str], RemoteRecord] = field(default_factory=dict)
    # remote records a conflict names (several matched one SaaS record): a person decides, nothing is brought in
    contested: set[tuple[str, str]] = field(default_factory=set)

    def build(self) -> Plan:
        self.claimed = {
            (link.remote_entity or self.descriptor.remote_entities.get(link.entity, link.entity), link.remote_id)
            for link in self.links.values()
            if link.remote_id and link.state is not LinkState.UNLINKED
        }
        self.documents = {("invoice", r.remote_id): r for r in self.remote.invoices}
        self.documents |= {("credit_note", r.remote_id): r for r in self.remote.credit_notes}
        customer_of = self._contacts()
        self._properties(customer_of)
        self._accounting_only()
        self._simple("items", self.saas.items, self.remote.items, lambda r: normalised_name(r.name), "name")
        self._simple("invoices", self.saas.invoices, self.remote.invoices, _remote_doc, "doc_number")
        self._simple("credit_notes", self.saas.credit_notes, self.remote.credit_notes, _remote_doc, "doc_number")
        # Payments have no number both sides share: each unlinked one is created, applied to its invoices.
        self._simple("payments", self.saas.payments, (), lambda _: None, "doc_number")
        return Plan(actions=self.actions)

    # --- categories

    def _contacts(self) -> dict[str, str]:
        """Plans contacts; returns contact id -> the accounting customer id it has or will be linked to."""
        pending = [c for c in self.saas.contacts if self._settled("contacts", c) is None]
        outcomes = match_contacts(pending, self.remote.customers, self.claimed)
        customer_of = {
            link.saas_id: link.remote_id
            for (entity, _), link in self.links.items()
            if entity == "contact" and link.remote_id and link.state is LinkState.LINKED
        }
        taken_names = {normalised_name(c.name) for c in self.remote.customers}
        for contact in pending:
            outcome = outcomes.get(contact.id)
            if isinstance(outcome, Matched):
                customer_of[contact.id] = outcome.remote.remote_id
                self._outcome("contacts", contact, outcome)
                continue
            if outcome is not None:
                self._outcome("contacts", contact, outcome)
                continue
            shown = self.contact_name(contact)
            name = normalised_name(shown)
            if name in taken_names:
                # The push finds the clash too (duplicate name) and opens a conflict a person can act on.
                reason = (
                    f'Another customer is already named "{shown}" in {self.provider_label}; '
                    "rename one or switch on the 'First Last (Company)' naming rule."
                )
                self._add("contacts", contact, PlanActionKind.CONFLICT, ApplyStep.PUSH, reason)
            else:
                self._add("contacts", contact, PlanActionKind.CREATE, ApplyStep.PUSH, f"New in {self.provider_label}.")
            taken_names.add(name)
        return customer_of

    def _properties(self, customer_of: Mapping[str, str]) -> None:
        """A job site matches a record under its contact's customer with the same name, nowhere else."""
        pending = [p for p in self.saas.properties if self._settled("properties", p) is None]
        jobs = [c for c in self.remote.customers if c.parent_id is not None]
        parent_names = {c.remote_id: normalised_name(c.name) for c in self.remote.customers}
        keys = [(p.id, _job_key(customer_of.get(p.contact_id), normalised_name(p.name))) for p in pending]

        def job_keys(job: RemoteRecord) -> list[str | None]:
            # Job names share the customers' namespace, so books often call a site "Jane Doe - Main St":
            # the site answers to its own name and to that name without its parent's in front.
            name, parent = normalised_name(job.name), parent_names.get(job.parent_id or "", "")
            short = name.removeprefix(f"{parent} ") if parent and name.startswith(f"{parent} ") else name
            return [_job_key(job.parent_id, name), _job_key(job.parent_id, short)]

        outcomes = match_by_key(keys, jobs, lambda r: [k for k in job_keys(r) if k], "name", self.claimed)
        for record in pending:
            self._outcome("properties", record, outcomes.get(record.id))

    def _accounting_only(self) -> None:
        """Customers only accounting has are brought into the SaaS (job sites under their contacts), when
        the connection brings contacts from accounting and the provider's pulls bring them."""
        if self.settings.direction("contact") not in (EntityDirection.FROM_ACCOUNTING, EntityDirection.BOTH):
            return
        # A customer named like a SaaS contact is the duplicate-name conflict's to settle, not a new contact.
        saas_names = {normalised_name(self.contact_name(c)) for c in self.saas.contacts}
        saas_names |= {normalised_name(c.display_name) for c in self.saas.contacts}
        for remote in self.remote.customers:
            entity = "property" if remote.parent_id else "contact"
            if remote.key in self.claimed or remote.key in self.contested or entity not in self.descriptor.pulled:
                continue
            if remote.parent_id is None and normalised_name(remote.name) in saas_names:
                continue
            self.claimed.add(remote.key)
            category = "properties" if remote.parent_id else "contacts"
            noun = self.descriptor.remote_nouns.get(entity, "record")
            reason = f"Only in {self.provider_label} ({noun}): it will be added to the field-service app and linked."
            self.actions.append(
                PlannedAction(
                    category=category,
                    entity=CATEGORY_ENTITIES[category],
                    saas_id="",
                    label=remote.name or remote.remote_id,
                    action=PlanActionKind.BRING_IN,
                    step=ApplyStep.BRING_IN,
                    reason=reason,
                    remote_id=remote.remote_id,
                    remote_entity=remote.remote_entity,
                    remote_name=remote.name,
                    remote_version=remote.version,
                )
            )

    def _simple(
        self,
        category: str,
        records: Sequence[SaasRecord],
        remotes: Sequence[RemoteRecord],
        remote_key: Callable[[RemoteRecord], str | None],
        by: MatchedBy,
    ) -> None:
        pending = [r for r in records if self._settled(category, r) is None]
        keys = [(r.id, _saas_key(r)) for r in pending]
        outcomes = match_by_key(keys, remotes, remote_key, by, self.claimed)
        for record in pending:
            self._outcome(category, record, outcomes.get(record.id))

    # --- rules every record goes through

    def _settled(self, category: str, record: SaasRecord) -> PlannedAction | None:
        """Plans the records whose fate does not depend on matching; None when matching decides."""
        entity = CATEGORY_ENTITIES[category]
        link = self.links.get((entity, record.id))
        if link is not None and link.state is LinkState.UNLINKED:
            # Unlinked by a person: this run re-imports it (a fresh match, or a new create) as the product
            # says ("uncheck Linked to Accounting, then re-import or relink"); pushes skip it until then.
            link = None
        reason = self._skip_reason(entity, record, link)
        if reason is not None:
            return self._add(category, record, PlanActionKind.SKIP, ApplyStep.NONE, reason, link=link)
        if link is None:
            return None
        if (gone := self._twin_gone(entity, record, link)) is not None:
            return self._add(category, record, gone[0], gone[1], gone[2], link=link)
        if link.state is LinkState.PENDING:
            reason = "Finishing a create that was interrupted (it is sent with the same request id)."
            return self._add(category, record, PlanActionKind.CREATE, ApplyStep.PUSH, reason, link=link)
        if record.version > (link.synced_version or 0) and not _only_marked_since(record, link):
            reason = f"Changed since it was last synced to {self.provider_label}."
            return self._add(category, record, PlanActionKind.UPDATE, ApplyStep.PUSH, reason, link=link)
        reason = f"Already in {self.provider_label} and up to date."
        return self._add(category, record, PlanActionKind.SKIP, ApplyStep.NONE, reason, link=link)

    @property
    def provider_label(self) -> str:
        return self.descriptor.label

    def _twin_gone(self, entity: str, record: SaasRecord, link: Link) -> tuple[PlanActionKind, ApplyStep, str] | None:
        """A linked document deleted or voided in accounting is never "up to date": a person decides."""
        if entity not in ("invoice", "credit_note") or link.state is not LinkState.LINKED or not link.remote_id:
            return None
        twin = self.documents.get((entity, link.remote_id))
        void_here = isinstance(record, Invoice) and record.status == "void"
        label = self.provider_label
        if twin is None or link.remote_inactive:
            if void_here:
                return PlanActionKind.SKIP, ApplyStep.NONE, f"Deleted in {label} and void here: nothing to re-import."
            reason = f"Deleted in {label}; approve its re-import under pending actions (it goes as a new record)."
            return PlanActionKind.CONFLICT, ApplyStep.HOLD, reason
        if twin.voided:
            if void_here:
                return PlanActionKind.SKIP, ApplyStep.NONE, f"Voided here and in {label}."
            reason = f"Voided in {label}; approve voiding it here too under pending actions."
            return PlanActionKind.CONFLICT, ApplyStep.HOLD, reason
        return None

    def _skip_reason(self, entity: str, record: SaasRecord, link: Link | None) -> str | None:
        if reason := rules.skip_reason(entity, record, self.descriptor, self.settings, self.provider_label):
            return reason
        if record.deleted_at is not None and link is None:
            return "Deleted in the field-service app before it was synced."
        if isinstance(record, Invoice) and record.status == "void" and link is None:
            return "Voided before it reached accounting."
        if isinstance(record, Item) and not record.active and link is None:
            return "Inactive items are not sent to accounting."
        return None

    def _outcome(self, category: str, record: SaasRecord, outcome: Outcome | None) -> None:
        if isinstance(outcome, Matched):
            remote = outcome.remote
            if isinstance(record, Invoice | CreditNote) and remote.total is not None and remote.total != record.total:
                reason = (
                    f"{self.provider_label} has document {remote.doc_number} for {remote.total}, but this one is for "
                    f"{record.total}; link them by hand if they are the same, or renumber one."
                )
                self._add(category, record, PlanActionKind.CONFLICT, ApplyStep.REPORT, reason, remote=remote)
                return
            noun = self.descriptor.remote_nouns.get(record.entity, "record")
            reason = f"Matches {self.provider_label} {noun} {remote.name} by "
            reason += MATCHED_BY[outcome.by] + "."
            self._add(category, record, PlanActionKind.LINK, ApplyStep.WRITE_LINK, reason, remote=remote, by=outcome.by)
        elif isinstance(outcome, Ambiguous):
            self.contested.update(candidate.key for candidate in outcome.candidates)
            names = ", ".join(f"{c.name} (id {c.remote_id})" for c in outcome.candidates)
            reason = f"Several {self.provider_label} records match by {outcome.by}: {names}; link one by hand."
            self._add(category, record, PlanActionKind.CONFLICT, ApplyStep.REPORT, reason)
        else:
            self._add(category, record, PlanActionKind.CREATE, ApplyStep.PUSH, f"New in {self.provider_label}.")

    def _add(
        self,
        category: str,
        record: SaasRecord,
        kind: PlanActionKind,
        step: ApplyStep,
        reason: str,
        *,
        link: Link | None = None,
        remote: RemoteRecord | None = None,
        by: MatchedBy | None = None,
    ) -> PlannedAction:
        action = PlannedAction(
            category=category,
            entity=CATEGORY_ENTITIES[category],
            saas_id=record.id,
            label=label_of(record),
            action=kind,
            step=step,
            reason=reason,
            remote_id=remote.remote_id if remote else (link.remote_id if link else None),
            remote_entity=remote.remote_entity if remote else (link.remote_entity if link else None),
            remote_name=remote.name if remote else None,
            remote_version=remote.version if remote else None,
            matched_by=by,
            # The merge base of a customer linked by matching: what accounting holds (write_link keeps the
            # fields both sides agree on).
            remote_fields=remote.fields if remote and kind is PlanActionKind.LINK and category in MERGED else None,
        )
        self.actions.append(action)
        return action


def build_plan(
    saas: SaasSide,
    remote: RemoteSide,
    links: Mapping[LinkKey, Link],
    settings: ConnectionSettings,
    descriptor: Descriptor,
    contact_name: Callable[[Contact], str] | None = None,
) -> Plan:
    """`contact_name` is the name a new customer will carry in accounting (the provider's naming rules);
    by default the SaaS display name."""
    name = contact_name or (lambda contact: contact.display_name or contact.derived_display_name())
    return _Planner(saas, remote, links, settings, descriptor, name).build()


def _only_marked_since(record: SaasRecord, link: Link) -> bool:
    """True when the one change since the sync is Fieldbooks' own "Linked to accounting" marker.

    The marker is written after the record version the push saved, so it bumps the version once;
    that is no edit of the tenant's and must not plan an update on every later Sync now.
    """
    marker = record.accounting_link
    return (
        marker is not None
        and link.synced_version is not None
        and record.version == link.synced_version + 1
        and record.updated_at <= marker.linked_at
    )


def _saas_key(record: SaasRecord) -> str | None:
    if isinstance(record, Invoice | CreditNote):
        return normalised_doc_number(record.number)
    if isinstance(record, Item):
        return normalised_name(record.name)
    return None


def _remote_doc(remote: RemoteRecord) -> str | None:
    return normalised_doc_number(remote.doc_number)


def _job_key(parent_id: str | None, normalised: str) -> str | None:
    return f"{parent_id}\x1f{normalised}" if parent_id and normalised else None
