"""The behaviour every provider package owes the engine, as one suite each provider subclasses.

A subclass supplies its `Operations` and `Reader` against its simulator (or the fake's books) and
the few hooks only a simulator can do: lose a reply after the commit, answer 429, delete a record
behind our back. The tests then hold what ENGINE.md's seam promises: a lost reply never duplicates,
a stale version is StaleVersion, a name clash is DuplicateName, a 429 is RateLimited with its wait,
a deleted record is RemoteNotFound, and reads come back as neutral RemoteRecords.
"""

from __future__ import annotations

import secrets
from typing import Any

import pytest

from fieldbooks.domain.errors import DuplicateName, RateLimited, RemoteNotFound, StaleVersion, Transient
from fieldbooks.domain.models import ConnectionSettings
from fieldbooks.domain.records import RECORD_MODELS, SaasRecord
from fieldbooks.providers.contract import Descriptor, Operations, Parents, Reader, RemoteRecord

STAMP = "2026-11-21T10:00:00Z"


def contact(first: str, last: str, **fields: Any) -> SaasRecord:
    base = {"id": f"con_{secrets.token_hex(4)}", "version": 1, "created_at": STAMP, "updated_at": STAMP}
    values = {"kind": "individual", "first_name": first, "last_name": last} | fields
    return RECORD_MODELS["contact"].model_validate(base | values)


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
