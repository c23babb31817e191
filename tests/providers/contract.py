"""The behaviour every provider package owes the engine, as one suite each provider subclasses.

A subclass supplies its `Operations` and `Reader` against its simulator (or the fake's books) and
the few hooks only a simulator can do: lose a reply after the commit, answer 429, delete a record
behind our back. The tests then hold what ENGINE.md's seam promises: a lost reply never duplicates,
a stale version is StaleVersion, a name clash is DuplicateName, a 429 is RateLimited with its wait,
a deleted record is RemoteNotFound, reads come back as neutral RemoteRecords, reference lists and
balances, and a credit applied to an invoice lowers its balance once per key and never by more than
it has open.
"""

from __future__ import annotations

import secrets
from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest

from fieldbooks.domain.errors import (
    DuplicateName,
    RateLimited,
    RemoteNotFound,
    StaleVersion,
    Transient,
    ValidationFailed,
)
from fieldbooks.domain.models import ConnectionSettings
from fieldbooks.domain.records import RECORD_MODELS, SaasRecord
from fieldbooks.domain.reference_lists import ReferenceLists
from fieldbooks.providers.contract import (
    CreditApplication,
    Descriptor,
    Operations,
    OutgoingWork,
    Parents,
    Reader,
    RemoteRecord,
    SendAgain,
    WorkCodec,
    WorkResult,
    Written,
)

STAMP = "2026-11-21T10:00:00Z"


def contact(first: str, last: str, **fields: Any) -> SaasRecord:
    base = {"id": f"con_{secrets.token_hex(4)}", "version": 1, "created_at": STAMP, "updated_at": STAMP}
    values = {"kind": "individual", "first_name": first, "last_name": last} | fields
    return RECORD_MODELS["contact"].model_validate(base | values)


def document(entity: str, contact_id: str, amount: str) -> SaasRecord:
    """A finalized invoice or an issued credit note of one untaxed line worth `amount`."""
    base = {"id": f"{entity[:3]}_{secrets.token_hex(4)}", "version": 1, "created_at": STAMP, "updated_at": STAMP}
    values: dict[str, Any] = {
        "number": f"{entity[:2].upper()}-{secrets.token_hex(3)}",
        "contact_id": contact_id,
        "issue_date": "2026-11-20",
        "lines": [{"description": "Boiler service", "unit_price": amount}],
    }
    if entity == "invoice":
        values |= {"due_date": "2026-12-20", "status": "finalized"}
    return RECORD_MODELS[entity].model_validate(base | values)


class ProviderContract:
    """Subclasses define the fixtures `descriptor`, `operations`, `reader` and the hooks below."""

    def lose_next_reply(self, entity: str) -> None:
        raise NotImplementedError

    def throttle_next_call(self, entity: str) -> None:
        raise NotImplementedError

    def delete_behind_our_back(self, entity: str, remote_id: str) -> None:
        raise NotImplementedError

    def count_named(self, entity: str, name: str) -> int:
        raise NotImplementedError

    def open_amount(self, entity: str, remote_id: str) -> Decimal:
        """An invoice's balance, or what a credit note has left to apply, as the books hold it now."""
        raise NotImplementedError

    # ---------------------------------------------------------------- the behaviour
    def key(self, descriptor: Descriptor) -> str:
        return secrets.token_hex(32)[: descriptor.idempotency.max_len]

    def new_body(self, operations: Operations, first: str = "Jane") -> tuple[dict[str, Any], str]:
        last = f"Doe {secrets.token_hex(3)}"
        body = operations.body("contact", contact(first, last), Parents(), ConnectionSettings())
        return body, f"{first} {last}"

    def test_a_lost_reply_repeated_with_its_key_never_makes_a_second_record(
        self, descriptor: Descriptor, operations: Operations
    ) -> None:
        body, name = self.new_body(operations)
        key = self.key(descriptor)
        self.lose_next_reply("contact")

        with pytest.raises(Transient):
            operations.create("contact", body, key)
        again = operations.create("contact", body, key)  # what the SQS retry does

        assert again.remote_id
        assert self.count_named("contact", name) == 1

    def test_a_stale_version_is_refused_as_stale(self, descriptor: Descriptor, operations: Operations) -> None:
        body, _ = self.new_body(operations)
        created = operations.create("contact", body, self.key(descriptor))
        operations.update("contact", created.remote_id, created.version, {"Notes": "first"}, self.key(descriptor))

        with pytest.raises(StaleVersion):
            operations.update("contact", created.remote_id, created.version, {"Notes": "late"}, self.key(descriptor))

    def test_a_name_already_taken_is_a_duplicate_name(self, descriptor: Descriptor, operations: Operations) -> None:
        body, name = self.new_body(operations)
        operations.create("contact", body, self.key(descriptor))

        with pytest.raises(DuplicateName):
            operations.create("contact", body, self.key(descriptor))
        assert [r.name for r in operations.find_by_name("contact", name)] == [name]

    def test_a_429_is_rate_limited_with_the_wait(self, descriptor: Descriptor, operations: Operations) -> None:
        body, _ = self.new_body(operations)
        self.throttle_next_call("contact")

        with pytest.raises(RateLimited) as refused:
            operations.create("contact", body, self.key(descriptor))
        assert refused.value.retry_after > 0

    def test_a_deleted_record_is_not_found_or_not_active(
        self, descriptor: Descriptor, operations: Operations, reader: Reader
    ) -> None:
        """Lists (customers, items) are made inactive rather than deleted in some books: either way the
        record can no longer be linked to, and the reader says so."""
        body, _ = self.new_body(operations)
        created = operations.create("contact", body, self.key(descriptor))
        self.delete_behind_our_back("contact", created.remote_id)

        try:
            found = reader.one("contact", created.remote_id)
        except RemoteNotFound:
            return
        assert found.active is False
        assert created.remote_id not in {r.remote_id for r in reader.side().customers}

    def test_reads_come_back_as_neutral_records(
        self, descriptor: Descriptor, operations: Operations, reader: Reader
    ) -> None:
        body, name = self.new_body(operations)
        created = operations.create("contact", body, self.key(descriptor))

        side = reader.side()
        mine = [r for r in side.customers if r.remote_id == created.remote_id]
        assert len(mine) == 1 and isinstance(mine[0], RemoteRecord)
        assert (mine[0].name, mine[0].remote_entity) == (name, descriptor.remote_entity("contact"))
        assert mine[0].version == created.version
        assert reader.one("contact", created.remote_id).name == name

    # ---------------------------------------------------------------- credits applied
    def documents(
        self, descriptor: Descriptor, operations: Operations, invoice_amount: str, credit_amount: str
    ) -> tuple[str, str]:
        """A customer with an invoice and a credit note in the books: their remote ids."""
        body, _ = self.new_body(operations)
        customer = operations.create("contact", body, self.key(descriptor)).remote_id
        ids = []
        for entity, amount in (("invoice", invoice_amount), ("credit_note", credit_amount)):
            record = document(entity, "con_1", amount)
            made = operations.body(entity, record, Parents(customer_id=customer), ConnectionSettings())
            ids.append(operations.create(entity, made, self.key(descriptor)).remote_id)
        return ids[0], ids[1]

    def test_a_credit_applied_lowers_the_invoice_once_per_key(
        self, descriptor: Descriptor, operations: Operations
    ) -> None:
        invoice, credit = self.documents(descriptor, operations, "200.00", "30.00")
        application = CreditApplication(credit_note_id=credit, invoice_id=invoice, amount=Decimal("30.00"))
        key = self.key(descriptor)

        first = operations.apply_credit(application, key)
        again = operations.apply_credit(application, key)  # what a retry after a lost reply does

        assert again.remote_id == first.remote_id
        assert self.open_amount("invoice", invoice) == Decimal("170.00")
        assert self.open_amount("credit_note", credit) == Decimal("0.00")

    def test_a_credit_larger_than_the_invoice_has_open_is_refused(
        self, descriptor: Descriptor, operations: Operations
    ) -> None:
        invoice, credit = self.documents(descriptor, operations, "200.00", "250.00")
        application = CreditApplication(credit_note_id=credit, invoice_id=invoice, amount=Decimal("250.00"))

        with pytest.raises(ValidationFailed):
            operations.apply_credit(application, self.key(descriptor))
        assert self.open_amount("invoice", invoice) == Decimal("200.00")
        assert self.open_amount("credit_note", credit) == Decimal("250.00")

    def test_reference_lists_come_back_neutral_and_consistent(self, reader: Reader) -> None:
        lists = reader.reference_lists()

        assert isinstance(lists, ReferenceLists)
        assert lists.income_accounts, "a company always has an income account to book sales to"
        for kind in ("tax_codes", "tax_rates", "income_accounts"):
            ids = [entry.id for entry in lists.of(kind)]
            assert len(ids) == len(set(ids)), f"{kind} repeats an id"
        rates = {rate.id for rate in lists.tax_rates}
        assert {rate for code in lists.tax_codes for rate in code.tax_rate_ids} <= rates
        assert all(rate.rate_percent is not None for rate in lists.tax_rates)

    def test_balances_name_every_active_customer_and_no_inactive_one(
        self, descriptor: Descriptor, operations: Operations, reader: Reader
    ) -> None:
        kept, _ = self.new_body(operations)
        gone, _ = self.new_body(operations, first="Gone")
        kept_id = operations.create("contact", kept, self.key(descriptor)).remote_id
        gone_id = operations.create("contact", gone, self.key(descriptor)).remote_id
        self.delete_behind_our_back("contact", gone_id)

        balances = reader.balances()

        assert balances[kept_id] == 0 and str(balances[kept_id]) == "0.00"  # exact cents, a Decimal
        assert gone_id not in balances


# ---------------------------------------------------------------- the QUEUE variant
class QueueProviderContract:
    """What a QUEUE package (its codec) owes the outbox, whichever way it is exactly once.

    Subclasses define the fixtures `descriptor`, `operations` (bodies) and `codec`, and the hooks:
    `answer(request)` runs a request message on the provider's side (None: the answer was lost after
    the commit), `edit_behind_our_back`, `take_name_elsewhere` (another kind of record holds it),
    `make_busy` (the next write finds the record in use), `count_named` and `check_request`.
    """

    def answer(self, request: str, lose: bool = False) -> str | None:
        raise NotImplementedError

    def edit_behind_our_back(self, entity: str, remote_id: str) -> None:
        raise NotImplementedError

    def take_name_elsewhere(self, name: str) -> None:
        raise NotImplementedError

    def make_busy(self, entity: str) -> None:
        raise NotImplementedError

    def count_named(self, entity: str, name: str) -> int:
        raise NotImplementedError

    def check_request(self, request: str) -> None:
        """Fails when the provider would refuse the message's shape (a schema, element order)."""

    # ---------------------------------------------------------------- helpers
    def work(self, operations: Operations, descriptor: Descriptor, **fields: Any) -> OutgoingWork:
        body, _ = ProviderContract().new_body(operations)
        values: dict[str, Any] = {"item_id": secrets.token_hex(8), "entity": "contact", "operation": "create"}
        values |= {"key": ProviderContract().key(descriptor), "body": body} | fields
        return OutgoingWork(**values)

    def exchange(self, codec: WorkCodec, work: list[OutgoingWork], lose: bool = False) -> dict[str, WorkResult]:
        request = codec.encode(work)
        self.check_request(request)
        response = self.answer(request, lose=lose)
        return {} if response is None else codec.decode(response)

    def settle(self, codec: WorkCodec, work: OutgoingWork, rounds: int = 3) -> WorkResult:
        """What the outbox does with one item until it is settled: sent again after a look-up."""
        for _ in range(rounds):
            result = self.exchange(codec, [work])[work.item_id]
            if not isinstance(result, SendAgain):
                return result
            version = result.version if result.version is not None else work.version
            work = replace(work, resent=False, version=version)
        raise AssertionError("the item was never settled")

    # ---------------------------------------------------------------- the behaviour
    def test_each_item_of_a_message_is_answered_by_its_own_id(
        self, descriptor: Descriptor, operations: Operations, codec: WorkCodec
    ) -> None:
        batch = [self.work(operations, descriptor) for _ in range(3)]

        results = self.exchange(codec, batch)

        assert set(results) == {w.item_id for w in batch}
        written = [results[w.item_id] for w in batch]
        assert all(isinstance(r, Written) and r.remote_id for r in written)
        assert len({r.remote_id for r in written}) == 3  # type: ignore[union-attr]

    def test_an_answer_lost_after_the_commit_never_makes_a_second_record(
        self, descriptor: Descriptor, operations: Operations, codec: WorkCodec
    ) -> None:
        work = self.work(operations, descriptor)
        assert self.exchange(codec, [work], lose=True) == {}

        again = self.settle(codec, replace(work, resent=True))  # what the next session sends

        assert isinstance(again, Written) and again.remote_id
        assert self.count_named("contact", work.body.get("Name") or work.body.get("DisplayName")) == 1

    def test_a_create_sent_again_that_never_arrived_is_made_once(
        self, descriptor: Descriptor, operations: Operations, codec: WorkCodec
    ) -> None:
        work = self.work(operations, descriptor, resent=True)  # sent once, lost before it arrived

        made = self.settle(codec, work)

        assert isinstance(made, Written)
        assert self.count_named("contact", work.body.get("Name") or work.body.get("DisplayName")) == 1

    def test_a_stale_version_is_stale_and_sent_again_it_lands(
        self, descriptor: Descriptor, operations: Operations, codec: WorkCodec
    ) -> None:
        created = self.settle(codec, self.work(operations, descriptor))
        assert isinstance(created, Written)
        self.edit_behind_our_back("contact", created.remote_id)
        update = self.work(
            operations, descriptor, operation="update", remote_id=created.remote_id, version=created.version
        )

        stale = self.exchange(codec, [update])[update.item_id]
        assert isinstance(stale, StaleVersion)
        landed = self.settle(codec, replace(update, resent=True))

        assert isinstance(landed, Written) and landed.remote_id == created.remote_id
        assert landed.version != created.version

    def test_a_name_held_elsewhere_is_a_duplicate_name(
        self, descriptor: Descriptor, operations: Operations, codec: WorkCodec
    ) -> None:
        work = self.work(operations, descriptor)
        self.take_name_elsewhere(work.body.get("Name") or work.body.get("DisplayName"))

        assert isinstance(self.exchange(codec, [work])[work.item_id], DuplicateName)

    def test_a_record_in_use_is_transient(
        self, descriptor: Descriptor, operations: Operations, codec: WorkCodec
    ) -> None:
        work = self.work(operations, descriptor)
        self.make_busy("contact")

        assert isinstance(self.exchange(codec, [work])[work.item_id], Transient)
