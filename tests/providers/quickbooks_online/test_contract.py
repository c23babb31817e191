"""QuickBooks Online's package passes the provider contract against its simulator over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import httpx
import pytest

from fieldbooks.providers.contract import CallContext, Descriptor, Operations, Reader
from fieldbooks.providers.quickbooks_online.package import QuickBooksOnlinePackage
from local.simulators.quickbooks_online import SimulatorHandle
from tests.conftest import QBO_REALM, QBO_REDIRECT_URI
from tests.providers.contract import ProviderContract
from tests.support.qbo_tokens import SimulatorTokens


class TestQuickBooksOnline(ProviderContract):
    @pytest.fixture(autouse=True)
    def simulator(self, qbo: SimulatorHandle) -> Iterator[SimulatorHandle]:
        self.qbo = qbo
        yield qbo

    @pytest.fixture
    def package(self) -> QuickBooksOnlinePackage:
        # A short timeout: a reply the simulator drops costs a second, not eight.
        return QuickBooksOnlinePackage(http=httpx.Client(timeout=httpx.Timeout(1.0)))

    @pytest.fixture
    def context(self, qbo: SimulatorHandle) -> CallContext:
        return CallContext(company_id=QBO_REALM, tokens=SimulatorTokens(qbo, QBO_REALM, QBO_REDIRECT_URI))

    @pytest.fixture
    def descriptor(self, package: QuickBooksOnlinePackage) -> Descriptor:
        return package.descriptor

    @pytest.fixture
    def operations(self, package: QuickBooksOnlinePackage, context: CallContext) -> Operations:
        return package.operations(context)

    @pytest.fixture
    def reader(self, package: QuickBooksOnlinePackage, context: CallContext) -> Reader:
        return package.reader(context)

    # The client itself retries three times: a fault must outlast them to reach the caller.
    def lose_next_reply(self, entity: str) -> None:
        self.qbo.admin.add_fault("drop_after_commit", entity="Customer", times=3)

    def throttle_next_call(self, entity: str) -> None:
        self.qbo.admin.add_fault("throttle", entity="Customer", times=1)

    def delete_behind_our_back(self, entity: str, remote_id: str) -> None:
        # Names are never deleted in QuickBooks, they are made inactive (providers.md 1.4).
        self.qbo.admin.edit_as_user(QBO_REALM, "Customer", remote_id, Active=False)

    def count_named(self, entity: str, name: str) -> int:
        return sum(1 for r in self.qbo.admin.data(QBO_REALM, "Customer")["Customer"] if r["DisplayName"] == name)

    def open_amount(self, entity: str, remote_id: str) -> Decimal:
        remote_entity, field = ("Invoice", "Balance") if entity == "invoice" else ("CreditMemo", "RemainingCredit")
        (row,) = (r for r in self.qbo.admin.data(QBO_REALM, remote_entity)[remote_entity] if r["Id"] == remote_id)
        return Decimal(str(row[field])).quantize(Decimal("0.01"))
