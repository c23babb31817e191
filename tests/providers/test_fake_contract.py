"""The fake provider passes the same contract, so the engine tests that run on it prove something."""

from __future__ import annotations

from decimal import Decimal

import pytest

from fieldbooks.domain.errors import RateLimited
from fieldbooks.providers.contract import Descriptor, Operations, Reader
from tests.providers.contract import ProviderContract
from tests.support.fake_provider import FAKE_DESCRIPTOR, FakeBooks, FakeOperations, FakeReader


class TestFakeProvider(ProviderContract):
    @pytest.fixture(autouse=True)
    def books(self) -> FakeBooks:
        self.fake_books = FakeBooks()
        return self.fake_books

    @pytest.fixture
    def descriptor(self) -> Descriptor:
        return FAKE_DESCRIPTOR

    @pytest.fixture
    def operations(self, books: FakeBooks) -> Operations:
        return FakeOperations(books)

    @pytest.fixture
    def reader(self, books: FakeBooks) -> Reader:
        return FakeReader(books)

    def lose_next_reply(self, entity: str) -> None:
        self.fake_books.lose_next_reply = True

    def throttle_next_call(self, entity: str) -> None:
        self.fake_books.throttle = RateLimited("Slow down.", retry_after=30)

    def delete_behind_our_back(self, entity: str, remote_id: str) -> None:
        self.fake_books.records[("Customer", remote_id)].active = False

    def count_named(self, entity: str, name: str) -> int:
        return len(self.fake_books.named("Customer", name))

    def open_amount(self, entity: str, remote_id: str) -> Decimal:
        stored = self.fake_books.records[("Invoice" if entity == "invoice" else "CreditNote", remote_id)]
        return Decimal(stored.fields.get("Open", stored.fields["Total"]))
