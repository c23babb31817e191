"""SaaS records → QuickBooks bodies: names, jobs, items, invoice lines worth exactly the SaaS amounts."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from fieldbooks.domain.errors import ValidationFailed
from fieldbooks.domain.models import ConflictPolicy, ConnectionSettings
from fieldbooks.domain.money import to_cents
from fieldbooks.domain.records import Contact, CreditNote, Invoice, Item, Payment, Property
from fieldbooks.providers.quickbooks_online import mapping, transactions
from fieldbooks.providers.quickbooks_online.package import QboMapper
from fieldbooks.sync.merge import canonical, changed_fields, three_way
from local.simulators.quickbooks_online import schema as qbo_schema

STAMP = {"version": 1, "created_at": "2026-11-21T10:00:00Z", "updated_at": "2026-11-21T10:00:00Z"}
US = mapping.TaxCoding("US", ConnectionSettings())


def contact(**fields: Any) -> Contact:
    return Contact.model_validate({"id": "con_1", **STAMP, "kind": "individual", **fields})


def invoice(lines: list[dict[str, Any]], **fields: Any) -> Invoice:
    values = {"id": "inv_1", **STAMP, "number": "INV-1001", "contact_id": "con_1", "status": "finalized"}
    values |= {"issue_date": "2026-11-20", "due_date": "2026-12-20", "lines": lines}
    return Invoice.model_validate(values | fields)


@pytest.mark.parametrize(
    ("name", "expected"),
    [("Jane  Doe", "jane doe"), ("O'Brien & Sons, Ltd.", "obrien sons ltd"), ("  ACME\tPlumbing ", "acme plumbing")],
)
def test_names_are_compared_casefolded_without_punctuation_or_extra_spaces(name: str, expected: str) -> None:
    assert mapping.normalised_name(name) == expected


def test_a_contact_becomes_a_customer_without_colons_in_its_name() -> None:
    body = mapping.customer(
        contact(first_name="Jane", last_name="Doe", display_name="Jane: Doe", email="jane@example.com", phone="555"),
        ConnectionSettings(),
    )
    assert body == {
        "DisplayName": "Jane Doe",
        "GivenName": "Jane",
        "FamilyName": "Doe",
        "PrimaryEmailAddr": {"Address": "jane@example.com"},
        "PrimaryPhone": {"FreeFormNumber": "555"},
    }


def test_the_naming_rule_names_individuals_with_their_company() -> None:
    smith = contact(first_name="John", last_name="Smith", company_name="Best Pipes")
    assert mapping.customer(smith, ConnectionSettings())["DisplayName"] == "John Smith"
    on = ConnectionSettings(name_individuals_with_company=True)
    assert mapping.customer(smith, on)["DisplayName"] == "John Smith (Best Pipes)"
    company = contact(kind="company", company_name="Best Pipes")
    assert mapping.customer(company, on)["DisplayName"] == "Best Pipes"


def test_a_property_is_a_job_billed_with_its_contact() -> None:
    home = Property.model_validate(
        {
            "id": "prp_1",
            **STAMP,
            "contact_id": "con_1",
            "name": "Home",
            "address": {"line1": "1 Oak St", "city": "Reno"},
        }
    )
    assert mapping.job(home, "58", "Jane Doe") == {
        "DisplayName": "Jane Doe - Home",
        "Job": True,
        "ParentRef": {"value": "58"},
        "BillWithParent": True,
        "ShipAddr": {"Line1": "1 Oak St", "City": "Reno"},
    }


def test_items_map_to_service_or_non_inventory_with_an_income_account() -> None:
    valve = Item.model_validate({"id": "itm_1", **STAMP, "name": "Valve", "kind": "material", "unit_price": "3.4125"})
    body = mapping.item(valve, "2")
    assert body["Type"] == "NonInventory"
    assert body["UnitPrice"] == Decimal("3.4125")
    assert body["IncomeAccountRef"] == {"value": "2"}
    assert mapping.income_account_name(valve) == "Sales of Product Income"


def test_invoice_lines_carry_the_net_amount_and_the_tax_total_is_explicit() -> None:
    record = invoice(
        [
            {"item_id": "itm_1", "description": "Labour", "quantity": "2.5", "unit_price": "99.50",
             "discount_percent": "10", "taxable": True, "tax_rate": "7.25"},
            {"item_id": "itm_2", "description": "Valve", "quantity": "3", "unit_price": "33.3333",
             "discount_amount": "5.00"},
            {"description": "Call-out", "unit_price": "45.00", "taxable": True, "tax_rate": "7.25"},
        ]
    )  # fmt: skip
    body = mapping.invoice(record, "58", {"itm_1": "7", "itm_2": "8"}, US, fallback_item_id="1")

    lines = body["Line"]
    assert [line["Amount"] for line in lines] == [line.amount - line.discount for line in record.lines]
    for line in lines:  # QuickBooks computes Amount as Qty × UnitPrice rounded: it must land on the net
        detail = line["SalesItemLineDetail"]
        assert to_cents(detail["Qty"] * detail["UnitPrice"]) == line["Amount"]
    assert [line["SalesItemLineDetail"]["TaxCodeRef"]["value"] for line in lines] == ["TAX", "NON", "TAX"]
    assert [line["SalesItemLineDetail"]["ItemRef"]["value"] for line in lines] == ["7", "8", "1"]
    assert lines[0]["Description"] == "Labour (less 10% discount, 24.88)"
    assert body["TxnTaxDetail"] == {"TotalTax": record.tax_total}
    assert sum(line["Amount"] for line in lines) + body["TxnTaxDetail"]["TotalTax"] == record.total
    assert (body["DocNumber"], body["CustomerRef"]) == ("INV-1001", {"value": "58"})


def test_outside_the_us_taxable_lines_take_the_tenants_tax_code() -> None:
    record = invoice([{"item_id": "i", "description": "Labour", "unit_price": "10", "taxable": True, "tax_rate": "20"}])
    with pytest.raises(ValidationFailed, match="default tax code"):
        mapping.invoice(record, "58", {"i": "7"}, mapping.TaxCoding("GB", ConnectionSettings()))
    body = mapping.invoice(
        record, "58", {"i": "7"}, mapping.TaxCoding("GB", ConnectionSettings(default_tax_code_id="3"))
    )
    assert body["Line"][0]["SalesItemLineDetail"]["TaxCodeRef"] == {"value": "3"}
    assert "TxnTaxDetail" not in body  # TaxService computes it


def test_outside_the_us_non_taxable_lines_take_the_exempt_code_as_quickbooks_requires() -> None:
    """A GB/CA/AU line without a TaxCodeRef is refused with 6000 ("... a VAT rate before you save")."""
    record = invoice(
        [
            {"item_id": "i", "description": "Labour", "unit_price": "10", "taxable": True, "tax_rate": "20"},
            {"item_id": "i", "description": "Permit", "unit_price": "5"},
        ]
    )
    settings = ConnectionSettings(default_tax_code_id="3")
    with pytest.raises(ValidationFailed, match="tax code on every line outside the US"):
        mapping.invoice(record, "58", {"i": "7"}, mapping.TaxCoding("GB", settings))

    body = mapping.invoice(record, "58", {"i": "7"}, mapping.TaxCoding("GB", settings, exempt_code="4"))

    assert [line["SalesItemLineDetail"]["TaxCodeRef"] for line in body["Line"]] == [{"value": "3"}, {"value": "4"}]


def test_customer_bodies_fit_the_string_limits_and_schema_quickbooks_enforces() -> None:
    """Checked by the simulator's own reading of Intuit's schema: over-long name parts are 2050."""
    # The SaaS contract allows 200-character company names and 4000-character notes.
    address = {"line1": "1" * 600, "city": "c" * 300, "region": "r" * 300, "postal_code": "9" * 40}
    long_one = contact(
        first_name="F" * 100,
        last_name="L" * 100,
        company_name="C" * 200,
        notes="n" * 4000,
        billing_address={**address, "country": "k" * 300},
    )
    body = mapping.customer(long_one, ConnectionSettings())

    assert [len(body[key]) for key in ("GivenName", "FamilyName", "CompanyName", "Notes")] == [100, 100, 100, 2000]
    assert [len(value) for value in body["BillAddr"].values()] == [500, 255, 255, 30, 255]
    qbo_schema.check_known_properties("Customer", body)
    qbo_schema.check_string_limits("Customer", body)


def test_an_email_longer_than_quickbooks_accepts_is_refused_with_a_sentence() -> None:
    with pytest.raises(ValidationFailed, match="at most 100"):
        mapping.customer(contact(first_name="Jane", email="j" * 95 + "@x.com"), ConnectionSettings())


def test_a_line_without_an_item_and_no_fallback_is_refused_with_its_description() -> None:
    with pytest.raises(ValidationFailed, match="Goodwill"):
        mapping.invoice(invoice([{"description": "Goodwill", "unit_price": "20"}]), "58", {}, US)


def test_credit_notes_and_payments() -> None:
    note = CreditNote.model_validate(
        {"id": "crn_1", **STAMP, "number": "CN-1", "contact_id": "con_1", "issue_date": "2026-11-21",
         "lines": [{"item_id": "i", "description": "Refund", "unit_price": "20.00"}], "reason": "Goodwill"}
    )  # fmt: skip
    memo = mapping.credit_memo(note, "58", {"i": "7"}, US)
    assert (memo["DocNumber"], memo["CustomerMemo"], memo["TxnTaxDetail"]) == (
        "CN-1",
        {"value": "Goodwill"},
        {"TotalTax": Decimal("0.00")},
    )
    paid = Payment.model_validate(
        {"id": "pay_1", **STAMP, "contact_id": "con_1", "date": "2026-11-22", "amount": "150.00", "method": "card",
         "reference": "R-9", "applied_to": [{"invoice_id": "inv_1", "amount": "120.00"}]}
    )  # fmt: skip
    assert mapping.payment(paid, "58", {"inv_1": "130"}) == {
        "CustomerRef": {"value": "58"},
        "TotalAmt": Decimal("150.00"),
        "TxnDate": "2026-11-22",
        "Line": [{"Amount": Decimal("120.00"), "LinkedTxn": [{"TxnId": "130", "TxnType": "Invoice"}]}],
        "PaymentRefNum": "R-9",
        "PrivateNote": "Sent by Fieldbooks from payment pay_1",
    }
    assert QboMapper().payment_of(mapping.payment(paid, "58", {"inv_1": "130"})).sent_from == "pay_1"
    assert (
        QboMapper().payment_of({"PrivateNote": "Voided - Sent by Fieldbooks from payment pay_1"}).sent_from == "pay_1"
    )
    assert QboMapper().payment_of({"PrivateNote": "Paid at the counter"}).sent_from is None


def test_updates_send_only_what_changed_since_the_snapshot() -> None:
    base = canonical({"Name": "Labour", "UnitPrice": Decimal("99.50"), "Taxable": True})
    assert changed_fields(base, {"Name": "Labour", "UnitPrice": Decimal("99.5"), "Taxable": True}) == {}
    assert changed_fields(base, {"Name": "Labour (hour)", "UnitPrice": 99.5, "Taxable": True}) == {
        "Name": "Labour (hour)"
    }


def test_the_merge_keeps_quickbooks_edits_and_applies_the_policy_where_both_changed() -> None:
    base = canonical({"DisplayName": "Jane Doe", "PrimaryEmailAddr": {"Address": "old@example.com"}})
    theirs = {
        "Id": "58",
        "SyncToken": "3",
        "DisplayName": "Jane Doe",
        "PrimaryEmailAddr": {"Address": "books@example.com"},
        "PrimaryPhone": {"FreeFormNumber": "555"},
    }
    ours = {"DisplayName": "Jane Q. Doe", "PrimaryEmailAddr": {"Address": "jane@example.com"}}
    earlier, later = datetime(2026, 11, 21, 9, tzinfo=UTC), datetime(2026, 11, 21, 11, tzinfo=UTC)

    saas_wins = three_way(base, ours, theirs, ConflictPolicy.SAAS_WINS, earlier, later, QboMapper().comparable)
    assert saas_wins.send == ours
    assert saas_wins.both_changed == {
        "PrimaryEmailAddr": {"saas": {"Address": "jane@example.com"}, "accounting": {"Address": "books@example.com"}}
    }
    books_win = three_way(base, ours, theirs, ConflictPolicy.ACCOUNTING_WINS, later, earlier, QboMapper().comparable)
    assert books_win.send == {"DisplayName": "Jane Q. Doe"}
    assert three_way(base, ours, theirs, ConflictPolicy.MOST_RECENT, earlier, later, QboMapper().comparable).send == {
        "DisplayName": "Jane Q. Doe"
    }
    assert (
        three_way(base, ours, theirs, ConflictPolicy.MOST_RECENT, later, earlier, QboMapper().comparable).send == ours
    )


def test_a_payment_body_says_which_invoices_it_pays_and_by_how_much() -> None:
    """providers.md 1.3: `Line[].LinkedTxn`; a line may name several transactions, and only invoices count."""
    body = {
        "TotalAmt": 130.5,
        "TxnDate": "2026-11-25",
        "PaymentRefNum": "CHK-1",
        "Line": [
            {"Amount": 80.25, "LinkedTxn": [{"TxnId": "130", "TxnType": "Invoice"}]},
            {"Amount": 20, "LinkedTxn": [{"TxnId": "130", "TxnType": "Invoice"}]},
            {"Amount": 30.25, "LinkedTxn": [{"TxnId": "7", "TxnType": "CreditMemo"}]},
        ],
    }

    parts = QboMapper().payment_of(body)

    assert (parts.total, parts.applied, parts.reference) == (Decimal("130.50"), {"130": Decimal("100.25")}, "CHK-1")
    assert parts.credits == Decimal("30.25")  # taken from a credit memo, not paid in money
    assert parts.date is not None and parts.date.isoformat() == "2026-11-25"
    assert QboMapper().balance_of({"Balance": 19.75}) == Decimal("19.75")
    assert QboMapper().balance_of({}) is None


def test_a_voided_transaction_is_told_by_its_zeroed_total_and_note() -> None:
    """providers.md 1.4: a void zeroes the amounts and adds "Voided" to PrivateNote; names never void."""
    assert transactions.is_voided("Invoice", {"TotalAmt": 0, "PrivateNote": "Voided - sent twice"})
    assert transactions.is_voided("Payment", {"TotalAmt": 0, "PrivateNote": "Voided"})
    assert not transactions.is_voided("Invoice", {"TotalAmt": 5, "PrivateNote": "Voided coupon"})
    assert not transactions.is_voided("Invoice", {"TotalAmt": 0})
    assert not transactions.is_voided("Customer", {"TotalAmt": 0, "PrivateNote": "Voided"})
