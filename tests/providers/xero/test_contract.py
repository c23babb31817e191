"""Xero's package passes the provider contract against its simulator over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal

import httpx
import pytest

from fieldbooks.providers.contract import CallContext, Descriptor, Operations, Reader
from fieldbooks.providers.xero.package import XeroPackage
from local.simulators.xero import SimulatorHandle
from tests.conftest import XERO_ORG, XERO_REDIRECT_URI
from tests.providers.contract import ProviderContract
from tests.support.xero_flow import SimulatorTokens


class TestXero(ProviderContract):
    @pytest.fixture(autouse=True)
    def simulator(self, xero: SimulatorHandle) -> Iterator[SimulatorHandle]:
        self.xero = xero
        yield xero

    @pytest.fixture
    def package(self) -> XeroPackage:
        # A short timeout: a reply the simulator drops costs a second, not eight.
        return XeroPackage(http=httpx.Client(timeout=httpx.Timeout(1.0)))

    @pytest.fixture
    def context(self, xero: SimulatorHandle) -> CallContext:
        return CallContext(company_id=XERO_ORG, tokens=SimulatorTokens(xero, XERO_ORG, XERO_REDIRECT_URI))

    @pytest.fixture
    def descriptor(self, package: XeroPackage) -> Descriptor:
        return package.descriptor

    @pytest.fixture
    def operations(self, package: XeroPackage, context: CallContext) -> Operations:
        return package.operations(context)

    @pytest.fixture
    def reader(self, package: XeroPackage, context: CallContext) -> Reader:
        return package.reader(context)

    # The client itself tries three times: a fault must outlast them to reach the caller.
    def lose_next_reply(self, entity: str) -> None:
        self.xero.admin.add_fault("drop_after_commit", entity="Contacts", times=3)

    def throttle_next_call(self, entity: str) -> None:
        self.xero.admin.add_fault("throttle", entity="Contacts", times=1)

    def delete_behind_our_back(self, entity: str, remote_id: str) -> None:
        # Contacts are archived, never deleted, in Xero (providers.md 2.3).
        self.xero.admin.edit_as_user(XERO_ORG, "Contacts", remote_id, ContactStatus="ARCHIVED")

    def count_named(self, entity: str, name: str) -> int:
        return sum(1 for r in self.xero.admin.data(XERO_ORG, "Contacts")["Contacts"] if r["Name"] == name)

    def open_amount(self, entity: str, remote_id: str) -> Decimal:
        endpoint, id_field, field = (
            ("Invoices", "InvoiceID", "AmountDue")
            if entity == "invoice"
            else ("CreditNotes", "CreditNoteID", "RemainingCredit")
        )
        (row,) = (r for r in self.xero.admin.data(XERO_ORG, endpoint)[endpoint] if r[id_field] == remote_id)
        return Decimal(str(row[field])).quantize(Decimal("0.01"))

    # ---------------------------------------------------------------- Xero's own read facts

    def test_changes_use_if_modified_since_at_or_after_the_second_and_include_archived(
        self, descriptor: Descriptor, operations: Operations, reader: Reader
    ) -> None:
        first_body, _ = self.new_body(operations)
        first = operations.create("contact", first_body, self.key(descriptor))
        seen = reader.one("contact", first.remote_id).updated_at
        assert seen is not None
        self.xero.admin.advance_clock(5)
        second_body, _ = self.new_body(operations)
        second = operations.create("contact", second_body, self.key(descriptor))
        self.delete_behind_our_back("contact", first.remote_id)  # archived: still a change

        since_first = [r.remote_id for r in reader.changes({"contact": seen})]
        later = [r for r in reader.changes({"contact": seen + timedelta(seconds=3)})]

        assert {first.remote_id, second.remote_id} <= set(since_first)
        assert {r.remote_id: r.active for r in later} == {second.remote_id: True, first.remote_id: False}
        assert [r.remote_id for r in reader.changes({"contact": seen + timedelta(days=1)})] == []
