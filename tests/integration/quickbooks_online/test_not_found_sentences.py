"""The sync log names the record QuickBooks no longer has, not the first one a sentence happens to
mention (issue 10, A.10): an invoice whose item was made inactive was logged as "Customer not found"."""

from __future__ import annotations

from fieldbooks.domain.errors import RemoteNotFound
from fieldbooks.providers.quickbooks_online.errors import error_for_fault
from tests.integration.quickbooks_online.test_push_adapter import (  # noqa: F401 - fixtures
    Books,
    books,
    books_for,
    finalized_invoice,
    jane,
)


def test_an_invoice_whose_item_was_made_inactive_names_the_item_and_its_line(books: Books) -> None:  # noqa: F811
    labour = books.app.create_item(books.tenant_id, name="Labour", unit_price="10")
    parts = books.app.create_item(books.tenant_id, name="Parts", unit_price="5")
    contact = jane(books)
    books.sync()
    books.qbo.admin.edit_as_user(books.realm_id, "Item", books.link("item", parts.id).remote_id, Active=False)
    lines = [
        {"item_id": labour.id, "description": "Labour", "unit_price": "10"},
        {"item_id": parts.id, "description": "Copper pipe", "unit_price": "5"},
    ]
    invoice = finalized_invoice(books, contact.id, lines)

    assert books.sync()["batchItemFailures"] == []

    (row,) = books.log(status="error")
    assert row.detail == (
        f'Item not found in QuickBooks: the item on the line "Copper pipe" of invoice {invoice.number} was deleted '
        "or made inactive there. Relink it or make it active again."
    )
    assert books.count("Invoice") == 0


def test_an_invoice_for_an_inactive_customer_still_names_the_customer(books: Books) -> None:  # noqa: F811
    labour = books.app.create_item(books.tenant_id, name="Labour", unit_price="10")
    contact = jane(books)
    books.sync()
    books.qbo.admin.edit_as_user(books.realm_id, "Customer", books.link("contact", contact.id).remote_id, Active=False)
    lines = [{"item_id": labour.id, "description": "Labour", "unit_price": "10"}]
    invoice = finalized_invoice(books, contact.id, lines)

    assert books.sync()["batchItemFailures"] == []

    (row,) = books.log(status="error")
    assert row.detail == (
        f"Customer not found in QuickBooks: the customer of invoice {invoice.number} was deleted or made inactive "
        "there. Relink it or make it active again."
    )


def test_a_fault_naming_its_reference_says_which_record_it_is() -> None:
    named = error_for_fault({"code": "2500", "message": "Invalid Reference Id", "element": "ItemRef:7"})
    unnamed = error_for_fault({"code": "610", "message": "Object Not Found", "element": ""})
    odd = error_for_fault({"code": "2500", "message": "Invalid Reference Id", "element": "../x:1"})

    assert isinstance(named, RemoteNotFound) and (named.remote_entity, named.remote_id) == ("Item", "7")
    assert isinstance(unnamed, RemoteNotFound) and unnamed.remote_id is None
    assert isinstance(odd, RemoteNotFound) and odd.remote_id is None
